#!/bin/sh
# SR008: a line that breaks the rule
docker run \
  --pids-limit -1 \
  busybox true
