bats_require_minimum_version 1.5.0
load helpers/common
setup() { common_setup; }
teardown() { common_teardown; }

# waitfor.bats -- -z HOST:PORT... [-- COMMAND]: wait for several services,
# then exec the command (wait-for-it, dockerize, wait4x): all targets or
# --any, --retry and its deadline, the exit status of the command, exec in
# sockcat's place, [v6]:port, --json events, -s, and the forms that stay
# or are refused.
#
# Services are python3 listeners that bind their port at once, so it is
# known and refused from the start, and listen only when told (a trigger
# file appears): a "late" service that no other process can take meanwhile.

# service NAME [ADDRESS] [TRIGGER]: job NAME binds ADDRESS (default
# 127.0.0.1) port 0, writes the port to $T/NAME.port, listens once the file
# TRIGGER exists (at once without one), accepts and closes every client and
# appends each client's address to $T/NAME.peers.  Sets PORT.
SERVICE_PY='
import os, socket, sys, time
path, addr = sys.argv[1], sys.argv[2]
trigger = sys.argv[3] if len(sys.argv) > 3 else ""
s = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET)
s.bind((addr, 0))
with open(path + ".port.tmp", "w") as f:
    f.write("%d\n" % s.getsockname()[1])
os.replace(path + ".port.tmp", path + ".port")
while trigger and not os.path.exists(trigger):
    time.sleep(0.02)
s.listen(16)
while True:
    c, peer = s.accept()
    with open(path + ".peers", "a") as f:
        f.write(peer[0] + "\n")
    c.close()
'
service() {
	bg "$1" python3 -c "$SERVICE_PY" "$T/$1" "${2:-127.0.0.1}" "${3:-}"
	PORT=$(peer_port "$1")
}

# closed_port: a loopback port that refuses: held bound, never listening.
closed_port() {
	service "$1" 127.0.0.1 "$T/never"
}

# has_ipv6_loopback: ::1 can be bound here.
has_ipv6_loopback() {
	python3 -c 'import socket
socket.socket(socket.AF_INET6).bind(("::1", 0))' 2>/dev/null
}

@test "-z waits for two targets, one started late, then runs the command once both are open" {
	service db
	db=$PORT
	service cache 127.0.0.1 "$T/go"
	cache=$PORT
	# The command checks both itself: it must find them open.
	bg waiter "$SOCKCAT" -z --json --retry 20s --retry-interval 50ms \
	    "127.0.0.1:$db" "127.0.0.1:$cache" -- sh -c '
		"$SOCKCAT" -z 127.0.0.1 "$1" && "$SOCKCAT" -z 127.0.0.1 "$2" &&
		echo both open >"$3"' _ "$db" "$cache" "$T/marker"
	# It is waiting: cache has refused at least twice.
	wait_for 10 file_has "$T/waiter.err" \
	    "\"target\":\"127.0.0.1:$cache\",\"host\":\"127.0.0.1\",\"address\":\"127.0.0.1\",\"port\":$cache,\"attempt\":2,\"open\":false"
	[ ! -e "$T/marker" ]
	running waiter
	touch "$T/go"
	bg_wait waiter 15
	[ "$BG_STATUS" -eq 0 ]
	[ "$(cat "$T/marker")" = "both open" ]
	grep -qF "\"target\":\"127.0.0.1:$cache\",\"host\":\"127.0.0.1\",\"address\":\"127.0.0.1\",\"port\":$cache,\"attempt\":" "$T/waiter.err"
	grep -q "\"target\":\"127.0.0.1:$cache\".*\"open\":true" "$T/waiter.err"
	# db opened at the first attempt and was not tried again.
	[ "$(grep -c "\"target\":\"127.0.0.1:$db\"" "$T/waiter.err")" -eq 1 ]
}

@test "-z without a command exits 0 once every target is open, and -v says so per target" {
	service a
	a=$PORT
	service b
	b=$PORT
	run --separate-stderr sc -z -v "127.0.0.1:$a" "localhost:$b"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ "${#stderr_lines[@]}" -eq 2 ]
	[[ $stderr == *"[127.0.0.1] $a (?) open"* ]]
	[[ $stderr == *"[127.0.0.1] $b (?) open"* || $stderr == *"[::1] $b (?) open"* ]]
}

