bats_require_minimum_version 1.5.0
load helpers/common
setup() { common_setup; }
teardown() { common_teardown; }

# relay.bats -- --to: each stream client relayed to its own upstream
# connection, in one process.  Peers: curl and python's http.server,
# helpers/relay_peer.py (servers of many clients, many clients at once),
# helpers/peer.py (scripted one-client peers).

RPEER=$BATS_TEST_DIRNAME/helpers/relay_peer.py
RESETPEER=$BATS_TEST_DIRNAME/helpers/reset_peer.py

# start_relay NAME ARGS...: run `sockcat -v ARGS...` as job NAME and set
# PORT from its listening line.
start_relay() {
	local name=$1
	shift
	bg "$name" "$SOCKCAT" -v "$@"
	PORT=$(listen_port "$name")
}

# backend NAME MODE [ARGS...]: a relay_peer.py server of many clients on
# port 0; sets BPORT.
backend() {
	local name=$1 mode=$2
	shift 2
	bg "$name" python3 "$RPEER" serve --mode "$mode" --timeout 60 \
	    --port-file "$T/$name.port" "$@"
	BPORT=$(peer_port "$name")
}

# unix_backend NAME MODE PATH: the same on a Unix socket.
unix_backend() {
	bg "$1" python3 "$RPEER" serve --mode "$2" --unix "$3" --timeout 60 \
	    --port-file "$T/$1.port"
	peer_port "$1" >/dev/null
}

# web: python's http.server on port 0 serving $T/www; sets WPORT.
web() {
	command -v curl >/dev/null || skip "curl is not installed"
	mkdir -p "$T/www"
	BG_TIMEOUT=120 bg web python3 -u -m http.server 0 --bind 127.0.0.1 \
	    --directory "$T/www"
	wait_for 10 grep -q 'Serving HTTP' "$T/web.out"
	WPORT=$(sed -n 's/.*port \([0-9]*\).*/\1/p' "$T/web.out" | head -1)
	[ -n "$WPORT" ]
}

# lines_ge FILE TEXT N: FILE has at least N lines holding TEXT.
lines_ge() {
	[ "$(grep -cF -- "$2" "$1")" -ge "$3" ]
}

# children PID: the child processes of PID, if any.
children() {
	cat "/proc/$1/task/$1/children" 2>/dev/null || true
}

@test "--to is an option of its own, not an abbreviation of --tos" {
	run --separate-stderr sc -l 0 --to lowdelay
	[ "$status" -eq 2 ]
	[[ $stderr == *'invalid relay target "lowdelay"'* ]]
}

@test "--tos is still accepted after --to was added" {
	bg srv python3 "$PEER" eof-reply --port-file "$T/srv.port"
	port=$(peer_port srv)
	run --separate-stderr sc --tos lowdelay -n 127.0.0.1 "$port" \
	    <"$T/bytes256"
	[ "$status" -eq 0 ]
	[ "$output" = "got 256 bytes" ]
	[ -z "$stderr" ]
}

@test "bad --to values are usage errors that name the value" {
	for v in "" "host" "host:" ":80" "host:99999" "host:nosuchsvc" \
	    "[::1]" "[::1:80" "tcp:" "tcp:/x" "udp:h" "unix:"; do
		run --separate-stderr sc -l 0 --to "$v"
		[ "$status" -eq 2 ] || { echo "accepted: '$v'"; false; }
		[[ $stderr == "sockcat: invalid relay target \"$v\""* ]] ||
		    { echo "for '$v': $stderr"; false; }
		[ "${#stderr_lines[@]}" -eq 1 ]
	done
}

@test "--to conflicts with -e, -c, -z, -F, --broker, --chat and --expect" {
	for opts in "-e cat" "-c cat" "--broker" "--chat" "--expect x"; do
		# shellcheck disable=SC2086  # the options are words
		run --separate-stderr sc -l 0 --to 127.0.0.1:1 $opts
		[ "$status" -eq 2 ] || { echo "accepted: $opts"; false; }
		[[ $stderr == *"--to"* ]]
	done
	run --separate-stderr sc -z --to 127.0.0.1:1 127.0.0.1 1
	[ "$status" -eq 2 ]
	run --separate-stderr sc -F --to 127.0.0.1:1 127.0.0.1 1
	[ "$status" -eq 2 ]
}

