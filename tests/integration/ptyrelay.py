#!/usr/bin/env python3
"""ptyrelay.py - a null-modem cable between two ptys, that can lose packets.

    ptyrelay.py LINK_A LINK_B LOG

Makes two pty pairs, links LINK_A and LINK_B to their slave ends (set raw,
as socat's "pty,raw,echo=0"), and copies bytes between the master ends.
The relay keeps both slaves open itself, so the cable outlives the
programs on it; bytes a far end does not read (its node is down) wait in
a queue and are lost beyond 1 MiB, as on a real line.  Bytes travel as Heartbeat's serial format packs them:
each ">>>\\n" ... "<<<\\n" block is passed on whole, anything outside blocks
at once.  For each block it appends "A>B t=... src=... seq=... sent|dropped"
to LOG.

SIGUSR1 drops the next block with a seq field from A to B; SIGUSR2 the
next from B to A (a packet lost on the line, so the receiver has a gap to
fill).
"""
import os
import re
import select
import signal
import sys
import tty

START, END = b">>>\n", b"<<<\n"
QUEUE_MAX = 1 << 20


class Direction:
    def __init__(self, name, src, dst, log):
        self.name, self.src, self.dst, self.log = name, src, dst, log
        self.buf = b""
        self.out = bytearray()
        self.drop = 0

    def feed(self, data):
        self.buf += data
        while self.buf:
            s = self.buf.find(START)
            if s != 0:
                # bytes before a block (or no block yet) go straight on,
                # but keep a tail that may be the start of ">>>\n"
                keep = s if s > 0 else max(0, len(self.buf) - 3)
                if keep == 0:
                    return
                self.write(self.buf[:keep])
                self.buf = self.buf[keep:]
                continue
            e = self.buf.find(END)
            if e < 0:
                return
            block, self.buf = self.buf[:e + len(END)], self.buf[e + len(END):]
            fields = dict(re.findall(rb"^([a-z]+)=(.*)$", block, re.M))
            what = " ".join("%s=%s" % (k, fields.get(k.encode(), b"-").decode(
                "ascii", "replace")) for k in ("t", "src", "seq"))
            if self.drop and b"seq" in fields:
                self.drop -= 1
                verdict = "dropped"
            else:
                self.write(block)
                verdict = "sent"
            self.log.write("%s %s %s\n" % (self.name, what, verdict))
            self.log.flush()

    def write(self, data):
        # queued, written as the far end reads; a far end that does not
        # read (its node is down) loses what is over QUEUE_MAX, as on a
        # real line, and the relay never stalls
        if len(self.out) + len(data) <= QUEUE_MAX:
            self.out += data
        self.flush()

    def flush(self):
        while self.out:
            try:
                n = os.write(self.dst, self.out)
            except OSError:
                return
            del self.out[:n]


def main():
    link_a, link_b, logpath = sys.argv[1:4]
    log = open(logpath, "a")
    ends = []
    for link in (link_a, link_b):
        master, slave = os.openpty()
        tty.setraw(slave)
        os.set_blocking(master, False)
        if os.path.lexists(link):
            os.unlink(link)
        os.symlink(os.ttyname(slave), link)
        ends.append((master, slave))
    (ma, _), (mb, _) = ends
    ab = Direction("A>B", ma, mb, log)
    ba = Direction("B>A", mb, ma, log)
    signal.signal(signal.SIGUSR1, lambda *a: setattr(ab, "drop", ab.drop + 1))
    signal.signal(signal.SIGUSR2, lambda *a: setattr(ba, "drop", ba.drop + 1))
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    by_fd = {ma: ab, mb: ba}
    while True:
        wfds = [d.dst for d in (ab, ba) if d.out]
        ready, writable, _ = select.select([ma, mb], wfds, [])
        for d in (ab, ba):
            if d.dst in writable:
                d.flush()
        for fd in ready:
            try:
                data = os.read(fd, 65536)
            except BlockingIOError:
                continue
            except OSError:
                data = b""
            if data:
                by_fd[fd].feed(data)


if __name__ == "__main__":
    main()