@test "--any runs the command as soon as one target is open" {
	closed_port shut
	shut=$PORT
	service up
	up=$PORT
	run --separate-stderr sc -z --any --retry 20s "127.0.0.1:$shut" \
	    "127.0.0.1:$up" -- sh -c 'echo ran'
	[ "$status" -eq 0 ]
	[ "$output" = ran ]
	[ -z "$stderr" ]
}

@test "when the deadline passes with a target closed: exit 1, the command does not run, stderr names the target" {
	service up
	up=$PORT
	closed_port shut
	shut=$PORT
	run --separate-stderr sc -z --retry 500ms --retry-interval 100ms \
	    "127.0.0.1:$up" "127.0.0.1:$shut" -- touch "$T/marker"
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ "$stderr" = "sockcat: 127.0.0.1:$shut: Connection refused" ]
	[ ! -e "$T/marker" ]
}

@test "without --retry each target is tried once: a closed one fails at once" {
	closed_port shut
	shut=$PORT
	run --separate-stderr sc -z --json "127.0.0.1:$shut" -- touch "$T/marker"
	[ "$status" -eq 1 ]
	[ "${#stderr_lines[@]}" -eq 2 ]
	[[ ${stderr_lines[0]} == *'"attempt":1,"open":false,"reason":"Connection refused"}' ]]
	[ "${stderr_lines[1]}" = "{\"event\":\"error\",\"message\":\"127.0.0.1:$shut: Connection refused\"}" ]
	[ ! -e "$T/marker" ]
}

@test "--any with every target closed names each one" {
	closed_port s1
	p1=$PORT
	closed_port s2
	p2=$PORT
	run --separate-stderr sc -z --any --retry 300ms "127.0.0.1:$p1" \
	    "127.0.0.1:$p2" -- touch "$T/marker"
	[ "$status" -eq 1 ]
	[ "${stderr_lines[0]}" = "sockcat: 127.0.0.1:$p1: Connection refused" ]
	[ "${stderr_lines[1]}" = "sockcat: 127.0.0.1:$p2: Connection refused" ]
	[ "${#stderr_lines[@]}" -eq 2 ]
	[ ! -e "$T/marker" ]
}

@test "the command's exit status is sockcat's" {
	service up
	run --separate-stderr sc -z "127.0.0.1:$PORT" -- sh -c 'exit 7'
	[ "$status" -eq 7 ]
	run --separate-stderr sc -z "127.0.0.1:$PORT" -- false
	[ "$status" -eq 1 ]
}

@test "a command that cannot be run exits 127, saying why" {
	service up
	run -127 --separate-stderr sc -z "127.0.0.1:$PORT" -- \
	    "$T/no-such-program"
	[ "$status" -eq 127 ]
	[ "$stderr" = "sockcat: run $T/no-such-program: No such file or directory" ]
}

@test "the command replaces sockcat: same pid, no socket of ours" {
	service up
	# sh writes its pid, then execs sockcat, which execs sh.
	run --separate-stderr timeout 10 sh -c '
		echo $$ >"$1"
		shift
		exec "$@"' _ "$T/outer" "$SOCKCAT" -z "127.0.0.1:$PORT" -- sh -c '
		echo $$ >"$1"
		ls -l /proc/$$/fd/ >"$1.fds"' _ "$T/inner"
	[ "$status" -eq 0 ]
	[ -s "$T/outer" ]
	[ "$(cat "$T/inner")" = "$(cat "$T/outer")" ]
	grep -q /dev/null "$T/inner.fds"
	! grep -q 'socket:' "$T/inner.fds"
}

@test "the command gets the signal dispositions and mask sockcat was started with" {
	service up
	run --separate-stderr timeout 10 grep -E '^Sig(Ign|Blk):' /proc/self/status
	[ "$status" -eq 0 ]
	want=$output
	[ -n "$want" ]
	# sockcat ignores SIGPIPE and handles INT, TERM, HUP and CHLD.
	run --separate-stderr sc -z "127.0.0.1:$PORT" -- \
	    grep -E '^Sig(Ign|Blk):' /proc/self/status
	[ "$status" -eq 0 ]
	[ "$output" = "$want" ]
}

