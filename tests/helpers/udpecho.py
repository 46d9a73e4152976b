#!/usr/bin/env python3
"""udpecho.py -- a UDP echo server that tags its replies, for relay tests.

    udpecho.py [--port N] [--port-file FILE] [--log FILE] [--tag TAG] HOST

Binds HOST port N (default 0: any free port), writes the port to FILE
atomically, then answers each datagram with TAG followed by the datagram,
as one datagram to its sender. In TAG, {addr} and {port} become the
sender's address and port, so a client can tell which upstream socket the
relay used for it. --log appends "ADDR PORT LEN" for every datagram
received, flushed at once. A watchdog ends it after 60 s (status 3).
"""

import os
import signal
import socket
import sys


def main(argv):
    port, port_file, log, tag = 0, None, None, ""
    while len(argv) > 1 and argv[0].startswith("--"):
        opt, val = argv[0], argv[1]
        argv = argv[2:]
        if opt == "--port":
            port = int(val)
        elif opt == "--port-file":
            port_file = val
        elif opt == "--log":
            log = open(val, "a")
        elif opt == "--tag":
            tag = val
        else:
            print(__doc__, file=sys.stderr)
            return 2
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    host = argv[0]
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(family, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    s.bind((host, port))
    if port_file:
        with open(port_file + ".tmp", "w") as f:
            f.write("%d\n" % s.getsockname()[1])
        os.replace(port_file + ".tmp", port_file)
    while True:
        data, peer = s.recvfrom(70000)
        if log:
            log.write("%s %d %d\n" % (peer[0], peer[1], len(data)))
            log.flush()
        head = tag.replace("{addr}", peer[0]).replace("{port}", str(peer[1]))
        s.sendto(head.encode() + data, peer)


def watchdog(signum, frame):
    sys.stderr.write("udpecho.py: watchdog expired\n")
    os._exit(3)


if __name__ == "__main__":
    signal.signal(signal.SIGALRM, watchdog)
    signal.alarm(60)
    sys.exit(main(sys.argv[1:]))
