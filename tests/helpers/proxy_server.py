#!/usr/bin/env python3
"""proxy_server.py -- SOCKS4/4a, SOCKS5 and HTTP CONNECT proxy for bats tests.

Listens on HOST (default 127.0.0.1) port 0, writes the port to --port-file
(atomically) before accepting, serves --count clients (default 1) one after
the other, and exits 0. A served client gets a connection to the target it
asked for, which must be a loopback address (127.0.0.0/8 or ::1): tests only
ever reach local peers. Data is relayed both ways, and a half-close on one
side is passed on to the other.

--user/--password make the proxy demand credentials: SOCKS5 method 0x02 with
RFC 1929, a matching SOCKS4 user id, or an HTTP Basic Proxy-Authorization
header (else 407). --log FILE gets one line per handshake message received,
"LABEL HEX" (greeting, auth, request), so tests can check the exact bytes.
--glue sends the success reply and the target's first bytes in one send, as
a proxy may: the client must not take those bytes for part of the reply.

--bad makes the proxy misbehave where its reply would go:
  short      reply cut short, then close
  oversized  SOCKS: 64 KiB of garbage as the reply; HTTP: a head > 64 KiB
  malformed  SOCKS: wrong version byte; HTTP: a broken status line
  refuse     SOCKS5 REP 5, SOCKS4 CD 91, HTTP 403 (--reason sets the phrase)
  close      close right after the request, sending nothing
  silent     read the request, never answer; wait for the client to leave

A watchdog (--timeout, default 20 s) ends the proxy with status 3. Errors
exit 1 with a message on stderr; usage errors exit 2. TEXT arguments take
Python escapes (\\x1b, \\r, \\n).
"""

import argparse
import base64
import codecs
import ipaddress
import os
import signal
import socket
import struct
import sys
import threading

CHUNK = 65536
GARBAGE = b"\x41" * 65536

phase = "starting"


class Fail(Exception):
    """An error to report in one line and exit 1."""


class Hangup(Exception):
    """The client went away in the middle of the handshake."""


def text_arg(s):
    return codecs.decode(s.encode("utf-8"), "unicode_escape").encode("latin-1")


def write_atomic(path, data):
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


class Log:
    """'LABEL HEX' lines, flushed one by one; a no-op without a path."""

    def __init__(self, path):
        self.f = open(path, "a") if path else None

    def write(self, label, data):
        if self.f:
            self.f.write(f"{label} {data.hex()}\n")
            self.f.flush()


