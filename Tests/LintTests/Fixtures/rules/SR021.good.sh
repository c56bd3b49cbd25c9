#!/bin/sh
docker run \
  -e A=b \
  busybox true
