#!/usr/bin/env python3
"""peer.py -- scripted TCP/UDP peers for sockcat's bats tests.

Servers bind HOST (default 127.0.0.1) on port 0, write the port to
--port-file (atomically) before accepting, serve exactly one client (or N
datagrams) and exit 0. Clients connect to HOST:--port and write their own
local port to --port-file once connected. A watchdog (--timeout, default 20 s)
ends any subcommand with status 3. Errors exit 1 with a message on stderr;
usage errors exit 2.

Files written with --save/--payload/--log are written as the data arrives and
flushed, so a test can poll them while the peer still runs. The exceptions
are the one-line results (silent's count, tcp-recv-ttl's line), which appear
atomically when complete.

TEXT arguments take Python escapes (\\n, \\r, \\xff, \\0).

Run `peer.py SUBCOMMAND -h` for each subcommand's options.
"""

import argparse
import codecs
import os
import signal
import socket
import struct
import sys
import time

# Linux values of constants the socket module may lack.
IP_TOS = getattr(socket, "IP_TOS", 1)
IP_TTL = getattr(socket, "IP_TTL", 2)
IP_PKTOPTIONS = 9
IP_RECVTTL = getattr(socket, "IP_RECVTTL", 12)
IP_RECVTOS = getattr(socket, "IP_RECVTOS", 13)
IP_MINTTL = getattr(socket, "IP_MINTTL", 21)
IPV6_2292PKTOPTIONS = 6
IPV6_RECVHOPLIMIT = getattr(socket, "IPV6_RECVHOPLIMIT", 51)
IPV6_HOPLIMIT = getattr(socket, "IPV6_HOPLIMIT", 52)
IPV6_RECVTCLASS = getattr(socket, "IPV6_RECVTCLASS", 66)
IPV6_TCLASS = getattr(socket, "IPV6_TCLASS", 67)
IPV6_MINHOPCOUNT = getattr(socket, "IPV6_MINHOPCOUNT", 73)

CHUNK = 65536

# What the peer is doing, for the watchdog's message.
phase = "starting"
received = 0


class Fail(Exception):
    """An error to report in one line and exit 1."""


def text_arg(s):
    """Decode Python escapes in a command-line TEXT into bytes.

    UTF-8 text passes through unchanged; \\xNN gives byte NN.
    """
    return codecs.decode(s.encode("utf-8"), "unicode_escape").encode("latin-1")


def write_atomic(path, data):
    """Write data to path so that readers never see it half-written."""
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


class Sink:
    """Append-and-flush writer for --save; a no-op without a path."""

    def __init__(self, path):
        self.f = open(path, "wb") if path else None

    def write(self, data):
        if self.f:
            self.f.write(data)
            self.f.flush()

    def close(self):
        if self.f:
            self.f.close()


def family_of(host):
    try:
        info = socket.getaddrinfo(host, None, flags=socket.AI_NUMERICHOST)
    except socket.gaierror as e:
        raise Fail(f"bad --host {host!r}: {e}") from e
    return info[0][0]


def report_port(args, sock):
    if args.port_file:
        write_atomic(args.port_file, f"{sock.getsockname()[1]}\n".encode())


def tcp_accept(args, setup=None):
    """Listen on HOST port 0, publish the port, return the one accepted socket.

    setup(listener) may set options that accepted sockets inherit.
    """
    global phase
    lsock = socket.socket(family_of(args.host), socket.SOCK_STREAM)
    if args.rcvbuf:
        # Set before listen() so the accepted socket starts with it.
        lsock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, args.rcvbuf)
    if setup:
        setup(lsock)
    lsock.bind((args.host, 0))
    lsock.listen(1)
    report_port(args, lsock)
    phase = "waiting for a client"
    conn, _ = lsock.accept()
    lsock.close()
    return conn


def tcp_connect(args):
    global phase
    phase = f"connecting to port {args.port}"
    sock = socket.socket(family_of(args.host), socket.SOCK_STREAM)
    sock.connect((args.host, args.port))
    report_port(args, sock)
    return sock


