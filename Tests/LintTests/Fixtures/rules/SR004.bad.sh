#!/bin/sh
# SR004: a line that breaks the rule
docker run \
  --security-opt no-new-privileges=false \
  busybox true
