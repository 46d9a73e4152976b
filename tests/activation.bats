bats_require_minimum_version 1.5.0
load helpers/common
setup() { common_setup; }
teardown() { common_teardown; }

# activation.bats -- systemd socket activation (Accept=no) with
# systemd-socket-activate: -l takes the socket passed as fd 3 instead of
# binding (TCP, UDP, Unix stream; one-shot, -k -c, --broker, -u -l -k -c),
# never calls bind, hides LISTEN_* from the programs it runs, and refuses
# with exit 2, naming the descriptor, a socket that is not what the options
# ask for.  The wrapper waits for the first client before it runs sockcat,
# so every test connects first and reads sockcat's -v lines afterwards.

need_activate() {
	command -v systemd-socket-activate >/dev/null ||
	    skip "systemd-socket-activate (package systemd) is not installed"
}

# free_port tcp|udp: a port nobody uses right now on 127.0.0.1.
free_port() {
	python3 -c 'import socket, sys
t = socket.SOCK_DGRAM if sys.argv[1] == "udp" else socket.SOCK_STREAM
s = socket.socket(socket.AF_INET, t)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])' "$1"
}

# _sa_ready NAME: the wrapper says it listens.
_sa_ready() {
	file_has "$T/$1.err" "Listening on "
}

# activate NAME KIND CMD...: run `systemd-socket-activate -l ADDR CMD...` as
# job NAME, where KIND is tcp (127.0.0.1:PORT), udp (the same with
# --datagram) or a Unix socket path; $SA_OPTS adds wrapper options
# (--fdname=..., --accept).  An argument %p in CMD becomes the port.  Sets
# PORT, and waits for the wrapper's "Listening on" line.  A port taken
# between free_port and the wrapper's bind is retried with another.
activate() {
	local name=$1 kind=$2 try addr arg
	local -a opts cmd
	shift 2
	read -r -a opts <<<"${SA_OPTS:-}"
	for try in 1 2 3 4 5; do
		case $kind in
		tcp) PORT=$(free_port tcp) && addr=127.0.0.1:$PORT ;;
		udp) PORT=$(free_port udp) && addr=127.0.0.1:$PORT &&
		    opts+=(--datagram) ;;
		*) addr=$kind ;;
		esac
		cmd=()
		for arg; do
			[[ $arg == %p ]] && arg=$PORT
			cmd+=("$arg")
		done
		rm -f "$T/$name.err"
		bg "$name" systemd-socket-activate "${opts[@]}" -l "$addr" \
		    "${cmd[@]}"
		if _wait_job "$name" 10 "its Listening line" _sa_ready "$name" \
		    2>/dev/null; then
			return 0
		fi
		grep -q 'Address already in use' "$T/$name.err" || break
		[[ $kind == udp ]] && unset 'opts[${#opts[@]}-1]'
	done
	_show_job "$name"
	return 1
}

@test "-l -k -c under systemd-socket-activate answers several clients on the socket it passed" {
	need_activate
	activate sa tcp "$SOCKCAT" -v -l -k -c 'echo hi'
	for i in 1 2 3; do
		run --separate-stderr sc -d 127.0.0.1 "$PORT"
		[ "$status" -eq 0 ]
		[ "$output" = hi ]
	done
	grep -qF 'sockcat: using the socket systemd passed: fd 3' "$T/sa.err"
	grep -qF "listening on [127.0.0.1] $PORT ..." "$T/sa.err"
	[ "$(grep -c '^connect to \[127.0.0.1\]' "$T/sa.err")" -eq 3 ]
}

@test "a one-shot -l under activation serves one client with stdin and stdout, then exits 0" {
	need_activate
	printf 'from the service\n' >"$T/sa.in"
	activate sa tcp "$SOCKCAT" -l
	run --separate-stderr sc 127.0.0.1 "$PORT" <<<"from the client"
	[ "$status" -eq 0 ]
	[ "$output" = "from the service" ]
	bg_wait sa
	[ "$BG_STATUS" -eq 0 ]
	[ "$(cat "$T/sa.out")" = "from the client" ]
}

