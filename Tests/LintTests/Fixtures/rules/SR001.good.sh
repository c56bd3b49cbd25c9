#!/bin/sh
docker run \
  -u 1000:1000 \
  busybox true
