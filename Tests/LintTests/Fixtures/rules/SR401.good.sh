#!/bin/sh
docker run \
  -w /app \
  busybox true
