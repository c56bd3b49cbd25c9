#!/bin/sh
# SR012: a line that breaks the rule
docker run \
  -p 8080:80 \
  busybox true
