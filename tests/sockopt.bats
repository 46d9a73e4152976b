bats_require_minimum_version 1.5.0
load helpers/common
setup() { common_setup; }
teardown() { common_teardown; }

# sockopt.bats -- socket options and line options, each observed from outside:
# by the receiving peer (TTL, TOS, CRLF, -i, -t), by the kernel's view of the
# socket (ss: buffers, keepalive), by whether a connection gets through (-m),
# and by strace where nothing else can see the option (SO_DEBUG, SO_BROADCAST).

# A TCP server that timestamps what it receives. Listens on 127.0.0.1 port 0,
# writes the port to PORTFILE, reads to EOF and writes to SAVE one line per
# recv(): milliseconds since the first recv, then the bytes in hex.
TIMES_PY='
import os, signal, socket, sys, time
signal.alarm(20)
port_file, save = sys.argv[1], sys.argv[2]
lsock = socket.socket()
lsock.bind(("127.0.0.1", 0))
lsock.listen(1)
with open(port_file + ".tmp", "w") as f:
    f.write("%d\n" % lsock.getsockname()[1])
os.replace(port_file + ".tmp", port_file)
conn, _ = lsock.accept()
lines, first = [], None
while True:
    data = conn.recv(65536)
    if not data:
        break
    now = time.monotonic()
    first = now if first is None else first
    lines.append("%d %s\n" % ((now - first) * 1000, data.hex()))
with open(save, "w") as f:
    f.writelines(lines)
'

# server NAME SUBCOMMAND ARGS...: start peer.py SUBCOMMAND as job NAME and set
# PORT to its port.
server() {
	local name=$1
	shift
	bg "$name" python3 "$PEER" "$@" --port-file "$T/$name.port"
	PORT=$(peer_port "$name")
}

# sc ARGS...: sockcat under a 10 s timeout, for `run`.
sc() {
	timeout -k 2 10 "$SOCKCAT" "$@"
}

# need_strace: skip the test unless strace can trace here (ptrace may be
# forbidden in a container).
need_strace() {
	command -v strace >/dev/null || skip "strace is not installed"
	strace -o /dev/null true 2>/dev/null ||
	    skip "strace cannot trace processes here (ptrace not permitted)"
}

# need_ss: skip unless iproute2's ss can show socket memory and timers.
need_ss() {
	command -v ss >/dev/null || skip "ss (iproute2) is not installed"
}

# conn_info PORT: ss's line(s) for the established connection to 127.0.0.1
# PORT, with timers (-o) and socket memory (-m).
conn_info() {
	ss -tnmoH state established dst "127.0.0.1:$1"
}

# connected_sc PORT: true once ss shows a connection to 127.0.0.1 PORT.
connected_sc() {
	[[ -n $(conn_info "$1") ]]
}

# udp_tos_of TOS: send one datagram with -T TOS to a udp-recv peer and set
# TOS_SEEN to the TOS byte it saw (0xNN). Call it directly, not in $(...).
udp_tos_of() {
	local name=rcv$((++_tos_n)) log
	server "$name" udp-recv --count 1 --save "$T/$name.log"
	printf x | sc -u -q 0 -T "$1" 127.0.0.1 "$PORT" || return 1
	bg_wait "$name" || return 1
	log=$(<"$T/$name.log")
	[[ $log =~ tos=(0x[0-9a-f]+) ]] || return 1
	TOS_SEEN=${BASH_REMATCH[1]}
}
_tos_n=0

# --- TTL and TOS, seen by the receiver ---------------------------------------

@test "-M 7 sends UDP datagrams with TTL 7" {
	server rcv udp-recv --count 1 --save "$T/rcv.log"
	run --separate-stderr sc -u -q 0 -M 7 127.0.0.1 "$PORT" < <(printf x)
	[ "$status" -eq 0 ]
	[ "$stderr" = "" ]
	bg_wait rcv
	[ "$BG_STATUS" -eq 0 ]
	[[ $(cat "$T/rcv.log") == "len=1 ttl=7 "* ]]
}

@test "-M 7 sends IPv6 UDP datagrams with hop limit 7" {
	server rcv udp-recv --host ::1 --count 1 --save "$T/rcv.log"
	run --separate-stderr sc -u -q 0 -M 7 ::1 "$PORT" < <(printf x)
	[ "$status" -eq 0 ]
	[ "$stderr" = "" ]
	bg_wait rcv
	[ "$BG_STATUS" -eq 0 ]
	[[ $(cat "$T/rcv.log") == "len=1 ttl=7 "* ]]
}

