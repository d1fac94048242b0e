#!/usr/bin/env python3
"""udpspy.py - capture or send raw UDP datagrams for replay tests.

  udpspy.py listen PORT DIR      save each datagram as DIR/NNNNN.pkt
  udpspy.py send HOST PORT FILE  send FILE's bytes as one datagram
  udpspy.py garbage HOST PORT N  send N random datagrams
"""
import os
import random
import socket
import sys

cmd = sys.argv[1]
if cmd == "listen":
    port, d = int(sys.argv[2]), sys.argv[3]
    os.makedirs(d, exist_ok=True)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", port))
    i = 0
    while i < 100000:
        data = s.recv(300000)
        with open(os.path.join(d, "%05d.pkt" % i), "wb") as f:
            f.write(data)
        i += 1
elif cmd == "send":
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.sendto(open(sys.argv[4], "rb").read(), (sys.argv[2], int(sys.argv[3])))
elif cmd == "garbage":
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rnd = random.Random(42)
    samples = [b"###\n", b">>>\nt=status\n<<<\n", b"###\n11:(0)t=status,%%%\n5:1 ab,"]
    for k in range(int(sys.argv[4])):
        if k % 2:
            data = rnd.choice(samples) + bytes(rnd.randrange(256) for _ in range(rnd.randrange(200)))
        else:
            data = bytes(rnd.randrange(256) for _ in range(rnd.randrange(1, 1500)))
        s.sendto(data, (sys.argv[2], int(sys.argv[3])))