def read_to_eof(sock, sink, slow=False):
    """Read until EOF, passing data to sink; return the byte count."""
    global phase, received
    phase = "reading until EOF"
    n = 0
    while True:
        data = sock.recv(4096 if slow else CHUNK)
        if not data:
            return n
        n += len(data)
        received += len(data)
        sink.write(data)
        if slow:
            time.sleep(0.001)


def send_all(sock, data):
    global phase
    phase = f"sending {len(data)} bytes"
    sock.sendall(data)


def close_gently(sock):
    """Send FIN and close.

    close() with unread data queued sends RST instead of FIN, so drain what
    has already arrived first. Data arriving later still gets a RST.
    """
    try:
        sock.shutdown(socket.SHUT_WR)
        sock.setblocking(False)
        while sock.recv(CHUNK):
            pass
    except (BlockingIOError, ConnectionError):
        pass
    sock.close()


def read_file(path):
    with open(path, "rb") as f:
        return f.read()


# --- TCP servers ------------------------------------------------------------

def cmd_eof_reply(args):
    conn = tcp_accept(args)
    sink = Sink(args.save)
    n = read_to_eof(conn, sink)
    sink.close()
    send_all(conn, f"got {n} bytes\n".encode())
    close_gently(conn)


def cmd_banner(args):
    conn = tcp_accept(args)
    send_all(conn, text_arg(args.text))
    if not args.hold:
        close_gently(conn)
        return
    conn.shutdown(socket.SHUT_WR)
    sink = Sink(args.save)
    read_to_eof(conn, sink)
    sink.close()
    conn.close()


def cmd_echo(args):
    global phase, received
    conn = tcp_accept(args)
    sink = Sink(args.save)
    phase = "echoing until EOF"
    while True:
        data = conn.recv(CHUNK)
        if not data:
            break
        received += len(data)
        sink.write(data)
        conn.sendall(data)
    sink.close()
    close_gently(conn)


def cmd_sink(args):
    conn = tcp_accept(args)
    sink = Sink(args.save)
    read_to_eof(conn, sink, slow=args.slow)
    sink.close()
    conn.close()


def cmd_source(args):
    data = read_file(args.file)
    conn = tcp_accept(args)
    send_all(conn, data)
    if args.then_wait:
        # The connection stays open both ways (no FIN) until the file
        # appears: what was sent must arrive without an end of stream.
        while not os.path.exists(args.then_wait):
            time.sleep(0.02)
        close_gently(conn)
        return
    if not args.then_hold:
        close_gently(conn)
        return
    conn.shutdown(socket.SHUT_WR)
    sink = Sink(args.save)
    read_to_eof(conn, sink)
    sink.close()
    conn.close()


def cmd_silent(args):
    conn = tcp_accept(args)
    n = read_to_eof(conn, Sink(None))
    conn.close()
    if args.save:
        write_atomic(args.save, f"{n}\n".encode())


def cmd_reset(args):
    global phase, received
    conn = tcp_accept(args)
    sink = Sink(args.save)
    phase = f"reading {args.after} bytes"
    n = 0
    while n < args.after:
        data = conn.recv(args.after - n)
        if not data:
            break
        n += len(data)
        received += len(data)
        sink.write(data)
    sink.close()
    # Linger on with time 0: close() aborts the connection with a RST.
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                    struct.pack("ii", 1, 0))
    conn.close()


def parse_cmsgs(buf):
    """Split a raw cmsghdr sequence (from getsockopt) into (level, type, data)."""
    hdr = struct.calcsize("Nii")
    align = struct.calcsize("N")
    out = []
    off = 0
    while off + hdr <= len(buf):
        length, level, ctype = struct.unpack_from("Nii", buf, off)
        if length < hdr:
            break
        out.append((level, ctype, buf[off + hdr:off + length]))
        off += (length + align - 1) & ~(align - 1)
    return out


