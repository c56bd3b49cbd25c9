#!/bin/sh
docker run \
  --rm \
  busybox true
