#!/bin/sh
# SR021: a line that breaks the rule
docker run \
  --volumes-from db \
  busybox true
