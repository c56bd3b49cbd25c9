#!/bin/sh
docker run \
  --init \
  busybox true
