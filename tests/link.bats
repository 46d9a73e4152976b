bats_require_minimum_version 1.5.0
load helpers/common

# link.bats -- -l -k -e/-c in one process: every client is a link between
# its socket and its program's pipes on the listener's loop, so the
# programs are the listener's only children; clients at once, byte-exact;
# a program's end and a slow close do not stall the others; SIGTERM; no
# descriptor leak.

# start_listener NAME ARGS...: run `sockcat -n -v ARGS...` as job NAME and
# set PORT from its listening line, LPID to the listener's PID.
start_listener() {
	local name=$1
	shift
	bg "$name" "$SOCKCAT" -n -v "$@"
	PORT=$(listen_port "$name")
	LPID=$(bg_cmd_pid "$name")
}

# children PID: the PIDs of PID's children, one a line.
children() {
	cat /proc/"$1"/task/*/children 2>/dev/null | tr ' ' '\n' | grep . || true
}

# programs_only PID N: PID has exactly N children, and none of them runs
# sockcat (a worker per client): each is the program.
programs_only() {
	local pid=$1 n=$2 kids k exe sockcat_exe
	sockcat_exe=$(readlink -f "$SOCKCAT")
	kids=$(children "$pid")
	[[ $(printf '%s\n' "$kids" | grep -c .) -eq $n ]] || return 1
	for k in $kids; do
		exe=$(readlink -f "/proc/$k/exe" 2>/dev/null) || return 1
		[[ $exe != "$sockcat_exe" ]] || return 1
		[[ $(<"/proc/$k/comm") != sockcat ]] || return 1
	done
}

# gone PID: PID has ended (a zombie counts: it runs no more).
gone() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
	stat=${stat##*) }
	[[ ${stat%% *} == Z ]]
}

# no_children PID: PID has no child, not even a zombie.
no_children() {
	[[ -z $(children "$1") ]]
}

# $T/many.py PORT N MIB LISTENER: N clients connect at once; once each has
# had its first bytes echoed (its program runs), the listener's children
# are listed into $T/kids.txt (PID, comm, exe); then each sends MIB MiB of its own random
# bytes (the even ones half-close after sending) and reads the echo back;
# prints "ok" if every client got exactly its own bytes.
write_many() {
	cat >"$T/many.py" <<'PY'
import hashlib, os, socket, sys, threading
port, n, mib, lpid = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
socks = []
for i in range(n):
    s = socket.create_connection(("127.0.0.1", port), timeout=60)
    s.sendall(b"#")
    socks.append(s)
for s in socks:
    if s.recv(1) != b"#":
        print("no first echo"); sys.exit(1)
kids = []
for t in os.listdir("/proc/%s/task" % lpid):
    with open("/proc/%s/task/%s/children" % (lpid, t)) as f:
        kids += f.read().split()
with open(os.environ["T"] + "/kids.txt", "w") as f:
    for k in kids:
        comm = open("/proc/%s/comm" % k).read().strip()
        f.write("%s %s %s\n" % (k, comm, os.readlink("/proc/%s/exe" % k)))
results = [None] * n
def run(i, s):
    data = os.urandom(mib * 1024 * 1024)
    def send():
        s.sendall(data)
        if i % 2 == 0:
            s.shutdown(socket.SHUT_WR)
    t = threading.Thread(target=send)
    t.start()
    got = bytearray()
    while len(got) < len(data):
        b = s.recv(262144)
        if not b:
            break
        got += b
    t.join()
    if i % 2 == 0 and s.recv(1) != b"":
        results[i] = "no EOF after half-close"
        return
    s.close()
    same = hashlib.sha256(got).digest() == hashlib.sha256(data).digest()
    results[i] = "ok" if same else "client %d: %d of %d bytes, differ" % (i, len(got), len(data))
ths = [threading.Thread(target=run, args=(i, s)) for i, s in enumerate(socks)]
for t in ths: t.start()
for t in ths: t.join()
bad = [r for r in results if r != "ok"]
print("ok" if not bad else "; ".join(map(str, bad)))
PY
}

@test "-l -k -c cat with 20 clients at once: each gets its own bytes back, and the programs are the listener's only children" {
	write_many
	start_listener lst -l -k 127.0.0.1 0 -c cat
	run --separate-stderr env T="$T" timeout 120 python3 "$T/many.py" "$PORT" 20 2 "$LPID"
	[ "$status" -eq 0 ]
	[ "$output" = ok ]
	# 20 programs were running, and no sockcat process among them.
	[ "$(grep -c . "$T/kids.txt")" -eq 20 ]
	local k comm exe sockcat_exe
	sockcat_exe=$(readlink -f "$SOCKCAT")
	while read -r k comm exe; do
		[ "$comm" != sockcat ]
		[ "$(readlink -f "$exe")" != "$sockcat_exe" ]
	done <"$T/kids.txt"
	wait_for 10 no_children "$LPID"
}

# $T/late.py PORT: sends 64 KiB, and goes on sending until the connection
# fails, while it reads everything the program writes; prints it.
write_late() {
	cat >"$T/late.py" <<'PY'
import socket, sys, threading
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=20)
def push():
    try:
        while True:
            s.sendall(b"x" * 65536)
    except OSError:
        pass
threading.Thread(target=push, daemon=True).start()
got = bytearray()
while True:
    b = s.recv(65536)
    if not b:
        break
    got += b
sys.stdout.buffer.write(got)
PY
}

@test "-l -k: a program that exits while its client still sends does not lose its output, and no worker serves it" {
	write_late
	start_listener lst -l -k 127.0.0.1 0 -c 'head -c 1000 >/dev/null; seq 1 20000; sleep 0.5'
	bg cli python3 "$T/late.py" "$PORT"
	wait_for 10 programs_only "$LPID" 1
	bg_wait cli 20
	[ "$BG_STATUS" -eq 0 ]
	seq 1 20000 | cmp - "$T/cli.out"
	wait_for 10 no_children "$LPID"
}

# $T/slow.py PORT GO: a client with a tiny receive buffer that reads
# nothing until the file GO exists, then 1 KiB every 0.3 s (its close
# drags on) until GO.fast exists, then all the rest.  Writes "eof" to
# GO.eof when it sees the end.
write_slow() {
	cat >"$T/slow.py" <<'PY'
import os, socket, sys, time
go = sys.argv[2]
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 2048)
s.connect(("127.0.0.1", int(sys.argv[1])))
while not os.path.exists(go):
    time.sleep(0.02)
while True:
    b = s.recv(1024 if not os.path.exists(go + ".fast") else 1 << 20)
    if not b:
        break
    if not os.path.exists(go + ".fast"):
        time.sleep(0.3)
open(go + ".eof", "w").write("eof\n")
PY
}

# close_event: the listener's --json close event for its first client.
close_event() {
	grep -q '"event":"close"' "$T/lst.err"
}

@test "-l -k: a client whose close after send drags on does not stall the next client" {
	command -v ss >/dev/null || skip "ss (iproute2) not installed"
	write_slow
	bg lst "$SOCKCAT" -n -v --json -l -k 127.0.0.1 0 --idle-timeout 1 \
	    -c 'exec head -c 100000000 /dev/zero'
	wait_for 10 file_has "$T/lst.err" '"port":'
	PORT=$(sed -n 's/.*"port":\([0-9]*\).*/\1/p' "$T/lst.err" | head -n 1)
	LPID=$(bg_cmd_pid lst)
	bg slow python3 "$T/slow.py" "$PORT" "$T/go"
	# Idle for 1 s (nobody reads), the program ended: the close begins.
	wait_for 15 close_event
	touch "$T/go"
	# Served while the first client's close is still running.
	run --separate-stderr bash -c 'timeout 10 "$SOCKCAT" -n -d 127.0.0.1 "$1" | head -c 1000 | wc -c' _ "$PORT"
	[ "$output" -eq 1000 ]
	# The first client's socket is still the listener's, closing.
	[ ! -e "$T/go.eof" ]
	run ss -tnp state fin-wait-1 "( sport = :$PORT )"
	[[ $output == *"pid=$LPID,"* ]]
	wait_for 5 programs_only "$LPID" 0
	touch "$T/go.fast"
	bg_wait slow 20
	[ -e "$T/go.eof" ]
}

