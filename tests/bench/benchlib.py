#!/usr/bin/env python3
"""benchlib.py -- helpers for tests/bench/bench.sh.

  benchlib.py freeport
      Print a port on 127.0.0.1 that is free for both TCP and UDP (bound
      to port 0, read, closed; bench.sh retries if a tool cannot bind it).
  benchlib.py sink PORT
      Accept TCP clients on 127.0.0.1:PORT, read each to end of file and
      close it; runs until killed.
  benchlib.py clients PORT N SECONDS
      Connect N clients to 127.0.0.1:PORT one after another (fewer if
      SECONDS pass first); each sends 10 bytes, half-closes and waits for
      the server to close.  Prints "CLIENTS MICROSECONDS" (a listener's own
      rate, without any client's start-up).
  benchlib.py echoes PORT N SECONDS
      Connect N clients to 127.0.0.1:PORT one after another (fewer if
      SECONDS pass first); each sends 5 bytes, waits up to 2 s for the
      same 5 bytes back, and closes.  Prints "OK LOST MICROSECONDS": the
      clients that got their reply whole, those that did not (a reset, a
      short or wrong reply, a timeout), and the time taken.
  benchlib.py countsink PORT
      Accept one TCP client on 127.0.0.1:PORT, move what it sends to
      /dev/null until end of file (splice(2) through a 1 MiB pipe, so the
      receiver is not the bottleneck; recv_into() where os.splice is
      missing), close, and print the byte count.
  benchlib.py echod PORT
      An echo server on 127.0.0.1:PORT (one process, selectors, non-
      blocking): sends back what each client sends and closes a client
      at its end of file; runs until killed.
  benchlib.py idle PORT N SECONDS
      Open N connections to 127.0.0.1:PORT (a relay in front of `echod`),
      check that each answers one 1-byte echo (so its upstream leg is
      up), print "ready" and hold them all open, idle, until killed or
      SECONDS pass.  Exits 1 (printing "failed K")
      if the K-th connection did not answer.
  benchlib.py hftimes JSON
      Print the times (seconds) of hyperfine's --export-json, one a line.
  benchlib.py straceCalls FILE
      Print the total number of calls in an `strace -c` summary.
  benchlib.py rss CMD [ARG...]
      Run CMD (stdin inherited, stdout discarded) and print its peak RSS
      in KiB (the fallback when /usr/bin/time is missing).
  benchlib.py report RESULTS
      Print the markdown report of bench.sh's results file (stdin has the
      header lines bench.sh wrote).
"""
import fcntl
import json
import os
import resource
import selectors
import socket
import statistics
import subprocess
import sys
import time

# ---------------------------------------------------------------- helpers


def freeport():
    for _ in range(50):
        t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        t.bind(("127.0.0.1", 0))
        port = t.getsockname()[1]
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            u.bind(("127.0.0.1", port))
        except OSError:
            continue
        finally:
            u.close()
            t.close()
        print(port)
        return 0
    return 1


def sink(port):
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", port))
    ls.listen(128)
    ls.setblocking(False)
    sel = selectors.DefaultSelector()
    sel.register(ls, selectors.EVENT_READ)
    while True:
        for key, _ in sel.select():
            s = key.fileobj
            if s is ls:
                try:
                    c, _ = ls.accept()
                except OSError:
                    continue
                c.setblocking(False)
                sel.register(c, selectors.EVENT_READ)
                continue
            try:
                data = s.recv(65536)
            except BlockingIOError:
                continue
            except OSError:
                data = b""
            if not data:
                sel.unregister(s)
                s.close()


def clients(port, n, limit):
    t0 = time.perf_counter()
    done = 0
    for _ in range(n):
        if time.perf_counter() - t0 > limit:
            break
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        s.sendall(b"0123456789")
        s.shutdown(socket.SHUT_WR)
        while s.recv(4096):
            pass
        s.close()
        done += 1
    print(done, int((time.perf_counter() - t0) * 1e6))


def echoes(port, n, limit):
    t0 = time.perf_counter()
    ok = lost = 0
    for i in range(n):
        if time.perf_counter() - t0 > limit:
            break
        msg = b"%05d" % (i % 100000)
        got = b""
        try:
            with socket.create_connection(("127.0.0.1", port),
                                          timeout=2) as s:
                s.sendall(msg)
                while len(got) < len(msg):
                    b = s.recv(len(msg) - len(got))
                    if not b:
                        break
                    got += b
        except OSError:
            pass
        if got == msg:
            ok += 1
        else:
            lost += 1
    print(ok, lost, int((time.perf_counter() - t0) * 1e6))