@test "--to refuses -d, as it refuses --recv-only" {
	run --separate-stderr sc -l 0 --to 127.0.0.1:1 -d
	[ "$status" -eq 2 ]
	[[ $stderr == *"-d,"*"--to"* ]]
	[ "${#stderr_lines[@]}" -eq 1 ]
}

@test "a numeric --to address that -4, -6 or -s can never reach is refused at start, naming it" {
	run --separate-stderr sc -4 -l 0 --to '[::1]:80'
	[ "$status" -eq 2 ]
	[ "$stderr" = 'sockcat: relay target "[::1]:80" is an IPv6 address: -4 cannot reach it' ]
	run --separate-stderr sc -6 -l 0 --to 127.0.0.1:80
	[ "$status" -eq 2 ]
	[ "$stderr" = 'sockcat: relay target "127.0.0.1:80" is an IPv4 address: -6 cannot reach it' ]
	run --separate-stderr sc -s ::1 -l 0 --to 127.0.0.1:80
	[ "$status" -eq 2 ]
	[ "$stderr" = 'sockcat: relay target "127.0.0.1:80" is an IPv4 address: it cannot be reached from -s ::1' ]
	run --separate-stderr sc -u -4 -l 0 --to '[::1]:53'
	[ "$status" -eq 2 ]
	[[ $stderr == *'"[::1]:53"'* ]]
	# A name is looked up per client: it may have both families.
	run --separate-stderr sc -4 -l 0 -w 1 --to localhost:80
	[ "$status" -eq 1 ]
	[[ $stderr == *"within -w 1"* ]]
	# The same family is fine.
	run --separate-stderr sc -s 127.0.0.1 -l 0 -w 1 --to 127.0.0.1:80
	[ "$status" -eq 1 ]
	[[ $stderr == *"within -w 1"* ]]
}

@test "--to refuses a datagram upstream for a stream listener, and a stream upstream for -u" {
	run --separate-stderr sc -l 0 --to udp:127.0.0.1:53
	[ "$status" -eq 2 ]
	[[ $stderr == *"needs -u"* ]]
	run --separate-stderr sc -u -l 0 --to tcp:127.0.0.1:53
	[ "$status" -eq 2 ]
	[[ $stderr == *"datagram"* ]]
	run --separate-stderr sc -u -l 0 --to unix:/tmp/x
	[ "$status" -eq 2 ]
	run --separate-stderr sc -l 0 --to stdin-words -c x
	[ "$status" -eq 2 ]
	run --separate-stderr sc -l 0 --to 127.0.0.1:1 -q 1
	[ "$status" -eq 2 ]
	[[ $stderr == *"stdin"* ]]
}

@test "curl fetches a 64 MiB body byte for byte through sockcat -l --to http.server" {
	web
	make_big "$T/www/big" 64
	start_relay relay -l -k 0 --to "127.0.0.1:$WPORT"
	run timeout 60 curl -sS -o "$T/got" "http://127.0.0.1:$PORT/big"
	[ "$status" -eq 0 ]
	cmp "$T/www/big" "$T/got"
}

@test "50 curl clients at once all get their page through one sockcat -l -k --to" {
	web
	head -c 200000 /dev/urandom >"$T/www/page"
	start_relay relay -l -k 0 --to "127.0.0.1:$WPORT"
	pids=()
	for n in $(seq 50); do
		timeout 60 curl -sS -o "$T/got$n" \
		    "http://127.0.0.1:$PORT/page" 2>"$T/curl$n.err" &
		pids+=("$!")
	done
	for pid in "${pids[@]}"; do
		wait "$pid"
	done
	for n in $(seq 50); do
		cmp "$T/www/page" "$T/got$n"
	done
	running relay
}

