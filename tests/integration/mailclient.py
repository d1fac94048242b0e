#!/usr/bin/env python3
"""mailclient.py - SMTP/IMAP client for the mail failover tests.

  send HOST FIRST COUNT [RATE [USER]] [OPTIONS]
                                send COUNT mails "msg-N" to user@example.org
                                (or USER@example.org),
                                one new connection each; print "ok N EPOCHMS
                                MS" for each 250 (MS: the SMTP transaction,
                                connect to QUIT), "err N reason EPOCHMS
                                [reply]" otherwise; RATE = messages per
                                second (0 = as fast as possible).  Options:
                                --to ADDR[,ADDR..]  recipients
                                --prefix P          Subject P-N
                                --port N            (25)
                                --auth USER:PASS    AUTH PLAIN first
                                --size BYTES        body of about BYTES
                                --spread N          ADDR has a %d: message i
                                                    goes to ADDR % (i % N)
                                --timeout SECS      per connect/reply (30)
  stall HOST SECS               EHLO, MAIL, RCPT, DATA, half a message, then
                                silence for SECS; prints what the server
                                said after the silence ("closed" if nothing)
  subjects HOST USER [FOLDER]   every Subject in a folder (INBOX; read-only)
  uids HOST USER [FOLDER]       "UID Subject" for every message in a folder
                                (INBOX; read-only), in sequence order
  sink ADDR PORT FILE           an SMTP server that accepts everything and
                                appends each message's Subject to FILE
                                (fsynced before the 250)
  flag HOST USER SUBJECT        set \\Flagged on the message with SUBJECT
  flagged HOST USER             subjects of flagged messages
  count HOST USER               number of messages in INBOX (IMAP EXAMINE)
  login HOST USER PASS          exit 0 if the IMAP login works
  peek HOST USER                a reader's visit: message count and the
                                last 10 subjects (read-only)
  pop3count HOST USER           number of messages seen over POP3
"""
import imaplib
import os
import poplib
import smtplib
import socketserver
import sys
import time


def imap(host, user, pw="secret"):
    m = imaplib.IMAP4(host, 143, timeout=5)
    m.login(user, pw)
    return m


