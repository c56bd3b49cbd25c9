#!/bin/sh
# SR013: a line that breaks the rule
docker run \
  --security-opt apparmor=unconfined \
  busybox true
