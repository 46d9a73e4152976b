#!/usr/bin/env python3
"""faults.py -- load, fault and soak helpers for sockcat's bats tests.

What peer.py lacks for faults.bats, soak.bats and security.bats: streams of
any size checked by SHA-256 instead of files on disk, slow and stalling
readers, a full-duplex server, fast sequential and concurrent client loops,
and a flood of clients for the EMFILE tests.

Servers bind 127.0.0.1 port 0 and write the port to --port-file
(atomically) before accepting. Sum files hold one line, "SHA256HEX BYTES",
written atomically at the end. A watchdog (--timeout, default 60 s) ends any
subcommand with status 3. Errors exit 1 with one line on stderr; usage errors
exit 2. Run `faults.py SUBCOMMAND -h` for the options of each.
"""

import argparse
import hashlib
import os
import select
import signal
import socket
import sys
import threading
import time

CHUNK = 65536
BLOCK = 1 << 20

phase = "starting"


class Fail(Exception):
    """An error to report in one line and exit 1."""


def write_atomic(path, text):
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def write_sum(path, h, n):
    if path:
        write_atomic(path, f"{h.hexdigest()} {n}\n")


def wait_file(path):
    """Wait (under the watchdog) until path exists."""
    global phase
    phase = f"waiting for {path}"
    while not os.path.exists(path):
        time.sleep(0.01)


class Stream:
    """N bytes that look random and are cheap to make: a random 1 MiB
    block, rotated differently for each block sent."""

    def __init__(self, total):
        base = os.urandom(BLOCK)
        self.doubled = memoryview(base + base)
        self.total = total

    def chunks(self, size=BLOCK):
        sent = 0
        k = 0
        while sent < self.total:
            n = min(size, self.total - sent)
            off = (k * 7919) % BLOCK
            yield self.doubled[off:off + n]
            sent += n
            k += 1


def listen(port_file, rcvbuf=None, backlog=1):
    lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf:
        # Before listen(), so the accepted socket starts with it (and the
        # kernel does not grow it behind our back).
        lsock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(backlog)
    if port_file:
        write_atomic(port_file, f"{lsock.getsockname()[1]}\n")
    return lsock


def accept_one(args, rcvbuf=None):
    global phase
    lsock = listen(args.port_file, rcvbuf)
    phase = "waiting for a client"
    conn, _ = lsock.accept()
    lsock.close()
    return conn


class Pacer:
    """Slow reading: after every BURST bytes, pause PAUSE seconds."""

    def __init__(self, slow, burst=256 * 1024, pause=0.005):
        self.slow = slow
        self.burst = burst
        self.pause = pause
        self.since = 0

    def read_size(self):
        return 8192 if self.slow else CHUNK

    def account(self, n):
        if not self.slow:
            return
        self.since += n
        if self.since >= self.burst:
            self.since = 0
            time.sleep(self.pause)


# --- streams through stdio ----------------------------------------------------

def cmd_gen(args):
    """Write --bytes of the stream to stdout; --sum gets its SHA-256."""
    global phase
    h = hashlib.sha256()
    n = 0
    prog = os.open(args.progress, os.O_WRONLY | os.O_CREAT | os.O_TRUNC,
                   0o644) if args.progress else None
    phase = "writing stdout"
    for c in Stream(args.bytes).chunks(args.chunk):
        h.update(c)
        view = c
        while len(view):
            try:
                w = os.write(1, view)
            except BrokenPipeError:
                raise Fail(f"stdout closed after {n} bytes")
            view = view[w:]
            n += w
            if prog is not None:
                os.pwrite(prog, b"%20d\n" % n, 0)
    os.close(1)
    write_sum(args.sum, h, n)


def cmd_hash(args):
    """Read stdin to EOF (slowly with --slow); --sum gets its SHA-256."""
    global phase
    h = hashlib.sha256()
    n = 0
    pace = Pacer(args.slow)
    phase = "reading stdin"
    while True:
        data = os.read(0, pace.read_size())
        if not data:
            break
        h.update(data)
        n += len(data)
        pace.account(len(data))
    write_sum(args.sum, h, n)


