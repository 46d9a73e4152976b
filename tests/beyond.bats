bats_require_minimum_version 1.5.0
load helpers/common

# beyond.bats -- what scripts and terminals want: --port-file, --retry (also
# with -z), --json events, --progress, and --tty under a real pty.

# server NAME PEER-ARGS...: a peer.py server as job NAME; sets PORT.
server() {
	local name=$1
	shift
	bg "$name" python3 "$PEER" "$@" --port-file "$T/$name.port"
	PORT=$(peer_port "$name")
}

# free_port: a loopback port nothing listens on (bound, read, closed).
free_port() {
	python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

@test "--port-file holds the listening port, written whole, once listening" {
	bg lst "$SOCKCAT" -l 0 --port-file "$T/port"
	wait_for 10 test -s "$T/port"
	port=$(cat "$T/port")
	[[ $port =~ ^[0-9]+$ ]]
	[ "$(wc -l < "$T/port")" -eq 1 ]
	run --separate-stderr timeout 10 "$SOCKCAT" 127.0.0.1 "$port" < <(printf hi)
	[ "$status" -eq 0 ]
	bg_wait lst
	[ "$BG_STATUS" -eq 0 ]
	[ "$(cat "$T/lst.out")" = hi ]
	# The file went with the listener, and no temporary file is left.
	[ "$(ls "$T" | grep -c '^port')" -eq 0 ]
}

@test "--port-file into a folder that does not exist is an error, exit 1" {
	run --separate-stderr timeout 10 "$SOCKCAT" -l 0 --port-file "$T/no/such/p"
	[ "$status" -eq 1 ]
	[[ $stderr == "sockcat: write port file $T/no/such/p: No such file or directory" ]]
}

@test "--port-file without -l is a usage error" {
	run --separate-stderr "$SOCKCAT" --port-file "$T/p" 127.0.0.1 9
	[ "$status" -eq 2 ]
	[ "$stderr" = "sockcat: option --port-file needs -l with TCP or UDP" ]
}

@test "--retry connects once the listener comes up, and the data goes through" {
	port=$(free_port)
	bg late bash -c 'sleep 0.6; exec "$SOCKCAT" -l "$1"' _ "$port"
	run --separate-stderr timeout 10 "$SOCKCAT" --retry 5s 127.0.0.1 \
	    "$port" < <(printf 'after retries')
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	bg_wait late
	[ "$(cat "$T/late.out")" = "after retries" ]
}

@test "--retry gives up when the time is up, reporting only the last failure" {
	port=$(free_port)
	start=$EPOCHREALTIME
	run --separate-stderr timeout 10 "$SOCKCAT" -v -n --retry 1s \
	    --retry-interval 100ms 127.0.0.1 "$port" </dev/null
	elapsed=$(echo "$EPOCHREALTIME - $start" | bc)
	[ "$status" -eq 1 ]
	[ "${#stderr_lines[@]}" -eq 2 ]
	[[ ${stderr_lines[0]} == "(UNKNOWN) [127.0.0.1] $port (?) : Connection refused" ]]
	[[ ${stderr_lines[1]} =~ ^sockcat:\ gave\ up\ after\ [0-9]+\ attempts\ within\ --retry\ 1s$ ]]
	(($(echo "$elapsed >= 0.7 && $elapsed < 3" | bc)))
}

@test "-z --retry waits for a port: exit 0 as soon as it opens" {
	port=$(free_port)
	bg late bash -c 'sleep 0.8; exec "$SOCKCAT" -l "$1" </dev/null' _ "$port"
	start=$EPOCHREALTIME
	run --separate-stderr timeout 10 "$SOCKCAT" -z -v --retry 10s \
	    127.0.0.1 "$port"
	elapsed=$(echo "$EPOCHREALTIME - $start" | bc)
	[ "$status" -eq 0 ]
	[[ $stderr == *"$port (?) open" ]]
	(($(echo "$elapsed < 5" | bc)))
}

@test "-z --retry exits 1 when the time is up" {
	port=$(free_port)
	run --separate-stderr timeout 10 "$SOCKCAT" -z --retry 500ms \
	    127.0.0.1 "$port"
	[ "$status" -eq 1 ]
	[ -z "$output" ]
}

@test "--retry with -l, and a zero --retry, are usage errors" {
	run --separate-stderr "$SOCKCAT" --retry 1s -l 0
	[ "$status" -eq 2 ]
	run --separate-stderr "$SOCKCAT" --retry 0 127.0.0.1 9
	[ "$status" -eq 2 ]
	[ "$stderr" = 'sockcat: invalid time "0" for --retry: must be greater than 0' ]
}

@test "--json reports listen, accept and close events as JSON lines" {
	bg lst "$SOCKCAT" --json -n -l 0 --port-file "$T/port"
	wait_for 10 test -s "$T/port"
	port=$(cat "$T/port")
	run --separate-stderr timeout 10 "$SOCKCAT" --json -n 127.0.0.1 \
	    "$port" < <(printf abcde)
	[ "$status" -eq 0 ]
	printf '%s\n' "$stderr" > "$T/cli.json"
	bg_wait lst
	python3 - "$T/lst.err" "$T/cli.json" "$port" <<'PY'
import json, sys
lst = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
cli = [json.loads(l) for l in open(sys.argv[2]) if l.strip()]
port = int(sys.argv[3])
assert [e["event"] for e in lst] == ["listen", "accept", "close"], lst
assert lst[0]["port"] == port and lst[0]["proto"] == "tcp", lst[0]
assert lst[1]["remote_address"] == "127.0.0.1", lst[1]
assert lst[1]["local_port"] == port, lst[1]
assert lst[2]["received"] == 5 and lst[2]["sent"] == 0, lst[2]
assert lst[2]["end"] == "done" and lst[2]["duration_ms"] >= 0, lst[2]
assert [e["event"] for e in cli] == ["connect", "close"], cli
assert cli[0]["port"] == port and cli[0]["address"] == "127.0.0.1", cli[0]
assert cli[1]["sent"] == 5, cli[1]
PY
}

@test "--json reports a refused connect and every probe of -z" {
	port=$(free_port)
	run --separate-stderr timeout 10 "$SOCKCAT" --json -z 127.0.0.1 \
	    "$port,$port"
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	python3 - "$port" <<PY
import json
events = [json.loads(l) for l in """$stderr""".splitlines()]
assert len(events) == 2, events
for e in events:
    assert e["event"] == "probe" and e["open"] is False, e
    assert e["port"] == $port and e["reason"] == "Connection refused", e
PY
	run --separate-stderr timeout 10 "$SOCKCAT" --json 127.0.0.1 "$port" </dev/null
	[ "$status" -eq 1 ]
	python3 -c '
import json, sys
ev = [json.loads(l) for l in sys.argv[1].splitlines()]
assert ev[0]["event"] == "connect_failed", ev
assert ev[-1]["event"] == "error" and "Connection refused" in ev[-1]["message"], ev
' "$stderr"
}

@test "--json escapes what it prints: a Unix path with a quote and a control byte" {
	path="$T/a\"b"$'\x01'
	run --separate-stderr timeout 10 "$SOCKCAT" --json -U "$path" </dev/null
	[ "$status" -eq 1 ]
	python3 -c '
import json, sys
ev = [json.loads(l) for l in sys.argv[1].splitlines()]
assert ev[-1]["event"] == "error", ev
' "$stderr"
}

@test "--progress=always draws the meter on stderr, never on stdout, with a percentage for a file" {
	make_big "$T/data" 2
	bg lst "$SOCKCAT" -l 0 -d --port-file "$T/port"
	wait_for 10 test -s "$T/port"
	run --separate-stderr timeout 10 "$SOCKCAT" --progress=always \
	    127.0.0.1 "$(cat "$T/port")" < "$T/data"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	# The last state stays on a line of its own when stderr is no terminal.
	last=$(printf '%s' "$stderr" | tr '\r' '\n' | grep . | tail -1)
	[[ $last =~ ^sent\ 2\.0\ MiB\ \(100%\),\ received\ 0\ B,\ .*/s,\ 0:0[0-9]$'\e[K'$ ]] ||
	    [[ $last =~ ^sent\ 2\.0\ MiB\ \(100%\),\ received\ 0\ B,\ .*/s,\ 0:0[0-9]$ ]]
	bg_wait lst
	cmp "$T/data" "$T/lst.out"
}

@test "--progress shows nothing when stderr is not a terminal" {
	bg lst "$SOCKCAT" -l 0 -d --port-file "$T/port"
	wait_for 10 test -s "$T/port"
	run --separate-stderr timeout 10 "$SOCKCAT" --progress 127.0.0.1 \
	    "$(cat "$T/port")" < <(printf abc)
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
}

@test "--tty under a pty: a Ctrl-C byte reaches the peer and the terminal modes come back" {
	command -v script >/dev/null || skip "script(1) is not installed"
	server srv sink --save "$T/srv.got"
	# Inside the pty: note the modes, run sockcat --tty, note them again.
	# script's stdin becomes keystrokes; ^C would kill a cooked terminal's
	# sockcat (status 130) instead of reaching the peer.
	run timeout 20 bash -c '
	    { sleep 1; printf "ab\003cd"; sleep 1; } |
	    script -qec "stty -g > $1/before; $2 --tty -q 0.5 127.0.0.1 $3; echo status \$? > $1/status; stty -g > $1/after" /dev/null
	' _ "$T" "$SOCKCAT" "$PORT"
	wait_for 10 test -s "$T/status"
	[ "$(cat "$T/status")" = "status 0" ]
	wait_for 10 test -s "$T/srv.got"
	od -c "$T/srv.got"
	[ "$(od -An -tx1 "$T/srv.got" | tr -d ' \n')" = 61620363 ] ||
	    [[ $(od -An -tx1 "$T/srv.got" | tr -d ' \n') == 61620363* ]]
	[ -s "$T/before" ]
	cmp "$T/before" "$T/after"
}

@test "--tty with -e or -z is a usage error" {
	run --separate-stderr "$SOCKCAT" --tty -l 0 -e cat
	[ "$status" -eq 2 ]
	run --separate-stderr "$SOCKCAT" --tty -z 127.0.0.1 9
	[ "$status" -eq 2 ]
}

# LATE_LISTENER DELAY ARGS... (python3 -c): holds a loopback port bound but
# not listening (so connects are refused), starts `$SOCKCAT ARGS... 127.0.0.1
# PORT`, and listens DELAY seconds after sockcat started. Prints sockcat's
# status and what the listener received.
LATE_LISTENER='
import os, socket, subprocess, sys, time
delay, args = float(sys.argv[1]), sys.argv[2:]
s = socket.socket()
s.bind(("127.0.0.1", 0))
port = s.getsockname()[1]
start = time.monotonic()
p = subprocess.Popen([os.environ["SOCKCAT"]] + args + ["127.0.0.1", str(port)],
                     stdin=subprocess.PIPE)
time.sleep(max(0.0, start + delay - time.monotonic()))
s.listen(1)
s.settimeout(5)
got = b""
try:
    c, _ = s.accept()
    c.settimeout(5)
    try:
        p.stdin.write(b"found late")
        p.stdin.close()
    except BrokenPipeError:
        pass  # -z reads no stdin, and is gone
    while True:
        b = c.recv(4096)
        if not b:
            break
        got += b
    c.close()
except socket.timeout:
    pass
print("status", p.wait(timeout=10))
print("got", got.decode())
'

@test "--retry 1s still finds a port that opens 0.9 s after it started: the last attempt is at the deadline" {
	run --separate-stderr timeout 20 python3 -c "$LATE_LISTENER" 0.9 \
	    --retry 1s
	[ "${lines[0]}" = "status 0" ]
	[ "${lines[1]}" = "got found late" ]
	[ -z "$stderr" ]
}

@test "-z --retry 1s still finds a port that opens 0.9 s after it started" {
	run --separate-stderr timeout 20 python3 -c "$LATE_LISTENER" 0.9 \
	    -z --retry 1s
	[ "${lines[0]}" = "status 0" ]
}

@test "--retry through a proxy tries again until the target behind it is up" {
	bg px python3 "$BATS_TEST_DIRNAME/helpers/proxy_server.py" socks5 \
	    --count 20 --port-file "$T/px.port"
	local px
	px=$(peer_port px)
	run --separate-stderr timeout 20 python3 -c "$LATE_LISTENER" 1 \
	    --retry 5s --retry-interval 200ms -x "127.0.0.1:$px"
	[ "${lines[0]}" = "status 0" ]
	[ "${lines[1]}" = "got found late" ]
	[ -z "$stderr" ]
}
