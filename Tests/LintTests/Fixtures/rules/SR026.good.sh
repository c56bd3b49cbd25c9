#!/bin/sh
docker run \
  --network none \
  busybox true
