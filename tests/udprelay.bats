bats_require_minimum_version 1.5.0
load helpers/common

# udprelay.bats -- -u -l --to: a UDP relay with an upstream socket per client
# (source address and port), datagrams passed whole both ways, each reply to
# its own client only; --idle-timeout, --max-conns, --allow/--deny, ICMP
# errors from the target, signals, descriptors, -v and --json. The target is
# helpers/udpecho.py (it tags each reply with the source port it saw, so a
# client can tell which upstream socket carried it); the clients are
# helpers/udpc.py: several sockets, each its own source port, scripted.

UDPC=$BATS_TEST_DIRNAME/helpers/udpc.py
UDPECHO=$BATS_TEST_DIRNAME/helpers/udpecho.py

# echo_server NAME [ARGS...]: udpecho.py on 127.0.0.1 as job NAME, logging
# to $T/NAME.log; sets EPORT to its port.
echo_server() {
	local name=$1
	shift
	bg "$name" python3 "$UDPECHO" --port-file "$T/$name.port" \
	    --log "$T/$name.log" "$@" 127.0.0.1
	EPORT=$(peer_port "$name")
}

# start_relay NAME ARGS...: `sockcat -n -v -u -l 0 ARGS...` as job NAME;
# sets PORT from its listening line and SPID to its process.
start_relay() {
	local name=$1
	shift
	bg "$name" "$SOCKCAT" -n -v -u -l 0 "$@"
	PORT=$(listen_port "$name")
	SPID=$(bg_cmd_pid "$name")
}

# clients NAME HOST N ACTION...: udpc.py with N sockets on HOST as job NAME,
# talking to PORT; sets CPORTS to their source ports.
clients() {
	local name=$1 host=$2 n=$3
	shift 3
	bg "$name" python3 "$UDPC" --ports "$T/$name.ports" "$host" "$PORT" \
	    "$n" "$@"
	wait_for 10 test -s "$T/$name.ports"
	read -r -a CPORTS <"$T/$name.ports"
}

# count_lines FILE REGEX: how many lines of FILE match REGEX (grep -E).
count_lines() {
	grep -cE -- "$2" "$1" || true
}

# lines_ge FILE REGEX N: at least N lines of FILE match REGEX.
lines_ge() {
	(($(count_lines "$1" "$2") >= $3))
}

# upstream_port NAME CLIENTPORT: the upstream socket's port in relay NAME's
# line for the client at CLIENTPORT (the NTH such line, default the 1st).
upstream_port() {
	sed -n "s/^sockcat: relaying 127\.0\.0\.1 port $2 to 127\.0\.0\.1 port [0-9]* from port \([0-9]*\)\$/\1/p" \
	    "$T/$1.err" | sed -n "${3:-1}p"
}