@test "a client that half-closes after its request gets the whole reply, made at EOF" {
	backend be eof-reply
	start_relay relay -l -k 0 --to "127.0.0.1:$BPORT"
	run --separate-stderr timeout 20 python3 "$RPEER" clients \
	    --port "$PORT" --count 5 --send 'hello\n' --expect 'got 6 bytes\n'
	[ "$status" -eq 0 ]
}

@test "an upstream that half-closes first still gets the client's data, and the client gets its reply and EOF" {
	bg be python3 "$PEER" banner --text 'welcome\n' --hold \
	    --port-file "$T/be.port" --save "$T/be.save"
	BPORT=$(peer_port be)
	start_relay relay -l 0 --to "127.0.0.1:$BPORT"
	# The client sends after the upstream's FIN has come through.
	run --separate-stderr timeout 20 python3 -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
got = b""
while not got.endswith(b"\n"):
    got += s.recv(100)
assert s.recv(100) == b"", "no EOF after the banner"
s.sendall(b"late data\n")
s.shutdown(socket.SHUT_WR)
assert got == b"welcome\n", got
' "$PORT"
	[ "$status" -eq 0 ]
	bg_wait be 10
	[ "$BG_STATUS" -eq 0 ]
	printf 'late data\n' | cmp - "$T/be.save"
	bg_wait relay 10
	[ "$BG_STATUS" -eq 0 ]
}

@test "a TCP listener relays to a Unix socket upstream" {
	unix_backend be eof-reply "$T/be.sock"
	start_relay relay -l -k 0 --to "unix:$T/be.sock"
	run --separate-stderr timeout 20 python3 "$RPEER" clients \
	    --port "$PORT" --count 3 --send 'abc' --expect 'got 3 bytes\n'
	[ "$status" -eq 0 ]
	# A word with a slash is a path too.
	start_relay relay2 -l -k 0 --to "$T/be.sock"
	run --separate-stderr timeout 20 python3 "$RPEER" clients \
	    --port "$PORT" --count 1 --send 'abcd' --expect 'got 4 bytes\n'
	[ "$status" -eq 0 ]
}

@test "a Unix listener relays to a TCP upstream" {
	backend be eof-reply
	bg relay "$SOCKCAT" -v -l -k -U "$T/front.sock" --to "127.0.0.1:$BPORT"
	wait_for 10 file_has "$T/relay.err" "listening on"
	run --separate-stderr timeout 20 python3 "$RPEER" clients \
	    --unix "$T/front.sock" --count 3 --send 'xy' \
	    --expect 'got 2 bytes\n'
	[ "$status" -eq 0 ]
}

@test "an upstream that refuses closes the client, says why with -v, and the listener serves the next client" {
	# A port nobody listens on: bind one, note it, close it.
	dead=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	start_relay relay -l -k 0 --to "127.0.0.1:$dead"
	run --separate-stderr timeout 10 python3 -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
try:
    got = s.recv(100)
except ConnectionResetError:
    got = b""
assert got == b"", got
' "$PORT"
	[ "$status" -eq 0 ]
	wait_for 10 file_has "$T/relay.err" "Connection refused"
	grep -q "closing the client" "$T/relay.err"
	running relay
	# The listener goes on: a second client is taken (and closed too).
	run --separate-stderr timeout 10 python3 -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"request")
try:
    got = s.recv(100)
except ConnectionResetError:
    got = b"reset"
print(got.decode())
' "$PORT"
	[ "$status" -eq 0 ]
	running relay
	[ "$(grep -c "Connection refused" "$T/relay.err")" -eq 2 ]
}

@test "a one-shot relay whose upstream refuses exits 1 with one line" {
	dead=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	start_relay relay -l 0 --to "127.0.0.1:$dead"
	run timeout 10 python3 -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.recv(100)
' "$PORT"
	bg_wait relay 10
	[ "$BG_STATUS" -eq 1 ]
	grep -q "^sockcat: relay .* to 127.0.0.1:$dead: Connection refused$" \
	    "$T/relay.err"
}

