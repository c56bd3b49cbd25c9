#!/bin/sh
# SR017: a line that breaks the rule
docker run \
  --oom-kill-disable \
  busybox true
