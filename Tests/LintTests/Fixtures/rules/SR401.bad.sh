#!/bin/sh
# SR401: a line that breaks the rule
docker run \
  -w relative/dir \
  busybox true