def subjects(m, folder="INBOX"):
    typ, data = m.select(folder, readonly=True)
    out = []
    if int(data[0]) == 0:
        return out
    typ, data = m.fetch("1:*", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
    for d in data:
        if isinstance(d, tuple):
            out.append(d[1].decode().strip().replace("Subject: ", ""))
    return out


def close(s):
    """Drop a session that failed: smtplib keeps it open after an error
    reply (RSET sent), and the next attempt's connect is made before the
    old object is released; a drained server would wait for that idle
    session (and a refused connect would keep it open)."""
    if s is not None:
        try:
            s.close()
        except OSError:
            pass


cmd = sys.argv[1]
if cmd == "send":
    host, first, count = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    rest = sys.argv[5:]
    rate = 0.0
    opt = {"--to": "user@example.org", "--prefix": "msg", "--port": "25",
           "--auth": "", "--size": "0", "--spread": "0", "--timeout": "30"}
    if rest and not rest[0].startswith("--"):
        rate = float(rest.pop(0))
    if rest and not rest[0].startswith("--"):  # [RATE [USER]] form
        opt["--to"] = rest.pop(0) + "@example.org"
    while rest:
        opt[rest[0]] = rest[1]
        rest = rest[2:]
    spread = int(opt["--spread"])
    body = "body %d\r\n"
    if int(opt["--size"]) > 0:
        body += ("x" * 70 + "\r\n") * (int(opt["--size"]) // 72)
    t0 = time.time()
    for i in range(first, first + count):
        if rate > 0:
            delay = t0 + (i - first) / rate - time.time()
            if delay > 0:
                time.sleep(delay)
        rcpts = opt["--to"].split(",")
        if spread > 0:
            rcpts = [r % (i % spread) for r in rcpts]
        ts = time.time()
        s = None
        try:
            s = smtplib.SMTP(host, int(opt["--port"]),
                             timeout=float(opt["--timeout"]))
            if opt["--auth"]:
                s.ehlo()
                s.login(*opt["--auth"].split(":", 1))
            refused = s.sendmail("sender@client.test", rcpts,
                       "From: sender@client.test\r\nTo: %s\r\n"
                       "Subject: %s-%d\r\nMessage-ID: <%s-%d@client.test>\r\n\r\n"
                       % (", ".join(rcpts), opt["--prefix"], i, opt["--prefix"], i)
                       + body % i)
            s.quit()
            te = time.time()
            print("ok %d %d %.1f%s" % (i, te * 1000, (te - ts) * 1000,
                  "".join(" refused=%d:%s" % (v[0], k) for k, v in refused.items())),
                  flush=True)
        except smtplib.SMTPResponseException as e:
            close(s)
            print("err %d %s %d %d %s" % (i, type(e).__name__, time.time() * 1000,
                  e.smtp_code, e.smtp_error.decode(errors="replace")), flush=True)
        except smtplib.SMTPRecipientsRefused as e:
            close(s)
            code, msg = list(e.recipients.values())[0]
            print("err %d %s %d %d %s" % (i, type(e).__name__, time.time() * 1000,
                  code, msg.decode(errors="replace")), flush=True)
        except Exception as e:  # refused, reset, timeout: counted
            close(s)
            print("err %d %s %d" % (i, type(e).__name__, time.time() * 1000),
                  flush=True)
            time.sleep(0.05)  # behind schedule, do not burn numbers
elif cmd == "stall":
    import socket
    c = socket.create_connection((sys.argv[2], 25), timeout=60)
    f = c.makefile("rb")

    def say(line):
        c.sendall(line + b"\r\n")
        while True:
            r = f.readline()
            if r[3:4] != b"-":
                return r
    f.readline()
    say(b"EHLO client")
    say(b"MAIL FROM:<sender@client.test>")
    say(b"RCPT TO:<user@example.org>")
    say(b"DATA")
    c.sendall(b"Subject: stalled\r\n\r\nhalf a mess")
    time.sleep(float(sys.argv[3]))
    r = f.readline()
    print(r.decode().strip() or "closed")
elif cmd == "sink":
    import threading
    out = open(sys.argv[4], "a")
    lock = threading.Lock()

    class Sink(socketserver.StreamRequestHandler):
        def handle(self):
            w = self.wfile
            w.write(b"220 mx.remote.test ESMTP sink\r\n")
            while True:
                line = self.rfile.readline()
                if not line:
                    return
                c = line[:4].upper()
                if c in (b"EHLO", b"HELO"):
                    w.write(b"250-mx.remote.test\r\n250 8BITMIME\r\n")
                elif c == b"DATA":
                    w.write(b"354 go on\r\n")
                    subj = "?"
                    while True:
                        d = self.rfile.readline()
                        if not d or d == b".\r\n":
                            break
                        if d.lower().startswith(b"subject: ") and subj == "?":
                            subj = d[9:].decode(errors="replace").strip()
                    if not d:
                        return
                    with lock:
                        out.write(subj + "\n")
                        out.flush()
                        os.fsync(out.fileno())
                    w.write(b"250 2.0.0 stored\r\n")
                elif c == b"QUIT":
                    w.write(b"221 bye\r\n")
                    return
                else:
                    w.write(b"250 ok\r\n")

    socketserver.ThreadingTCPServer.allow_reuse_address = True
    srv = socketserver.ThreadingTCPServer((sys.argv[2], int(sys.argv[3])), Sink)
    print("listening", flush=True)
    srv.serve_forever()
elif cmd == "subjects":
    m = imap(sys.argv[2], sys.argv[3])
    for s in subjects(m, sys.argv[4] if len(sys.argv) > 4 else "INBOX"):
        print(s)
    m.logout()
elif cmd == "uids":
    # "UID Subject" per message, in sequence order
    m = imap(sys.argv[2], sys.argv[3])
    typ, data = m.select(sys.argv[4] if len(sys.argv) > 4 else "INBOX", readonly=True)
    if int(data[0]) > 0:
        typ, data = m.uid("FETCH", "1:*", "(UID BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
        for d in data:
            if isinstance(d, tuple):
                uid = d[0].decode().split("UID ")[1].split()[0]
                print(uid, d[1].decode().strip().replace("Subject: ", ""))
    m.logout()
elif cmd == "flag":
    m = imap(sys.argv[2], sys.argv[3])
    m.select("INBOX")
    typ, data = m.search(None, "SUBJECT", '"%s"' % sys.argv[4])
    n = data[0].split()[0]
    m.store(n, "+FLAGS", "\\Flagged")
    m.close()
    m.logout()
elif cmd == "flagged":
    m = imap(sys.argv[2], sys.argv[3])
    m.select("INBOX", readonly=True)
    typ, data = m.search(None, "FLAGGED")
    for n in data[0].split():
        typ, d = m.fetch(n, "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
        print(d[0][1].decode().strip().replace("Subject: ", ""))
    m.logout()
elif cmd == "count":
    m = imap(sys.argv[2], sys.argv[3])
    typ, data = m.select("INBOX", readonly=True)
    print(int(data[0]))
    m.logout()
elif cmd == "login":
    m = imap(sys.argv[2], sys.argv[3], sys.argv[4])
    m.logout()
elif cmd == "peek":
    m = imap(sys.argv[2], sys.argv[3])
    typ, data = m.select("INBOX", readonly=True)
    count = int(data[0])
    subj = []
    if count > 0:
        typ, d = m.fetch("%d:*" % max(1, count - 9),
                         "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
        subj = [part[1].decode().strip().replace("Subject: ", "")
                for part in d if isinstance(part, tuple)]
    print(count, " ".join(subj))
    m.logout()
elif cmd == "pop3count":
    p = poplib.POP3(sys.argv[2], 110, timeout=5)
    p.user(sys.argv[3])
    p.pass_("secret")
    print(p.stat()[0])
    p.quit()