@test "--deny refuses a relayed client before any upstream connection" {
	bg be python3 "$PEER" silent --port-file "$T/be.port" \
	    --save "$T/be.count" --timeout 5
	BPORT=$(peer_port be)
	start_relay relay -l -k 0 --deny 127.0.0.1 --to "127.0.0.1:$BPORT"
	run timeout 10 python3 -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
try:
    assert s.recv(100) == b""
except ConnectionResetError:
    pass
' "$PORT"
	[ "$status" -eq 0 ]
	wait_for 10 file_has "$T/relay.err" "not allowed by --allow/--deny"
	! grep -q "relaying" "$T/relay.err"
	# The backend never had a client: its watchdog ends it (status 3).
	bg_wait be 10
	[ "$BG_STATUS" -eq 3 ]
}

@test "--allow admits a relayed client" {
	backend be eof-reply
	start_relay relay -l -k 0 --allow 127.0.0.0/8 --to "127.0.0.1:$BPORT"
	run --separate-stderr timeout 20 python3 "$RPEER" clients \
	    --port "$PORT" --count 2 --send 'q' --expect 'got 1 bytes\n'
	[ "$status" -eq 0 ]
}

@test "--max-conns bounds the relayed clients at once" {
	backend be echo
	start_relay relay -l -k 0 --max-conns 2 --to "127.0.0.1:$BPORT"
	bg hold python3 "$RPEER" hold --port "$PORT" --count 2 \
	    --ready "$T/ready"
	wait_for 10 test -e "$T/ready"
	wait_for 10 lines_ge "$T/relay.err" relaying 2
	run timeout 10 python3 -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
try:
    assert s.recv(100) == b""
except ConnectionResetError:
    pass
' "$PORT"
	[ "$status" -eq 0 ]
	wait_for 10 file_has "$T/relay.err" "2 clients already (--max-conns)"
}

@test "connect mode --to joins two servers: what one sends reaches the other" {
	make_big "$T/data" 4
	bg src python3 "$PEER" source --file "$T/data" \
	    --port-file "$T/src.port"
	bg dst python3 "$PEER" sink --port-file "$T/dst.port" \
	    --save "$T/dst.save"
	sport=$(peer_port src)
	dport=$(peer_port dst)
	run --separate-stderr sc -v 127.0.0.1 "$sport" --to "127.0.0.1:$dport"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	bg_wait dst 10
	[ "$BG_STATUS" -eq 0 ]
	cmp "$T/data" "$T/dst.save"
}

@test "100 relayed clients are served by one process with no child" {
	backend be echo
	start_relay relay -l -k 0 --to "127.0.0.1:$BPORT"
	BG_TIMEOUT=60 bg hold python3 "$RPEER" hold --port "$PORT" \
	    --count 100 --ready "$T/ready" --timeout 50
	wait_for 20 test -e "$T/ready"
	wait_for 20 lines_ge "$T/relay.err" relaying 100
	pid=$(bg_cmd_pid relay)
	[ -z "$(children "$pid")" ]
	# A client and an upstream socket per pair, and the listener.
	n=$(fd_count "$pid")
	[ "$n" -ge 201 ]
}

@test "--json reports each relayed client: accept, upstream, close with bytes each way" {
	backend be eof-reply
	bg relay "$SOCKCAT" --json -l -k 0 --to "127.0.0.1:$BPORT"
	wait_for 10 file_has "$T/relay.err" '"event":"listen"'
	PORT=$(sed -n 's/.*"port":\([0-9]*\).*/\1/p' "$T/relay.err" | head -1)
	run --separate-stderr timeout 20 python3 "$RPEER" clients \
	    --port "$PORT" --count 1 --send 'hello' --expect 'got 5 bytes\n'
	[ "$status" -eq 0 ]
	wait_for 10 file_has "$T/relay.err" '"event":"close"'
	grep -q '"event":"accept"' "$T/relay.err"
	grep -q '"event":"upstream".*"upstream_address":"127.0.0.1","upstream_port":'"$BPORT" \
	    "$T/relay.err"
	grep -q '"event":"close".*"to_upstream":5,"to_client":12' \
	    "$T/relay.err"
}

