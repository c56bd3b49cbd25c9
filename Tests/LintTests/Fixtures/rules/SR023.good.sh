#!/bin/sh
docker run \
  --ulimit nofile=512:512 \
  busybox true
