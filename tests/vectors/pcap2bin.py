#!/usr/bin/env python3
"""pcap2bin.py PCAP OUTDIR METHOD - extract Heartbeat's own UDP payloads.

Writes OUTDIR/METHOD-<type>.bin for the first packet of each type sent by
node capnode (status: the first with st=active, else the last seen).
Used by capture.sh only."""
import re, struct, sys

path, outdir, method = sys.argv[1:4]
data = open(path, "rb").read()
magic = struct.unpack("<I", data[:4])[0]
end = "<" if magic in (0xa1b2c3d4, 0xa1b23c4d) else ">"
linktype = struct.unpack(end + "I", data[20:24])[0]
pos, got = 24, {}
while pos + 16 <= len(data):
    _, _, incl, _ = struct.unpack(end + "IIII", data[pos:pos + 16])
    frame = data[pos + 16:pos + 16 + incl]
    pos += 16 + incl
    off = 14 if linktype == 1 else 16 if linktype == 113 else 4
    ip = frame[off:]
    if not ip or ip[0] >> 4 != 4:
        continue
    payload = ip[(ip[0] & 15) * 4 + 8:]
    if b"(0)src=capnode," not in payload:
        continue
    t = re.search(rb"\(0\)t=([^,]*),", payload).group(1).decode()
    kind = {"NS_ackmsg": "ackmsg"}.get(t, t)
    if kind == "status":
        if got.get("status", b"").find(b"(0)st=active,") >= 0:
            continue
    elif kind in got:
        continue
    got[kind] = payload
for kind, payload in sorted(got.items()):
    name = "%s/%s-%s.bin" % (outdir, method, kind)
    open(name, "wb").write(payload)
    print("wrote", name, len(payload), "bytes")
