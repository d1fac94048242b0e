#!/bin/bash
# hbd and a real Heartbeat 3.0.6 node (crm off, sha1 authkeys) see each
# other active in their own cl_status, and each detects the other's death.
NT_NAME=hbd-interop
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hbd-lib.sh"
. "$(dirname "$0")/heartbeat-lib.sh"
nt_init
nt_node node1 10.56.0.1/24
nt_node node2 10.56.0.2/24
hbr_pair_start "ucast eth0 10.56.0.2" "ucast eth0 10.56.0.1"
hbr_pair_clean
# a real Heartbeat still gets its flow-control acks (one per 10 seqs)
acks=$(echo counters | socat - "UNIX-CONNECT:$NT_TMP/node1/hbd.sock" | awk '$1 == "ack_sent" {print $2}')
[ "${acks:-0}" -ge 2 ] || nt_fail "hbd sent ${acks:-no} acks to Heartbeat"
nt_log "hbd sent $acks acks to Heartbeat"
hbr_pair_deaths
nt_pass
