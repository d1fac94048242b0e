#!/usr/bin/env python3
"""flood.py - hostile traffic for the flood tests (only to the test's own
namespaces: the caller runs it inside the client namespace).

  udp HOST PORT RATE SECS
      RATE packets/s for SECS s to HOST:PORT (UDP): half garbage (random
      bytes, random length), half forged heartbeat packets (classic and
      netstring framing, a real node's name, plausible seq/hg/ts, a
      made-up signature).  Prints "sent N in S s".
  tcp HOST PORT RATE SECS HOLD
      RATE new TCP connections/s for SECS s to HOST:PORT; every other one
      sends a TLS ClientHello (no PSK: the handshake cannot succeed), the
      rest send nothing; each is held open for HOLD s or until the server
      closes it.  Prints "connections N, refused R, closed by server C,
      open at most M".
  lag SRC_DIR DST_DIR RATE SECS
      deliver RATE messages/s for SECS s into the Maildir SRC_DIR (write in
      tmp/, rename into new/) and time each one until its name appears in
      DST_DIR/new (inotify).  Prints "n N got G p50 X p99 Y max Z" in ms.
"""
import ctypes
import errno
import os
import random
import select
import socket
import ssl
import struct
import sys
import threading
import time


def paced(rate, secs, step):
    """Yield how many items are due now, every ~10 ms, for secs."""
    t0 = time.monotonic()
    done = 0
    while True:
        now = time.monotonic()
        if now - t0 >= secs:
            return
        due = int((now - t0) * rate) - done
        if due > 0:
            yield due
            done += due
        time.sleep(step)


def forged(rng):
    node = rng.choice(["node1", "node2"])
    fields = [("t", rng.choice(["status", "NS_ackmsg", "resource", "hb_takeover"])),
              ("st", "active"), ("dt", "1f4"), ("protocol", "1"),
              ("src", node), ("seq", "%x" % rng.randrange(1, 1 << 20)),
              ("hg", "%x" % rng.randrange(1, 1 << 16)),
              ("ts", "%x" % int(time.time())), ("ld", "0.10 0.10 0.10 1/100 1"),
              ("ttl", "3"),
              ("auth", "1 %040x" % rng.getrandbits(160))]
    if rng.random() < 0.5:
        return (">>>\n" + "".join("%s=%s\n" % f for f in fields) + "<<<\n").encode()
    body = b"".join(b"%d:%s=%s," % (len(k) + len(v) + 1, k.encode(), v.encode())
                    for k, v in fields)
    return b"###\n" + body + b"%%%\n"


def udp(host, port, rate, secs):
    rng = random.Random(694)
    pool = []
    for i in range(2000):
        if i % 2:
            pool.append(forged(rng))
        else:
            pool.append(bytes(rng.getrandbits(8) for _ in range(rng.randrange(1, 1400))))
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 20)
    sent = i = 0
    t0 = time.monotonic()
    for due in paced(rate, secs, 0.005):
        for _ in range(due):
            try:
                s.sendto(pool[i % len(pool)], (host, port))
                sent += 1
            except OSError:
                pass
            i += 1
    print("sent %d in %.1f s" % (sent, time.monotonic() - t0), flush=True)


def client_hello():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    o = ctx.wrap_bio(inc, out)
    try:
        o.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return out.read()


