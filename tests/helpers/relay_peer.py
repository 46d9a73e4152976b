#!/usr/bin/env python3
"""relay_peer.py -- many-client peers for the relay tests (tests/relay.bats).

serve: a TCP (port 0, written to --port-file) or Unix (--unix PATH) server
that serves every client in a thread of its own until the watchdog:
  eof-reply  read to EOF, then send "got N bytes\\n" and close
  echo       echo until EOF, then close
  hold-reply send --text, half-close, read to EOF into --save, close
  whoami     send the client's address and a newline, then close
clients: --count connections at once; each sends --send, half-closes and
reads to EOF; exits 0 only if every reply equals --expect.
hold: --count connections that send nothing; --ready FILE gets written when
all are up; they stay until the watchdog or SIGTERM.
A watchdog (--timeout, default 20 s) ends any of them with status 3.
"""

import argparse
import codecs
import os
import signal
import socket
import sys
import threading


def text_arg(s):
    return codecs.escape_decode(s.encode())[0]


def write_atomic(path, data):
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.rename(tmp, path)


def read_to_eof(sock):
    chunks = []
    while True:
        data = sock.recv(65536)
        if not data:
            return b"".join(chunks)
        chunks.append(data)


def serve_one(conn, addr, args):
    try:
        if args.mode == "whoami":
            conn.sendall(f"{addr[0] if addr else 'unix'}\n".encode())
        elif args.mode == "eof-reply":
            n = len(read_to_eof(conn))
            conn.sendall(f"got {n} bytes\n".encode())
        elif args.mode == "echo":
            while True:
                data = conn.recv(65536)
                if not data:
                    break
                conn.sendall(data)
        else:
            conn.sendall(text_arg(args.text))
            conn.shutdown(socket.SHUT_WR)
            data = read_to_eof(conn)
            if args.save:
                write_atomic(args.save, data)
    except OSError as e:
        sys.stderr.write(f"relay_peer serve: {e}\n")
    finally:
        conn.close()


def cmd_serve(args):
    if args.unix:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind(args.unix)
    else:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", 0))
    s.listen(512)
    if args.port_file:
        port = 0 if args.unix else s.getsockname()[1]
        write_atomic(args.port_file, f"{port}\n".encode())
    while True:
        conn, addr = s.accept()
        threading.Thread(target=serve_one, args=(conn, addr, args),
                         daemon=True).start()


def connect(args):
    if args.unix:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(args.unix)
    else:
        s = socket.create_connection(("127.0.0.1", args.port))
    return s


def cmd_clients(args):
    want = text_arg(args.expect)
    bad = []

    def one(i):
        try:
            s = connect(args)
            s.sendall(text_arg(args.send))
            s.shutdown(socket.SHUT_WR)
            got = read_to_eof(s)
            s.close()
            if got != want:
                bad.append(f"client {i}: got {got!r}")
        except OSError as e:
            bad.append(f"client {i}: {e}")

    threads = [threading.Thread(target=one, args=(i,))
               for i in range(args.count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for line in bad[:5]:
        sys.stderr.write(line + "\n")
    sys.exit(1 if bad else 0)


def cmd_hold(args):
    socks = [connect(args) for _ in range(args.count)]
    write_atomic(args.ready, b"ready\n")
    signal.pause()
    del socks


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("cmd", choices=["serve", "clients", "hold"])
    p.add_argument("--mode", default="eof-reply",
                   choices=["eof-reply", "echo", "hold-reply",
                            "whoami"])
    p.add_argument("--unix", metavar="PATH")
    p.add_argument("--port", type=int)
    p.add_argument("--port-file")
    p.add_argument("--text", default="")
    p.add_argument("--save")
    p.add_argument("--send", default="")
    p.add_argument("--expect", default="")
    p.add_argument("--count", type=int, default=1)
    p.add_argument("--ready")
    p.add_argument("--timeout", type=float, default=20.0)
    args = p.parse_args()

    def watchdog(signum, frame):
        sys.stderr.write(f"relay_peer {args.cmd}: watchdog\n")
        os._exit(3)

    signal.signal(signal.SIGALRM, watchdog)
    signal.setitimer(signal.ITIMER_REAL, args.timeout)
    signal.signal(signal.SIGTERM, lambda s, f: os._exit(0))
    {"serve": cmd_serve, "clients": cmd_clients, "hold": cmd_hold}[
        args.cmd](args)


if __name__ == "__main__":
    main()