@test "a target [::1]:PORT is an IPv6 literal" {
	has_ipv6_loopback || skip "no IPv6 loopback"
	service v6 ::1
	run --separate-stderr sc -z -v -n "[::1]:$PORT" -- sh -c 'echo ran'
	[ "$status" -eq 0 ]
	[ "$output" = ran ]
	[ "$stderr" = "(UNKNOWN) [::1] $PORT (?) open" ]
	# Only on IPv6: the same port on 127.0.0.1 is not it.
	run --separate-stderr sc -z -4 "[::1]:$PORT"
	[ "$status" -eq 1 ]
	[[ $stderr == "sockcat: [::1]:$PORT: cannot resolve \"::1\": "* ]]
}

# block NAME: job NAME holds two consecutive loopback ports, refusing on
# the first and listening on the second.  Sets LO.
BLOCK_PY='
import os, random, signal, socket, sys
for _ in range(200):
    base = random.randrange(10000, 32000)
    a, b = socket.socket(), socket.socket()
    try:
        a.bind(("127.0.0.1", base))
        b.bind(("127.0.0.1", base + 1))
        break
    except OSError:
        a.close()
        b.close()
else:
    sys.exit("no two free ports")
b.listen(16)
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write("%d\n" % base)
os.replace(sys.argv[1] + ".tmp", sys.argv[1])
signal.pause()
'
block() {
	bg "$1" python3 -c "$BLOCK_PY" "$T/$1.port"
	LO=$(peer_port "$1")
}

@test "the classic -z HOST LOW-HIGH is still a scan: exit 0 with one port of the range open" {
	block pair
	run --separate-stderr sc -z -v -n 127.0.0.1 "$LO-$((LO + 1))"
	[ "$status" -eq 0 ]
	[ "$stderr" = "(UNKNOWN) [127.0.0.1] $((LO + 1)) (?) open" ]
	run --separate-stderr sc -z -n 127.0.0.1 "$LO"
	[ "$status" -eq 1 ]
	[ -z "$stderr" ]
}

@test "the classic -z ::1 PORT keeps a bare IPv6 address as the host" {
	has_ipv6_loopback || skip "no IPv6 loopback"
	service v6 ::1
	run --separate-stderr sc -z -v -n ::1 "$PORT"
	[ "$status" -eq 0 ]
	[ "$stderr" = "(UNKNOWN) [::1] $PORT (?) open" ]
}

@test "the classic form with a command waits for every port of the host" {
	service up
	up=$PORT
	closed_port shut
	run --separate-stderr sc -z 127.0.0.1 "$up,$PORT" -- touch "$T/marker"
	[ "$status" -eq 1 ]
	[ "$stderr" = "sockcat: 127.0.0.1:$PORT: Connection refused" ]
	[ ! -e "$T/marker" ]
	run --separate-stderr sc -z 127.0.0.1 "$up" -- touch "$T/marker"
	[ "$status" -eq 0 ]
	[ -e "$T/marker" ]
}

@test "--json gives one probe event per attempt and target, each a JSON object" {
	service up
	up=$PORT
	closed_port shut
	shut=$PORT
	run --separate-stderr sc -z --json --retry 300ms --retry-interval 100ms \
	    "127.0.0.1:$up" "127.0.0.1:$shut"
	[ "$status" -eq 1 ]
	printf '%s\n' "$stderr" >"$T/events"
	run python3 - "$T/events" "$up" "$shut" <<'EOF'
import json, sys
path, up, shut = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
events = [json.loads(line) for line in open(path)]
probes = [e for e in events if e["event"] == "probe"]
errors = [e for e in events if e["event"] == "error"]
mine = [e for e in probes if e["port"] == up]
assert len(mine) == 1 and mine[0]["open"] is True, mine
assert mine[0]["target"] == "127.0.0.1:%d" % up, mine
shut_probes = [e for e in probes if e["port"] == shut]
assert len(shut_probes) >= 2, shut_probes
assert [e["attempt"] for e in shut_probes] == \
    list(range(1, len(shut_probes) + 1)), shut_probes
for e in shut_probes:
    assert e["open"] is False and e["reason"] == "Connection refused", e
    assert e["proto"] == "tcp" and e["address"] == "127.0.0.1", e
assert [e["message"] for e in errors] == \
    ["127.0.0.1:%d: Connection refused" % shut], errors
assert len(probes) + len(errors) == len(events)
EOF
	[ "$status" -eq 0 ]
}

