#!/bin/sh
docker run \
  -v /srv/app-data:/data:ro \
  busybox true
