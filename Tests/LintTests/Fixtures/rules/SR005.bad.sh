#!/bin/sh
# SR005: a line that breaks the rule
docker run \
  --security-opt seccomp=unconfined \
  busybox true