# json_check FILE PYTHON: each line of FILE parsed as JSON into the list
# ev; PYTHON asserts on it (argv[2:] are the test's numbers).
json_check() {
	local file=$1 code=$2
	shift 2
	python3 -c '
import json, sys
ev = [json.loads(line) for line in open(sys.argv[1])]
'"$code" "$file" "$@"
}

@test "--json relay events parse as JSON, with the upstream and a failed upstream as fields of their own" {
	backend be eof-reply
	dead=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	bg relay "$SOCKCAT" --json -l -k 0 --to "127.0.0.1:$BPORT"
	bg dead "$SOCKCAT" --json -l -k 0 --to "127.0.0.1:$dead"
	wait_for 10 file_has "$T/relay.err" '"event":"listen"'
	wait_for 10 file_has "$T/dead.err" '"event":"listen"'
	PORT=$(sed -n 's/.*"port":\([0-9]*\).*/\1/p' "$T/relay.err" | head -1)
	DPORT=$(sed -n 's/.*"port":\([0-9]*\).*/\1/p' "$T/dead.err" | head -1)
	run --separate-stderr timeout 20 python3 "$RPEER" clients \
	    --port "$PORT" --count 1 --send 'hello' --expect 'got 5 bytes\n'
	[ "$status" -eq 0 ]
	run --separate-stderr timeout 10 python3 -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
try:
    s.recv(100)
except ConnectionResetError:
    pass
' "$DPORT"
	[ "$status" -eq 0 ]
	wait_for 10 file_has "$T/relay.err" '"event":"close"'
	wait_for 10 file_has "$T/dead.err" '"event":"close"'
	json_check "$T/relay.err" '
bport = int(sys.argv[2])
up = [e for e in ev if e["event"] == "upstream"]
assert len(up) == 1, ev
u = up[0]
assert u["upstream_address"] == "127.0.0.1", u
assert u["upstream_port"] == bport, u
assert u["remote_address"] == "127.0.0.1", u
assert isinstance(u["remote_port"], int), u
assert "upstream" not in u, u
c = [e for e in ev if e["event"] == "close"][0]
assert (c["to_upstream"], c["to_client"], c["end"]) == (5, 12, "done"), c
assert c["remote_port"] == u["remote_port"], c
' "$BPORT"
	json_check "$T/dead.err" '
dport = int(sys.argv[2])
assert not [e for e in ev if e["event"] == "note"], ev
f = [e for e in ev if e["event"] == "upstream_failed"]
assert len(f) == 1, ev
f = f[0]
assert f["upstream_host"] == "127.0.0.1", f
assert f["upstream_port"] == dport, f
assert f["reason"] == "Connection refused", f
assert f["remote_address"] == "127.0.0.1", f
c = [e for e in ev if e["event"] == "close"][0]
assert c["end"] == "upstream failed", c
assert c["remote_port"] == f["remote_port"], c
' "$dead"
}

@test "-o logs both directions of a relayed client" {
	backend be eof-reply
	start_relay relay -l 0 -o "$T/dump" --to "127.0.0.1:$BPORT"
	run --separate-stderr timeout 20 python3 "$RPEER" clients \
	    --port "$PORT" --count 1 --send 'hello' --expect 'got 5 bytes\n'
	[ "$status" -eq 0 ]
	bg_wait relay 10
	[ "$BG_STATUS" -eq 0 ]
	grep -q '^<.*hello' "$T/dump"
	grep -q '^>.*got 5 bytes' "$T/dump"
}

@test "-w ends an idle relayed pair, and a -k listener with no new client for -w then exits 0" {
	backend be echo
	start_relay relay -l -k -w 1 0 --to "127.0.0.1:$BPORT"
	bg hold python3 "$RPEER" hold --port "$PORT" --count 1 \
	    --ready "$T/ready"
	wait_for 10 file_has "$T/relay.err" "relaying"
	wait_for 10 file_has "$T/relay.err" "(idle)"
	bg_wait relay 10
	[ "$BG_STATUS" -eq 0 ]
}

