#!/bin/sh
# SR006: a line that breaks the rule
docker run \
  -m 4g \
  busybox true
