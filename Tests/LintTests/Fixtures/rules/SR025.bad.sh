#!/bin/sh
# SR025: a line that breaks the rule (judged against the shipped service profile, capped at 10mbit)
securerun run \
  --egress-rate 1gbit \
  busybox true
