#!/bin/sh
# SR018: a line that breaks the rule
docker run \
  --sysctl kernel.domainname=x \
  busybox true