@test "-M and -T apply to TCP connections over IPv4 and IPv6" {
	for host in 127.0.0.1 ::1; do
		server "rcv${#host}" tcp-recv-ttl --host "$host" \
		    --save "$T/rcv${#host}.ttl"
		run --separate-stderr sc -M 9 -T af41 "$host" "$PORT" < <(printf hi)
		[ "$status" -eq 0 ]
		[ "$stderr" = "" ]
		bg_wait "rcv${#host}"
		[ "$(cat "$T/rcv${#host}.ttl")" = "ttl=9 tos=0x88" ]
	done
}

@test "-T takes OpenBSD keywords, numbers and netcat-traditional names: lowdelay, 0x10, Minimize-Delay, af41" {
	# Compare the DSCP bits only: the kernel may own the two ECN bits.
	for spec in lowdelay:0x10 0x10:0x10 16:0x10 Minimize-Delay:0x10 \
	    minimize-delay:0x10 af41:0x88 throughput:0x08 ef:0xb8; do
		udp_tos_of "${spec%%:*}"
		echo "-T ${spec%%:*}: tos $TOS_SEEN" >&2
		(((TOS_SEEN & 0xfc) == (${spec#*:} & 0xfc)))
	done
}

@test "-T af41 sets the IPv6 traffic class" {
	server rcv udp-recv --host ::1 --count 1 --save "$T/rcv.log"
	run --separate-stderr sc -u -q 0 -T af41 ::1 "$PORT" < <(printf x)
	[ "$status" -eq 0 ]
	bg_wait rcv
	[[ $(cat "$T/rcv.log") =~ tos=(0x[0-9a-f]+) ]]
	(((BASH_REMATCH[1] & 0xfc) == 0x88))
}

# --- minimum TTL: who gets through -------------------------------------------

@test "-m 100 on a listener refuses IPv4 clients with the default TTL 64 and accepts one with -M 200" {
	bg lsn "$SOCKCAT" -nvlp 0 -d -m 100
	port=$(listen_port lsn)
	run --separate-stderr sc -w 1 127.0.0.1 "$port" < <(printf 'low\n')
	[ "$status" -eq 1 ]
	[ "$output" = "" ]
	[ "$stderr" = "sockcat: connect to 127.0.0.1 port $port: Connection timed out" ]
	run ! grep -q '^connect to ' "$T/lsn.err"
	run --separate-stderr sc -M 200 127.0.0.1 "$port" < <(printf 'high\n')
	[ "$status" -eq 0 ]
	[ "$stderr" = "" ]
	bg_wait lsn
	[ "$BG_STATUS" -eq 0 ]
	[ "$(cat "$T/lsn.out")" = high ]
	grep -q '^connect to \[127.0.0.1\] from (UNKNOWN) \[127.0.0.1\] ' "$T/lsn.err"
}

@test "-m 100 on a listener refuses IPv6 clients with hop limit 64 and accepts one with -M 200" {
	bg lsn "$SOCKCAT" -nvlp 0 -d -m 100
	port=$(listen_port lsn)
	run --separate-stderr sc -w 1 ::1 "$port" < <(printf 'low\n')
	[ "$status" -eq 1 ]
	[ "$stderr" = "sockcat: connect to ::1 port $port: Connection timed out" ]
	run --separate-stderr sc -M 200 ::1 "$port" < <(printf 'high\n')
	[ "$status" -eq 0 ]
	bg_wait lsn
	[ "$BG_STATUS" -eq 0 ]
	[ "$(cat "$T/lsn.out")" = high ]
	grep -q '^connect to \[::1\] from (UNKNOWN) \[::1\] ' "$T/lsn.err"
}

# --- buffers and keepalive, seen by ss ---------------------------------------

@test "-I and -O set the receive and send buffers of the connection (ss shows them, doubled by Linux)" {
	need_ss
	server srv silent
	pipe_open sc
	bg sc "$SOCKCAT" -I 8192 -O 16384 127.0.0.1 "$PORT"
	wait_for 5 connected_sc "$PORT"
	info=$(conn_info "$PORT")
	echo "$info" >&2
	[[ $info == *"rb16384,"* ]]
	[[ $info == *"tb32768,"* ]]
}

@test "without -I and -O the buffers keep the kernel's defaults" {
	# The control for the test above: 8192 and 16384 are not the defaults.
	need_ss
	server srv silent
	pipe_open sc
	bg sc "$SOCKCAT" 127.0.0.1 "$PORT"
	wait_for 5 connected_sc "$PORT"
	info=$(conn_info "$PORT")
	echo "$info" >&2
	[[ $info != *"rb16384,"* ]]
	[[ $info != *"tb32768,"* ]]
}

@test "--keepalive gives the connection a keepalive timer; without it there is none" {
	need_ss
	server srv1 silent
	pipe_open sc1
	bg sc1 "$SOCKCAT" --keepalive 127.0.0.1 "$PORT"
	wait_for 5 connected_sc "$PORT"
	info=$(conn_info "$PORT")
	echo "with: $info" >&2
	[[ $info == *"timer:(keepalive,"* ]]

	server srv2 silent
	pipe_open sc2
	bg sc2 "$SOCKCAT" 127.0.0.1 "$PORT"
	wait_for 5 connected_sc "$PORT"
	info=$(conn_info "$PORT")
	echo "without: $info" >&2
	[[ $info != *keepalive* ]]
}

# --- options only strace can see ---------------------------------------------

# LeakSanitizer cannot run under ptrace: turn it off for strace runs of a
# sanitizer build (the rest of the suite still checks for leaks).
no_leak_check() {
	printf '%s' "${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
}

@test "-D sets SO_DEBUG and the connection works (with CAP_NET_ADMIN)" {
	[ "$(id -u)" -eq 0 ] || skip "SO_DEBUG needs CAP_NET_ADMIN: not root"
	need_strace
	server srv eof-reply
	run --separate-stderr timeout 10 env "ASAN_OPTIONS=$(no_leak_check)" strace -f -o "$T/trace" \
	    -e trace=setsockopt "$SOCKCAT" -D 127.0.0.1 "$PORT" < <(printf req)
	[ "$status" -eq 0 ]
	[ "$output" = "got 3 bytes" ]
	[ "$stderr" = "" ]
	grep -E 'setsockopt\([0-9]+, SOL_SOCKET, SO_DEBUG, \[1\], 4\) = 0' "$T/trace"
}

@test "-D without CAP_NET_ADMIN exits 1 saying SO_DEBUG could not be set" {
	if [ "$(id -u)" -eq 0 ]; then
		command -v setpriv >/dev/null ||
		    skip "root, and no setpriv to drop CAP_NET_ADMIN"
		# Without CAP_NET_ADMIN in the bounding set, root's sockcat lacks it.
		drop=(setpriv --bounding-set=-net_admin)
	else
		drop=()
	fi
	server srv eof-reply
	run --separate-stderr timeout 10 "${drop[@]}" "$SOCKCAT" -D 127.0.0.1 \
	    "$PORT" < <(printf req)
	[ "$status" -eq 1 ]
	[ "$output" = "" ]
	[[ $stderr == "sockcat: set SO_DEBUG on socket: "* ]]
	[ "$(wc -l <<<"$stderr")" -eq 1 ]
}

@test "-b sets SO_BROADCAST on a UDP socket, and only with -b" {
	need_strace
	server rcv1 udp-recv --count 1 --payload "$T/rcv1.got"
	run --separate-stderr timeout 10 env "ASAN_OPTIONS=$(no_leak_check)" strace -f -o "$T/trace1" \
	    -e trace=setsockopt "$SOCKCAT" -b -u -q 0 127.0.0.1 "$PORT" \
	    < <(printf x)
	[ "$status" -eq 0 ]
	[ "$stderr" = "" ]
	bg_wait rcv1
	[ "$(cat "$T/rcv1.got")" = x ]
	grep -E 'setsockopt\([0-9]+, SOL_SOCKET, SO_BROADCAST, \[1\], 4\) = 0' \
	    "$T/trace1"

	server rcv2 udp-recv --count 1
	run --separate-stderr timeout 10 env "ASAN_OPTIONS=$(no_leak_check)" strace -f -o "$T/trace2" \
	    -e trace=setsockopt "$SOCKCAT" -u -q 0 127.0.0.1 "$PORT" \
	    < <(printf x)
	[ "$status" -eq 0 ]
	run ! grep -q SO_BROADCAST "$T/trace2"
}

# --- line options: -C, -i, -t -------------------------------------------------

@test "-C sends each LF as CRLF" {
	server srv sink --save "$T/srv.got"
	run --separate-stderr sc -C 127.0.0.1 "$PORT" < <(printf 'a\nb\n')
	[ "$status" -eq 0 ]
	[ "$stderr" = "" ]
	bg_wait srv
	printf 'a\r\nb\r\n' >"$T/expected"
	cmp "$T/expected" "$T/srv.got"
}

@test "-C leaves an LF that already follows a CR alone, so CRLF input is not doubled" {
	server srv sink --save "$T/srv.got"
	run --separate-stderr sc -C 127.0.0.1 "$PORT" < <(printf 'x\r\ny\rz\n')
	[ "$status" -eq 0 ]
	bg_wait srv
	printf 'x\r\ny\rz\r\n' >"$T/expected"
	cmp "$T/expected" "$T/srv.got"
}

@test "-C remembers a CR at the end of one read of stdin when the LF comes in the next" {
	pipe_open sc
	server srv sink --save "$T/srv.got"
	bg sc "$SOCKCAT" -C 127.0.0.1 "$PORT"
	pipe_write sc $'x\r'
	# The CR has been read and sent on its own before the LF is written.
	wait_for 5 size_ge "$T/srv.got" 2
	pipe_write sc $'\ny\n'
	pipe_close sc
	bg_wait sc
	[ "$BG_STATUS" -eq 0 ]
	bg_wait srv
	printf 'x\r\ny\r\n' >"$T/expected"
	cmp "$T/expected" "$T/srv.got"
}

@test "-i 0.3 sends lines one at a time, 0.3 s apart" {
	bg srv python3 -c "$TIMES_PY" "$T/srv.port" "$T/srv.times"
	PORT=$(peer_port srv)
	run --separate-stderr sc -i 0.3 127.0.0.1 "$PORT" < <(printf 'one\ntwo\nthree\n')
	[ "$status" -eq 0 ]
	[ "$stderr" = "" ]
	bg_wait srv
	cat "$T/srv.times" >&2
	mapfile -t got <"$T/srv.times"
	[ "${#got[@]}" -eq 3 ]
	[ "${got[0]#* }" = "$(printf 'one\n' | od -An -tx1 | tr -d ' \n')" ]
	[ "${got[1]#* }" = "$(printf 'two\n' | od -An -tx1 | tr -d ' \n')" ]
	[ "${got[2]#* }" = "$(printf 'three\n' | od -An -tx1 | tr -d ' \n')" ]
	t1=${got[1]%% *} t2=${got[2]%% *}
	((t1 >= 250 && t2 - t1 >= 250))
}

@test "--delay is -i under ncat's name" {
	bg srv python3 -c "$TIMES_PY" "$T/srv.port" "$T/srv.times"
	PORT=$(peer_port srv)
	run --separate-stderr sc --delay 0.3 127.0.0.1 "$PORT" < <(printf 'a\nb\n')
	[ "$status" -eq 0 ]
	bg_wait srv
	mapfile -t got <"$T/srv.times"
	[ "${#got[@]}" -eq 2 ]
	((${got[1]%% *} >= 250))
}

@test "-t refuses telnet options (DO gets WONT, WILL gets DONT, WONT gets nothing) and prints only the data" {
	pipe_open sc
	# IAC DO 1, IAC WILL 3, IAC WONT 5, then text.
	server srv banner --text '\xff\xfd\x01\xff\xfb\x03\xff\xfc\x05hello\n' \
	    --hold --save "$T/srv.got"
	bg sc "$SOCKCAT" -t 127.0.0.1 "$PORT"
	wait_for 5 size_ge "$T/srv.got" 6
	wait_for 5 file_has "$T/sc.out" hello
	pipe_close sc
	bg_wait sc
	[ "$BG_STATUS" -eq 0 ]
	bg_wait srv
	# IAC WONT 1, IAC DONT 3
	printf '\377\374\001\377\376\003' >"$T/expected"
	cmp "$T/expected" "$T/srv.got"
	printf 'hello\n' >"$T/expected.out"
	cmp "$T/expected.out" "$T/sc.out"
	[ ! -s "$T/sc.err" ]
}
