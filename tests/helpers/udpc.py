#!/usr/bin/env python3
"""udpc.py -- several UDP clients, each on its own source port, scripted.

    udpc.py [--ports FILE] HOST PORT NSOCKETS ACTION...

Opens NSOCKETS UDP sockets bound to HOST port 0 (so each has its own source
port), writes their ports, one line "P0 P1 ...", atomically to FILE, then
runs the ACTIONs in order. I is a socket number from 0; TEXT takes Python
escapes (\\n, \\xff).

    s:I:TEXT     send TEXT as one datagram from socket I
    big:I:N      send N random bytes as one datagram from socket I
    bigr:I       receive one datagram on I; print "I:big same N" if it equals
                 the last big datagram sent, else "I:big differs N"
    l:I:K        receive on I until K whole lines came (however the datagrams
                 split them); print each as "I:LINE"
    q:I:SECS     expect nothing on I for SECS; print "I:nothing", or
                 "I:unexpected TEXT"
    w:FILE       wait (up to 20 s) until FILE exists
    p:SECS       pause

Every receive waits at most 5 s; a timeout prints "I:timeout" and exits 1.
Lines are printed and flushed as they come. A watchdog ends it after 30 s
(status 3).
"""

import codecs
import os
import signal
import socket
import sys
import time


def text_arg(s):
    return codecs.decode(s.encode("utf-8"), "unicode_escape").encode("latin-1")


def say(line):
    print(line, flush=True)


def main(argv):
    ports_file = None
    if len(argv) > 1 and argv[0] == "--ports":
        ports_file = argv[1]
        argv = argv[2:]
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    host, port, n = argv[0], int(argv[1]), int(argv[2])
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    socks = []
    for _ in range(n):
        s = socket.socket(family, socket.SOCK_DGRAM)
        s.bind((host, 0))
        socks.append(s)
    if ports_file:
        with open(ports_file + ".tmp", "w") as f:
            f.write(" ".join(str(s.getsockname()[1]) for s in socks) + "\n")
        os.replace(ports_file + ".tmp", ports_file)
    pending = [b""] * n
    big = b""
    for action in argv[3:]:
        kind, _, rest = action.partition(":")
        if kind == "s":
            i, _, text = rest.partition(":")
            socks[int(i)].sendto(text_arg(text), (host, port))
        elif kind == "big":
            i, _, size = rest.partition(":")
            big = os.urandom(int(size))
            socks[int(i)].sendto(big, (host, port))
        elif kind == "bigr":
            i = int(rest)
            socks[i].settimeout(5)
            try:
                data = socks[i].recv(70000)
            except socket.timeout:
                say("%d:timeout" % i)
                return 1
            say("%d:big %s %d" % (i, "same" if data == big else "differs",
                                  len(data)))
        elif kind == "l":
            i, _, k = rest.partition(":")
            i, k = int(i), int(k)
            socks[i].settimeout(5)
            while k > 0:
                while b"\n" in pending[i] and k > 0:
                    line, _, pending[i] = pending[i].partition(b"\n")
                    say("%d:%s" % (i, line.decode("utf-8", "replace")))
                    k -= 1
                if k == 0:
                    break
                try:
                    pending[i] += socks[i].recv(70000)
                except socket.timeout:
                    say("%d:timeout" % i)
                    return 1
        elif kind == "q":
            i, _, secs = rest.partition(":")
            i = int(i)
            socks[i].settimeout(float(secs))
            try:
                data = socks[i].recv(70000)
                say("%d:unexpected %r" % (i, data))
            except socket.timeout:
                say("%d:nothing" % i)
        elif kind == "w":
            end = time.monotonic() + 20
            while not os.path.exists(rest):
                if time.monotonic() > end:
                    say("timeout waiting for " + rest)
                    return 1
                time.sleep(0.02)
        elif kind == "p":
            time.sleep(float(rest))
        else:
            print("unknown action " + action, file=sys.stderr)
            return 2
    return 0


def watchdog(signum, frame):
    sys.stderr.write("udpc.py: watchdog expired\n")
    os._exit(3)


if __name__ == "__main__":
    signal.signal(signal.SIGALRM, watchdog)
    signal.alarm(30)
    sys.exit(main(sys.argv[1:]))