# --- TCP servers --------------------------------------------------------------

def cmd_sink(args):
    """Accept one client, read to EOF (slowly with --slow), --sum it."""
    global phase
    conn = accept_one(args, args.rcvbuf)
    h = hashlib.sha256()
    n = 0
    pace = Pacer(args.slow)
    phase = "reading until EOF"
    while True:
        data = conn.recv(pace.read_size())
        if not data:
            break
        h.update(data)
        n += len(data)
        pace.account(len(data))
    conn.close()
    write_sum(args.sum, h, n)


def cmd_source(args):
    """Accept one client, send --bytes, half-close, read to EOF."""
    global phase
    conn = accept_one(args)
    h = hashlib.sha256()
    phase = "sending"
    for c in Stream(args.bytes).chunks():
        h.update(c)
        conn.sendall(c)
    conn.shutdown(socket.SHUT_WR)
    write_sum(args.sum, h, args.bytes)
    phase = "reading until EOF"
    while conn.recv(CHUNK):
        pass
    conn.close()


def cmd_duplex(args):
    """Accept one client; send --bytes while reading to EOF, at once."""
    global phase
    conn = accept_one(args)
    failure = []

    def sender():
        h = hashlib.sha256()
        try:
            for c in Stream(args.bytes).chunks():
                h.update(c)
                conn.sendall(c)
            conn.shutdown(socket.SHUT_WR)
            write_sum(args.sent_sum, h, args.bytes)
        except OSError as e:
            failure.append(f"sending: {e}")

    t = threading.Thread(target=sender, daemon=True)
    t.start()
    h = hashlib.sha256()
    n = 0
    phase = "reading until EOF while sending"
    while True:
        data = conn.recv(CHUNK)
        if not data:
            break
        h.update(data)
        n += len(data)
    write_sum(args.recv_sum, h, n)
    phase = "waiting for the sender to finish"
    t.join()
    conn.close()
    if failure:
        raise Fail(failure[0])


def cmd_staged_sink(args):
    """Accept one client; read up to each of --stages, pausing between.

    Reads exactly up to each byte total of --stages in turn. After each
    stage, writes the total to --progress and stops reading until GO.N
    exists (N = 1, 2, ...); after the last stage, holds the connection
    unread until the watchdog or a signal."""
    global phase
    conn = accept_one(args, args.rcvbuf)
    n = 0
    for i, stage in enumerate(args.stages, 1):
        phase = f"reading up to {stage} bytes"
        while n < stage:
            data = conn.recv(min(CHUNK, stage - n))
            if not data:
                raise Fail(f"EOF after {n} bytes, before stage {stage}")
            n += len(data)
        write_atomic(args.progress, f"{n}\n")
        if i < len(args.stages):
            wait_file(f"{args.go}.{i}")
    phase = f"holding the connection unread after {n} bytes"
    while True:
        time.sleep(1)


def cmd_full_backlog(args):
    """Listen with a full accept queue, so that connecting hangs.

    Backlog 0 and --fill connections in the queue: the kernel drops
    further SYNs. Holds until the watchdog."""
    global phase
    lsock = listen(None, backlog=0)
    port = lsock.getsockname()[1]
    fillers = []
    for _ in range(args.fill):
        s = socket.socket()
        s.setblocking(False)
        try:
            s.connect(("127.0.0.1", port))
        except BlockingIOError:
            pass
        fillers.append(s)
    if args.port_file:
        write_atomic(args.port_file, f"{port}\n")
    phase = "holding a full accept queue"
    while True:
        time.sleep(1)


# --- clients ------------------------------------------------------------------

def recv_all(sock):
    parts = []
    while True:
        data = sock.recv(CHUNK)
        if not data:
            return b"".join(parts)
        parts.append(data)


