#!/bin/sh
# SR002: a line that breaks the rule
docker run \
  --cap-add SYS_ADMIN \
  busybox true
