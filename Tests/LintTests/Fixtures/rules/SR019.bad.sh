#!/bin/sh
# SR019: a line that breaks the rule
docker run \
  --cgroup-parent /system.slice \
  busybox true
