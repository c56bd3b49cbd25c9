#!/bin/sh
docker run \
  -i \
  busybox true