@test "two clients at once each get only their own replies, each through an upstream socket of its own" {
	echo_server echo --tag 'via {port}: '
	start_relay relay -k --to "127.0.0.1:$EPORT"
	clients cli 127.0.0.1 2 's:0:from-a\n' 's:1:from-b\n' 'l:0:1' 'l:1:1' \
	    's:1:again-b\n' 's:0:again-a\n' 'l:1:1' 'l:0:1' 'q:0:0.3' 'q:1:0.3'
	bg_wait cli
	[ "$BG_STATUS" -eq 0 ]
	local ua ub
	wait_for 5 lines_ge "$T/relay.err" '^sockcat: relaying [0-9.]+ port [0-9]+ to ' 2
	ua=$(upstream_port relay "${CPORTS[0]}")
	ub=$(upstream_port relay "${CPORTS[1]}")
	[ -n "$ua" ] && [ -n "$ub" ] && [ "$ua" != "$ub" ]
	[ "$(grep '^0:' "$T/cli.out")" = "0:via $ua: from-a
0:via $ua: again-a
0:nothing" ]
	[ "$(grep '^1:' "$T/cli.out")" = "1:via $ub: from-b
1:via $ub: again-b
1:nothing" ]
	# The target saw two sources, two datagrams each.
	[ "$(count_lines "$T/echo.log" "^127\.0\.0\.1 $ua ")" -eq 2 ]
	[ "$(count_lines "$T/echo.log" "^127\.0\.0\.1 $ub ")" -eq 2 ]
	[ "$(count_lines "$T/relay.err" '^connect to \[any\] from \(UNKNOWN\) \[127\.0\.0\.1\] ')" -eq 2 ]
	running relay
}

@test "datagram boundaries are kept both ways: 1, 1000, 8192, 40000 and 65000 bytes each arrive whole" {
	echo_server echo
	start_relay relay -k --to "127.0.0.1:$EPORT"
	clients cli 127.0.0.1 1 big:0:1 bigr:0 big:0:1000 bigr:0 big:0:8192 \
	    bigr:0 big:0:40000 bigr:0 big:0:65000 bigr:0 's:0:a' 's:0:bc' \
	    'p:0.3' 'q:0:0.2'
	bg_wait cli
	[ "$BG_STATUS" -eq 0 ]
	[ "$(grep -c ' same ' "$T/cli.out")" -eq 5 ]
	[ "$(grep ' same ' "$T/cli.out" | awk '{ print $3 }' | tr '\n' ' ')" = "1 1000 8192 40000 65000 " ]
	# Two small datagrams sent back to back stay two at the target.
	[ "$(awk '{ print $3 }' "$T/echo.log" | tr '\n' ' ')" = "1 1000 8192 40000 65000 1 2 " ]
}

@test "a mapping expires after --idle-timeout without traffic, and the client's next datagram makes a new one" {
	echo_server echo --tag 'via {port}: '
	start_relay relay -k --idle-timeout 0.5 --to "127.0.0.1:$EPORT"
	clients cli 127.0.0.1 1 's:0:one\n' 'l:0:1' "w:$T/go" 's:0:two\n' 'l:0:1'
	wait_for 10 file_has "$T/relay.err" "(idle)"
	grep -qE "^sockcat: closed 127\.0\.0\.1 port ${CPORTS[0]} \(idle\): to upstream 4 \(1 datagram\), to client 1[45] \(1 datagram\)\$" "$T/relay.err"
	touch "$T/go"
	bg_wait cli
	[ "$BG_STATUS" -eq 0 ]
	wait_for 5 lines_ge "$T/relay.err" "^sockcat: relaying 127\.0\.0\.1 port ${CPORTS[0]} " 2
	local u1 u2
	u1=$(upstream_port relay "${CPORTS[0]}" 1)
	u2=$(upstream_port relay "${CPORTS[0]}" 2)
	[ "$u1" != "$u2" ]
	[ "$(cat "$T/cli.out")" = "0:via $u1: one
0:via $u2: two" ]
	[ "$(count_lines "$T/relay.err" "^connect to \[any\] from \(UNKNOWN\) \[127\.0\.0\.1\] ${CPORTS[0]}\$")" -eq 2 ]
}

@test "-w is the idle limit of each mapping when --idle-timeout is not given" {
	echo_server echo
	# -w also bounds the wait for the first client: room for a slow start.
	start_relay relay -k -w 3 --to "127.0.0.1:$EPORT"
	clients cli 127.0.0.1 1 's:0:one\n' 'l:0:1'
	bg_wait cli
	[ "$BG_STATUS" -eq 0 ]
	wait_for 8 file_has "$T/relay.err" "(idle)"
	grep -qFx "sockcat: closed 127.0.0.1 port ${CPORTS[0]} (idle): to upstream 4 (1 datagram), to client 4 (1 datagram)" "$T/relay.err"
	# Then no client for -w: the relay is done, as a -k listener is.
	bg_wait relay 8
	[ "$BG_STATUS" -eq 0 ]
}

@test "--deny: a denied client's datagrams never reach the target and -v says so once; an allowed one is relayed" {
	echo_server echo
	start_relay relay -k --deny 127.0.0.2 --to "127.0.0.1:$EPORT"
	clients bad 127.0.0.2 1 's:0:x\n' 's:0:y\n' 'q:0:0.5'
	local badport=${CPORTS[0]}
	clients good 127.0.0.1 1 's:0:ok\n' 'l:0:1'
	bg_wait bad
	bg_wait good
	[ "$(cat "$T/bad.out")" = "0:nothing" ]
	[ "$(cat "$T/good.out")" = "0:ok" ]
	[ "$(count_lines "$T/relay.err" "^sockcat: refused datagram from 127\.0\.0\.2 port $badport: not allowed by --allow/--deny\$")" -eq 1 ]
	[ "$(count_lines "$T/echo.log" '.')" -eq 1 ]
	[ "$(count_lines "$T/relay.err" '^sockcat: relaying [0-9.]+ port [0-9]+ to ')" -eq 1 ]
}

@test "--allow: only the listed addresses are relayed" {
	echo_server echo
	start_relay relay -k --allow 127.0.0.2 --to "127.0.0.1:$EPORT"
	clients bad 127.0.0.1 1 's:0:x\n' 'q:0:0.5'
	clients good 127.0.0.2 1 's:0:ok\n' 'l:0:1'
	bg_wait bad
	bg_wait good
	[ "$(cat "$T/bad.out")" = "0:nothing" ]
	[ "$(cat "$T/good.out")" = "0:ok" ]
	grep -qE '^sockcat: refused datagram from 127\.0\.0\.1 port [0-9]+: not allowed by --allow/--deny$' "$T/relay.err"
	[ "$(count_lines "$T/echo.log" '.')" -eq 1 ]
}

@test "--max-conns 2: a third client is dropped with one -v line, and is served once a mapping has expired" {
	echo_server echo
	start_relay relay -k --max-conns 2 --idle-timeout 1 \
	    --to "127.0.0.1:$EPORT"
	clients cli 127.0.0.1 3 's:0:a\n' 'l:0:1' 's:1:b\n' 'l:1:1' \
	    's:2:c\n' 's:2:c\n' 'q:2:0.3' "w:$T/go" 's:2:d\n' 'l:2:1'
	wait_for 10 file_has "$T/cli.out" "2:nothing"
	[ "$(count_lines "$T/relay.err" "^sockcat: refused datagram from 127\.0\.0\.1 port ${CPORTS[2]}: 2 peers already \(--max-conns\)\$")" -eq 1 ]
	wait_for 10 lines_ge "$T/relay.err" '\(idle\)' 2
	touch "$T/go"
	bg_wait cli
	[ "$BG_STATUS" -eq 0 ]
	[ "$(cat "$T/cli.out")" = $'0:a\n1:b\n2:nothing\n2:d' ]
	# The two refused datagrams never reached the target.
	[ "$(count_lines "$T/echo.log" '.')" -eq 3 ]
}

@test "a target that answers with ICMP port unreachable ends that mapping with a -v line, not the relay" {
	# A port nobody listens on: bound, then let go.
	local dead
	dead=$(python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	start_relay relay -k --to "127.0.0.1:$dead"
	clients cli 127.0.0.1 1 's:0:hello\n' 'q:0:0.5' "w:$T/go" 's:0:again\n' \
	    'l:0:1'
	wait_for 10 file_has "$T/relay.err" "(refused)"
	grep -qFx "sockcat: relay 127.0.0.1 port ${CPORTS[0]} to 127.0.0.1 port $dead: Connection refused" "$T/relay.err"
	grep -qFx "sockcat: closed 127.0.0.1 port ${CPORTS[0]} (refused): to upstream 6 (1 datagram), to client 0 (0 datagrams)" "$T/relay.err"
	running relay
	# Now someone answers there: the relay still serves, on a new mapping.
	bg echo python3 "$UDPECHO" --port "$dead" --port-file "$T/echo.port" \
	    127.0.0.1
	peer_port echo >/dev/null
	touch "$T/go"
	bg_wait cli
	[ "$BG_STATUS" -eq 0 ]
	[ "$(cat "$T/cli.out")" = $'0:nothing\n0:again' ]
	[ "$(count_lines "$T/relay.err" "^sockcat: relaying 127\.0\.0\.1 port ${CPORTS[0]} ")" -eq 2 ]
}

@test "SIGTERM ends the relay cleanly: each mapping is closed with its counts, and sockcat dies by SIGTERM" {
	echo_server echo
	start_relay relay -k --to "127.0.0.1:$EPORT"
	clients cli 127.0.0.1 2 's:0:a\n' 'l:0:1' 's:1:bb\n' 'l:1:1'
	bg_wait cli
	[ "$BG_STATUS" -eq 0 ]
	kill -TERM "$SPID"
	bg_wait relay 5
	[ "$BG_STATUS" -eq 143 ]
	grep -qFx "sockcat: closed 127.0.0.1 port ${CPORTS[0]} (signal): to upstream 2 (1 datagram), to client 2 (1 datagram)" "$T/relay.err"
	grep -qFx "sockcat: closed 127.0.0.1 port ${CPORTS[1]} (signal): to upstream 3 (1 datagram), to client 3 (1 datagram)" "$T/relay.err"
}

# all_expired NAME N: relay NAME has said N mappings went idle.
all_expired() {
	(($(count_lines "$T/$1.err" '\(idle\): ') >= $2))
}

@test "200 clients whose mappings expire leave no descriptor behind" {
	echo_server echo
	start_relay relay -k --max-conns 1000 --idle-timeout 0.5 \
	    --to "127.0.0.1:$EPORT"
	local before after
	before=$(fd_count "$SPID")
	bg cli python3 -c '
import socket, sys
port = int(sys.argv[1])
socks = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(200)]
for s in socks:
    s.bind(("127.0.0.1", 0))
    s.settimeout(5)
    s.sendto(b"x", ("127.0.0.1", port))
got = sum(1 for s in socks if s.recv(100) == b"x")
print(got)
' "$PORT"
	bg_wait cli 20
	[ "$BG_STATUS" -eq 0 ]
	[ "$(cat "$T/cli.out")" = 200 ]
	wait_for 15 all_expired relay 200
	after=$(fd_count "$SPID")
	[ "$after" -eq "$before" ]
	[ "$(count_lines "$T/relay.err" '^sockcat: relaying [0-9.]+ port [0-9]+ to ')" -eq 200 ]
}

@test "--json reports accept, upstream and close events with datagrams and bytes each way" {
	echo_server echo --tag 'r:'
	bg relay "$SOCKCAT" -n --json -u -k -l 0 --port-file "$T/port" \
	    --idle-timeout 0.5 --to "127.0.0.1:$EPORT"
	wait_for 10 test -s "$T/port"
	PORT=$(<"$T/port")
	clients cli 127.0.0.1 1 's:0:one\n' 'l:0:1' 's:0:two\n' 'l:0:1'
	bg_wait cli
	[ "$BG_STATUS" -eq 0 ]
	wait_for 5 file_has "$T/relay.err" '"event":"close"'
	grep -qE "^\{\"event\":\"accept\",\"proto\":\"udp\",.*\"remote_port\":${CPORTS[0]}\}\$" "$T/relay.err"
	grep -qE "^\{\"event\":\"upstream\",\"remote_address\":\"127\.0\.0\.1\",\"remote_port\":${CPORTS[0]},\"upstream_address\":\"127\.0\.0\.1\",\"upstream_port\":$EPORT,\"local_port\":[0-9]+\}\$" "$T/relay.err"
	grep -qE "^\{\"event\":\"close\",\"remote_address\":\"127\.0\.0\.1\",\"remote_port\":${CPORTS[0]},\"to_upstream\":8,\"to_client\":12,\"duration_ms\":[0-9]+,\"end\":\"idle\",\"datagrams_to_upstream\":2,\"datagrams_to_client\":2,\"dropped\":0\}\$" "$T/relay.err"
}

@test "without -k only the first client is relayed, and the relay ends with status 0 when its mapping goes idle" {
	echo_server echo
	start_relay relay --idle-timeout 1 --to "127.0.0.1:$EPORT"
	clients cli 127.0.0.1 2 's:0:mine\n' 'l:0:1' 's:1:theirs\n' 'q:1:0.3'
	bg_wait cli
	[ "$BG_STATUS" -eq 0 ]
	[ "$(cat "$T/cli.out")" = $'0:mine\n1:nothing' ]
	grep -qE '^sockcat: refused datagram from 127\.0\.0\.1 port [0-9]+: not the peer of this session$' "$T/relay.err"
	bg_wait relay 5
	[ "$BG_STATUS" -eq 0 ]
	file_has "$T/relay.err" "(idle)"
}

@test "-s gives the upstream sockets their source address; the listening address is the positional one" {
	echo_server echo
	bg relay "$SOCKCAT" -n -v -u -k -l -s 127.0.0.2 127.0.0.1 0 \
	    --to "127.0.0.1:$EPORT"
	PORT=$(listen_port relay)
	grep -qE '^listening on \[127\.0\.0\.1\] [0-9]+ \.\.\.$' "$T/relay.err"
	clients cli 127.0.0.1 1 's:0:x\n' 'l:0:1'
	bg_wait cli
	[ "$BG_STATUS" -eq 0 ]
	[ "$(cat "$T/cli.out")" = "0:x" ]
	grep -qE '^127\.0\.0\.2 [0-9]+ 2$' "$T/echo.log"
}

@test "the -o hex dump shows the datagrams of every client, both ways" {
	echo_server echo --tag 'R'
	start_relay relay -k -o "$T/dump" --to "127.0.0.1:$EPORT"
	clients cli 127.0.0.1 2 's:0:AB' 'l:0:0' 's:1:CD' 'q:0:0.3'
	bg_wait cli
	wait_for 5 file_has "$T/dump" "RCD"
	grep -q '^< .*AB' "$T/dump"
	grep -q '^> .*RAB' "$T/dump"
	grep -q '^< .*CD' "$T/dump"
}

# far_end NAME WORD...: as job NAME, a UDP socket on 127.0.0.1 (its port in
# $T/NAME.port) that waits for the relay's "from port P" line in
# $T/relay.err, then sends each WORD to P and prints the answer (or
# "timeout" after 2 s).
far_end() {
	local name=$1
	shift
	bg "$name" python3 -c '
import os, re, socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
s.settimeout(2)
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write("%d\n" % s.getsockname()[1])
os.replace(sys.argv[1] + ".tmp", sys.argv[1])
end = time.monotonic() + 10
port = None
while port is None:
    if time.monotonic() > end:
        sys.exit("no relay line")
    try:
        m = re.search(r"from port (\d+)$", open(sys.argv[2]).read(), re.M)
        port = m and int(m.group(1))
    except OSError:
        pass
    time.sleep(0.02)
for word in sys.argv[3:]:
    s.sendto(word.encode(), ("127.0.0.1", port))
    try:
        print(s.recv(100).decode(), flush=True)
    except socket.timeout:
        print("timeout", flush=True)
' "$T/$name.port" "$T/relay.err" "$@"
}

@test "connect mode: -u host port --to ADDR relays datagrams between the two, and ends after --idle-timeout with status 0" {
	echo_server echo --tag 'via {port}: '
	far_end far one two
	local far up
	far=$(peer_port far)
	bg relay "$SOCKCAT" -n -v -u --idle-timeout 1 127.0.0.1 "$EPORT" \
	    --to "127.0.0.1:$far"
	bg_wait far
	[ "$BG_STATUS" -eq 0 ]
	up=$(awk '{ print $2 }' "$T/echo.log" | sort -u)
	[ "$(cat "$T/far.out")" = "via $up: one
via $up: two" ]
	bg_wait relay 5
	[ "$BG_STATUS" -eq 0 ]
	grep -qE "^sockcat: closed 127\.0\.0\.1 port $EPORT \(idle\): to upstream [0-9]+ \(2 datagrams\), to client 6 \(2 datagrams\)\$" "$T/relay.err"
}

@test "connect mode: a peer that answers with ICMP port unreachable ends the relay with status 1" {
	local dead far
	dead=$(python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	far_end far x
	far=$(peer_port far)
	bg relay "$SOCKCAT" -n -v -u 127.0.0.1 "$dead" --to "127.0.0.1:$far"
	bg_wait relay 5
	[ "$BG_STATUS" -eq 1 ]
	grep -qFx "sockcat: read from 127.0.0.1 port $dead: Connection refused" "$T/relay.err"
	grep -qE "^sockcat: closed 127\.0\.0\.1 port $dead \(refused\): " "$T/relay.err"
}

@test "IPv6 both ways: a client of ::1 is relayed to [::1]:port and gets its replies" {
	python3 -c 'import socket; socket.socket(socket.AF_INET6, socket.SOCK_DGRAM).bind(("::1", 0))' 2>/dev/null ||
	    skip "no IPv6 loopback"
	bg echo python3 "$UDPECHO" --port-file "$T/echo.port" --tag 'v6:' ::1
	EPORT=$(peer_port echo)
	bg relay "$SOCKCAT" -n -v -u -k -l ::1 0 --to "[::1]:$EPORT"
	PORT=$(listen_port relay)
	clients cli ::1 2 's:0:a\n' 'l:0:1' 's:1:b\n' 'l:1:1' 'q:0:0.3'
	bg_wait cli
	[ "$BG_STATUS" -eq 0 ]
	[ "$(cat "$T/cli.out")" = $'0:v6:a\n1:v6:b\n0:nothing' ]
	grep -qE "^sockcat: relaying ::1 port ${CPORTS[0]} to ::1 port $EPORT from port [0-9]+\$" "$T/relay.err"
}

@test "an idle relay with a live mapping sleeps rather than spins" {
	echo_server echo
	start_relay relay -k --to "127.0.0.1:$EPORT"
	clients cli 127.0.0.1 1 's:0:a\n' 'l:0:1'
	bg_wait cli
	[ "$BG_STATUS" -eq 0 ]
	local ticks
	ticks=$(cpu_ticks_during "$SPID" 1)
	((ticks <= 10))
	running relay
}
