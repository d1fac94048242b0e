#!/bin/bash
# Partition heal in a mixed cluster, hbd on node1: see faults-heal-heartbeat.inc.
HBD_NODE=node1
. "$(dirname "$0")/faults-heal-heartbeat.inc"
