#!/bin/sh
# SR012: a line that breaks the rule
docker run \
  --network host \
  busybox true
