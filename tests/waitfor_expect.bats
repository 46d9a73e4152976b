bats_require_minimum_version 1.5.0
load helpers/common
load helpers/answer
setup() { common_setup; }
teardown() { common_teardown; }

# waitfor_expect.bats -- -z with --expect: a target (or a classic port)
# counts as open only once what it answers the request on stdin matches.
# The request is sent to every target and on every attempt, followed by a
# FIN (none without a request); no match is exit 3 when every failing
# target connected, else 1; --any, the classic form, a match split across
# packets, -w on the answer, nothing on stdout.  Peers: scripted python3
# servers, redis-server.

# answer NAME [options] PART...: job NAME, a TCP server on 127.0.0.1 port 0
# (PORT) that for each client reads the request until its FIN (at most
# --wait SECS, default 2), records it in $T/NAME.req, then answers and
# closes (--hold: waits for the client to leave instead).  served and
# at_least count its clients.  See helpers/answer.py.
answer() {
	local name=$1
	shift
	server "$name" --wait 2 --close "$@"
}

# closed_port: a loopback port that refuses (bound, never listening), as
# job NAME; sets PORT.
CLOSED_PY='
import os, socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write("%d\n" % s.getsockname()[1])
os.replace(sys.argv[1] + ".tmp", sys.argv[1])
time.sleep(3600)
'
closed_port() {
	bg "$1" python3 -c "$CLOSED_PY" "$T/$1.port"
	PORT=$(peer_port "$1")
}

@test "-z --expect waits for a service that answers ERR to its first 3 clients, then PONG, and runs the command" {
	answer good '+PONG\r\n'
	good=$PORT
	answer late 'ERR\r\n' --next 'ERR\r\n' --next 'ERR\r\n' --next \
	    '+PONG\r\n'
	late=$PORT
	printf 'PING\r\n' > "$T/req"
	BG_STDIN=$T/req bg waiter "$SOCKCAT" -z -vv --retry 20s \
	    --retry-interval 100ms --expect PONG "127.0.0.1:$good" \
	    "127.0.0.1:$late" -- sh -c 'echo ran > "$1"' _ "$T/marker"
	bg_wait waiter 20
	[ "$BG_STATUS" -eq 0 ]
	[ "$(cat "$T/marker")" = ran ]
	[ "$(served late)" -eq 4 ]
	# The good one matched at once and was not tried again.
	[ "$(served good)" -eq 1 ]
	# Each attempt sent the whole request, then a FIN.
	[ "$(sort -u "$T/late.req")" = "b'PING\\r\\n' fin" ]
	[ "$(grep -c "127.0.0.1\] $late (?) : no match for --expect" "$T/waiter.err")" -eq 3 ]
	grep -q "127.0.0.1\] $late (?) open" "$T/waiter.err"
	# -z writes no data: the answers did not go to stdout.
	[ ! -s "$T/waiter.out" ]
}

@test "redis-server: printf 'PING\\r\\n' | sockcat -z --retry 5s --expect PONG 127.0.0.1:P -- true waits for it" {
	command -v redis-server || skip "redis-server is not installed"
	local p
	p=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	printf 'PING\r\n' > "$T/req"
	BG_STDIN=$T/req bg waiter "$SOCKCAT" -z -vv --retry 10s \
	    --retry-interval 50ms --expect PONG "127.0.0.1:$p" -- \
	    sh -c 'echo ran > "$1"' _ "$T/marker"
	# It is waiting: the port has refused at least once.
	wait_for 10 grep -q 'Connection refused' "$T/waiter.err"
	running waiter
	bg redis redis-server --port "$p" --bind 127.0.0.1 --save '' \
	    --appendonly no --dir "$T"
	bg_wait waiter 15
	[ "$BG_STATUS" -eq 0 ]
	[ "$(cat "$T/marker")" = ran ]
	# A request that redis answers otherwise does not match.
	run --separate-stderr sc -z --expect PONG "127.0.0.1:$p" \
	    < <(printf 'ECHO hello\r\n')
	[ "$status" -eq 3 ]
	[ "$stderr" = "sockcat: 127.0.0.1:$p: no match for --expect" ]
	[ -z "$output" ]
}

@test "a target that never matches: exit 3 at the deadline, the command does not run, stderr names it with 'no match'" {
	answer bad --wait 1 'ERR\r\n'
	bad=$PORT
	answer good --wait 1 '+PONG\r\n'
	good=$PORT
	run --separate-stderr sc -z --retry 500ms --retry-interval 100ms \
	    --expect PONG "127.0.0.1:$good" "127.0.0.1:$bad" \
	    -- touch "$T/marker" < <(printf 'PING\r\n')
	[ "$status" -eq 3 ]
	[ -z "$output" ]
	[ "$stderr" = "sockcat: 127.0.0.1:$bad: no match for --expect" ]
	[ ! -e "$T/marker" ]
	at_least bad 2
}

