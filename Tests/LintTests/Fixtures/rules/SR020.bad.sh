#!/bin/sh
# SR020: a line that breaks the rule
docker run \
  --use-api-socket \
  busybox true