def cmd_seq_clients(args):
    """Run --count clients one after another, checking each reply.

    Each sends 'client I\\n', half-closes and reads to EOF. --expect echo:
    the reply must be the line; empty: the reply must be empty. Exits 1
    at the first failure."""
    global phase
    for i in range(args.count):
        line = b"client %d\n" % i
        phase = f"client {i}"
        s = socket.create_connection(("127.0.0.1", args.port),
                                     timeout=args.client_timeout)
        s.sendall(line)
        s.shutdown(socket.SHUT_WR)
        reply = recv_all(s)
        s.close()
        want = line if args.expect == "echo" else b""
        if reply != want:
            raise Fail(f"client {i} of {args.count}: got {reply!r}, "
                       f"expected {want!r}")
    if args.served:
        write_atomic(args.served, f"{args.count}\n")


def cmd_conc_clients(args):
    """Hold --count connections to an echo server open at once.

    On each, sends 'conn I\\n' and reads it back. Then writes --ready,
    waits for --go, half-closes them all and checks that each ends with
    EOF and nothing more. --served gets the number that passed."""
    global phase
    socks = []
    for i in range(args.count):
        phase = f"connecting {i} of {args.count}"
        socks.append(socket.create_connection(("127.0.0.1", args.port),
                                              timeout=args.client_timeout))
    for i, s in enumerate(socks):
        s.sendall(b"conn %d\n" % i)
    for i, s in enumerate(socks):
        phase = f"reading the echo on connection {i}"
        want = b"conn %d\n" % i
        got = b""
        while len(got) < len(want):
            data = s.recv(len(want) - len(got))
            if not data:
                raise Fail(f"connection {i}: EOF after {got!r}")
            got += data
        if got != want:
            raise Fail(f"connection {i}: got {got!r}, expected {want!r}")
    write_atomic(args.ready, f"{len(socks)}\n")
    wait_file(args.go)
    for s in socks:
        s.shutdown(socket.SHUT_WR)
    served = 0
    for i, s in enumerate(socks):
        phase = f"waiting for EOF on connection {i}"
        rest = recv_all(s)
        s.close()
        if rest:
            raise Fail(f"connection {i}: unexpected {rest!r} after EOF")
        served += 1
    write_atomic(args.served, f"{served}\n")


def cmd_flood(args):
    """Flood a --broker listener with clients (the EMFILE tests).

    Opens --count connections at once, each sending 'hello I\\n', and
    writes --ready.
    Then wait for --go; the broker has written --probe to its clients by
    then. Sort the connections for --probe-wait seconds: 'served' (got
    the probe), 'closed' (EOF or reset: refused) or 'pending' (nothing).
    Write 'served S closed C pending P' and the pending numbers to
    --result, close the served ones (the first clients finish), hold the
    rest until --done exists, then close them all and exit."""
    global phase
    socks = []
    for i in range(args.count):
        phase = f"connecting {i} of {args.count}"
        s = socket.create_connection(("127.0.0.1", args.port), timeout=10)
        s.sendall(b"hello %d\n" % i)
        socks.append(s)
    write_atomic(args.ready, f"{len(socks)}\n")
    wait_file(args.go)
    phase = "sorting the connections"
    got = {i: b"" for i in range(len(socks))}
    state = {i: "pending" for i in range(len(socks))}
    probe = args.probe.encode()
    end = time.monotonic() + args.probe_wait
    for s in socks:
        s.setblocking(False)
    while time.monotonic() < end:
        waiting = [s for i, s in enumerate(socks) if state[i] == "pending"]
        if not waiting:
            break
        ready, _, _ = select.select(waiting, [], [], 0.05)
        for s in ready:
            i = socks.index(s)
            try:
                data = s.recv(CHUNK)
            except (BlockingIOError, InterruptedError):
                continue
            except ConnectionError:
                data = b""
            if not data:
                state[i] = "closed"
                continue
            got[i] += data
            if probe in got[i]:
                state[i] = "served"
    count = {k: sum(1 for v in state.values() if v == k)
             for k in ("served", "closed", "pending")}
    pending = " ".join(str(i) for i in range(len(socks))
                       if state[i] == "pending")
    for i, s in enumerate(socks):
        if state[i] in ("served", "closed"):
            s.close()
    write_atomic(args.result, "served %d closed %d pending %d\n%s\n" % (
        count["served"], count["closed"], count["pending"], pending))
    wait_file(args.done)
    for i, s in enumerate(socks):
        if state[i] == "pending":
            s.close()


# --- command line -------------------------------------------------------------

