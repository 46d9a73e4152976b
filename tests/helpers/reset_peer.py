#!/usr/bin/env python3
"""reset_peer.py -- one-connection peers that end with a reset (RST).

serve-send FILE: accept one client on 127.0.0.1 port 0 (--port-file),
  send FILE, wait until the client's TCP has taken all of it, then reset.
client-send PORT FILE: the same as a client of 127.0.0.1 PORT.
serve-recv / client-recv: read until the connection ends, save what came
  (--save) and print how it ended: "eof", or "reset" for ECONNRESET.
  --half-close: send "req" and a FIN first (a request, then only reading).
A watchdog (--timeout, default 20 s) ends any of them with status 3.
"""

import argparse
import fcntl
import os
import signal
import socket
import struct
import sys
import termios
import time


def write_atomic(path, data):
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.rename(tmp, path)


def unacked(sock):
    # SIOCOUTQ is TIOCOUTQ on Linux: bytes sent but not yet acknowledged.
    buf = fcntl.ioctl(sock.fileno(), termios.TIOCOUTQ, b"\0\0\0\0")
    return struct.unpack("i", buf)[0]


def send_then_reset(sock, path):
    with open(path, "rb") as f:
        sock.sendall(f.read())
    while unacked(sock) > 0:
        time.sleep(0.01)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                    struct.pack("ii", 1, 0))
    sock.close()


def recv_until_end(sock, save):
    chunks, how = [], "eof"
    while True:
        try:
            data = sock.recv(65536)
        except ConnectionResetError:
            how = "reset"
            break
        if not data:
            break
        chunks.append(data)
    write_atomic(save, b"".join(chunks))
    print(how, flush=True)


def accept_one(port_file):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    s.listen(1)
    write_atomic(port_file, f"{s.getsockname()[1]}\n".encode())
    conn, _ = s.accept()
    s.close()
    return conn


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("cmd", choices=["serve-send", "client-send",
                                    "serve-recv", "client-recv"])
    ap.add_argument("args", nargs="*")
    ap.add_argument("--port-file")
    ap.add_argument("--save")
    ap.add_argument("--timeout", type=float, default=20)
    ap.add_argument("--half-close", action="store_true")
    a = ap.parse_args()
    signal.signal(signal.SIGALRM, lambda *_: os._exit(3))
    signal.alarm(int(a.timeout))
    if a.cmd.startswith("serve"):
        sock = accept_one(a.port_file)
    else:
        sock = socket.create_connection(("127.0.0.1", int(a.args[0])))
    if a.cmd.endswith("send"):
        send_then_reset(sock, a.args[-1])
    else:
        if a.half_close:
            sock.sendall(b"req")
            sock.shutdown(socket.SHUT_WR)
        recv_until_end(sock, a.save)


if __name__ == "__main__":
    sys.exit(main())