def recv_exact(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise Hangup(f"client closed after {len(data)} of {n} bytes")
        data += chunk
    return data


def recv_until_nul(sock, limit=1024):
    data = b""
    while True:
        c = recv_exact(sock, 1)
        data += c
        if c == b"\0":
            return data
        if len(data) > limit:
            raise Fail("no NUL in a SOCKS4 field")


def loopback_target(host, port):
    """Connect to host:port if it is (or resolves to) a loopback address."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        return None
    # Prefer IPv4: the tests' peers listen on 127.0.0.1.
    infos.sort(key=lambda i: i[0] != socket.AF_INET)
    for family, stype, proto, _, addr in infos:
        if not ipaddress.ip_address(addr[0].split("%")[0]).is_loopback:
            continue
        s = socket.socket(family, stype, proto)
        try:
            s.connect(addr)
            return s
        except OSError:
            s.close()
    return None


def pipe(src, dst):
    """Copy src to dst until EOF, then pass the half-close on."""
    try:
        while True:
            data = src.recv(CHUNK)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    try:
        dst.shutdown(socket.SHUT_WR)
    except OSError:
        pass


def relay(args, client, target, reply, early=b""):
    """Send the success reply, then relay until both sides are done.

    With --glue the reply and the target's first bytes leave in one send,
    so the client finds tunnel data right behind the reply.
    """
    global phase
    first = b""
    if args.glue:
        phase = "waiting for the target's first bytes"
        target.settimeout(5)
        try:
            first = target.recv(CHUNK)
        except socket.timeout:
            pass
        target.settimeout(None)
    client.sendall(reply + first)
    phase = "relaying"
    if early:
        target.sendall(early)
    t = threading.Thread(target=pipe, args=(target, client), daemon=True)
    t.start()
    pipe(client, target)
    t.join()
    target.close()


def silent(client):
    """Say nothing; wait for the client to give up."""
    global phase
    phase = "staying silent"
    while client.recv(CHUNK):
        pass


def bound(sock):
    """(ATYP, address bytes, port) of sock's local address for SOCKS5."""
    host, port = sock.getsockname()[:2]
    ip = ipaddress.ip_address(host.split("%")[0])
    return (1 if ip.version == 4 else 4), ip.packed, port


# --- SOCKS5 -----------------------------------------------------------------

def serve_socks5(args, client, log):
    global phase
    phase = "reading the SOCKS5 greeting"
    head = recv_exact(client, 2)
    methods = recv_exact(client, head[1])
    log.write("greeting", head + methods)
    if args.bad == "malformed":
        client.sendall(b"\x04\x00")
        return
    if args.bad == "oversized":
        client.sendall(b"\x05\x00" + b"\xff" * 65536)
        return
    want = 2 if args.user is not None else 0
    if head[0] != 5 or want not in methods:
        client.sendall(b"\x05\xff")
        return
    client.sendall(bytes([5, want]))
    if want == 2:
        phase = "reading the RFC 1929 request"
        ver, ulen = recv_exact(client, 2)
        user = recv_exact(client, ulen)
        plen = recv_exact(client, 1)
        password = recv_exact(client, plen[0])
        log.write("auth", bytes([ver, ulen]) + user + plen + password)
        ok = (user == args.user.encode() and
              password == (args.password or "").encode())
        client.sendall(b"\x01\x00" if ok else b"\x01\x01")
        if not ok:
            return

    phase = "reading the SOCKS5 request"
    req = recv_exact(client, 4)
    if req[3] == 1:
        addr = recv_exact(client, 4)
        host = socket.inet_ntop(socket.AF_INET, addr)
    elif req[3] == 4:
        addr = recv_exact(client, 16)
        host = socket.inet_ntop(socket.AF_INET6, addr)
    elif req[3] == 3:
        n = recv_exact(client, 1)
        addr = n + recv_exact(client, n[0])
        host = addr[1:].decode("latin-1")
    else:
        raise Fail(f"unknown ATYP {req[3]}")
    port_b = recv_exact(client, 2)
    log.write("request", req + addr + port_b)
    port = struct.unpack("!H", port_b)[0]

    if args.bad == "short":
        client.sendall(b"\x05\x00\x00")
        return
    if args.bad == "close":
        return
    if args.bad == "silent":
        silent(client)
        return
    if args.bad == "refuse":
        client.sendall(b"\x05\x05\x00\x01\0\0\0\0\0\0")
        return
    if req[1] != 1:
        client.sendall(b"\x05\x07\x00\x01\0\0\0\0\0\0")
        return
    target = loopback_target(host, port)
    if target is None:
        client.sendall(b"\x05\x02\x00\x01\0\0\0\0\0\0")
        return
    atyp, baddr, bport = bound(target)
    relay(args, client, target,
          bytes([5, 0, 0, atyp]) + baddr + struct.pack("!H", bport))


# --- SOCKS4 and 4a ----------------------------------------------------------

def serve_socks4(args, client, log):
    global phase
    phase = "reading the SOCKS4 request"
    req = recv_exact(client, 8)
    userid = recv_until_nul(client)
    name = b""
    if req[4:7] == b"\0\0\0" and req[7] != 0:
        name = recv_until_nul(client)
    log.write("request", req + userid + name)
    if args.bad == "short":
        client.sendall(b"\x00\x5a\x00")
        return
    if args.bad == "oversized":
        client.sendall(GARBAGE)
        return
    if args.bad == "malformed":
        client.sendall(b"\x05\x5a\0\0\0\0\0\0")
        return
    if args.bad == "close":
        return
    if args.bad == "silent":
        silent(client)
        return
    if args.bad == "refuse" or req[0] != 4 or req[1] != 1:
        client.sendall(b"\x00\x5b\0\0\0\0\0\0")
        return
    if args.user is not None and userid[:-1] != args.user.encode():
        client.sendall(b"\x00\x5d\0\0\0\0\0\0")
        return
    port = struct.unpack("!H", req[2:4])[0]
    host = (name[:-1].decode("latin-1") if name else
            socket.inet_ntop(socket.AF_INET, req[4:8]))
    target = loopback_target(host, port)
    if target is None:
        client.sendall(b"\x00\x5b\0\0\0\0\0\0")
        return
    relay(args, client, target, b"\x00\x5a" + req[2:8])


# --- HTTP CONNECT -----------------------------------------------------------

def http_reply(client, status, extra=b""):
    client.sendall(b"HTTP/1.1 " + status + b"\r\n" + extra +
                   b"Content-Length: 0\r\n\r\n")


def serve_http(args, client, log):
    global phase
    phase = "reading the HTTP request head"
    head = b""
    while b"\r\n\r\n" not in head:
        data = client.recv(CHUNK)
        if not data:
            raise Hangup("client closed during the request head")
        head += data
        if len(head) > CHUNK:
            raise Fail("request head too long")
    head, early = head.split(b"\r\n\r\n", 1)
    head += b"\r\n\r\n"
    log.write("request", head)

    if args.bad == "short":
        client.sendall(b"HTTP/1.1 200 Connection est")
        return
    if args.bad == "oversized":
        client.sendall(b"HTTP/1.1 200 Connection established\r\n")
        line = b"X-Filler: " + b"x" * 1000 + b"\r\n"
        try:
            for _ in range(70):
                client.sendall(line)
        except OSError:
            pass
        return
    if args.bad == "malformed":
        client.sendall(b"HTTP/1.1 2OO Connection established\r\n\r\n")
        return
    if args.bad == "close":
        return
    if args.bad == "silent":
        silent(client)
        return
    if args.bad == "refuse":
        reason = text_arg(args.reason) if args.reason else b"Forbidden"
        http_reply(client, b"403 " + reason)
        return

    lines = head.split(b"\r\n")
    parts = lines[0].split(b" ")
    if len(parts) != 3 or parts[0] != b"CONNECT":
        http_reply(client, b"400 Bad Request")
        return
    if args.user is not None:
        want = base64.b64encode(
            f"{args.user}:{args.password or ''}".encode())
        auth = [ln for ln in lines[1:]
                if ln.lower().startswith(b"proxy-authorization:")]
        if not auth or auth[0].split(b":", 1)[1].strip() != b"Basic " + want:
            http_reply(client, b"407 Proxy Authentication Required",
                       b'Proxy-Authenticate: Basic realm="test"\r\n')
            return
    hostport = parts[1].decode("latin-1")
    host, _, port = hostport.rpartition(":")
    host = host.strip("[]")
    try:
        port = int(port)
    except ValueError:
        http_reply(client, b"400 Bad Request")
        return
    target = loopback_target(host, port)
    if target is None:
        http_reply(client, b"502 Bad Gateway")
        return
    relay(args, client, target,
          b"HTTP/1.1 200 Connection established\r\n\r\n", early)


SERVE = {"socks4": serve_socks4, "socks5": serve_socks5, "http": serve_http}


def run(args):
    global phase
    family = socket.getaddrinfo(args.host, None,
                                flags=socket.AI_NUMERICHOST)[0][0]
    lsock = socket.socket(family, socket.SOCK_STREAM)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind((args.host, 0))
    lsock.listen(8)
    if args.port_file:
        write_atomic(args.port_file, f"{lsock.getsockname()[1]}\n".encode())
    log = Log(args.log)
    for _ in range(args.count):
        phase = "waiting for a client"
        client, _ = lsock.accept()
        try:
            SERVE[args.mode](args, client, log)
        except (Hangup, ConnectionError) as e:
            sys.stderr.write(f"proxy_server {args.mode}: {phase}: {e}\n")
        finally:
            client.close()
    lsock.close()


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("mode", choices=sorted(SERVE))
    p.add_argument("--host", default="127.0.0.1",
                   help="numeric address to listen on (default 127.0.0.1)")
    p.add_argument("--port-file", metavar="FILE",
                   help="write the listening port here, atomically")
    p.add_argument("--timeout", type=float, default=20.0, metavar="SECS",
                   help="watchdog: exit 3 after SECS (default 20)")
    p.add_argument("--count", type=int, default=1,
                   help="clients to serve, one after the other")
    p.add_argument("--user", help="require this user (SOCKS4: user id)")
    p.add_argument("--password", help="and this password")
    p.add_argument("--log", metavar="FILE",
                   help="append 'LABEL HEX' per handshake message")
    p.add_argument("--bad", choices=["short", "oversized", "malformed",
                                     "refuse", "close", "silent"])
    p.add_argument("--glue", action="store_true",
                   help="send the success reply and the target's first "
                   "bytes in one piece")
    p.add_argument("--reason", metavar="TEXT",
                   help="HTTP reason phrase for --bad refuse")
    args = p.parse_args()

    def watchdog(signum, frame):
        sys.stderr.write(f"proxy_server {args.mode}: watchdog: "
                         f"{args.timeout:g}s passed while {phase}\n")
        os._exit(3)

    signal.signal(signal.SIGALRM, watchdog)
    signal.setitimer(signal.ITIMER_REAL, args.timeout)
    try:
        run(args)
    except (Fail, OSError) as e:
        sys.stderr.write(f"proxy_server {args.mode}: {phase}: {e}\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
