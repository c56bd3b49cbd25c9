#!/bin/sh
docker run \
  -l team=web \
  busybox true