@test "a program run by -c under activation does not see LISTEN_PID, LISTEN_FDS or LISTEN_FDNAMES" {
	need_activate
	SA_OPTS=--fdname=web activate sa tcp "$SOCKCAT" -v -l \
	    -c 'env | grep LISTEN_ || echo clean'
	run --separate-stderr sc -d 127.0.0.1 "$PORT"
	[ "$status" -eq 0 ]
	[ "$output" = clean ]
	bg_wait sa
	[ "$BG_STATUS" -eq 0 ]
	# LISTEN_FDNAMES names the socket in the -v line.
	grep -qF 'sockcat: using the socket systemd passed: fd 3 (web)' \
	    "$T/sa.err"
}

@test "-u -l takes a ListenDatagram socket (--datagram) and locks on to the first sender" {
	need_activate
	BG_TIMEOUT=15 activate sa udp "$SOCKCAT" -v -u -l -W 1
	run --separate-stderr sc -u -q 1 127.0.0.1 "$PORT" <<<"one datagram"
	[ "$status" -eq 0 ]
	bg_wait sa
	[ "$BG_STATUS" -eq 0 ]
	[ "$(cat "$T/sa.out")" = "one datagram" ]
	grep -qF "listening on [127.0.0.1] $PORT ..." "$T/sa.err"
}

@test "-u -l -k -c under activation runs a program per UDP peer on the passed socket" {
	need_activate
	activate sa udp "$SOCKCAT" -v -u -l -k -c 'read -r line; echo "got $line"'
	run --separate-stderr sc -u -W 1 -w 5 127.0.0.1 "$PORT" <<<"ping"
	[ "$status" -eq 0 ]
	[ "$output" = "got ping" ]
}

@test "--broker under activation relays between clients of the passed socket" {
	need_activate
	activate sa tcp "$SOCKCAT" -v --broker -l
	pipe_open a
	bg a "$SOCKCAT" 127.0.0.1 "$PORT"
	wait_for 10 grep -qF 'connect to [127.0.0.1]' "$T/sa.err"
	run --separate-stderr sc -q 0 127.0.0.1 "$PORT" <<<"to everyone"
	[ "$status" -eq 0 ]
	wait_for 10 file_has "$T/a.out" "to everyone"
}

@test "-U -l takes a Unix stream socket, names its path in -v and leaves the file to systemd" {
	need_activate
	mkdir "$T/dir"
	activate sa "$T/dir/sock" "$SOCKCAT" -v -l -U
	run --separate-stderr sc -U "$T/dir/sock" <<<"over unix"
	[ "$status" -eq 0 ]
	bg_wait sa
	[ "$BG_STATUS" -eq 0 ]
	[ "$(cat "$T/sa.out")" = "over unix" ]
	grep -qF "listening on [$T/dir/sock] ..." "$T/sa.err"
	# The socket unit made the file and owns it: sockcat removes nothing.
	[ -S "$T/dir/sock" ]
}

@test "sockcat calls no bind or listen under activation (strace)" {
	need_activate
	command -v strace >/dev/null || skip "strace is not installed"
	# LeakSanitizer cannot run under ptrace (SOCKCAT=./sockcat-san), and
	# the wrapper passes on only the variables -E names.
	# -D: strace runs beside sockcat, which keeps the pid LISTEN_PID names.
	SA_OPTS="-E ASAN_OPTIONS=detect_leaks=0" activate sa tcp strace -D -f -e trace=bind,listen,accept,accept4 \
	    -o "$T/trace" "$SOCKCAT" -v -l -c 'echo hi'
	run --separate-stderr sc -d 127.0.0.1 "$PORT"
	[ "$status" -eq 0 ]
	[ "$output" = hi ]
	bg_wait sa
	[ "$BG_STATUS" -eq 0 ]
	wait_for 5 grep -q 'exited with' "$T/trace"
	# The trace works (it saw the accept) and shows no bind or listen.
	grep -q 'accept' "$T/trace"
	! grep -E '(^|[ ])(bind|listen)\(' "$T/trace"
}

