#!/bin/sh
# SR026: a line that breaks the rule (the default profile has network none)
docker run \
  -p 8080:80 \
  busybox true
