#!/bin/sh
# SR024: a line that breaks the rule
docker run \
  --restart always \
  busybox true
