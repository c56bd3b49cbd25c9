#!/bin/sh
docker run \
  --pull never \
  busybox true
