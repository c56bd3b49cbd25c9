#!/bin/sh
# SR015: a line that breaks the rule
docker run \
  --pid host \
  busybox true
