#!/bin/sh
# judged against the shipped service profile: a lower rate only tightens it
securerun run \
  --egress-rate 2mbit --ingress-rate 1mbit \
  busybox true
