#!/bin/sh
# SR033: a line that breaks the rule (the default profile allows on-failure and unless-stopped)
docker run -d \
  --restart always \
  busybox true
