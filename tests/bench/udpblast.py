#!/usr/bin/env python3
"""udpblast.py -- the UDP side of tests/bench/bench.sh.

  udpblast.py send PORT COUNT [RATE]
      Send COUNT datagrams of exactly 1400 bytes to 127.0.0.1:PORT from one
      socket, as fast as possible or paced at RATE datagrams per second.
      Record i is: i as 8 bytes big-endian, a fixed 1384-byte pattern, i
      again; a cut, merged, shifted or corrupted record cannot pass as
      intact.  Prints "SENT SECONDS" (the send loop's duration).
  udpblast.py check FILE COUNT
      Read FILE as 1400-byte records and print "DELIVERED BAD BOUNDARIES":
      distinct intact records with a sequence number below COUNT, records
      that are not intact (or duplicates), and "yes" if the file's size is
      a multiple of 1400 and every record is intact, else "no".
  udpblast.py big PORT REFFILE
      Send one 65,507-byte datagram (the largest UDP/IPv4 payload) of
      random bytes to 127.0.0.1:PORT and write the same bytes to REFFILE.
"""
import os
import socket
import struct
import sys
import time

SIZE = 1400
PAD = bytes((i * 37 + 11) & 0xFF for i in range(SIZE - 16))


def send(port, count, rate):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect(("127.0.0.1", port))
    buf = bytearray(SIZE)
    buf[8:SIZE - 8] = PAD
    view = memoryview(buf)
    pack = struct.Struct(">Q").pack_into
    snd = s.send
    sent = 0
    t0 = time.perf_counter()
    if rate <= 0:
        for i in range(count):
            pack(buf, 0, i)
            pack(buf, SIZE - 8, i)
            try:
                snd(view)
                sent += 1
            except (BlockingIOError, ConnectionRefusedError, OSError):
                pass
    else:
        i = 0
        while i < count:
            due = min(count, int((time.perf_counter() - t0) * rate) + 1)
            if due <= i:
                time.sleep(0.0002)
                continue
            while i < due:
                pack(buf, 0, i)
                pack(buf, SIZE - 8, i)
                try:
                    snd(view)
                    sent += 1
                except OSError:
                    pass
                i += 1
    secs = time.perf_counter() - t0
    print(sent, "%.6f" % secs)


def check(path, count):
    with open(path, "rb") as f:
        data = f.read()
    seen = bytearray(count)
    delivered = bad = 0
    n = len(data) // SIZE
    unpack = struct.Struct(">Q").unpack_from
    for r in range(n):
        off = r * SIZE
        (seq,) = unpack(data, off)
        if (seq < count and data[off + SIZE - 8:off + SIZE] == data[off:off + 8]
                and data[off + 8:off + SIZE - 8] == PAD and not seen[seq]):
            seen[seq] = 1
            delivered += 1
        else:
            bad += 1
    whole = len(data) % SIZE == 0 and bad == 0
    print(delivered, bad, "yes" if whole else "no")


def big(port, ref):
    data = os.urandom(65507)
    with open(ref, "wb") as f:
        f.write(data)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect(("127.0.0.1", port))
    s.send(data)


def main(argv):
    if len(argv) >= 3 and argv[0] == "send":
        send(int(argv[1]), int(argv[2]), float(argv[3]) if len(argv) > 3 else 0)
    elif len(argv) == 3 and argv[0] == "check":
        check(argv[1], int(argv[2]))
    elif len(argv) == 3 and argv[0] == "big":
        big(int(argv[1]), argv[2])
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
