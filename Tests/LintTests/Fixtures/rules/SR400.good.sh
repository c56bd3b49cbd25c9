#!/bin/sh
docker run \
  -d \
  busybox true
