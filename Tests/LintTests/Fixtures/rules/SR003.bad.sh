#!/bin/sh
# SR003: a line that breaks the rule
docker run \
  --read-only=false \
  busybox true
