#!/bin/sh
docker run \
  --name web \
  busybox true