@test "SIGTERM to -l -k -c with clients connected ends every program and leaves no process behind" {
	start_listener lst -l -k 127.0.0.1 0 -c 'echo ready; exec cat'
	local i kids k
	for i in 1 2 3 4 5; do
		pipe_open "c$i"
		bg "c$i" "$SOCKCAT" -n 127.0.0.1 "$PORT"
		wait_for 10 file_has "$T/c$i.out" ready
	done
	wait_for 10 programs_only "$LPID" 5
	kids=$(children "$LPID")
	kill -TERM "$LPID"
	bg_wait lst 10
	[ "$BG_STATUS" -eq 143 ]
	for k in $kids; do
		wait_for 3 gone "$k"
	done
}

# fds_at_most PID N: PID has at most N descriptors open.
fds_at_most() {
	[ "$(fd_count "$1")" -le "$2" ]
}

# served PORT: one short exchange with the listener.
served() {
	[ "$(printf 'abcde' | timeout 5 "$SOCKCAT" -n 127.0.0.1 "$1")" = abcde ]
}

@test "-l -k -c: 100 clients one after another leave the listener with the descriptors it had" {
	start_listener lst -l -k 127.0.0.1 0 -c 'exec cat'
	served "$PORT"
	wait_for 10 no_children "$LPID"
	local before after i
	before=$(fd_count "$LPID")
	for i in $(seq 1 100); do
		served "$PORT"
	done
	wait_for 10 no_children "$LPID"
	# The last one's close after send may still hold its socket: wait.
	wait_for 5 fds_at_most "$LPID" "$before"
	after=$(fd_count "$LPID")
	[ "$after" -eq "$before" ]
	programs_only "$LPID" 0
}

