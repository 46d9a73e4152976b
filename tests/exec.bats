bats_require_minimum_version 1.5.0
load helpers/common

# exec.bats -- -e PROG and -c CMD: the program talks to the peer through
# pipes, in listen and connect mode; half-close in both directions; its
# environment and descriptors; exit status; -k programs, --max-conns, SIGTERM
# and reaping; -o on an exec session. The programs are small /bin/sh scripts.

teardown() {
	# A child that a broken sockcat left behind (the SIGTERM test) is ours
	# too: it wrote its PID and runs a sleep of a length nothing else uses.
	local pid
	if [[ -f $T/child.pid ]]; then
		while read -r pid; do
			[[ $pid =~ ^[0-9]+$ ]] || continue
			if [[ $(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline") == "sleep 29.5 " ]]; then
				kill -KILL "$pid" 2>/dev/null || true
			fi
		done <"$T/child.pid"
	fi
	common_teardown
}

# start_listener NAME ARGS...: run `sockcat -n -v ARGS...` as job NAME and
# set PORT from its listening line.
start_listener() {
	local name=$1
	shift
	bg "$name" "$SOCKCAT" -n -v "$@"
	PORT=$(listen_port "$name")
}

# client TEXT: a sockcat client sends TEXT to PORT and half-closes; run's
# status, output and stderr are its own.
client() {
	run --separate-stderr bash -c \
	    'printf "%s" "$1" | timeout 10 "$SOCKCAT" -n 127.0.0.1 "$2"' \
	    _ "$1" "$PORT"
}

# script NAME BODY: write BODY as the /bin/sh script $T/NAME.
script() {
	printf '#!/bin/sh\n%s\n' "$2" >"$T/$1"
	chmod +x "$T/$1"
}

# same_bytes TEXT FILE: FILE holds exactly TEXT.
same_bytes() {
	printf '%s' "$1" | cmp - "$2"
}

# accept_port NAME: the client port in NAME's -v accept line.
accept_port() {
	local re='^connect to \[127\.0\.0\.1\] from \(UNKNOWN\) \[127\.0\.0\.1\] ([0-9]+)$' line
	while IFS= read -r line; do
		if [[ $line =~ $re ]]; then
			printf '%s\n' "${BASH_REMATCH[1]}"
			return 0
		fi
	done <"$T/$1.err"
	return 1
}

# accepted NAME N: NAME's stderr holds at least N accept lines.
accepted() {
	(($(grep -c '^connect to \[' "$T/$1.err") >= $2))
}

# no_children PID: PID has no child processes, not even zombies.
no_children() {
	[[ -z $(ps --ppid "$1" -o pid=) ]]
}

# gone PID: no such process, or only a zombie left for init to reap.
gone() {
	local stat
	# Not $(<FILE): under bats a missing FILE there fails the test.
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
	stat=${stat##*) }
	[[ ${stat%% *} == Z ]]
}

@test "a listener with -e runs the program for the client: tr answers in upper case" {
	start_listener lst -l 0 -e 'tr a-z A-Z'
	client $'hello, exec\n'
	[ "$status" -eq 0 ]
	[ "$output" = "HELLO, EXEC" ]
	[ -z "$stderr" ]
	bg_wait lst
	[ "$BG_STATUS" -eq 0 ]
	[ ! -s "$T/lst.out" ]
}

@test "-c runs the command with /bin/sh: pipes and variables work" {
	start_listener lst -l 0 -c 'tag=shell; tr a-z A-Z | sed "s/^/$tag: /"'
	client $'piped\n'
	[ "$status" -eq 0 ]
	[ "$output" = "shell: PIPED" ]
	[ -z "$stderr" ]
	bg_wait lst
	[ "$BG_STATUS" -eq 0 ]
}

# sockcat blocks SIGINT, SIGTERM, SIGHUP and SIGCHLD for a moment before
# each wait (so none slips in between a check and poll); a program must not
# inherit that mask, or it could not be stopped by those signals.
@test "the program starts with no signal blocked and the default SIGPIPE" {
	[ -r /proc/self/status ] || skip "no /proc"
	# -e, not -c: a shell might reset the mask itself and hide a bug.
	start_listener lst -l 0 -e 'grep ^Sig /proc/self/status'
	client ''
	[ "$status" -eq 0 ]
	[[ $output == *$'SigBlk:\t0000000000000000'* ]]
	# SIGPIPE (13) is not ignored: bit 12 of SigIgn is clear.
	ign=$(printf '%s\n' "$output" | sed -n 's/^SigIgn:\t//p')
	[ -n "$ign" ]
	[ $((16#$ign & (1 << 12))) -eq 0 ]
	bg_wait lst
	[ "$BG_STATUS" -eq 0 ]
}

@test "-e runs no shell: echo gets \$HOME; as a literal word" {
	start_listener lst -l 0 -e 'echo $HOME;'
	client ''
	[ "$status" -eq 0 ]
	[ "$output" = '$HOME;' ]
	[ -z "$stderr" ]
	bg_wait lst
	[ "$BG_STATUS" -eq 0 ]
}

@test "-e splits its argument on blanks into the program's arguments" {
	script args 'for a; do printf "[%s]\n" "$a"; done'
	start_listener lst -l 0 -e "$T/args  one	two   three"
	client ''
	[ "$status" -eq 0 ]
	[ "$output" = $'[one]\n[two]\n[three]' ]
	[ -z "$stderr" ]
	bg_wait lst
	[ "$BG_STATUS" -eq 0 ]
}

@test "connect mode with -c: the command sends a request, closes its output and reads the reply" {
	bg srv python3 "$PEER" eof-reply --port-file "$T/srv.port" \
	    --save "$T/srv.save"
	local sport
	sport=$(peer_port srv)
	run --separate-stderr timeout 10 "$SOCKCAT" -n 127.0.0.1 "$sport" \
	    -c 'printf "request\n"; exec >&-; read -r reply; echo "child got: $reply" >&2' \
	    </dev/null
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ "$stderr" = "child got: got 8 bytes" ]
	bg_wait srv
	[ "$BG_STATUS" -eq 0 ]
	same_bytes $'request\n' "$T/srv.save"
}

@test "connect mode with -e: the program reads the server's banner to EOF and answers after it" {
	bg srv python3 "$PEER" banner --hold --text 'banner text\n' \
	    --port-file "$T/srv.port" --save "$T/srv.save"
	local sport
	sport=$(peer_port srv)
	run --separate-stderr timeout 10 "$SOCKCAT" -n 127.0.0.1 "$sport" \
	    -e 'tr a-z A-Z' </dev/null
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ -z "$stderr" ]
	bg_wait srv
	[ "$BG_STATUS" -eq 0 ]
	same_bytes $'BANNER TEXT\n' "$T/srv.save"
}

@test "connect mode gives the program the server's address and port in SOCKCAT_REMOTE_*" {
	bg srv python3 "$PEER" eof-reply --port-file "$T/srv.port" \
	    --save "$T/srv.save"
	local sport
	sport=$(peer_port srv)
	# The command reads the server's reply too: see the test of a program
	# that exits without reading.
	run --separate-stderr timeout 10 "$SOCKCAT" -n 127.0.0.1 "$sport" \
	    -c 'echo "$SOCKCAT_REMOTE_ADDR $SOCKCAT_REMOTE_PORT $SOCKCAT_PROTO $NCAT_REMOTE_PORT"; exec >&-; cat >/dev/null' \
	    </dev/null
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ -z "$stderr" ]
	bg_wait srv
	same_bytes "127.0.0.1 $sport TCP $sport"$'\n' "$T/srv.save"
}

@test "a client that half-closes at once still gets what the program writes after reading EOF" {
	# The case ncat 7.93 fails: it drops the program's output after EOF.
	start_listener lst -l 0 -c 'cat; sleep 0.3; echo after-eof'
	client $'ping\n'
	[ "$status" -eq 0 ]
	[ "$output" = $'ping\nafter-eof' ]
	[ -z "$stderr" ]
	bg_wait lst
	[ "$BG_STATUS" -eq 0 ]
}

@test "the program sees EOF on its stdin when the peer half-closes, and can still answer" {
	start_listener lst -l 0 -c 'n=$(wc -c); echo "read $n bytes, then end of file"'
	run --separate-stderr timeout 20 python3 "$PEER" client-halfclose \
	    --port "$PORT" --send 'abcde' --save "$T/client.save"
	[ "$status" -eq 0 ]
	same_bytes $'read 5 bytes, then end of file\n' "$T/client.save"
	bg_wait lst
	[ "$BG_STATUS" -eq 0 ]
}

@test "the program closing its stdout sends FIN while the program keeps running" {
	# The child says bye, closes stdout, then waits for the test's word.
	script closer "echo \$\$ >'$T/closer.pid'
echo bye
exec >&-
n=0
while [ ! -e '$T/release' ] && [ \$n -lt 200 ]; do sleep 0.05; n=\$((n + 1)); done"
	start_listener lst -l 0 -e "$T/closer"
	# client-hold sends nothing and keeps its write side open: only the
	# listener's FIN can end it.
	bg cli python3 "$PEER" client-hold --port "$PORT" --save "$T/cli.save"
	bg_wait cli 5
	[ "$BG_STATUS" -eq 0 ]
	same_bytes $'bye\n' "$T/cli.save"
	# The program is still there: the FIN came from closing its stdout.
	[ -s "$T/closer.pid" ]
	run ! gone "$(<"$T/closer.pid")"
	running lst
	touch "$T/release"
	bg_wait lst 5
	[ "$BG_STATUS" -eq 0 ]
}

@test "the program's environment describes the connection under SOCKCAT_* and NCAT_* names" {
	start_listener lst -l 0 -c 'env | grep -E "^(SOCKCAT|NCAT)_(REMOTE_ADDR|REMOTE_PORT|LOCAL_ADDR|LOCAL_PORT|PROTO)=" | LC_ALL=C sort'
	run --separate-stderr timeout 20 python3 "$PEER" client-halfclose \
	    --port "$PORT" --send '' --port-file "$T/cli.port" \
	    --save "$T/cli.save"
	[ "$status" -eq 0 ]
	bg_wait lst
	[ "$BG_STATUS" -eq 0 ]
	local cport
	cport=$(<"$T/cli.port")
	# The port in the -v accept line is the client's port, too.
	[ "$(accept_port lst)" = "$cport" ]
	same_bytes "NCAT_LOCAL_ADDR=127.0.0.1
NCAT_LOCAL_PORT=$PORT
NCAT_PROTO=TCP
NCAT_REMOTE_ADDR=127.0.0.1
NCAT_REMOTE_PORT=$cport
SOCKCAT_LOCAL_ADDR=127.0.0.1
SOCKCAT_LOCAL_PORT=$PORT
SOCKCAT_PROTO=TCP
SOCKCAT_REMOTE_ADDR=127.0.0.1
SOCKCAT_REMOTE_PORT=$cport
" "$T/cli.save"
}

@test "a UDP listener's program gets SOCKCAT_PROTO=UDP and the sender's address" {
	start_listener lst -u -l 0 -c 'echo "$SOCKCAT_PROTO $NCAT_PROTO $SOCKCAT_REMOTE_ADDR $SOCKCAT_REMOTE_PORT $SOCKCAT_LOCAL_PORT"'
	run --separate-stderr timeout 20 python3 "$PEER" udp-send \
	    --port "$PORT" --data 'ping\n' --reply-wait 5 --replies 1 \
	    --port-file "$T/cli.port" --save "$T/cli.save"
	[ "$status" -eq 0 ]
	same_bytes "UDP UDP 127.0.0.1 $(<"$T/cli.port") $PORT"$'\n' "$T/cli.save"
}

@test "a UDP session with a program ends when the program exits, with its status" {
	# UDP has no end of stream: the program's exit ends the session.
	start_listener lst -u -l 0 -c 'read line; echo "got $line"; exit 4'
	run --separate-stderr timeout 20 python3 "$PEER" udp-send \
	    --port "$PORT" --data 'hi\n' --reply-wait 5 --replies 1 \
	    --save "$T/cli.save"
	[ "$status" -eq 0 ]
	same_bytes $'got hi\n' "$T/cli.save"
	bg_wait lst 5
	[ "$BG_STATUS" -eq 4 ]
}

@test "the program has no descriptors but 0, 1 and 2" {
	# ls is a child of the shell: it lists the shell's descriptors, not its
	# own directory handle.
	start_listener lst -l 0 -c 'ls /proc/$$/fd; exit 0'
	client ''
	[ "$status" -eq 0 ]
	[ "$output" = $'0\n1\n2' ]
	[ -z "$stderr" ]
	bg_wait lst
	[ "$BG_STATUS" -eq 0 ]
}

@test "with -k the second client's program does not get the first client's socket" {
	start_listener lst -k -l 0 -c 'ls /proc/$$/fd; cat'
	pipe_open first
	bg first "$SOCKCAT" -n 127.0.0.1 "$PORT"
	wait_for 10 file_has "$T/first.out" 2
	same_bytes $'0\n1\n2\n' "$T/first.out"
	# The first session is still open while the second client comes.
	client $'second\n'
	[ "$status" -eq 0 ]
	[ "$output" = $'0\n1\n2\nsecond' ]
	[ -z "$stderr" ]
	running first
	pipe_write first $'first\n'
	wait_for 10 file_has "$T/first.out" first
	pipe_close first
	bg_wait first
	[ "$BG_STATUS" -eq 0 ]
	same_bytes $'0\n1\n2\nfirst\n' "$T/first.out"
}

@test "a one-shot listener exits with the program's exit status" {
	start_listener lst -l 0 -c 'echo done; exit 3'
	client ''
	[ "$status" -eq 0 ]
	[ "$output" = 'done' ]
	bg_wait lst
	[ "$BG_STATUS" -eq 3 ]
}

@test "a one-shot listener whose program is killed by a signal exits 128 plus its number" {
	start_listener lst -l 0 -c 'echo dying; kill -USR1 $$'
	client ''
	[ "$status" -eq 0 ]
	[ "$output" = dying ]
	bg_wait lst
	[ "$BG_STATUS" -eq $((128 + 10)) ]
}

@test "connect mode exits with the program's exit status, and 128+N for signal N" {
	bg srv python3 "$PEER" silent --port-file "$T/srv.port"
	run --separate-stderr timeout 10 "$SOCKCAT" -n 127.0.0.1 \
	    "$(peer_port srv)" -c 'exit 3' </dev/null
	[ "$status" -eq 3 ]
	[ -z "$output" ]
	[ -z "$stderr" ]
	bg srv2 python3 "$PEER" silent --port-file "$T/srv2.port"
	run --separate-stderr timeout 10 "$SOCKCAT" -n 127.0.0.1 \
	    "$(peer_port srv2)" -c 'kill -USR2 $$' </dev/null
	[ "$status" -eq $((128 + 12)) ]
	[ -z "$output" ]
	[ -z "$stderr" ]
}

@test "data arriving after the program exited 0 without reading does not change the exit status" {
	# The program's status is sockcat's status in a single session. Data
	# for a program that has gone cannot be delivered and is not a failure
	# of sockcat's stdout.
	start_listener lst -l 0 -c 'echo bye; exit 0'
	pipe_open cli
	bg cli "$SOCKCAT" -n 127.0.0.1 "$PORT"
	# bye and the FIN that follows the program's exit have arrived.
	wait_for 10 file_has "$T/cli.out" bye
	pipe_write cli $'late data\n'
	pipe_close cli
	bg_wait cli
	[ "$BG_STATUS" -eq 0 ]
	same_bytes $'bye\n' "$T/cli.out"
	bg_wait lst
	[ "$BG_STATUS" -eq 0 ]
	run ! grep -F 'Broken pipe' "$T/lst.err"
	[ "$(wc -l <"$T/lst.err")" -eq 2 ]
}

@test "connect mode with a missing program exits 127 and says so" {
	bg srv python3 "$PEER" silent --port-file "$T/srv.port"
	run -127 --separate-stderr timeout 10 "$SOCKCAT" -n 127.0.0.1 \
	    "$(peer_port srv)" -e 'no-such-program-for-sockcat arg' </dev/null
	[ "$status" -eq 127 ]
	[ -z "$output" ]
	[ "$stderr" = "sockcat: run no-such-program-for-sockcat: No such file or directory" ]
}

@test "a listener with a missing program exits 127 and says so" {
	start_listener lst -l 0 -e "$T/no-such-program"
	client 'data'
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	bg_wait lst
	[ "$BG_STATUS" -eq 127 ]
	grep -qFx "sockcat: run $T/no-such-program: No such file or directory" "$T/lst.err"
}

@test "-k with -c serves three clients at once and reaps every program afterwards" {
	start_listener lst -k -l 0 -c 'sleep 1; echo "answer $SOCKCAT_REMOTE_PORT"'
	local lpid start elapsed nth
	lpid=$(bg_cmd_pid lst)
	_now
	start=$_NOW
	for nth in 1 2 3; do
		bg "c$nth" "$SOCKCAT" -n 127.0.0.1 "$PORT"
	done
	for nth in 1 2 3; do
		bg_wait "c$nth" 10
		[ "$BG_STATUS" -eq 0 ]
		grep -qx 'answer [0-9]*' "$T/c$nth.out"
	done
	_now
	elapsed=$((_NOW - start))
	# One after another would take 3 s.
	((elapsed < 1800000))
	# No program is left over, not even as a zombie.
	wait_for 5 no_children "$lpid"
	running lst
}

@test "--max-conns 1 refuses a second simultaneous client at once, with a -v note, and serves the first" {
	start_listener lst -k --max-conns 1 -l 0 -e cat
	local lpid
	lpid=$(bg_cmd_pid lst)
	pipe_open first
	bg first "$SOCKCAT" -n 127.0.0.1 "$PORT"
	wait_for 10 accepted lst 1
	# The second client is closed at once: it sees EOF and ends.
	bg second python3 "$PEER" client-hold --port "$PORT" \
	    --port-file "$T/second.port" --save "$T/second.save"
	bg_wait second 3
	[ "$BG_STATUS" -eq 0 ]
	[ ! -s "$T/second.save" ]
	wait_for 5 file_has "$T/lst.err" "(--max-conns)"
	grep -qFx "sockcat: refused connection from 127.0.0.1 port $(<"$T/second.port"): 1 clients already (--max-conns)" "$T/lst.err"
	[ "$(grep -c '^connect to \[' "$T/lst.err")" -eq 1 ]
	# The first client is served as usual.
	pipe_write first $'served\n'
	wait_for 10 file_has "$T/first.out" served
	pipe_close first
	bg_wait first
	[ "$BG_STATUS" -eq 0 ]
	same_bytes $'served\n' "$T/first.out"
	# Its program is reaped and the slot is free for the next client.
	wait_for 5 no_children "$lpid"
	client $'third\n'
	[ "$status" -eq 0 ]
	[ "$output" = third ]
}

@test "SIGTERM to a -k listener ends its running program too and leaves no orphan" {
	script child "echo \$\$ >>'$T/child.pid'
echo ready
exec sleep 29.5"
	start_listener lst -k -l 0 -e "$T/child"
	pipe_open cli
	bg cli "$SOCKCAT" -n 127.0.0.1 "$PORT"
	wait_for 10 file_has "$T/cli.out" ready
	local cpid
	cpid=$(<"$T/child.pid")
	run ! gone "$cpid"
	kill -TERM "$(bg_cmd_pid lst)"
	bg_wait lst 5
	[ "$BG_STATUS" -eq 143 ]
	# Reaped by the time the listener is gone (a moment's grace for a
	# zombie handed to init).
	wait_for 1 gone "$cpid"
}

@test "-o logs an exec session: the program's output appears as > lines" {
	start_listener lst -l 0 -o "$T/dump" -e 'tr a-z A-Z'
	client $'hello\n'
	[ "$status" -eq 0 ]
	[ "$output" = HELLO ]
	bg_wait lst
	[ "$BG_STATUS" -eq 0 ]
	same_bytes "< 00000000 68 65 6c 6c 6f 0a                               # hello.
> 00000000 48 45 4c 4c 4f 0a                               # HELLO.
" "$T/dump"
}

# --- the program's lifecycle: -w, signals, its exit, its descriptors ---------

# drip PORT N: a client that sends "line I" every 0.5 s, N times, then
# half-closes and prints what came back until EOF.
drip() {
	timeout 30 python3 -c '
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
for i in range(int(sys.argv[2])):
    s.sendall(b"line %d\n" % i)
    time.sleep(0.5)
s.shutdown(socket.SHUT_WR)
got = b""
while True:
    d = s.recv(4096)
    if not d:
        break
    got += d
sys.stdout.write(got.decode())
' "$@"
}

@test "-k -w 2 stops accepting when -w runs out but lets a client that sends every 0.5 s finish" {
	start_listener lst -k -w 2 -l 0 -e cat
	run --separate-stderr drip "$PORT" 12
	[ "$status" -eq 0 ]
	[ "$output" = "$(for i in {0..11}; do echo "line $i"; done)" ]
	# Nobody came for -w after the session: the listener is done.
	bg_wait lst 10
	[ "$BG_STATUS" -eq 0 ]
}

# The program of the signal tests: ignores SIGTERM, starts a sleep that
# inherits that, notes the sleep's PID for the checks and for teardown.
deaf_program() {
	printf '%s' "trap '' TERM
sleep 29.5 &
echo \$! >>'$T/child.pid'
echo ready
wait"
}

@test "a program that ignores SIGTERM does not keep sockcat alive: it and its children are killed" {
	start_listener lst -l 0 -c "$(deaf_program)"
	pipe_open cli
	bg cli "$SOCKCAT" -n 127.0.0.1 "$PORT"
	wait_for 10 file_has "$T/cli.out" ready
	local spid
	spid=$(<"$T/child.pid")
	run ! gone "$spid"
	kill -TERM "$(bg_cmd_pid lst)"
	# SIGTERM passed on, SIGKILL 2 s later.
	bg_wait lst 5
	[ "$BG_STATUS" -eq 143 ]
	wait_for 2 gone "$spid"
}

@test "SIGINT to sockcat reaches its program as SIGINT" {
	start_listener lst -l 0 -c "trap 'echo INT >>\"$T/sig\"; exit 0' INT
trap 'echo TERM >>\"$T/sig\"; exit 0' TERM
echo ready
while :; do sleep 0.1; done"
	pipe_open cli
	bg cli "$SOCKCAT" -n 127.0.0.1 "$PORT"
	wait_for 10 file_has "$T/cli.out" ready
	kill -INT "$(bg_cmd_pid lst)"
	bg_wait lst 5
	[ "$BG_STATUS" -eq 130 ]
	[ "$(cat "$T/sig")" = INT ]
}

@test "a -k listener's program and its children do not outlive the listener killed with SIGKILL" {
	start_listener lst -k -l 0 -c "$(deaf_program)"
	local lpid wpid spid
	lpid=$(bg_cmd_pid lst)
	pipe_open cli
	bg cli "$SOCKCAT" -n 127.0.0.1 "$PORT"
	wait_for 10 file_has "$T/cli.out" ready
	wpid=$(ps --ppid "$lpid" -o pid= | tr -d ' ')
	[[ $wpid =~ ^[0-9]+$ ]]
	spid=$(<"$T/child.pid")
	kill -KILL "$lpid"
	# The watchman passes SIGTERM on to the program's group: SIGKILL 2 s later.
	wait_for 5 gone "$wpid"
	wait_for 2 gone "$spid"
}

# $T/push.py PORT SECS: a client that sends as fast as it can for SECS
# seconds or until the connection fails; prints the bytes sent and how it
# ended.
write_push() {
	cat >"$T/push.py" <<'PY'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.settimeout(0.2)
chunk = b"x" * 65536
sent, end, how = 0, time.time() + float(sys.argv[2]), "time"
while time.time() < end:
    try:
        sent += s.send(chunk)
    except socket.timeout:
        continue
    except OSError as e:
        how = "error"
        break
print(sent, how)
PY
}

@test "a client pushing data to a program that exited at once is cut off, not fed for ever" {
	write_push
	start_listener lst -l 0 -e true
	bg cli python3 "$T/push.py" "$PORT" 20
	# The session is over as soon as true has exited: the client's data
	# goes nowhere, so the listener does not wait for the client to stop.
	bg_wait lst 5
	[ "$BG_STATUS" -eq 0 ]
	bg_wait cli 5
	local sent how
	read -r sent how <"$T/cli.out"
	[ "$how" = error ]
	# Socket buffers, not gigabytes.
	((sent < 256 * 1024 * 1024))
}

# $T/eof.py PORT SECS [DATA [HOLD]]: a client that sends DATA and then
# reads; prints what came and "EOF" if the server closed within SECS
# seconds; then keeps the connection open for HOLD seconds.
write_eof() {
	cat >"$T/eof.py" <<'PY'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.settimeout(float(sys.argv[2]))
if len(sys.argv) > 3:
    s.sendall(sys.argv[3].encode())
got = b""
try:
    while True:
        d = s.recv(4096)
        if not d:
            got += b"EOF"
            break
        got += d
except socket.timeout:
    got += b"TIMEOUT"
sys.stdout.write(got.decode())
sys.stdout.flush()
if len(sys.argv) > 4:
    time.sleep(float(sys.argv[4]))
PY
}

@test "with --no-shutdown the client still sees EOF once the program has exited, and no zombie stays" {
	start_listener lst -k --no-shutdown -l 0 -e true
	local lpid
	lpid=$(bg_cmd_pid lst)
	write_eof
	run --separate-stderr timeout 10 python3 "$T/eof.py" "$PORT" 3
	[ "$status" -eq 0 ]
	[ "$output" = EOF ]
	# The listener reaped the program.
	wait_for 3 no_children "$lpid"
	running lst
}

@test "-c 'echo abc' answers a client's line with abc and EOF, and the session is over" {
	start_listener lst -l 0 -c 'echo abc'
	write_eof
	bg cli python3 "$T/eof.py" "$PORT" 3 $'test\n' 20
	wait_for 5 file_has "$T/cli.out" EOF
	[ "$(cat "$T/cli.out")" = $'abc\nEOF' ]
	# The program has exited and said all: the listener is done, though
	# the client still holds the connection.
	bg_wait lst 3
	[ "$BG_STATUS" -eq 0 ]
}

# The soft limit as high as allowed, for the descriptor tests; skips if that
# is too low to tell one close(2) per possible descriptor from a few.
raise_nofile() {
	ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
	(($(ulimit -n) >= 8192)) || skip "RLIMIT_NOFILE hard limit below 8192"
}

@test "starting a program does not cost one close(2) per possible descriptor" {
	command -v strace >/dev/null || skip "no strace"
	strace -o /dev/null true 2>/dev/null || skip "strace cannot trace here"
	raise_nofile
	# LeakSanitizer cannot run under ptrace: a sanitizer build skips it.
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
	    bg lst strace -f -o "$T/trace" -e trace=close "$SOCKCAT" -n -v \
	    -l 0 -c 'echo hi'
	PORT=$(listen_port lst)
	client ''
	[ "$status" -eq 0 ]
	[ "$output" = hi ]
	bg_wait lst
	[ "$BG_STATUS" -eq 0 ]
	(($(grep -c 'close(' "$T/trace") < 500))
}

@test "with a high descriptor limit the program still gets only 0, 1 and 2, not what sockcat inherited" {
	raise_nofile
	bg lst bash -c 'exec 9</dev/null 4000</dev/null; exec "$0" "$@"' \
	    "$SOCKCAT" -n -v -l 0 -c 'ls /proc/$$/fd'
	PORT=$(listen_port lst)
	client ''
	[ "$status" -eq 0 ]
	[ "$output" = $'0\n1\n2' ]
	bg_wait lst
	[ "$BG_STATUS" -eq 0 ]
}

# $T/flood.py PORT: a client that sends without pause while it reads, as
# a client streaming an upload does; prints how many bytes it read before
# EOF or a reset, and how the reading ended.
write_flood() {
	cat >"$T/flood.py" <<'PY'
import socket, sys, threading
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.settimeout(20)
def push():
    chunk = b"x" * 65536
    try:
        while True:
            s.sendall(chunk)
    except OSError:
        pass
threading.Thread(target=push, daemon=True).start()
got, how = 0, "eof"
try:
    while True:
        d = s.recv(65536)
        if not d:
            break
        got += len(d)
except OSError as e:
    how = type(e).__name__
print(got, how)
PY
}

@test "a program that exits while its client still sends: the client gets all the program wrote" {
	write_flood
	local name got how
	for name in one many; do
		if [ "$name" = one ]; then
			start_listener "$name" -l 0 -c 'head -c 3000000 /dev/zero'
		else
			start_listener "$name" -l -k 0 -c 'head -c 3000000 /dev/zero'
		fi
		run --separate-stderr timeout 30 python3 "$T/flood.py" "$PORT"
		[ "$status" -eq 0 ]
		read -r got how <<<"$output"
		echo "$name: $got bytes, $how"
		# A close with the client's data unread would be a reset that
		# throws away the part of the output still in our send queue.
		[ "$got" -eq 3000000 ]
	done
	bg_wait one 10
	[ "$BG_STATUS" -eq 0 ]
}
