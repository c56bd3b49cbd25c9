#!/bin/sh
# SR016: a line that breaks the rule
docker run \
  --device /dev/kvm \
  busybox true
