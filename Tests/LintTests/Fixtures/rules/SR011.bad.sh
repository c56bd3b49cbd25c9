#!/bin/sh
# SR011: a line that breaks the rule
docker run \
  --tmpfs /tmp:exec \
  busybox true
