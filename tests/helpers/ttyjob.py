#!/usr/bin/env python3
"""ttyjob.py -- run sockcat on a pseudo-terminal and signal it there.

    ttyjob.py MODE SIG -- COMMAND ARGS...

MODE is one of:

    full   COMMAND's stdout is a terminal that nobody reads, its stdin a pipe
           that stays open: once COMMAND is blocked in write(2) to it, print
           "blocked" and send SIG.
    ctrlc  COMMAND runs in a session of its own with the terminal as its
           stdin and stdout, in the foreground, and the terminal is read
           slowly, as a terminal emulator draws (4 KiB per 5 ms): once
           256 KiB came through, print "busy" and type ^C there.  SIG is
           unused: the terminal sends SIGINT, and discards the output it
           holds, as it does for a user.
    ttin   COMMAND is a background job of the terminal's session, its stdin
           the terminal, where a line is typed: once reading it stopped
           COMMAND (SIGTTIN), print "stopped" and send SIG then SIGCONT, as
           bash's `kill %1` does to a stopped job.

Then print how COMMAND ended, 3 s at most after the signal: "signaled N",
"exited N", "stopped" (again) or "running".  Status 0 when a line was
printed for each step, 2 when COMMAND never reached the state to signal it
in (10 s).  A watchdog ends it after 25 s (status 3).
"""

import fcntl
import os
import platform
import pty
import signal
import sys
import termios
import threading
import time

# write(2) and writev(2), as the first field of /proc/PID/syscall shows them.
WRITE_CALLS = {
    "x86_64": {1, 20}, "aarch64": {64, 66}, "riscv64": {64, 66},
    "i686": {4, 146}, "armv7l": {4, 146}, "ppc64le": {4, 146},
    "s390x": {4, 146},
}


def say(line):
    print(line, flush=True)


def blocked_in_write(pid):
    """True when pid sleeps inside write(2) or writev(2)."""
    try:
        with open("/proc/%d/syscall" % pid) as f:
            nr = f.read().split()[0]
        with open("/proc/%d/stat" % pid) as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    calls = WRITE_CALLS.get(platform.machine())
    return state == "S" and calls is not None and nr.isdigit() and \
        int(nr) in calls


def outcome(pid, secs):
    """Waits up to secs for pid to end or stop; returns the words."""
    end = time.monotonic() + secs
    while time.monotonic() < end:
        got, st = os.waitpid(pid, os.WNOHANG | os.WUNTRACED)
        if got == pid:
            if os.WIFSIGNALED(st):
                return "signaled %d" % os.WTERMSIG(st)
            if os.WIFEXITED(st):
                return "exited %d" % os.WEXITSTATUS(st)
            return "stopped"
        time.sleep(0.01)
    return "running"


def finish(pid):
    """Kills and reaps pid if it is still there."""
    try:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    except (ProcessLookupError, ChildProcessError):
        pass


def drain(master, seen):
    """Reads the terminal slowly until it hangs up, counting in seen[0]."""
    while True:
        try:
            data = os.read(master, 4096)
        except OSError:
            return
        if not data:
            return
        seen[0] += len(data)
        time.sleep(0.005)


def run_full(sig, argv, ctrlc):
    master, slave = pty.openpty()
    rd, wr = os.pipe()
    pid = os.fork()
    if pid == 0:
        if ctrlc:
            os.setsid()
            fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
        os.dup2(slave if ctrlc else rd, 0)
        os.dup2(slave, 1)
        for fd in {master, slave, rd, wr}:
            os.close(fd)
        os.execvp(argv[0], argv)
    os.close(slave)
    os.close(rd)
    seen = [0]
    if ctrlc:
        threading.Thread(target=drain, args=(master, seen),
                         daemon=True).start()
    end = time.monotonic() + 10
    while not (seen[0] >= 256 << 10 if ctrlc else blocked_in_write(pid)):
        if time.monotonic() >= end:
            finish(pid)
            return 2
        time.sleep(0.02)
    say("busy" if ctrlc else "blocked")
    if ctrlc:
        os.write(master, b"\x03")
    else:
        os.kill(pid, sig)
    say(outcome(pid, 3))
    finish(pid)
    return 0


def run_ttin(sig, argv):
    master, slave = pty.openpty()
    leader = os.fork()
    if leader == 0:
        # A session of its own, on the terminal, with the job in the
        # background: the leader's group stays in the foreground.
        os.close(master)
        os.setsid()
        fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
        pid = os.fork()
        if pid == 0:
            os.setpgid(0, 0)
            os.dup2(slave, 0)
            os.close(slave)
            os.execvp(argv[0], argv)
        try:
            os.setpgid(pid, pid)
        except OSError:
            pass	# the child did it first
        r = outcome(pid, 10)
        if r != "stopped":
            say("never stopped: " + r)
            finish(pid)
            os._exit(2)
        say("stopped")
        os.kill(pid, sig)
        os.kill(pid, signal.SIGCONT)
        say(outcome(pid, 3))
        finish(pid)
        os._exit(0)
    os.close(slave)
    # Typed at the terminal: for the foreground, but the job reads it.
    os.write(master, b"typed\n")
    _, st = os.waitpid(leader, 0)
    os.close(master)
    return os.WEXITSTATUS(st) if os.WIFEXITED(st) else 3


def main():
    if len(sys.argv) < 5 or sys.argv[3] != "--":
        sys.exit(__doc__)
    mode, sig, argv = sys.argv[1], sys.argv[2], sys.argv[4:]
    sig = getattr(signal, "SIG" + sig) if not sig.isdigit() else int(sig)
    signal.signal(signal.SIGALRM, lambda *_: os._exit(3))
    signal.alarm(25)
    if mode in ("full", "ctrlc"):
        sys.exit(run_full(sig, argv, mode == "ctrlc"))
    if mode == "ttin":
        sys.exit(run_ttin(sig, argv))
    sys.exit(__doc__)


if __name__ == "__main__":
    main()
