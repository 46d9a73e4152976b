#!/usr/bin/env python3
"""stdio_sock.py -- run sockcat with a socket for stdio, as a supervisor would.

    stdio_sock.py stream SOCKCAT ARGS...
        fd 0 and fd 1 are one end of a SOCK_STREAM socketpair (as inetd and
        systemd's Accept=yes give them). Reads the other end to EOF without
        closing it, then prints the bytes and "EOF", shuts down its write
        side and waits for sockcat: prints "status N" and its stderr.
        No EOF within 5 s prints "timeout" and exits 1.

    dgrams TYPE N SOCKCAT ARGS...
        fd 1 is one end of a socketpair of TYPE (seqpacket or dgram), fd 0
        is /dev/null. ARGS must make sockcat a UDP listener with -v on
        127.0.0.1 port 0. Reads the port from its -v line, sends N
        datagrams of distinct sizes (1, 2, ... bytes, each of its own
        byte value) at once, then prints "message LEN ok|differs" for each
        message read from the other end (up to N, 5 s at most each; 1 s
        more for any extra one), and "done".

A watchdog ends it after 30 s (status 3).
"""

import os
import re
import signal
import socket
import subprocess
import sys
import time


def say(line):
    print(line, flush=True)


def watchdog(secs):
    def expire(_signo, _frame):
        say("watchdog expired")
        os._exit(3)
    signal.signal(signal.SIGALRM, expire)
    signal.alarm(secs)


def stream(argv):
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    proc = subprocess.Popen(argv, stdin=theirs.fileno(),
                            stdout=theirs.fileno(), stderr=subprocess.PIPE)
    theirs.close()
    got = b""
    ours.settimeout(5)
    try:
        while True:
            data = ours.recv(65536)
            if not data:
                break
            got += data
    except socket.timeout:
        say(f"got {got!r}")
        say("timeout")
        proc.kill()
        proc.wait()
        return 1
    say(f"got {got!r}")
    say("EOF")
    ours.shutdown(socket.SHUT_WR)
    try:
        _, errtext = proc.communicate(timeout=5)
    except subprocess.TimeoutExpired:
        say("sockcat did not exit")
        proc.kill()
        proc.wait()
        return 1
    say(f"status {proc.returncode}")
    sys.stdout.write(errtext.decode("utf-8", "replace"))
    return 0


def dgrams(kind, count, argv):
    types = {"seqpacket": socket.SOCK_SEQPACKET, "dgram": socket.SOCK_DGRAM}
    ours, theirs = socket.socketpair(socket.AF_UNIX, types[kind])
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                            stdout=theirs.fileno(), stderr=subprocess.PIPE)
    theirs.close()
    try:
        port = None
        for raw in proc.stderr:
            m = re.match(r"listening on \[[^]]*\] (\d+)", raw.decode())
            if m:
                port = int(m.group(1))
                break
        if port is None:
            say("no listening line")
            return 1
        sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sent = [bytes([0x41 + i % 26]) * (i + 1) for i in range(count)]
        # All at once, so they wait in the socket and are read as a batch.
        for d in sent:
            sender.sendto(d, ("127.0.0.1", port))
        for i in range(count + 1):
            ours.settimeout(5 if i < count else 1)
            try:
                msg = ours.recv(1 << 20)
            except socket.timeout:
                break
            ok = i < count and msg == sent[i]
            say(f"message {len(msg)} {'ok' if ok else 'differs'}")
        say("done")
        return 0
    finally:
        proc.kill()
        proc.wait()


def main():
    watchdog(30)
    if len(sys.argv) >= 3 and sys.argv[1] == "stream":
        return stream(sys.argv[2:])
    if len(sys.argv) >= 5 and sys.argv[1] == "dgrams":
        return dgrams(sys.argv[2], int(sys.argv[3]), sys.argv[4:])
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())
