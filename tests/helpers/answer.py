#!/usr/bin/env python3
"""answer.py -- a scripted server that answers each client, for the
--expect tests (expect.bats, waitfor_expect.bats); see answer.bash.

answer.py BASE [options] PART...

Listens on 127.0.0.1 port 0 and serves clients one after another until
killed. Files: BASE.port, the port (0 with --unix), written once listening
(once bound with --late); BASE.n, the clients served so far, written when
a client's answer starts; BASE.req, with --wait, each client's request as
Python repr() plus " fin" or " nofin", one line per client.

  --unix PATH   listen on a Unix socket instead
  --udp         answer each datagram with the parts, one datagram each
  --late FILE   bind at once, but listen only once FILE exists (connects
                until then are refused)
  --need TEXT   read until TEXT has come before answering
  --wait SECS   read the request until the client's FIN, at most SECS, and
                record it in BASE.req before answering
  --close       close after answering (default: wait for the client's EOF)
  --hold        wait for the client's EOF after answering (undoes --close)
  PART          bytes to send (Python escapes); "@SECS" pauses; "--next"
                starts the answer for the next client (the last answer
                serves every later one)
"""

import codecs
import os
import socket
import sys
import time


def text(s):
    return codecs.decode(s, "unicode_escape").encode("latin-1")


def put(path, line, append=False):
    """Write (or append) line to path atomically: readers see it whole."""
    old = ""
    if append and os.path.exists(path):
        with open(path) as f:
            old = f.read()
    with open(path + ".tmp", "w") as f:
        f.write(old + line)
    os.replace(path + ".tmp", path)


args = sys.argv[1:]
base = args.pop(0)
unix = late = need = wait = None
udp = close = False
answers = [[]]
while args:
    a = args.pop(0)
    if a == "--unix":
        unix = args.pop(0)
    elif a == "--udp":
        udp = True
    elif a == "--late":
        late = args.pop(0)
    elif a == "--need":
        need = text(args.pop(0))
    elif a == "--wait":
        wait = float(args.pop(0))
    elif a == "--close":
        close = True
    elif a == "--hold":
        close = False
    elif a == "--next":
        answers.append([])
    else:
        answers[-1].append(a)


def parts(i):
    """The answer for client i (from 0), pausing at each "@SECS"."""
    for p in answers[min(i, len(answers) - 1)]:
        if p.startswith("@"):
            time.sleep(float(p[1:]))
        else:
            yield text(p)


def read_request(c):
    """What the client sends before the answer (--need, --wait)."""
    got, fin = b"", False
    if wait is not None:
        c.settimeout(wait)
    try:
        while wait is not None or (need and need not in got):
            d = c.recv(65536)
            if not d:
                fin = True
                break
            got += d
    except OSError:  # the --wait timeout, or a reset
        pass
    c.settimeout(None)
    if wait is not None:
        put(base + ".req", "%r %s\n" % (got, "fin" if fin else "nofin"),
            append=True)


if udp:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    put(base + ".port", "%d\n" % s.getsockname()[1])
    n = 0
    while True:
        data, peer = s.recvfrom(65536)
        n += 1
        put(base + ".n", "%d\n" % n)
        for p in parts(n - 1):
            s.sendto(p, peer)

if unix:
    s = socket.socket(socket.AF_UNIX)
    s.bind(unix)
else:
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0))
port = "0" if unix else str(s.getsockname()[1])
if late:
    put(base + ".port", port + "\n")
    while not os.path.exists(late):
        time.sleep(0.02)
s.listen(16)
if not late:
    put(base + ".port", port + "\n")
n = 0
while True:
    c, _ = s.accept()
    if not unix:
        c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    read_request(c)
    n += 1
    put(base + ".n", "%d\n" % n)
    try:
        for p in parts(n - 1):
            c.sendall(p)
        if not close:
            while c.recv(65536):
                pass
    except OSError:
        pass
    c.close()
