#!/bin/sh
docker run \
  --security-opt no-new-privileges \
  busybox true
