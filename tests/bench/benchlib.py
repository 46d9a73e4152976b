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
import json
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
    "ceiling": "zero-copy ceiling (ceiling.c)",
    "sockcat": "sockcat",
    "sockcat-nosplice": "sockcat (no splice)",
    "nc.openbsd": "nc.openbsd",
    "nc.traditional": "nc.traditional",
    "ncat": "ncat",
    "socat": "socat",
    "busybox": "busybox nc",
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
    """Not a peer: sockcat itself, or the zero-copy ceiling."""
    return is_sockcat(tool) or tool == "ceiling"


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
            pass    # rows come with the relay: see relay_workload()
        else:
            syscalls_table(res[w], tools)
        # Bullets first, then the paragraphs, each set apart (a paragraph
        # right after a list item would continue the item).
        bullets = [n for n in notes if n.startswith("- ")]
        paras = [n for n in notes if not n.startswith("- ")]
        if bullets:
            if w != "relay":    # no table above them
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
