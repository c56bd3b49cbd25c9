#!/bin/sh
docker run \
  --cpus 0.5 \
  busybox true
