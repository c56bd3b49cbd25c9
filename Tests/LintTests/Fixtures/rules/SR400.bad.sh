#!/bin/sh
# SR400: a line that breaks the rule
docker run \
  --no-such-flag \
  busybox true