def cmsg_int(data):
    """IP_TOS arrives as one byte from recvmsg, as an int elsewhere."""
    if len(data) >= 4:
        return struct.unpack("i", data[:4])[0]
    return data[0] if data else None


def ttl_tos(cmsgs, v6):
    """Pick (ttl, tos) out of ancillary data; None where absent."""
    ttl = tos = None
    for level, ctype, data in cmsgs:
        if v6 and level == socket.IPPROTO_IPV6:
            if ctype == IPV6_HOPLIMIT:
                ttl = cmsg_int(data)
            elif ctype == IPV6_TCLASS:
                tos = cmsg_int(data)
        elif not v6 and level == socket.IPPROTO_IP:
            if ctype in (IP_TTL, IP_RECVTTL):
                ttl = cmsg_int(data)
            elif ctype in (IP_TOS, IP_RECVTOS):
                tos = cmsg_int(data)
    return ttl, tos


def ttl_tos_text(ttl, tos):
    return "ttl=%s tos=%s" % ("-" if ttl is None else ttl,
                              "-" if tos is None else "0x%02x" % tos)


def ask_ttl_tos(sock, v6):
    """Make sock report the TTL/hop limit and TOS/traffic class it receives."""
    if v6:
        sock.setsockopt(socket.IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1)
        sock.setsockopt(socket.IPPROTO_IPV6, IPV6_RECVTCLASS, 1)
    else:
        sock.setsockopt(socket.IPPROTO_IP, IP_RECVTTL, 1)
        sock.setsockopt(socket.IPPROTO_IP, IP_RECVTOS, 1)


def cmd_tcp_recv_ttl(args):
    global phase, received
    v6 = family_of(args.host) == socket.AF_INET6

    def setup(lsock):
        ask_ttl_tos(lsock, v6)
        if args.minttl:
            if v6:
                lsock.setsockopt(socket.IPPROTO_IPV6, IPV6_MINHOPCOUNT,
                                 args.minttl)
            else:
                lsock.setsockopt(socket.IPPROTO_IP, IP_MINTTL, args.minttl)

    conn = tcp_accept(args, setup)
    ask_ttl_tos(conn, v6)
    payload = Sink(args.payload)
    ttl = tos = None
    phase = "reading until EOF"
    while True:
        data, anc, _, _ = conn.recvmsg(CHUNK, 1024)
        if not data:
            break
        received += len(data)
        payload.write(data)
        t, s = ttl_tos(anc, v6)
        ttl = t if t is not None else ttl
        tos = s if s is not None else tos
    payload.close()
    # Linux keeps what TCP received in the "packet options" (IPv4: from the
    # handshake; IPv6: from the last data segment).
    if ttl is None or tos is None:
        try:
            if v6:
                raw = conn.getsockopt(socket.IPPROTO_IPV6,
                                      IPV6_2292PKTOPTIONS, 1024)
            else:
                raw = conn.getsockopt(socket.IPPROTO_IP, IP_PKTOPTIONS, 1024)
            t, s = ttl_tos(parse_cmsgs(raw), v6)
            ttl = t if ttl is None else ttl
            tos = s if tos is None else tos
        except OSError:
            pass
    conn.close()
    if args.save:
        write_atomic(args.save, (ttl_tos_text(ttl, tos) + "\n").encode())


# --- TCP clients ------------------------------------------------------------

def cmd_client_halfclose(args):
    sock = tcp_connect(args)
    send_all(sock, text_arg(args.send))
    sock.shutdown(socket.SHUT_WR)
    sink = Sink(args.save)
    read_to_eof(sock, sink)
    sink.close()
    sock.close()


def cmd_client_hold(args):
    sock = tcp_connect(args)
    sink = Sink(args.save)
    read_to_eof(sock, sink)
    sink.close()
    sock.close()


def cmd_client_send(args):
    data = read_file(args.file)
    sock = tcp_connect(args)
    send_all(sock, data)
    sock.shutdown(socket.SHUT_WR)
    sink = Sink(args.save)
    read_to_eof(sock, sink)
    sink.close()
    sock.close()


