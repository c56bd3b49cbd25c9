#!/bin/sh
docker run \
  --cap-drop ALL \
  busybox true