@test "-x carries the upstream leg of a relay through a SOCKS5 proxy" {
	backend be eof-reply
	bg px python3 "$BATS_TEST_DIRNAME/helpers/proxy_server.py" socks5 \
	    --port-file "$T/px.port"
	PX=$(peer_port px)
	start_relay relay -l 0 -x "127.0.0.1:$PX" --to "127.0.0.1:$BPORT"
	run --separate-stderr timeout 20 python3 "$RPEER" clients \
	    --port "$PORT" --count 1 --send 'abc' --expect 'got 3 bytes\n'
	[ "$status" -eq 0 ]
	grep -q "relaying .* (via proxy 127.0.0.1 port $PX)" "$T/relay.err"
}

@test "-s with -l --to is the upstream's source address; the listener keeps its own" {
	backend be whoami
	start_relay relay -l 127.0.0.1 0 -s 127.0.0.2 --to "127.0.0.1:$BPORT"
	grep -q "listening on \[127.0.0.1\] $PORT " "$T/relay.err"
	run --separate-stderr timeout 20 python3 "$RPEER" clients \
	    --port "$PORT" --count 1 --expect '127.0.0.2\n'
	[ "$status" -eq 0 ]
	bg_wait relay 10
	[ "$BG_STATUS" -eq 0 ]
}

@test "an upstream that does not answer within -w closes its client, and other clients are taken meanwhile" {
	# A listener whose queue is full: connects to it are never answered.
	bg full python3 -c '
import os, socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(0)
port = s.getsockname()[1]
fillers = []
for i in range(3):
    c = socket.socket()
    c.setblocking(False)
    try:
        c.connect(("127.0.0.1", port))
    except BlockingIOError:
        pass
    fillers.append(c)
open(sys.argv[1] + ".tmp", "w").write(f"{port}\n")
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
time.sleep(30)
' "$T/full.port"
	fport=$(peer_port full)
	start_relay relay -l -k -w 2 0 --to "127.0.0.1:$fport"
	bg c1 python3 "$RPEER" clients --port "$PORT" --send 'x' --expect ''
	wait_for 10 lines_ge "$T/relay.err" "connect to" 1
	bg c2 python3 "$RPEER" clients --port "$PORT" --send 'y' --expect ''
	wait_for 10 lines_ge "$T/relay.err" "no answer within -w 2" 2
	# The second client came in while the first one's upstream waited.
	first_fail=$(grep -n "no answer" "$T/relay.err" | head -1 | cut -d: -f1)
	second_in=$(grep -n "^connect to" "$T/relay.err" | sed -n 2p |
	    cut -d: -f1)
	[ "$second_in" -lt "$first_fail" ]
	grep -q "closing the client" "$T/relay.err"
}

@test "2000 idle relayed pairs cost at most two descriptors and 4 KiB each" {
	# Issue 13: pipes and buffers only while data is in flight.
	# The relay needs 2 per pair and its own few, the peers 1 per pair.
	hard=$(ulimit -Hn)
	[ "$hard" = unlimited ] || ((hard >= 5000)) ||
	    skip "the hard descriptor limit ($hard) is below 5000"
	ulimit -n "$hard" 2>/dev/null || ulimit -n 5000
	if [ "$(ulimit -n)" = unlimited ] || (($(ulimit -n) > 20000)); then
		ulimit -n 20000
	fi
	backend be echo
	BG_TIMEOUT=120 bg relay "$SOCKCAT" -v -l -k --max-conns 5000 0 \
	    --to "127.0.0.1:$BPORT"
	PORT=$(listen_port relay)
	pid=$(bg_cmd_pid relay)
	fds0=$(fd_count "$pid")
	rss0=$(awk '/^VmRSS/ { print $2 }' "/proc/$pid/status")
	BG_TIMEOUT=100 bg hold python3 "$RPEER" hold --port "$PORT" \
	    --count 2000 --ready "$T/ready" --timeout 90
	wait_for 60 test -e "$T/ready"
	wait_for 60 lines_ge "$T/relay.err" relaying 2000
	fds=$(fd_count "$pid")
	rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$pid/status")
	echo "per pair: $(((fds - fds0) / 2000)) descriptors," \
	    "$(((rss - rss0) / 2000)) KiB"
	[ $((fds - fds0)) -le 4000 ]
	# AddressSanitizer's allocator pads every block: no memory bound.
	# (clang links its runtime in: look for it in the binary, not in maps.)
	grep -aq __asan_init "$SOCKCAT" || [ $((rss - rss0)) -le 8000 ]
}

