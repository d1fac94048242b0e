#!/bin/bash
# A short nemesis soak (soak-lib.sh; bench/soak is the 30-minute run): the
# mail cluster under SMTP load (40 msgs/s from 4 clients) plus IMAP and
# POP3 readers for 150 s, three random faults (seeded; SEED=N replays),
# then the invariants: VIP ownership, every acknowledged message readable
# once, the standby converged after each fault and at the end, no daemon
# exit except by a fault.
NT_NAME=soak-short
: "${SOAK_SECS:=150}" "${SOAK_FAULTS:=3}" "${SOAK_FIRST:=15}"
: "${SOAK_GAP_MIN:=40}" "${SOAK_GAP_MAX:=45}" "${SOAK_RATE:=40}" "${SOAK_LOSS_SECS:=20}"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hbd-lib.sh"
. "$(dirname "$0")/faults-lib.sh"
. "$(dirname "$0")/resources-mail.inc"
. "$(dirname "$0")/mail-lib.sh"
. "$(dirname "$0")/soak-lib.sh"
trap soak_cleanup EXIT
soak_setup
soak_run