def tcp(host, port, rate, secs, hold):
    hello = client_hello()
    ep = select.epoll()
    conns = {}  # fd -> [sock, deadline, hello still to send]
    n = refused = closed = most = 0
    t0 = time.monotonic()

    def drop(fd):
        ep.unregister(fd)
        conns.pop(fd)[0].close()

    def reap(timeout):
        nonlocal closed, refused
        for fd, ev in ep.poll(timeout):
            c = conns.get(fd)
            if c is None:
                continue
            if ev & select.EPOLLOUT and c[2]:
                try:
                    c[0].send(hello)
                except OSError:
                    refused += 1
                    drop(fd)
                    continue
                c[2] = False
                ep.modify(fd, select.EPOLLIN)
                continue
            if ev & (select.EPOLLIN | select.EPOLLHUP | select.EPOLLERR):
                try:
                    d = c[0].recv(4096)
                except OSError:
                    d = b""
                if not d:
                    closed += 1
                    drop(fd)
        now = time.monotonic()
        for fd in [fd for fd, c in conns.items() if c[1] < now]:
            drop(fd)

    for due in paced(rate, secs, 0.002):
        for _ in range(due):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setblocking(False)
            try:
                s.connect((host, port))
            except BlockingIOError:
                pass
            except OSError:
                refused += 1
                s.close()
                continue
            n += 1
            conns[s.fileno()] = [s, time.monotonic() + hold, n % 2 == 1]
            ep.register(s.fileno(), select.EPOLLOUT if n % 2 else select.EPOLLIN)
        most = max(most, len(conns))
        reap(0)
    end = time.monotonic() + hold
    while conns and time.monotonic() < end:
        reap(0.1)
    for c in conns.values():
        c[0].close()
    print("connections %d, refused %d, closed by server %d, open at most %d in %.1f s"
          % (n, refused, closed, most, time.monotonic() - t0), flush=True)


class Inotify:
    IN_MOVED_TO = 0x80
    IN_CREATE = 0x100

    def __init__(self, path):
        self.libc = ctypes.CDLL(None, use_errno=True)
        self.fd = self.libc.inotify_init1(os.O_NONBLOCK)
        if self.libc.inotify_add_watch(self.fd, path.encode(),
                                       self.IN_MOVED_TO | self.IN_CREATE) < 0:
            raise OSError(ctypes.get_errno(), "inotify_add_watch " + path)
        self.seen = {}
        self.stop = False
        self.t = threading.Thread(target=self.run, daemon=True)
        self.t.start()

    def run(self):
        while not self.stop:
            po = select.poll()
            po.register(self.fd, select.POLLIN)
            if not po.poll(100):
                continue
            now = time.monotonic()
            try:
                buf = os.read(self.fd, 65536)
            except BlockingIOError:
                continue
            off = 0
            while off < len(buf):
                wd, mask, cookie, ln = struct.unpack_from("iIII", buf, off)
                name = buf[off + 16:off + 16 + ln].rstrip(b"\0").decode()
                self.seen.setdefault(name.split(":")[0], now)
                off += 16 + ln


def lag(src, dst, rate, secs):
    for d in ("tmp", "new", "cur"):
        os.makedirs(os.path.join(src, d), exist_ok=True)
    while not os.path.isdir(os.path.join(dst, "new")):
        time.sleep(0.05)        # the replica creates it on the first copy
    w = Inotify(os.path.join(dst, "new"))
    sent = {}
    i = 0
    for due in paced(rate, secs, 0.002):
        for _ in range(due):
            name = "%d.M%d.flood" % (int(time.time()), i)
            tmp = os.path.join(src, "tmp", name)
            with open(tmp, "w") as f:
                f.write("From: x@example.org\nSubject: lag %d\n\nbody %d\n" % (i, i))
            t = time.monotonic()
            os.rename(tmp, os.path.join(src, "new", name))
            sent[name] = t
            i += 1
    end = time.monotonic() + 10
    while time.monotonic() < end and len([k for k in sent if k in w.seen]) < len(sent):
        time.sleep(0.1)
    w.stop = True
    lags = sorted((w.seen[k] - t) * 1000 for k, t in sent.items() if k in w.seen)
    if not lags:
        print("n %d got 0" % len(sent))
        return
    pct = lambda q: lags[min(len(lags) - 1, int(q * len(lags)))]
    print("n %d got %d p50 %.1f p99 %.1f max %.1f"
          % (len(sent), len(lags), pct(0.5), pct(0.99), lags[-1]), flush=True)


cmd = sys.argv[1]
if cmd == "udp":
    udp(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]))
elif cmd == "tcp":
    tcp(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]),
        float(sys.argv[6]))
elif cmd == "lag":
    lag(sys.argv[2], sys.argv[3], float(sys.argv[4]), float(sys.argv[5]))
else:
    sys.exit(__doc__)
