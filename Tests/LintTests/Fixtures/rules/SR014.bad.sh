#!/bin/sh
# SR014: a line that breaks the rule
docker run \
  -u 33:33 -v /srv/app-data:/data:ro \
  busybox true
