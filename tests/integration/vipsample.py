#!/usr/bin/env python3
"""vipsample.py NETNS1 NETNS2 ADDR INTERVAL_MS - print "ms a b" every
INTERVAL_MS until killed, a/b = 1 when that namespace has ADDR as a local
address (a bind to it succeeds).  One process and no fork per sample, so
it keeps its rate on a loaded machine where "ip netns exec" per sample
does not (hb_sample_vip in hbd-lib.sh).  Needs root (setns)."""
import ctypes
import os
import socket
import sys
import time

CLONE_NEWNET = 0x40000000
libc = ctypes.CDLL(None, use_errno=True)
fds = [os.open("/var/run/netns/" + n, os.O_RDONLY) for n in sys.argv[1:3]]
addr, interval = sys.argv[3], float(sys.argv[4]) / 1000


def holds(fd):
    if libc.setns(fd, CLONE_NEWNET) != 0:
        raise OSError(ctypes.get_errno(), "setns")
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.bind((addr, 0))
        return 1
    except OSError:
        return 0
    finally:
        s.close()


while True:
    a, b = holds(fds[0]), holds(fds[1])
    print("%d %d %d" % (time.time() * 1000, a, b), flush=True)
    time.sleep(interval)
