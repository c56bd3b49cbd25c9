#!/bin/sh
# SR010: a line that breaks the rule
docker run \
  -v /:/host \
  busybox true
