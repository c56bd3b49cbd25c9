#!/bin/sh
docker run \
  --restart no \
  busybox true
