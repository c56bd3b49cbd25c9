#!/bin/sh
docker run \
  --oom-score-adj 500 \
  busybox true
