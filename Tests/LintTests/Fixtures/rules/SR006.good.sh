#!/bin/sh
docker run \
  -m 256m \
  busybox true