def size(s):
    """A byte count: 123, 64K, 16M, 1G."""
    mult = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    if s and s[-1].upper() in mult:
        return int(s[:-1]) * mult[s[-1].upper()]
    return int(s)


def build_parser():
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--timeout", type=float, default=60.0,
                        metavar="SECS", help="watchdog: exit 3 after SECS")
    server = argparse.ArgumentParser(add_help=False)
    server.add_argument("--port-file", metavar="FILE")
    client = argparse.ArgumentParser(add_help=False)
    client.add_argument("--port", type=int, required=True)
    client.add_argument("--client-timeout", type=float, default=10.0,
                        metavar="SECS", help="per-socket timeout")

    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True, metavar="SUBCOMMAND")

    def add(name, func, parents):
        sp = sub.add_parser(name, parents=[common] + parents,
                            help=func.__doc__.split("\n")[0],
                            description=func.__doc__)
        sp.set_defaults(func=func)
        return sp

    sp = add("gen", cmd_gen, [])
    sp.add_argument("--bytes", type=size, required=True)
    sp.add_argument("--chunk", type=size, default=BLOCK)
    sp.add_argument("--sum", metavar="FILE")
    sp.add_argument("--progress", metavar="FILE",
                    help="kept up to date with the bytes written so far")
    sp = add("hash", cmd_hash, [])
    sp.add_argument("--sum", metavar="FILE")
    sp.add_argument("--slow", action="store_true")
    sp = add("sink", cmd_sink, [server])
    sp.add_argument("--sum", metavar="FILE")
    sp.add_argument("--slow", action="store_true")
    sp.add_argument("--rcvbuf", type=size)
    sp = add("source", cmd_source, [server])
    sp.add_argument("--bytes", type=size, required=True)
    sp.add_argument("--sum", metavar="FILE")
    sp = add("duplex", cmd_duplex, [server])
    sp.add_argument("--bytes", type=size, required=True)
    sp.add_argument("--sent-sum", metavar="FILE", required=True)
    sp.add_argument("--recv-sum", metavar="FILE", required=True)
    sp = add("staged-sink", cmd_staged_sink, [server])
    sp.add_argument("--stages", type=lambda s: [size(x) for x in
                                                s.split(",")], required=True)
    sp.add_argument("--progress", metavar="FILE", required=True)
    sp.add_argument("--go", metavar="PREFIX", required=True)
    sp.add_argument("--rcvbuf", type=size)
    sp = add("full-backlog", cmd_full_backlog, [server])
    sp.add_argument("--fill", type=int, default=3)
    sp = add("seq-clients", cmd_seq_clients, [client])
    sp.add_argument("--count", type=int, required=True)
    sp.add_argument("--expect", choices=("echo", "empty"), required=True)
    sp.add_argument("--served", metavar="FILE")
    sp = add("conc-clients", cmd_conc_clients, [client])
    sp.add_argument("--count", type=int, required=True)
    sp.add_argument("--ready", metavar="FILE", required=True)
    sp.add_argument("--go", metavar="FILE", required=True)
    sp.add_argument("--served", metavar="FILE", required=True)
    sp = add("flood", cmd_flood, [client])
    sp.add_argument("--count", type=int, required=True)
    sp.add_argument("--ready", metavar="FILE", required=True)
    sp.add_argument("--go", metavar="FILE", required=True)
    sp.add_argument("--probe", required=True)
    sp.add_argument("--probe-wait", type=float, default=2.0)
    sp.add_argument("--result", metavar="FILE", required=True)
    sp.add_argument("--done", metavar="FILE", required=True)
    return p


def main():
    args = build_parser().parse_args()

    def watchdog(signum, frame):
        sys.stderr.write(f"faults {args.cmd}: watchdog: {args.timeout:g}s "
                         f"passed while {phase}\n")
        os._exit(3)

    signal.signal(signal.SIGALRM, watchdog)
    signal.setitimer(signal.ITIMER_REAL, args.timeout)
    try:
        args.func(args)
    except (Fail, OSError) as e:
        sys.stderr.write(f"faults {args.cmd}: {phase}: {e}\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
