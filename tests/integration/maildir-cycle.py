#!/usr/bin/env python3
"""maildir-cycle.py ROOT FIRST N [LIVE]

N message life cycles under the replicate test roots ROOT/mail and
ROOT/accounts, numbered from FIRST, as a mail server does them:
  - a queue file written in accounts/queue/incoming/, moved to active/
    and deleted once delivered (Postfix's queue);
  - the message written in tmp/ and renamed into new/ of one of 8
    mailboxes (the MDA), the mailbox's dovecot-uidlist rewritten through
    a temp file and a rename (Dovecot);
  - two deliveries later it is seen: new/ -> cur/NAME:2,S (IMAP);
  - once a mailbox holds more than LIVE (default 50) it is expunged.
At the end every message left is flagged and expunged too, so the trees
hold the same files after each call (directories and uidlists only)."""
import collections
import os
import sys

root, first, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
live = int(sys.argv[4]) if len(sys.argv) > 4 else 50
boxes = ["%s/mail/example.com/u%d/Maildir" % (root, i) for i in range(8)]
queue = "%s/accounts/queue" % root
for b in boxes:
    for d in ("tmp", "new", "cur"):
        os.makedirs("%s/%s" % (b, d), exist_ok=True)
for d in ("incoming", "active"):
    os.makedirs("%s/%s" % (queue, d), exist_ok=True)
held = collections.defaultdict(collections.deque)
body = b"x" * 1500


def seen(b, u):
    os.rename("%s/new/%s" % (b, u), "%s/cur/%s:2,S" % (b, u))


for i in range(first, first + n):
    b = boxes[i % len(boxes)]
    u = "1800000000.M%dP%d.cycle,S=1516" % (i, os.getpid())
    qf = "%s/incoming/Q%08X" % (queue, i)
    with open(qf, "wb") as f:
        f.write(b"queue file %d\n" % i)
    os.rename(qf, "%s/active/Q%08X" % (queue, i))
    with open("%s/tmp/%s" % (b, u), "wb") as f:
        f.write(b"Subject: %d\n\n" % i + body)
    os.rename("%s/tmp/%s" % (b, u), "%s/new/%s" % (b, u))
    os.unlink("%s/active/Q%08X" % (queue, i))
    with open("%s/dovecot-uidlist.tmp" % b, "wb") as f:
        f.write(b"3 V1 N%d\n" % (i + 1))
    os.rename("%s/dovecot-uidlist.tmp" % b, "%s/dovecot-uidlist" % b)
    q = held[b]
    q.append(u)
    if len(q) > 2:
        seen(b, q[-3])
    if len(q) > live:
        os.unlink("%s/cur/%s:2,S" % (b, q.popleft()))
for b, q in held.items():
    for u in list(q)[-2:]:
        seen(b, u)
    for u in q:
        os.unlink("%s/cur/%s:2,S" % (b, u))
