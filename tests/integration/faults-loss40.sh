#!/bin/bash
# 40 % random UDP loss leaving both nodes for 60 s at keepalive 200 ms,
# deadtime 1 s: zero false failovers (faults-loss.inc).  hbd sends every
# keepalive on the clean link and, once it sees loss, every 58 ms (30 %
# floor) down to 40 ms at an estimated 40 %
# (hbd_send_interval, doc/hbd.md): about 1e-5 false deaths per hour and
# direction in the steady state.  The risk is the onset: with an hbd peer
# (hbdmiss) about 8 more sends must be lost in a row before the rate goes
# up, p^8 = 7e-4 per direction at 40 %, so this run fails with a
# probability of about 0.1-0.2 %.
PCT=40
: "${HB_LOSS_KEEPALIVE:=200ms}" "${HB_LOSS_DEADTIME:=1}" "${HB_LOSS_PHASES:=both}"
. "$(dirname "$0")/faults-loss.inc"