def countsink(port):
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", port))
    ls.listen(1)
    c, _ = ls.accept()
    ls.close()
    total = 0
    if hasattr(os, "splice"):
        r, w = os.pipe()
        try:
            fcntl.fcntl(w, fcntl.F_SETPIPE_SZ, 1 << 20)
        except (OSError, AttributeError):
            pass
        null = os.open("/dev/null", os.O_WRONLY)
        while True:
            n = os.splice(c.fileno(), w, 1 << 20)
            if n == 0:
                break
            total += n
            while n > 0:
                n -= os.splice(r, null, n)
    else:
        buf = bytearray(1 << 20)
        while True:
            n = c.recv_into(buf)
            if n == 0:
                break
            total += n
    c.close()
    print(total)


def more_fds():
    """Raises the soft descriptor limit to the hard one (idle pairs)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def echod(port):
    more_fds()
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", port))
    ls.listen(4096)
    ls.setblocking(False)
    sel = selectors.DefaultSelector()
    sel.register(ls, selectors.EVENT_READ)
    while True:
        for key, _ in sel.select():
            s = key.fileobj
            if s is ls:
                # Every pending client at once: a relay's many upstream
                # connects should not wait one wakeup each.
                for _ in range(64):
                    try:
                        c, _ = ls.accept()
                    except OSError:
                        break
                    c.setblocking(False)
                    sel.register(c, selectors.EVENT_READ)
                continue
            try:
                data = s.recv(65536)
            except BlockingIOError:
                continue
            except OSError:
                data = b""
            if data:
                try:
                    # Replies are tiny: the send buffer always has room.
                    s.sendall(data)
                    continue
                except OSError:
                    pass
            sel.unregister(s)
            s.close()


def idle(port, n, limit):
    more_fds()
    conns = []
    for i in range(n):
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=5)
            s.sendall(b"x")
            if s.recv(1) != b"x":
                raise OSError("no echo")
        except OSError:
            print("failed", i + 1, flush=True)
            return 1
        conns.append(s)
    print("ready", flush=True)
    time.sleep(limit)
    for s in conns:
        s.close()
    return 0


def hftimes(path):
    with open(path) as f:
        for t in json.load(f)["results"][0]["times"]:
            print("%.6f" % t)


def strace_calls(path):
    total = 0
    with open(path) as f:
        for line in f:
            fields = line.split()
            if fields and fields[-1] == "total":
                total = int(fields[3])
    print(total)


def rss(argv):
    rc = subprocess.call(argv, stdout=subprocess.DEVNULL)
    print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    return rc

# ----------------------------------------------------------------- report


LABEL = {
    "direct": "no relay (client → backend)",
    "ceiling": "zero-copy ceiling (ceiling.c)",
    "sockcat": "sockcat",
    "sockcat-nosplice": "sockcat (no splice)",
    "nc.openbsd": "nc.openbsd",
    "nc.traditional": "nc.traditional",
    "ncat": "ncat",
    "socat": "socat",
    "busybox": "busybox nc",
    "proxyd": "systemd-socket-proxyd",
}

TITLE = {
    "file-null": "1. file → /dev/null (stdin a regular file, stdout /dev/null)",
    "file-file": "2. file → file (stdout a tmpfs file)",
    "pipes": "3. pipes (`cat file | TOOL …`, `TOOL -l … | cat`)",
    "udp": "4. UDP, 1400-byte datagrams",
    "short-conns": "5. `-k` listener, sequential short clients",
    "startup": "6. client start-up (connect, send 10 bytes, exit)",
    "syscalls": "7. syscalls per GiB in bulk (workload 1, `strace -f -c`)",
    "spawn": "8. `-k` with a program per client (connect, 5 bytes each way, "
             "close)",
    "relay": "9. relay (a listener forwarding each client to a backend)",
}


def is_sockcat(tool):
    return tool.startswith("sockcat")


def is_reference(tool):
    """Not a peer: sockcat itself, the zero-copy ceiling, or no relay."""
    return is_sockcat(tool) or tool in ("ceiling", "direct")


def fmt_s(x):
    return "%.3f s" % x if x >= 0.1 else "%.1f ms" % (x * 1000)


def fmt_n(x):
    return "{:,.0f}".format(x)


def load(path):
    res = {}     # workload -> tool -> key -> [values]
    order = {}   # workload -> [tools in first-seen order]
    with open(path) as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) != 4:
                continue
            w, tool, key, val = parts
            if tool not in res.setdefault(w, {}):
                order.setdefault(w, []).append(tool)
            res[w].setdefault(tool, {}).setdefault(key, []).append(val)
    return res, order


def floats(d, key):
    return [float(v) for v in d.get(key, [])]


def failed(d):
    return d.get("fail", [None])[0]


def best_peer(res, tools, key, lower_better):
    best = None
    for tool in tools:
        d = res[tool]
        if is_reference(tool) or failed(d) or not d.get(key):
            continue
        m = statistics.median(floats(d, key))
        if best is None or (m < best[1] if lower_better else m > best[1]):
            best = (tool, m)
    return best


def time_table(w, res, tools, mb):
    best = best_peer(res, tools, "t", True)
    ceil = None
    if "ceiling" in res and not failed(res["ceiling"]) and \
            floats(res["ceiling"], "t"):
        ceil = statistics.median(floats(res["ceiling"], "t"))
    gib = mb / 1024.0
    print("| tool | median | min–max | time ÷ best peer's | time ÷ ceiling's |")
    print("|---|---|---|---|---|")
    for tool in tools:
        d = res[tool]
        if failed(d):
            print("| %s | FAILED (%s) | | | |" % (LABEL[tool], failed(d)))
            continue
        ts = floats(d, "t")
        if not ts:
            print("| %s | no data | | | |" % LABEL[tool])
            continue
        m = statistics.median(ts)
        ratio = ""
        if best:
            ratio = "%.2f×" % (m / best[1])
            if tool == best[0]:
                ratio += " (best peer)"
        cratio = "%.2f×" % (m / ceil) if ceil else ""
        print("| %s | %s (%.2f GiB/s) | %s–%s | %s | %s |" % (
            LABEL[tool], fmt_s(m), gib / m, fmt_s(min(ts)), fmt_s(max(ts)),
            ratio, cratio))


def udp_table(res, tools):
    best = best_peer(res, tools, "rate", False)
    print("| tool | delivered/s, median | min–max | loss %, median (min–max) "
          "| sender's rate/s | rate ÷ best peer's | loss paced at 20,000/s "
          "| 65,507-byte datagram intact |")
    print("|---|---|---|---|---|---|---|---|")
    for tool in tools:
        d = res[tool]
        big = d.get("big", ["not run"])[0]
        paced = d.get("paced_loss")
        paced = "%.2f %%" % float(paced[0]) if paced else "not run"
        if failed(d):
            print("| %s | FAILED (%s) | | | | | %s | %s |" % (
                LABEL[tool], failed(d), paced, big))
            continue
        rates = floats(d, "rate")
        if not rates:
            print("| %s | no data | | | | | %s | %s |" % (LABEL[tool], paced, big))
            continue
        loss = floats(d, "loss")
        sent = floats(d, "sent")
        m = statistics.median(rates)
        ratio = ""
        if best:
            ratio = "%.2f× best peer's rate" % (m / best[1])
            if tool == best[0]:
                ratio = "1.00× (best peer)"
        print("| %s | %s | %s–%s | %.1f %% (%.1f–%.1f) | %s | %s | %s | %s |" % (
            LABEL[tool], fmt_n(m), fmt_n(min(rates)), fmt_n(max(rates)),
            statistics.median(loss), min(loss), max(loss),
            fmt_n(statistics.median(sent)), ratio, paced, big))


def conns_table(res, tools):
    best = best_peer(res, tools, "rate", False)
    ob = res.get("nc.openbsd")
    obm = (statistics.median(floats(ob, "rate"))
           if ob and not failed(ob) and ob.get("rate") else None)
    pyb = best_peer(res, tools, "pyrate", False)
    print("| tool | connections/s, median | min–max | clients per run "
          "| rate ÷ best peer's | rate ÷ nc.openbsd's "
          "| listener alone (Python clients): connections/s, median "
          "| ÷ best peer's |")
    print("|---|---|---|---|---|---|---|---|")
    for tool in tools:
        d = res[tool]
        if failed(d):
            print("| %s | FAILED (%s) | | | | | | |" % (LABEL[tool], failed(d)))
            continue
        rates = floats(d, "rate")
        if not rates:
            print("| %s | no data | | | | | | |" % LABEL[tool])
            continue
        py = floats(d, "pyrate")
        pym = statistics.median(py) if py else None
        pyratio = ""
        if pym and pyb:
            pyratio = "%.2f×" % (pym / pyb[1])
            if tool == pyb[0]:
                pyratio = "1.00× (best peer)"
        n = [int(v) for v in d.get("n", [])]
        m = statistics.median(rates)
        ratio = ""
        if best:
            ratio = "%.2f× best peer's rate" % (m / best[1])
            if tool == best[0]:
                ratio = "1.00× (best peer)"
        nstr = str(min(n)) if min(n) == max(n) else "%d–%d" % (min(n), max(n))
        print("| %s | %s | %s–%s | %s | %s | %s | %s | %s |" % (
            LABEL[tool], fmt_n(m), fmt_n(min(rates)), fmt_n(max(rates)), nstr,
            ratio, "%.2f×" % (m / obm) if obm else "—",
            fmt_n(pym) if pym else "—", pyratio))


def startup_table(res, tools):
    best = best_peer(res, tools, "t", True)
    ob = res.get("nc.openbsd")
    obm = (statistics.median(floats(ob, "t"))
           if ob and not failed(ob) and ob.get("t") else None)
    print("| tool | median per run | min–max | mean | runs | time ÷ best peer's "
          "| time ÷ nc.openbsd's | peak RSS |")
    print("|---|---|---|---|---|---|---|---|")
    for tool in tools:
        d = res[tool]
        rss = d.get("rss")
        rss = "%.2f MiB" % (float(rss[0]) / 1024) if rss else "—"
        if failed(d):
            print("| %s | FAILED (%s) | | | | | | %s |" % (
                LABEL[tool], failed(d), rss))
            continue
        ts = [t * 1000 for t in floats(d, "t")]
        if not ts:
            print("| %s | no data | | | | | | %s |" % (LABEL[tool], rss))
            continue
        m = statistics.median(ts)
        ratio = ""
        if best:
            ratio = "%.2f×" % (m / (best[1] * 1000))
            if tool == best[0]:
                ratio += " (best peer)"
        print("| %s | %.2f ms | %.2f–%.2f ms | %.2f ms | %d | %s | %s | %s |" % (
            LABEL[tool], m, min(ts), max(ts), statistics.mean(ts), len(ts),
            ratio, "%.2f×" % (m / (obm * 1000)) if obm else "—", rss))


def spawn_table(res, tools):
    best = None
    for tool in tools:
        d = res[tool]
        if failed(d) or not d.get("rate") or any(
                int(v) for v in d.get("lost", [])):
            continue
        m = statistics.median(floats(d, "rate"))
        if not is_reference(tool) and (best is None or m > best[1]):
            best = (tool, m)
    print("| tool | clients/s, median | min–max | clients per run "
          "| replies lost | rate ÷ best peer's |")
    print("|---|---|---|---|---|---|")
    for tool in tools:
        d = res[tool]
        if failed(d):
            print("| %s | FAILED (%s) | | | | |" % (LABEL[tool], failed(d)))
            continue
        rates = floats(d, "rate")
        if not rates:
            print("| %s | no data | | | | |" % LABEL[tool])
            continue
        m = statistics.median(rates)
        n = [int(v) for v in d.get("n", [])]
        lost = sum(int(v) for v in d.get("lost", []))
        ratio = ""
        if best:
            ratio = "%.2f×" % (m / best[1])
            if tool == best[0]:
                ratio = "1.00× (best peer)"
        nstr = str(min(n)) if min(n) == max(n) else "%d–%d" % (min(n), max(n))
        print("| %s | %s | %s–%s | %s | %d of %d | %s |" % (
            LABEL[tool], fmt_n(m), fmt_n(min(rates)), fmt_n(max(rates)),
            nstr, lost, sum(n), ratio))


def relay_table(res, tools):
    def med(tool, key):
        d = res.get(tool)
        if not d or failed(d) or not d.get(key):
            return None
        return statistics.median(floats(d, key))

    def lost(tool):
        return sum(int(v) for v in res.get(tool, {}).get("lost", []))

    def ratio(a, b):
        return "%.2f×" % (a / b) if a is not None and b else "—"

    print("| tool | bulk: median | min–max | ÷ no relay | ÷ socat | ÷ proxyd "
          "| short: exchanges/s, median | min–max | replies lost "
          "| ÷ no relay | ÷ socat | ÷ proxyd |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    tb = {t: med(t, "t") for t in tools}
    ts = {t: med(t, "rate") for t in tools}
    for tool in tools:
        d = res[tool]
        if failed(d):
            print("| %s | FAILED (%s) | | | | | | | | | | |" % (
                LABEL[tool], failed(d)))
            continue
        cells = []
        t = tb[tool]
        if t is None:
            cells += ["no data", "", "", "", ""]
        else:
            v = floats(d, "t")
            cells += [fmt_s(t), "%s–%s" % (fmt_s(min(v)), fmt_s(max(v))),
                      ratio(t, tb.get("direct")), ratio(t, tb.get("socat")),
                      ratio(t, tb.get("proxyd"))]
        r = ts[tool]
        if r is None:
            cells += ["no data", "", "", "", "", ""]
        else:
            v = floats(d, "rate")
            n = sum(int(x) for x in d.get("n", []))
            cells += [fmt_n(r), "%s–%s" % (fmt_n(min(v)), fmt_n(max(v))),
                      "%d of %d" % (lost(tool), n),
                      ratio(r, ts.get("direct")), ratio(r, ts.get("socat")),
                      ratio(r, ts.get("proxyd"))]
        print("| %s | %s |" % (LABEL[tool], " | ".join(cells)))
    # The targets, from the medians above.
    print()
    print("Targets (issue 13), from the medians:")
    print()
    sc = "sockcat"

    def target(what, peer, mine, theirs, op, want):
        if mine is None:
            return "- %s vs %s: not measured (sockcat has no figure)" % (
                what, LABEL.get(peer, peer))
        if theirs is None:
            return "- %s vs %s: not measured (%s has no figure)" % (
                what, LABEL.get(peer, peer), LABEL.get(peer, peer))
        x = mine / theirs
        ok = x <= want if op == "<=" else x >= want
        why = ""
        if what.startswith("short") and lost(sc):
            ok, why = False, " (sockcat lost %d replies)" % lost(sc)
        elif what.startswith("short") and lost(peer):
            why = " (%s lost %d replies)" % (LABEL[peer], lost(peer))
        return "- %s: %.2f× %s's (target %s %.2f×): target %s%s" % (
            what, x, LABEL[peer], "≤" if op == "<=" else "≥", want,
            "met" if ok else "NOT met", why)
    print(target("bulk time", "socat", tb.get(sc), tb.get("socat"),
                 "<=", 0.35))
    print(target("bulk time", "proxyd", tb.get(sc), tb.get("proxyd"),
                 "<=", 0.9))
    print(target("short exchanges/s", "socat", ts.get(sc), ts.get("socat"),
                 ">=", 3.0))
    print(target("short exchanges/s", "proxyd", ts.get(sc),
                 ts.get("proxyd"), ">=", 1.2))
    scale = [t for t in tools if res[t].get("scale")]
    if not scale:
        return
    print()
    print("| idle relayed pairs | pairs | processes (before → after) "
          "| descriptors (before → after) | per pair | VmRSS, KiB "
          "(before → after) | KiB per pair | Pss, KiB per pair |")
    print("|---|---|---|---|---|---|---|---|")
    for tool in scale:
        n, p0, f0, r0, s0, p1, f1, r1, s1 = (
            int(x) for x in res[tool]["scale"][0].split())
        print("| %s | %s | %d → %d | %s → %s | %.2f | %s → %s | %.2f "
              "| %.2f |" % (
                  LABEL[tool], fmt_n(n), p0, p1, fmt_n(f0), fmt_n(f1),
                  (f1 - f0) / n, fmt_n(r0), fmt_n(r1), (r1 - r0) / n,
                  (s1 - s0) / n))
    if "sockcat" in scale:
        n, p0, f0, r0, s0, p1, f1, r1, s1 = (
            int(x) for x in res["sockcat"]["scale"][0].split())
        fd, kib = (f1 - f0) / n, (r1 - r0) / n
        print()
        print("- scale (sockcat): %.2f descriptors per idle pair "
              "(target ≤ 2): target %s; %.2f KiB resident per idle pair "
              "(target ≤ 4 KiB): target %s; %d process(es)" % (
                  fd, "met" if fd <= 2 else "NOT met", kib,
                  "met" if kib <= 4 else "NOT met", p1))


def syscalls_table(res, tools):
    ob = res.get("nc.openbsd")
    obt = None
    if ob and not failed(ob) and ob.get("total"):
        obt = float(ob["total"][0])
    print("| tool | syscalls per GiB (both ends) | sender | receiver "
          "| ÷ nc.openbsd's | counted on |")
    print("|---|---|---|---|---|---|")
    for tool in tools:
        d = res[tool]
        if failed(d):
            print("| %s | FAILED (%s) | | | | |" % (LABEL[tool], failed(d)))
            continue
        if not d.get("total"):
            print("| %s | no data | | | | |" % LABEL[tool])
            continue
        tot = float(d["total"][0])
        print("| %s | %s | %s | %s | %s | %s MiB |" % (
            LABEL[tool], fmt_n(tot), fmt_n(float(d["send"][0])),
            fmt_n(float(d["recv"][0])), "%.3f×" % (tot / obt) if obt else "—",
            d.get("mb", ["?"])[0]))


def report(path):
    res, order = load(path)
    meta = {}
    for line in sys.stdin:
        k, _, v = line.rstrip("\n").partition("=")
        meta[k] = v
    mb = float(meta.get("mb", "1024"))
    print("# sockcat benchmark")
    print()
    for k in ("machine", "cpu", "kernel", "date", "params", "tools",
              "missing"):
        if meta.get(k):
            print("- %s" % meta[k])
    print()
    for w in ("file-null", "file-file", "pipes", "udp", "short-conns",
              "startup", "syscalls", "spawn", "relay"):
        if w not in res:
            continue
        print("## %s" % TITLE[w])
        print()
        notes = res[w].pop("-", {}).get("note", [])
        tools = [t for t in LABEL if t in res[w]]
        if w == "relay":    # bench.sh's order: no relay, sockcat, peers
            tools = [t for t in order.get(w, []) if t in LABEL]
        if w in ("file-null", "file-file", "pipes"):
            time_table(w, res[w], tools, mb)
        elif w == "udp":
            udp_table(res[w], tools)
        elif w == "short-conns":
            conns_table(res[w], tools)
        elif w == "startup":
            startup_table(res[w], tools)
        elif w == "spawn":
            spawn_table(res[w], tools)
        elif w == "relay":
            if tools:   # none when this sockcat has no relay
                relay_table(res[w], tools)
        else:
            syscalls_table(res[w], tools)
        # Bullets first, then the paragraphs, each set apart (a paragraph
        # right after a list item would continue the item).
        bullets = [n for n in notes if n.startswith("- ")]
        paras = [n for n in notes if not n.startswith("- ")]
        if bullets:
            if w != "relay" or tools:    # a table above them
                print()
            for n in bullets:
                print(n)
        for n in paras:
            print()
            print(n)
        print()


def main(argv):
    if argv[:1] == ["freeport"]:
        return freeport()
    if len(argv) == 2 and argv[0] == "sink":
        return sink(int(argv[1]))
    if len(argv) == 4 and argv[0] == "clients":
        return clients(int(argv[1]), int(argv[2]), float(argv[3]))
    if len(argv) == 4 and argv[0] == "echoes":
        return echoes(int(argv[1]), int(argv[2]), float(argv[3]))
    if len(argv) == 2 and argv[0] == "countsink":
        return countsink(int(argv[1]))
    if len(argv) == 2 and argv[0] == "echod":
        return echod(int(argv[1]))
    if len(argv) == 4 and argv[0] == "idle":
        return idle(int(argv[1]), int(argv[2]), float(argv[3]))
    if len(argv) == 2 and argv[0] == "hftimes":
        return hftimes(argv[1])
    if len(argv) == 2 and argv[0] == "straceCalls":
        return strace_calls(argv[1])
    if len(argv) >= 2 and argv[0] == "rss":
        return rss(argv[1:])
    if len(argv) == 2 and argv[0] == "report":
        return report(argv[1])
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]) or 0)
