#!/bin/bash
# Partition heal in a mixed cluster, hbd on node2: see faults-heal-heartbeat.inc.
HBD_NODE=node2
. "$(dirname "$0")/faults-heal-heartbeat.inc"
