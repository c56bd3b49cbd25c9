#!/bin/sh
docker run \
  --pids-limit 64 \
  busybox true
