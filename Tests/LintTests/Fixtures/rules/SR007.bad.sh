#!/bin/sh
# SR007: a line that breaks the rule
docker run \
  --cpus 8 \
  busybox true