@test "a target unmatched and another refused: exit 1, each named with its reason" {
	answer bad --wait 0.2 'ERR\r\n'
	bad=$PORT
	closed_port shut
	shut=$PORT
	run --separate-stderr sc -z -d --expect PONG "127.0.0.1:$bad" \
	    "127.0.0.1:$shut"
	[ "$status" -eq 1 ]
	[ "${stderr_lines[0]}" = "sockcat: 127.0.0.1:$bad: no match for --expect" ]
	[ "${stderr_lines[1]}" = "sockcat: 127.0.0.1:$shut: Connection refused" ]
}

@test "--json reports an unmatched attempt as a probe event with reason 'no match for --expect'" {
	answer bad --wait 0.2 'ERR\r\n'
	run --separate-stderr sc -z --json -d --expect PONG "127.0.0.1:$PORT"
	[ "$status" -eq 3 ]
	[[ ${stderr_lines[0]} == *"\"port\":$PORT,\"attempt\":1,\"open\":false,\"reason\":\"no match for --expect\"}" ]]
	[ "${stderr_lines[1]}" = "{\"event\":\"error\",\"message\":\"127.0.0.1:$PORT: no match for --expect\"}" ]
}

@test "--any --expect runs the command once one target matches, while the other answers ERR" {
	answer bad --wait 1 'ERR\r\n'
	bad=$PORT
	answer good --wait 1 '+PONG\r\n'
	good=$PORT
	run --separate-stderr sc -z --any --retry 10s --expect PONG \
	    "127.0.0.1:$bad" "127.0.0.1:$good" -- sh -c 'echo ran' \
	    < <(printf 'PING\r\n')
	[ "$status" -eq 0 ]
	[ "$output" = ran ]
	[ -z "$stderr" ]
	[ "$(served good)" -eq 1 ]
}

@test "the classic -z HOST PORT with --expect: open on a match, exit 3 and a -v line without, nothing on stdout" {
	answer srv --wait 1 '+PONG\r\n'
	run --separate-stderr sc -z -v --expect PONG 127.0.0.1 "$PORT" \
	    < <(printf 'PING\r\n')
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ "$stderr" = "localhost [127.0.0.1] $PORT (?) open" ]
	run --separate-stderr sc -z -v --expect NOPE 127.0.0.1 "$PORT" \
	    < <(printf 'PING\r\n')
	[ "$status" -eq 3 ]
	[ -z "$output" ]
	[ "$stderr" = "localhost [127.0.0.1] $PORT (?) : no match for --expect" ]
	[ "$(sort -u "$T/srv.req")" = "b'PING\\r\\n' fin" ]
}

@test "the classic form with several ports: exit 0 when one of them matches" {
	answer bad --wait 0.2 'ERR\r\n'
	bad=$PORT
	answer good --wait 0.2 '+PONG\r\n'
	good=$PORT
	run --separate-stderr sc -z -d --expect PONG 127.0.0.1 "$bad" "$good"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "a pattern split across two packets ('PO', a pause, 'NG') matches" {
	answer srv --wait 0.5 'PO' @0.3 'NG\r\n'
	run --separate-stderr sc -z -d --expect PONG "127.0.0.1:$PORT" -- \
	    sh -c 'echo ran'
	[ "$status" -eq 0 ]
	[ "$output" = ran ]
}

@test "-d sends nothing and no FIN: the service greets and is matched" {
	answer srv --wait 1 'SSH-2.0-test\r\n'
	run --separate-stderr sc -z -d --expect '^SSH-2\.0-' "127.0.0.1:$PORT"
	[ "$status" -eq 0 ]
	[ "$(cat "$T/srv.req")" = "b'' nofin" ]
	run --separate-stderr sc -z --expect '^SSH-2\.0-' "127.0.0.1:$PORT" \
	    </dev/null
	[ "$status" -eq 0 ]
	[ "$(sed -n 2p "$T/srv.req")" = "b'' nofin" ]
}

@test "-w bounds the wait for the answer: a service that never answers is no match" {
	answer srv --hold --wait 0.1
	run --separate-stderr sc -z -d -w 500ms --expect PONG "127.0.0.1:$PORT"
	[ "$status" -eq 3 ]
	[ "$stderr" = "sockcat: 127.0.0.1:$PORT: no match for --expect" ]
}

@test "more than 64 KiB of stdin for -z --expect is a usage error" {
	head -c 70000 /dev/zero > "$T/big"
	run --separate-stderr sc -z --expect PONG 127.0.0.1:9 < "$T/big"
	[ "$status" -eq 2 ]
	[[ $stderr == "sockcat: stdin holds more than 64 KiB: -z with --expect "* ]]
}

@test "-z --expect refuses -u and -C, saying why" {
	run --separate-stderr sc -z -u --expect PONG 127.0.0.1:9 </dev/null
	[ "$status" -eq 2 ]
	[[ $stderr == *"options -z, -u and --expect conflict"* ]]
	run --separate-stderr sc -z -C --expect PONG 127.0.0.1:9 </dev/null
	[ "$status" -eq 2 ]
	[[ $stderr == *"options -z, --expect and -C conflict"* ]]
}
