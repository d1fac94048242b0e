#!/usr/bin/env python3
"""mail-gaps.py - acknowledgement gaps in mailclient.py "send" output.

  mail-gaps.py SENT [FROM_MS TO_MS]

SENT holds the lines of one or more concurrent senders: "ok N EPOCHMS ..." for an
acknowledged message (mailclient.py adds TXMS [refused=..]),
"err N REASON EPOCHMS [CODE TEXT...]" for a refused or failed one.  Only
acknowledgements between FROM_MS and TO_MS (epoch ms; default: the whole
file) count.  Prints one line:
  acked A refused R longest_gap_ms G gap_from_ms F gap_to_ms T
where G is the longest time between two consecutive acknowledgements (of
any sender), from F to T.
"""
import sys

oks, errs = [], 0
lo = float(sys.argv[2]) if len(sys.argv) > 3 else float("-inf")
hi = float(sys.argv[3]) if len(sys.argv) > 3 else float("inf")
with open(sys.argv[1]) as f:
    for line in f:
        w = line.split()
        if len(w) >= 3 and w[0] == "ok":
            t = float(w[2])
            if lo <= t <= hi:
                oks.append(t)
        elif len(w) >= 4 and w[0] == "err":
            t = float(w[3])     # the reply text may follow
            if lo <= t <= hi:
                errs += 1
oks.sort()
gap, frm, to = 0, 0, 0
for a, b in zip(oks, oks[1:]):
    if b - a > gap:
        gap, frm, to = b - a, a, b
print("acked %d refused %d longest_gap_ms %d gap_from_ms %d gap_to_ms %d"
      % (len(oks), errs, gap, frm, to))