@test "400 idle relayed pairs under a 1000-descriptor limit stay up, and the relay still serves" {
	# Each pair has four watchers on the loop: poll(2) must not be
	# given more entries than the descriptor limit (EINVAL).
	backend be echo
	BG_TIMEOUT=60 bg relay bash -c 'ulimit -n 1000 && exec "$@"' _ \
	    "$SOCKCAT" -v -l -k --max-conns 1000 0 --to "127.0.0.1:$BPORT"
	PORT=$(listen_port relay)
	BG_TIMEOUT=60 bg hold python3 "$RPEER" hold --port "$PORT" \
	    --count 400 --ready "$T/ready" --timeout 50
	wait_for 30 test -e "$T/ready"
	wait_for 30 lines_ge "$T/relay.err" relaying 400
	run --separate-stderr timeout 20 python3 "$RPEER" clients \
	    --port "$PORT" --count 3 --send 'still here' --expect 'still here'
	[ "$status" -eq 0 ]
	running relay
	! grep -q "wait for events" "$T/relay.err"
}

@test "relayed pairs that moved data and stay open give their splice pipes back" {
	# Issue 13: a pipe only while data is in flight; at most 16 spare.
	backend be echo
	start_relay relay -l -k 0 --to "127.0.0.1:$BPORT"
	pid=$(bg_cmd_pid relay)
	fds0=$(fd_count "$pid")
	BG_TIMEOUT=60 bg hold python3 -c '
import os, socket, sys, time
socks = []
for i in range(40):
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
    data = os.urandom(300000)
    s.sendall(data)
    got = b""
    while len(got) < len(data):
        got += s.recv(65536)
    assert got == data, "echo differs"
    socks.append(s)
open(sys.argv[2], "w").write("ready\n")
time.sleep(50)
' "$PORT" "$T/ready"
	wait_for 40 test -e "$T/ready"
	fds=$(fd_count "$pid")
	echo "descriptors for 40 pairs: $((fds - fds0))"
	[ $((fds - fds0)) -le $((40 * 2 + 16 * 2)) ]
}

@test "an upstream reset ends the pair: its client's connection is reset too, and the listener goes on" {
	bg be python3 "$PEER" reset --after 3 --port-file "$T/be.port"
	BPORT=$(peer_port be)
	start_relay relay -l -k 0 --to "127.0.0.1:$BPORT"
	# A reset, not a FIN: the client cannot take it for a complete answer.
	run --separate-stderr timeout 10 python3 -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"abc")
try:
    got = s.recv(100)
except ConnectionResetError:
    got = b"reset"
assert got == b"reset", got
' "$PORT"
	[ "$status" -eq 0 ]
	wait_for 10 file_has "$T/relay.err" "closed 127.0.0.1 port"
	running relay
}

@test "a client reset ends the pair: the upstream's connection is reset too, after what the client sent" {
	bg be python3 "$RESETPEER" serve-recv --port-file "$T/be.port" \
	    --save "$T/be.got"
	BPORT=$(peer_port be)
	start_relay relay -l 0 --to "127.0.0.1:$BPORT"
	run --separate-stderr timeout 10 python3 -c '
import socket, struct, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"abcd")
s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
s.close()
' "$PORT"
	[ "$status" -eq 0 ]
	# The backend gets what came first, then the reset, not a FIN.
	bg_wait be 10
	[ "$BG_STATUS" -eq 0 ]
	[ "$(cat "$T/be.out")" = reset ]
	[ "$(cat "$T/be.got")" = abcd ]
	bg_wait relay 10
	grep -q "closed 127.0.0.1 port" "$T/relay.err"
}

