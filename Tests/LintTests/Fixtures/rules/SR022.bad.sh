#!/bin/sh
# SR022: a line that breaks the rule
docker run \
  --annotation run.oci.keep_original_groups=1 \
  busybox true