@test "-s applies to every attempt: the service sees the probe come from 127.0.0.2" {
	service up
	run --separate-stderr sc -z -s 127.0.0.2 "127.0.0.1:$PORT" -- true
	[ "$status" -eq 0 ]
	wait_for 5 test -s "$T/up.peers"
	[ "$(cat "$T/up.peers")" = 127.0.0.2 ]
}

@test "-w bounds each attempt: a target that never answers fails at the deadline" {
	# 192.0.2.1 (TEST-NET-1) never answers; -w cuts each attempt.
	run --separate-stderr sc -z -n -w 200ms --retry 500ms 192.0.2.1:9 \
	    -- touch "$T/marker"
	[ "$status" -eq 1 ]
	# Without a route the kernel refuses at once; either is a failure.
	[[ $stderr == "sockcat: 192.0.2.1:9: "* ]]
	[ "${#stderr_lines[@]}" -eq 1 ]
	[ ! -e "$T/marker" ]
}

@test "mixing the classic and the target form is a usage error naming the word" {
	run --separate-stderr sc -z 127.0.0.1 80 db:5432
	[ "$status" -eq 2 ]
	[ "$stderr" = 'sockcat: argument "db:5432" mixes forms: -z takes HOST PORT... or HOST:PORT..., not both' ]
	run --separate-stderr sc -z db:5432 80
	[ "$status" -eq 2 ]
	[ "$stderr" = 'sockcat: argument "80" mixes forms: -z takes HOST PORT... or HOST:PORT..., not both' ]
}

@test "a command without -z, --any without -z, and -- with no command are usage errors" {
	run --separate-stderr sc 127.0.0.1 80 -- true
	[ "$status" -eq 2 ]
	[[ $stderr == "sockcat: a command after -- needs -z"* ]]
	run --separate-stderr sc --any 127.0.0.1 80
	[ "$status" -eq 2 ]
	[[ $stderr == "sockcat: option --any needs -z"* ]]
	run --separate-stderr sc -z 127.0.0.1:80 --
	[ "$status" -eq 2 ]
	[ "$stderr" = "sockcat: missing command after --" ]
	run --separate-stderr sc -z db:notaport
	[ "$status" -eq 2 ]
	[[ $stderr == 'sockcat: invalid port "notaport"'* ]]
	run --separate-stderr sc -z --any '' 80
	[ "$status" -eq 2 ]
	[ "$stderr" = 'sockcat: invalid host "": empty' ]
	run --separate-stderr sc -z :80
	[ "$status" -eq 2 ]
	[[ $stderr == 'sockcat: invalid target ":80": expected HOST:PORT'* ]]
	run --separate-stderr sc -z unix:/run/x.sock
	[ "$status" -eq 2 ]
	[ "$stderr" = 'sockcat: invalid target "unix:/run/x.sock": Unix socket targets are not supported' ]
}

@test "options of the command after -- are its own, and a -- before any argument still ends the options" {
	service up
	run --separate-stderr sc -z "127.0.0.1:$PORT" -- sh -c 'echo "$1"' _ -v
	[ "$status" -eq 0 ]
	[ "$output" = -v ]
	[ -z "$stderr" ]
	run --separate-stderr sc -z -- 127.0.0.1 "$PORT"
	[ "$status" -eq 0 ]
	run --separate-stderr sc -z -w 2 "127.0.0.1:$PORT" -- true
	[ "$status" -eq 0 ]
}

@test "a port range in a target makes a target of each port" {
	closed_port shut
	run --separate-stderr sc -z "127.0.0.1:$PORT-$((PORT + 1))"
	[ "$status" -eq 1 ]
	[ "${stderr_lines[0]}" = "sockcat: 127.0.0.1:$PORT: Connection refused" ]
	[[ ${stderr_lines[1]} == "sockcat: 127.0.0.1:$((PORT + 1)): "* ]]
}

@test "SIGTERM while waiting ends sockcat by that signal, and the command does not run" {
	closed_port shut
	bg waiter "$SOCKCAT" -z --json --retry 20s "127.0.0.1:$PORT" \
	    -- touch "$T/marker"
	wait_for 10 file_has "$T/waiter.err" '"attempt":2,'
	pid=$(bg_cmd_pid waiter)
	kill -TERM "$pid"
	bg_wait waiter 5
	[ "$BG_STATUS" -eq 143 ]
	[ ! -e "$T/marker" ]
}
