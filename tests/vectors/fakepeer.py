#!/usr/bin/env python3
"""fakepeer.py METHOD "IDX METHOD [KEY]" COUNT - play Heartbeat node "peer".

Sends COUNT netstring status packets (protocol=1, inner classic auth field
plus trailer, as Heartbeat 3.0.6 does) to 127.0.0.1:694 every 0.2 s, so the
real heartbeat under capture accepts the peer, acks its sequence numbers
and asks it for its node list (reqnodes).  Used by capture.sh only."""
import base64, hashlib, hmac, socket, sys, time, zlib

method, keyline, count = sys.argv[1], sys.argv[2].split(), int(sys.argv[3])
idx = int(keyline[0])
key = keyline[2].encode() if len(keyline) > 2 else b""


def crc(data):
    c = 0
    for b in data:
        c ^= b << 24
        for _ in range(8):
            c = ((c << 1) ^ 0x04C11DB7) if c & 0x80000000 else c << 1
            c &= 0xFFFFFFFF
    return c ^ 0xFFFFFFFF


def digest(data):
    if method == "crc":
        return "%d %x" % (idx, crc(data))
    h = hashlib.sha1 if method == "sha1" else hashlib.md5
    return "%d %s" % (idx, hmac.new(key, data, h).hexdigest())


def packet(fields):
    body = b""
    for name, val in fields:
        if isinstance(val, bytes):
            body += b"(1)" + name.encode() + b"=" + base64.b64encode(val) + b"\n"
        else:
            body += name.encode() + b"=" + val.encode() + b"\n"
    fields = fields + [("auth", digest(body))]
    out = b"###\n"
    for name, val in fields:
        t = 1 if isinstance(val, bytes) else 0
        raw = val if isinstance(val, bytes) else val.encode()
        item = b"(%d)" % t + name.encode() + b"=" + raw
        out += b"%d:" % len(item) + item + b","
    out += b"%%%\n"
    a = digest(out).encode()
    return out + b"%d:" % len(a) + a + b","


uuid = bytes(range(0x10, 0x20))
hg = int(time.time())
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for seq in range(1, count + 1):
    f = [("t", "status"), ("st", "active"), ("dt", "2710"), ("protocol", "1"),
         ("src", "peer"), ("srcuuid", uuid), ("seq", "%x" % seq),
         ("hg", "%x" % hg), ("ts", "%x" % int(time.time())),
         ("ld", "0.00 0.00 0.00 1/1 1"), ("ttl", "3")]
    s.sendto(packet(f), ("127.0.0.1", 694))
    time.sleep(0.2)
print("sent", count)