# $T/sockstdio.py MIB CMD...: starts an echo server, and runs CMD (PORT in
# it becomes the server's port) with fd 0 and fd 1 one end of a stream
# socketpair, as inetd gives them.  Sends MIB MiB
# of random bytes into the other end, half-closes, reads back to EOF, and
# prints "ok" when the echo is byte-exact and sockcat exits 0.
write_sockstdio() {
	cat >"$T/sockstdio.py" <<'PY'
import hashlib, os, socket, subprocess, sys, threading
mib = int(sys.argv[1])
srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen(1)
def echo():
    c, _ = srv.accept()
    while True:
        b = c.recv(1 << 20)
        if not b:
            break
        c.sendall(b)
    c.shutdown(socket.SHUT_WR)
    c.close()
threading.Thread(target=echo, daemon=True).start()
a, b = socket.socketpair()
cmd = [w.replace("PORT", str(srv.getsockname()[1])) for w in sys.argv[2:]]
p = subprocess.Popen(cmd, stdin=b, stdout=b)
b.close()
data = os.urandom(mib * 1024 * 1024)
def send():
    a.sendall(data)
    a.shutdown(socket.SHUT_WR)
threading.Thread(target=send, daemon=True).start()
got = bytearray()
while True:
    x = a.recv(1 << 20)
    if not x:
        break
    got += x
st = p.wait(timeout=30)
same = hashlib.sha256(got).digest() == hashlib.sha256(data).digest()
print("ok" if same and st == 0 else "%d of %d bytes, status %d" % (len(got), len(data), st))
PY
}

@test "with stdin and stdout one stream socket, both directions go by splice through a pipe, byte-exact" {
	[[ $(uname -s) == Linux ]] || skip "splice(2) is Linux's"
	command -v strace >/dev/null || skip "strace not installed"
	write_sockstdio
	# LeakSanitizer cannot run under ptrace: a sanitizer build skips it.
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
	    run --separate-stderr timeout 60 python3 "$T/sockstdio.py" 8 \
	    strace -f -e trace=splice -o "$T/strace.txt" "$SOCKCAT" -n 127.0.0.1 PORT
	[ "$output" = ok ]
	# Socket to pipe and pipe to socket, in each lane: many splices.
	[ "$(grep -c '^[0-9]* *splice(' "$T/strace.txt")" -ge 16 ]
}

@test "-l -k -c: a program that ignores the end of its session's input gets SIGTERM a second later, and its client is closed" {
	start_listener lst -l -k 127.0.0.1 0 --idle-timeout 1 -c 'echo ready; exec sleep 29.5'
	pipe_open cli
	bg cli "$SOCKCAT" -n 127.0.0.1 "$PORT"
	wait_for 10 file_has "$T/cli.out" ready
	local prog
	prog=$(children "$LPID")
	[[ $prog =~ ^[0-9]+$ ]]
	# Idle 1 s: EOF to the program, which sleeps on; SIGTERM 1 s later.
	wait_for 6 gone "$prog"
	wait_for 5 no_children "$LPID"
	# Its client sees the end: the socket is closed.
	pipe_close cli
	bg_wait cli 5
	grep -q 'idle timeout (--idle-timeout 1) expired' "$T/lst.err"
}