@test "an upstream that sends 3 MB and resets: the client gets all 3 MB, then the reset" {
	make_big "$T/big" 3
	bg be python3 "$RESETPEER" serve-send "$T/big" --port-file "$T/be.port"
	BPORT=$(peer_port be)
	start_relay relay -l 0 --to "127.0.0.1:$BPORT"
	run --separate-stderr timeout 20 python3 "$RESETPEER" client-recv \
	    "$PORT" --save "$T/got"
	[ "$status" -eq 0 ]
	[ "$output" = reset ]
	[ "$(sha256sum <"$T/got")" = "$(sha256sum <"$T/big")" ]
	bg_wait relay 10
	[ "$BG_STATUS" -eq 1 ]
	# The error names the pair, as the relay's other lines do.
	grep -qE "^sockcat: relay 127\.0\.0\.1 port [0-9]+ to 127\.0\.0\.1:$BPORT: read from upstream: Connection reset by peer\$" "$T/relay.err"
}

@test "a client that half-closed after its request gets all 8 MB of an upstream that then resets, then the reset" {
	# Its FIN must not cut the wait for our send queue short: the reset
	# would throw away what it has not read yet.
	make_big "$T/big" 8
	bg be python3 "$RESETPEER" serve-send "$T/big" --port-file "$T/be.port"
	BPORT=$(peer_port be)
	start_relay relay -l 0 --to "127.0.0.1:$BPORT"
	run --separate-stderr timeout 20 python3 "$RESETPEER" client-recv \
	    "$PORT" --half-close --save "$T/got"
	[ "$status" -eq 0 ]
	[ "$output" = reset ]
	[ "$(sha256sum <"$T/got")" = "$(sha256sum <"$T/big")" ]
}

@test "an upstream that half-closed after its greeting gets all 8 MB of a client that then resets, then the reset" {
	make_big "$T/big" 8
	bg be python3 "$RESETPEER" serve-recv --half-close \
	    --port-file "$T/be.port" --save "$T/got"
	BPORT=$(peer_port be)
	start_relay relay -l 0 --to "127.0.0.1:$BPORT"
	run --separate-stderr timeout 20 python3 "$RESETPEER" client-send \
	    "$PORT" "$T/big"
	[ "$status" -eq 0 ]
	bg_wait be 20
	[ "$BG_STATUS" -eq 0 ]
	[ "$(cat "$T/be.out")" = reset ]
	[ "$(sha256sum <"$T/got")" = "$(sha256sum <"$T/big")" ]
}

@test "a client that sends 1 MB and resets: the upstream gets all 1 MB, then the reset" {
	make_big "$T/big" 1
	bg be python3 "$RESETPEER" serve-recv --port-file "$T/be.port" \
	    --save "$T/got"
	BPORT=$(peer_port be)
	start_relay relay -l 0 --to "127.0.0.1:$BPORT"
	run --separate-stderr timeout 20 python3 "$RESETPEER" client-send \
	    "$PORT" "$T/big"
	[ "$status" -eq 0 ]
	bg_wait be 20
	[ "$BG_STATUS" -eq 0 ]
	[ "$(cat "$T/be.out")" = reset ]
	[ "$(sha256sum <"$T/got")" = "$(sha256sum <"$T/big")" ]
	bg_wait relay 10
	[ "$BG_STATUS" -eq 1 ]
}

@test "a client's 32 MiB upload reaches the upstream byte for byte, and the reply comes back" {
	make_big "$T/up" 32
	bg be python3 "$PEER" eof-reply --port-file "$T/be.port" \
	    --save "$T/be.save" --timeout 60
	BPORT=$(peer_port be)
	start_relay relay -l 0 --to "127.0.0.1:$BPORT"
	run --separate-stderr timeout 60 python3 "$PEER" client-send \
	    --port "$PORT" --file "$T/up" --save "$T/reply" --timeout 60
	[ "$status" -eq 0 ]
	printf 'got 33554432 bytes\n' | cmp - "$T/reply"
	cmp "$T/up" "$T/be.save"
	bg_wait relay 10
	[ "$BG_STATUS" -eq 0 ]
}
