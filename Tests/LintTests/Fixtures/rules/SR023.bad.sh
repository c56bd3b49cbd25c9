#!/bin/sh
# SR023: a line that breaks the rule
docker run \
  --ulimit nofile=999999999:999999999 \
  busybox true