@test "a socket that is not what the options ask for is a usage error naming fd 3" {
	need_activate
	# -u with a stream socket.
	activate sa tcp "$SOCKCAT" -u -l
	sc -d -w 2 127.0.0.1 "$PORT" </dev/null 2>/dev/null || true
	bg_wait sa
	[ "$BG_STATUS" -eq 2 ]
	grep -qF 'sockcat: socket from systemd (fd 3) is a TCP socket, not the UDP socket the options ask for' "$T/sa.err"
	# A Unix socket without -U.
	activate sb "$T/sock" "$SOCKCAT" -l
	sc -d -w 2 -U "$T/sock" </dev/null 2>/dev/null || true
	bg_wait sb
	[ "$BG_STATUS" -eq 2 ]
	grep -qF 'is a Unix stream socket, not the TCP socket the options ask for: add -U' "$T/sb.err"
}

@test "a port or -U path given under activation must be the passed socket's" {
	need_activate
	activate sa tcp "$SOCKCAT" -l 7
	sc -d -w 2 127.0.0.1 "$PORT" </dev/null 2>/dev/null || true
	bg_wait sa
	[ "$BG_STATUS" -eq 2 ]
	grep -qF "is on port $PORT, not on port 7 as given" "$T/sa.err"
	activate sb "$T/sock" "$SOCKCAT" -l -U "$T/other"
	sc -d -w 2 -U "$T/sock" </dev/null 2>/dev/null || true
	bg_wait sb
	[ "$BG_STATUS" -eq 2 ]
	grep -qF "is at \"$T/sock\", not at \"$T/other\" as given" "$T/sb.err"
	# The right port (here with -p) is fine.
	activate sc tcp "$SOCKCAT" -l -d -p %p
	run --separate-stderr sc 127.0.0.1 "$PORT" <<<"right port"
	[ "$status" -eq 0 ]
	bg_wait sc
	[ "$BG_STATUS" -eq 0 ]
	[ "$(cat "$T/sc.out")" = "right port" ]
}

@test "a connection passed by Accept=yes (--accept) is refused: -l needs Accept=no" {
	need_activate
	SA_OPTS=--accept activate sa tcp "$SOCKCAT" -l
	sc -d -w 2 127.0.0.1 "$PORT" </dev/null 2>/dev/null || true
	wait_for 10 file_has "$T/sa.err" "is not listening"
	grep -qF 'sockcat: socket from systemd (fd 3) is not listening: sockcat -l needs a socket unit with Accept=no' "$T/sa.err"
}

@test "more than one socket, or fd 3 not a socket, is a usage error" {
	run --separate-stderr bash -c 'LISTEN_PID=$$ LISTEN_FDS=2 exec "$1" -l' \
	    _ "$SOCKCAT"
	[ "$status" -eq 2 ]
	[ "$stderr" = "sockcat: systemd passed 2 sockets (LISTEN_FDS); sockcat -l serves one: give the socket unit one Listen line" ]
	run --separate-stderr bash -c 'LISTEN_PID=$$ LISTEN_FDS=1 exec "$1" -l 3<"$2"' \
	    _ "$SOCKCAT" "$T/bytes256"
	[ "$status" -eq 2 ]
	[ "$stderr" = "sockcat: socket from systemd (fd 3): not a socket" ]
}

@test "LISTEN_FDS meant for another process is ignored" {
	run --separate-stderr bash -c 'LISTEN_PID=1 LISTEN_FDS=1 exec "$1" -l' \
	    _ "$SOCKCAT"
	[ "$status" -eq 2 ]
	[[ $stderr == "sockcat: missing port to listen on"* ]]
}

@test "a one-shot -u -l hands the datagram socket back to its owner unlocked from its sender" {
	# systemd keeps the socket for the next start: python3 plays systemd.
	cat >"$T/owner.py" <<'PY'
import os, socket, subprocess, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
pid = os.fork()
if pid == 0:
    os.dup2(s.fileno(), 3)
    os.environ["LISTEN_PID"] = str(os.getpid())
    os.environ["LISTEN_FDS"] = "1"
    os.execv(sys.argv[1], [sys.argv[1], "-u", "-l", "-W", "1"])
c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
c.sendto(b"first\n", s.getsockname())
_, status = os.waitpid(pid, 0)
print("status", os.waitstatus_to_exitcode(status), flush=True)
try:
    print("connected to", s.getpeername())
except OSError:
    print("unconnected")
PY
	run --separate-stderr timeout 20 python3 "$T/owner.py" "$SOCKCAT"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = first ]
	[ "${lines[1]}" = "status 0" ]
	[ "${lines[2]}" = unconnected ]
}
