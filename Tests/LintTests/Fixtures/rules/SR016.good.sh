#!/bin/sh
docker run \
  -t \
  busybox true
