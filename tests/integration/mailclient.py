#!/usr/bin/env python3
"""mailclient.py - SMTP/IMAP client for the mail failover tests.

  send HOST FIRST COUNT [RATE]  send COUNT mails "msg-N" to user@example.org,
                                one new connection each; print "ok N" for
                                each 250, "err N reason" otherwise; RATE =
                                messages per second (0 = as fast as possible)
  subjects HOST USER            every Subject in USER's INBOX (read-only)
  flag HOST USER SUBJECT        set \\Flagged on the message with SUBJECT
  flagged HOST USER             subjects of flagged messages
  login HOST USER PASS          exit 0 if the IMAP login works
  pop3count HOST USER           number of messages seen over POP3
"""
import imaplib
import poplib
import smtplib
import sys
import time


def imap(host, user, pw="secret"):
    m = imaplib.IMAP4(host, 143, timeout=5)
    m.login(user, pw)
    return m


def subjects(m):
    m.select("INBOX", readonly=True)
    typ, data = m.search(None, "ALL")
    out = []
    for n in data[0].split():
        typ, d = m.fetch(n, "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
        out.append(d[0][1].decode().strip().replace("Subject: ", ""))
    return out


cmd = sys.argv[1]
if cmd == "send":
    host, first, count = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    rate = float(sys.argv[5]) if len(sys.argv) > 5 else 0
    t0 = time.time()
    for i in range(first, first + count):
        if rate > 0:
            delay = t0 + (i - first) / rate - time.time()
            if delay > 0:
                time.sleep(delay)
        try:
            s = smtplib.SMTP(host, 25, timeout=5)
            s.sendmail("sender@client.test", ["user@example.org"],
                       "From: sender@client.test\r\nTo: user@example.org\r\n"
                       "Subject: msg-%d\r\nMessage-ID: <msg-%d@client.test>\r\n\r\n"
                       "body %d\r\n" % (i, i, i))
            s.quit()
            print("ok %d %d" % (i, time.time() * 1000), flush=True)
        except Exception as e:  # refused, reset, timeout: counted
            print("err %d %s %d" % (i, type(e).__name__, time.time() * 1000),
                  flush=True)
elif cmd == "subjects":
    m = imap(sys.argv[2], sys.argv[3])
    for s in subjects(m):
        print(s)
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
elif cmd == "login":
    m = imap(sys.argv[2], sys.argv[3], sys.argv[4])
    m.logout()
elif cmd == "pop3count":
    p = poplib.POP3(sys.argv[2], 110, timeout=5)
    p.user(sys.argv[3])
    p.pass_("secret")
    print(p.stat()[0])
    p.quit()
