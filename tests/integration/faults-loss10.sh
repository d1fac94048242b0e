#!/bin/bash
# 10 % random UDP loss on node1, then on both nodes, 60 s each, at
# deadtime = 5 x keepalive: zero false failovers (faults-loss.inc).
PCT=10
. "$(dirname "$0")/faults-loss.inc"
