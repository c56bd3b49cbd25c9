#!/bin/sh
# SR001: a line that breaks the rule
docker run \
  -u 0 \
  busybox true
