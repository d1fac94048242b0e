# resources-arpcount.py SECS IP: capture ARP on eth0 for SECS seconds
# (run in a namespace) and print "requests replies span_ms" for packets
# whose sender IP is IP and whose target IP is IP (gratuitous).
import socket, struct, sys, time
secs, ip = float(sys.argv[1]), socket.inet_aton(sys.argv[2])
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0806))
s.bind(("eth0", 0))
s.settimeout(0.05)
print("ready", flush=True)
end = time.monotonic() + secs
req = rep = 0
first = last = None
while time.monotonic() < end:
    try:
        f = s.recv(128)
    except socket.timeout:
        continue
    a = f[14:42]
    if len(a) < 28:
        continue
    op = struct.unpack("!H", a[6:8])[0]
    if a[14:18] != ip or a[24:28] != ip:
        continue
    now = time.monotonic()
    first = first or now
    last = now
    if op == 1:
        req += 1
    elif op == 2:
        rep += 1
print(req, rep, int(((last or 0) - (first or 0)) * 1000), flush=True)
