#!/bin/sh
# SR024: a line that breaks the rule
docker run \
  --pull always \
  busybox true