# --- UDP --------------------------------------------------------------------

def udp_bind(args):
    sock = socket.socket(family_of(args.host), socket.SOCK_DGRAM)
    sock.bind((args.host, 0))
    report_port(args, sock)
    return sock


def dgram_line(data):
    return f"{len(data)}:{data.hex()}\n".encode()


def cmd_udp_echo(args):
    global phase, received
    sock = udp_bind(args)
    log = Sink(args.save)
    n = 0
    while args.count == 0 or n < args.count:
        phase = f"waiting for datagram {n + 1}"
        data, addr = sock.recvfrom(CHUNK)
        n += 1
        received += len(data)
        log.write(dgram_line(data))
        sock.sendto(data, addr)
    log.close()
    sock.close()


def cmd_udp_recv(args):
    global phase, received
    v6 = family_of(args.host) == socket.AF_INET6
    sock = udp_bind(args)
    ask_ttl_tos(sock, v6)
    log = Sink(args.save)
    payload = Sink(args.payload)
    for n in range(args.count):
        phase = f"waiting for datagram {n + 1} of {args.count}"
        data, anc, _, _ = sock.recvmsg(CHUNK, 1024)
        received += len(data)
        payload.write(data)
        ttl, tos = ttl_tos(anc, v6)
        log.write(f"len={len(data)} {ttl_tos_text(ttl, tos)}\n".encode())
    log.close()
    payload.close()
    sock.close()


def cmd_udp_send(args):
    global phase, received
    if (args.data is None) == (args.file is None):
        raise Fail("give exactly one of --data and --file")
    data = text_arg(args.data) if args.file is None else read_file(args.file)
    sock = socket.socket(family_of(args.host), socket.SOCK_DGRAM)
    sock.bind((args.host, 0))
    report_port(args, sock)
    phase = "sending"
    for _ in range(args.count):
        sock.sendto(data, (args.host, args.port))
    save = Sink(args.save)
    log = Sink(args.log)
    replies = 0
    end = time.monotonic() + args.reply_wait
    while args.replies == 0 or replies < args.replies:
        left = end - time.monotonic()
        if left <= 0:
            break
        phase = "waiting for replies"
        sock.settimeout(left)
        try:
            reply, _ = sock.recvfrom(CHUNK)
        except socket.timeout:
            break
        except ConnectionRefusedError:
            # An ICMP error for an earlier datagram, not a reply.
            continue
        replies += 1
        received += len(reply)
        save.write(reply)
        log.write(dgram_line(reply))
    save.close()
    log.close()
    sock.close()
    if args.replies and replies < args.replies:
        raise Fail(f"got {replies} of {args.replies} replies "
                   f"in {args.reply_wait}s")


# --- command line -----------------------------------------------------------

def positive(s):
    v = int(s)
    if v < 0:
        raise argparse.ArgumentTypeError(f"negative: {s}")
    return v


