#!/bin/sh
docker run \
  -u 1000:1000 -v /srv/app-data:/data:ro \
  busybox true
