#!/bin/sh
docker run \
  --read-only \
  busybox true
