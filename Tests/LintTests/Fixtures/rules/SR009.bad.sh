#!/bin/sh
# SR009: a line that breaks the rule
docker run \
  --privileged \
  busybox true
