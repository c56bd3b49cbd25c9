#!/bin/sh
docker run \
  --ipc private \
  busybox true