def build_parser():
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--host", default="127.0.0.1",
                        help="numeric address to bind or connect to "
                        "(default 127.0.0.1; ::1 for IPv6)")
    common.add_argument("--port-file", metavar="FILE",
                        help="write the bound port (servers) or local port "
                        "(clients) here, atomically")
    common.add_argument("--timeout", type=float, default=20.0, metavar="SECS",
                        help="watchdog: exit 3 after SECS (default 20)")
    common.add_argument("--save", metavar="FILE",
                        help="where to save what was received")
    server = argparse.ArgumentParser(add_help=False)
    server.add_argument("--rcvbuf", type=positive, metavar="BYTES",
                        help="SO_RCVBUF for the accepted socket")
    client = argparse.ArgumentParser(add_help=False)
    client.add_argument("--port", type=positive, required=True)

    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True, metavar="SUBCOMMAND")

    def add(name, func, help_text, parents):
        sp = sub.add_parser(name, parents=parents, help=help_text,
                            description=help_text)
        sp.set_defaults(func=func)
        return sp

    tcp_s = [common, server]
    add("eof-reply", cmd_eof_reply,
        "read to EOF, then send 'got N bytes\\n' and close", tcp_s)
    sp = add("banner", cmd_banner,
             "send TEXT and close; with --hold, half-close and read to EOF",
             tcp_s)
    sp.add_argument("--text", required=True)
    sp.add_argument("--hold", action="store_true")
    add("echo", cmd_echo, "echo everything back until EOF, then close", tcp_s)
    sp = add("sink", cmd_sink, "read to EOF into --save", tcp_s)
    sp.add_argument("--slow", action="store_true",
                    help="read 4 KiB per millisecond")
    sp = add("source", cmd_source,
             "send FILE and close; with --then-hold, half-close and read "
             "to EOF", tcp_s)
    sp.add_argument("--file", required=True)
    sp.add_argument("--then-hold", action="store_true")
    sp.add_argument("--then-wait", metavar="FILE",
                    help="after sending, keep the connection open until "
                    "FILE exists, then close")
    add("silent", cmd_silent,
        "send nothing, read to EOF; --save gets the byte count", tcp_s)
    sp = add("reset", cmd_reset,
             "read AFTER bytes (or to EOF), then close with a RST", tcp_s)
    sp.add_argument("--after", type=positive, default=1)
    sp = add("tcp-recv-ttl", cmd_tcp_recv_ttl,
             "read to EOF; --save gets 'ttl=T tos=0xXX' of the peer's "
             "packets ('-' if unknown)", tcp_s)
    sp.add_argument("--payload", metavar="FILE", help="save the data here")
    sp.add_argument("--minttl", type=positive,
                    help="IP_MINTTL/IPV6_MINHOPCOUNT: drop packets with a "
                    "lower TTL, so such a client cannot connect")

    tcp_c = [common, client]
    sp = add("client-halfclose", cmd_client_halfclose,
             "send TEXT, half-close, read to EOF into --save", tcp_c)
    sp.add_argument("--send", required=True, metavar="TEXT")
    add("client-hold", cmd_client_hold,
        "send nothing, keep the write side open, read to EOF into --save",
        tcp_c)
    sp = add("client-send", cmd_client_send,
             "send FILE, half-close, read to EOF into --save", tcp_c)
    sp.add_argument("--file", required=True)

    sp = add("udp-echo", cmd_udp_echo,
             "echo COUNT datagrams (0: until the watchdog); --save gets "
             "'LEN:hex' per datagram", [common])
    sp.add_argument("--count", type=positive, default=0)
    sp = add("udp-recv", cmd_udp_recv,
             "receive COUNT datagrams; --save gets 'len=L ttl=T tos=0xXX' "
             "per datagram", [common])
    sp.add_argument("--count", type=positive, required=True)
    sp.add_argument("--payload", metavar="FILE",
                    help="save the payloads here, concatenated")
    sp = add("udp-send", cmd_udp_send,
             "send COUNT datagrams, then collect replies for REPLY_WAIT s",
             [common, client])
    sp.add_argument("--data", metavar="TEXT")
    sp.add_argument("--file", help="send this file's contents as the datagram")
    sp.add_argument("--count", type=positive, default=1)
    sp.add_argument("--reply-wait", type=float, default=0.0, metavar="SECS")
    sp.add_argument("--replies", type=positive, default=0, metavar="N",
                    help="stop after N replies; exit 1 if fewer came")
    sp.add_argument("--log", metavar="FILE",
                    help="'LEN:hex' per reply (--save gets them raw)")
    return p


def main():
    args = build_parser().parse_args()

    def watchdog(signum, frame):
        sys.stderr.write(f"peer {args.cmd}: watchdog: {args.timeout:g}s "
                         f"passed while {phase} ({received} bytes "
                         f"received)\n")
        os._exit(3)

    signal.signal(signal.SIGALRM, watchdog)
    signal.setitimer(signal.ITIMER_REAL, args.timeout)
    try:
        args.func(args)
    except (Fail, OSError) as e:
        sys.stderr.write(f"peer {args.cmd}: {phase}: {e}\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
