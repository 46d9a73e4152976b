bats_require_minimum_version 1.5.0
load helpers/common
setup() { common_setup; }
teardown() { common_teardown; }

# listen.bats -- listen mode: the spellings of CLI.md, the -v lines of the
# `nc -nvlp` workflow, dual-stack and -4/-6 listeners, one-shot and -k
# listeners, the accept timeout, SO_REUSEADDR and a port already in use.
# Every listener takes port 0 and its -v line tells the real port.

# start_listener NAME ARGS...: run `sockcat ARGS...` as job NAME (stdin
# /dev/null unless $T/NAME.in exists) and set PORT from its listening line.
start_listener() {
	local name=$1
	shift
	bg "$name" "$SOCKCAT" "$@"
	PORT=$(listen_port "$name")
}

# client_send HOST PORT TEXT: a sockcat client sends TEXT, half-closes and
# must end with status 0 and nothing on stdout or stderr.
client_send() {
	run --separate-stderr bash -c \
	    'printf "%s" "$3" | timeout 10 "$SOCKCAT" -n "$1" "$2"' \
	    _ "$1" "$2" "$3"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ -z "$stderr" ]
}

# py_client HOST PORT TEXT: peer.py sends TEXT, half-closes and reads to EOF;
# sets CPORT to the client's own port.
py_client() {
	run --separate-stderr timeout 30 python3 "$PEER" client-halfclose \
	    --host "$1" --port "$2" --send "$3" --port-file "$T/client.port" \
	    --save "$T/client.save"
	[ "$status" -eq 0 ]
	CPORT=$(<"$T/client.port")
}

# err_lines NAME: the lines of job NAME's stderr into the array E.
err_lines() {
	mapfile -t E <"$T/$1.err"
}

# same_bytes TEXT FILE: FILE holds exactly TEXT.
same_bytes() {
	printf '%s' "$1" | cmp - "$2"
}

# not_listening PORT: no TCP socket listens on PORT any more.
not_listening() {
	[[ -z $(ss -Hltn "sport = :$1") ]]
}

# serves_one NAME EXPECTED_ADDR CLIENT_HOST: the listener NAME shows
# "listening on [EXPECTED_ADDR] PORT ...", takes a client on CLIENT_HOST,
# writes its bytes to stdout and exits 0.
serves_one() {
	err_lines "$1"
	[ "${E[0]}" = "listening on [$2] $PORT ..." ]
	client_send "$3" "$PORT" "spelling test"
	bg_wait "$1"
	[ "$BG_STATUS" -eq 0 ]
	same_bytes "spelling test" "$T/$1.out"
}

@test "-l PORT listens on that port" {
	start_listener lst -v -l 0
	serves_one lst any 127.0.0.1
}

@test "-l -p PORT listens on that port" {
	start_listener lst -v -l -p 0
	serves_one lst any 127.0.0.1
}

@test "-l ADDR PORT listens on that address only" {
	start_listener lst -v -l 127.0.0.1 0
	serves_one lst 127.0.0.1 127.0.0.1
}

@test "-l -s ADDR -p PORT listens on that address" {
	start_listener lst -v -l -s ::1 -p 0
	serves_one lst ::1 ::1
}

@test "-l ADDR -p PORT listens on that address" {
	start_listener lst -v -l 127.0.0.1 -p 0
	serves_one lst 127.0.0.1 127.0.0.1
}

@test "the nc -nvlp workflow: the listener prints the client's bytes and exactly two -v lines" {
	start_listener lst -nvlp 0
	client_send 127.0.0.1 "$PORT" 'Hello from Python!'
	bg_wait lst
	[ "$BG_STATUS" -eq 0 ]
	same_bytes 'Hello from Python!' "$T/lst.out"
	err_lines lst
	[ "${#E[@]}" -eq 2 ]
	[ "${E[0]}" = "listening on [any] $PORT ..." ]
	[[ ${E[1]} =~ ^connect\ to\ \[127\.0\.0\.1\]\ from\ \(UNKNOWN\)\ \[127\.0\.0\.1\]\ ([0-9]+)$ ]]
	((BASH_REMATCH[1] >= 1 && BASH_REMATCH[1] <= 65535))
}

@test "without -n the listener names a 127.0.0.1 peer localhost, with its port" {
	start_listener lst -vlp 0
	py_client 127.0.0.1 "$PORT" 'named'
	bg_wait lst
	[ "$BG_STATUS" -eq 0 ]
	err_lines lst
	[ "${#E[@]}" -eq 2 ]
	[ "${E[1]}" = "connect to [127.0.0.1] from localhost [127.0.0.1] $CPORT" ]
	same_bytes named "$T/lst.out"
}

@test "a listener bound to 127.0.0.1 shows that address in both -v lines" {
	start_listener lst -nvl 127.0.0.1 0
	py_client 127.0.0.1 "$PORT" 'bound'
	bg_wait lst
	[ "$BG_STATUS" -eq 0 ]
	err_lines lst
	[ "${#E[@]}" -eq 2 ]
	[ "${E[0]}" = "listening on [127.0.0.1] $PORT ..." ]
	[ "${E[1]}" = "connect to [127.0.0.1] from (UNKNOWN) [127.0.0.1] $CPORT" ]
}

@test "a listener without an address accepts an IPv4 client and shows it as plain IPv4" {
	start_listener lst -nvl 0
	py_client 127.0.0.1 "$PORT" 'over IPv4'
	bg_wait lst
	[ "$BG_STATUS" -eq 0 ]
	same_bytes 'over IPv4' "$T/lst.out"
	err_lines lst
	[ "${#E[@]}" -eq 2 ]
	[ "${E[1]}" = "connect to [127.0.0.1] from (UNKNOWN) [127.0.0.1] $CPORT" ]
	run ! grep -qi ffff "$T/lst.err"
}

@test "a listener without an address accepts an IPv6 client on the same port" {
	start_listener lst -nvl 0
	py_client ::1 "$PORT" 'over IPv6'
	bg_wait lst
	[ "$BG_STATUS" -eq 0 ]
	same_bytes 'over IPv6' "$T/lst.out"
	err_lines lst
	[ "${#E[@]}" -eq 2 ]
	[ "${E[1]}" = "connect to [::1] from (UNKNOWN) [::1] $CPORT" ]
}

@test "a -4 listener refuses an IPv6 client but takes an IPv4 one" {
	start_listener lst -4 -nvl 0
	run --separate-stderr timeout 10 "$SOCKCAT" -n ::1 "$PORT" </dev/null
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ "$stderr" = "sockcat: connect to ::1 port $PORT: Connection refused" ]
	running lst
	client_send 127.0.0.1 "$PORT" 'v4 only'
	bg_wait lst
	[ "$BG_STATUS" -eq 0 ]
	same_bytes 'v4 only' "$T/lst.out"
}

@test "a -6 listener refuses an IPv4 client but takes an IPv6 one" {
	start_listener lst -6 -nvl 0
	run --separate-stderr timeout 10 "$SOCKCAT" -n 127.0.0.1 "$PORT" </dev/null
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ "$stderr" = "sockcat: connect to 127.0.0.1 port $PORT: Connection refused" ]
	running lst
	client_send ::1 "$PORT" 'v6 only'
	bg_wait lst
	[ "$BG_STATUS" -eq 0 ]
	same_bytes 'v6 only' "$T/lst.out"
}

@test "a one-shot listener refuses a second client once it has accepted the first" {
	pipe_open lst
	start_listener lst -nvl 0
	bg first timeout 20 python3 "$PEER" client-hold --port "$PORT" \
	    --save "$T/first.save"
	wait_for 10 file_has "$T/lst.err" "connect to ["
	wait_for 5 not_listening "$PORT"
	run --separate-stderr timeout 10 "$SOCKCAT" -n 127.0.0.1 "$PORT" </dev/null
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ "$stderr" = "sockcat: connect to 127.0.0.1 port $PORT: Connection refused" ]
	# The first client's session is unharmed and ends normally.
	pipe_write lst 'still yours'
	pipe_close lst
	bg_wait first
	[ "$BG_STATUS" -eq 0 ]
	same_bytes 'still yours' "$T/first.save"
	bg_wait lst
	[ "$BG_STATUS" -eq 0 ]
}

@test "-k serves three clients one after another and keeps listening" {
	start_listener lst -k -nvl 0
	# Not "i": bats' run clobbers a variable of that name.
	local nth
	for nth in 1 2 3; do
		client_send 127.0.0.1 "$PORT" "client $nth"$'\n'
		wait_for 10 file_has "$T/lst.out" "client $nth"
	done
	same_bytes $'client 1\nclient 2\nclient 3\n' "$T/lst.out"
	running lst
	[ "$(grep -c '^connect to \[127\.0\.0\.1\] from (UNKNOWN) \[127\.0\.0\.1\] ' "$T/lst.err")" -eq 3 ]
	# Still accepting: a fourth client gets through too.
	client_send 127.0.0.1 "$PORT" "client 4"$'\n'
	wait_for 10 file_has "$T/lst.out" "client 4"
	running lst
	kill -TERM "$(bg_cmd_pid lst)"
	bg_wait lst
	[ "$BG_STATUS" -eq 143 ]
}

@test "-k with -w exits 0 when no further client comes within the timeout" {
	start_listener lst -k -nvl -w 1 0
	client_send 127.0.0.1 "$PORT" 'only one'
	bg_wait lst 10
	[ "$BG_STATUS" -eq 0 ]
	same_bytes 'only one' "$T/lst.out"
}

@test "-w bounds the wait for a client: exit 1 with a message" {
	local start
	_now
	start=$_NOW
	run --separate-stderr timeout 10 "$SOCKCAT" -l -w 300ms 0
	_now
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[[ $stderr =~ ^sockcat:\ no\ connection\ on\ port\ [0-9]+\ within\ -w\ 300ms$ ]]
	# It waited about 300 ms: not at once, and not until timeout(1).
	((_NOW - start >= 290000 && _NOW - start < 5000000))
}

@test "the accept-timeout message of a port-0 listener names the port it really listened on" {
	start_listener lst -vl -w 300ms 0
	bg_wait lst
	[ "$BG_STATUS" -eq 1 ]
	err_lines lst
	[ "${#E[@]}" -eq 2 ]
	[ "${E[1]}" = "sockcat: no connection on port $PORT within -w 300ms" ]
}

@test "a listener can be restarted on its port while the last connection is in TIME_WAIT" {
	# The listener sends its stdin, a byte, and then a FIN before the
	# client's (an empty stdin would send none), so it closes first and its
	# end of the connection goes to TIME_WAIT on PORT.
	printf x >"$T/lst1.in"
	start_listener lst1 -nvl 0
	run --separate-stderr timeout 30 python3 "$PEER" client-hold \
	    --port "$PORT" --save "$T/client.save"
	[ "$status" -eq 0 ]
	same_bytes x "$T/client.save"
	bg_wait lst1
	[ "$BG_STATUS" -eq 0 ]
	run ss -Htan state time-wait "( sport = :$PORT )"
	[ "$status" -eq 0 ]
	[ -n "$output" ]
	local first=$PORT
	start_listener lst2 -nvl "$first"
	[ "$PORT" -eq "$first" ]
	client_send 127.0.0.1 "$PORT" 'again'
	bg_wait lst2
	[ "$BG_STATUS" -eq 0 ]
	same_bytes again "$T/lst2.out"
}

@test "listening on a port another listener holds fails with exit 1 and Address already in use" {
	start_listener lst1 -nvl 0
	run --separate-stderr timeout 10 "$SOCKCAT" -nvl "$PORT"
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ "$stderr" = "sockcat: listen on port $PORT (any address): Address already in use" ]
	running lst1
}

# PORT_FILE_READER FILE STOP (python3 -c): reads FILE as fast as it can
# until STOP exists; every read must find no file or a whole "PORT\n".
# Prints the count of whole reads, or the first bad content (exit 1).
PORT_FILE_READER='
import os, re, sys
path, stop = sys.argv[1], sys.argv[2]
good = 0
while not os.path.exists(stop):
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        continue
    if not re.fullmatch(rb"[0-9]+\n", data):
        print("bad read: %r" % data)
        sys.exit(1)
    good += 1
print("whole reads:", good)
'

@test "--port-file, the README recipe run 20 times: each run reads its own port, never a part, and the file goes with the listener" {
	local run_no job port
	bg reader python3 -c "$PORT_FILE_READER" "$T/ready.port" "$T/stop"
	for run_no in $(seq 20); do
		# bats' run uses i: keep our own names for the loop.
		job=lst$run_no
		[ ! -e "$T/ready.port" ]
		bg "$job" "$SOCKCAT" -l 0 --port-file "$T/ready.port"
		wait_for 10 test -s "$T/ready.port"
		port=$(<"$T/ready.port")
		[[ $port =~ ^[0-9]+$ ]]
		run --separate-stderr sc 127.0.0.1 "$port" \
		    < <(printf 'hello %d' "$run_no")
		[ "$status" -eq 0 ]
		bg_wait "$job"
		[ "$BG_STATUS" -eq 0 ]
		[ "$(<"$T/$job.out")" = "hello $run_no" ]
		# Gone by the time the listener has exited, temporary file too.
		[ ! -e "$T/ready.port" ]
		[ -z "$(ls "$T" | grep '^ready\.port')" ]
	done
	touch "$T/stop"
	bg_wait reader
	[ "$BG_STATUS" -eq 0 ]
	[[ $(<"$T/reader.out") =~ ^whole\ reads:\ [1-9] ]]
}

# port_file_ends_by SIG NAME ARGS...: a listener `sockcat ARGS --port-file`
# as job NAME, stopped by SIG, leaves no port file.
port_file_ends_by() {
	local sig=$1 name=$2 pid
	shift 2
	bg "$name" "$SOCKCAT" "$@" --port-file "$T/$name.port"
	wait_for 10 test -s "$T/$name.port"
	pid=$(bg_cmd_pid "$name")
	kill -s "$sig" "$pid"
	bg_wait "$name"
	[ "$BG_STATUS" -ne 0 ]
	[ "$BG_STATUS" -ne 124 ] && [ "$BG_STATUS" -ne 137 ]
	[ ! -e "$T/$name.port" ]
}

@test "--port-file is removed when SIGTERM, SIGINT or SIGHUP stops the listener, of every kind" {
	port_file_ends_by TERM once -l 0
	port_file_ends_by INT int -l 0
	port_file_ends_by HUP hup -l 0
	port_file_ends_by TERM keep -l -k 0
	port_file_ends_by TERM workers -l -k -e /bin/cat 0
	port_file_ends_by TERM udp -u -l 0
	port_file_ends_by TERM udpkeep -u -l -k 0
	port_file_ends_by TERM udppeers -u -l -k -e /bin/cat 0
	port_file_ends_by TERM broker -l --broker 0
	port_file_ends_by TERM chat -l --chat 0
}

@test "--port-file is removed when the listener gives up after -w or fails" {
	run --separate-stderr sc -l -w 300ms 0 --port-file "$T/w.port"
	[ "$status" -eq 1 ]
	[ ! -e "$T/w.port" ]
	run --separate-stderr sc -l -k -w 300ms --broker 0 --port-file "$T/b.port"
	[ "$status" -eq 1 ]
	[ ! -e "$T/b.port" ]
	run --separate-stderr sc -u -l -k -e /bin/cat -w 300ms 0 \
	    --port-file "$T/u.port"
	[ "$status" -eq 1 ]
	[ ! -e "$T/u.port" ]
	# A session that fails (its program cannot run) ends the listener too.
	bg lst "$SOCKCAT" -l 0 -e "$T/no-such-program" --port-file "$T/e.port"
	wait_for 10 test -s "$T/e.port"
	run --separate-stderr sc 127.0.0.1 "$(<"$T/e.port")" </dev/null
	bg_wait lst
	[ "$BG_STATUS" -ne 0 ]
	[ ! -e "$T/e.port" ]
}

@test "--port-file: a listener leaves alone the file a newer listener put at the same path" {
	bg old "$SOCKCAT" -l 0 --port-file "$T/p"
	wait_for 10 test -s "$T/p"
	old=$(<"$T/p")
	bg new "$SOCKCAT" -l 0 --port-file "$T/p"
	wait_for 10 eval '[ -s "$T/p" ] && [ "$(<"$T/p")" != "$old" ]'
	new=$(<"$T/p")
	kill -s TERM "$(bg_cmd_pid old)"
	bg_wait old
	[ "$(<"$T/p")" = "$new" ]
	run --separate-stderr sc 127.0.0.1 "$new" < <(printf x)
	[ "$status" -eq 0 ]
	bg_wait new
	[ "$BG_STATUS" -eq 0 ]
	[ ! -e "$T/p" ]
}

@test "--port-file is removed when a signal kills the listener during its peer-name lookup" {
	# With -v and without -n a one-shot listener looks up the client's name:
	# a signal then kills at once. A private mount namespace points the
	# resolver at a server that never answers, so the lookup hangs.
	[ "$(id -u)" -eq 0 ] || skip "needs root for a mount namespace"
	unshare -m true 2>/dev/null || skip "unshare -m is not available"
	cat > "$T/hang.sh" <<'SH'
set -e
T=$1
python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 53))
open(sys.argv[1] + ".up", "w").close()
s.recvfrom(512)
open(sys.argv[1] + ".asked", "w").close()
time.sleep(30)
' "$T/dns" &
dns=$!
until [ -e "$T/dns.up" ] || ! kill -0 "$dns" 2>/dev/null; do
	sleep 0.02
done
[ -e "$T/dns.up" ] || exit 77
echo "nameserver 127.0.0.1" > "$T/resolv.conf"
mount --bind "$T/resolv.conf" /etc/resolv.conf
"$SOCKCAT" -v -l 127.0.0.1 0 --port-file "$T/p" </dev/null 2>"$T/lst.err" &
lst=$!
# Polls the condition itself, and stops if the listener is gone (the
# outer timeout bounds the rest).
until [ -s "$T/p" ] || ! kill -0 "$lst" 2>/dev/null; do sleep 0.02; done
[ -s "$T/p" ] || { echo "listener died: $(cat "$T/lst.err")"; exit 1; }
# 127.0.0.9 is in no hosts file: its name can only come from the resolver.
python3 -c '
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.9", 0))
s.connect(("127.0.0.1", int(sys.argv[1])))
time.sleep(5)
' "$(cat "$T/p")" &
cli=$!
# The listener is in the lookup once the resolver has been asked.
until [ -e "$T/dns.asked" ] || ! kill -0 "$lst" 2>/dev/null; do
	sleep 0.02
done
kill -TERM "$lst"
status=0
wait "$lst" || status=$?
kill "$cli" "$dns" 2>/dev/null || true
echo "status $status"
[ -e "$T/p" ] && echo "port file left" || echo "port file gone"
SH
	run timeout 20 unshare -m bash "$T/hang.sh" "$T"
	[ "$status" -ne 77 ] || skip "cannot bind 127.0.0.1:53 for a silent resolver"
	printf '%s\n' "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "status 143" ]
	[ "${lines[1]}" = "port file gone" ]
}

@test "a listen failure names the port, and the address or 'any address', never 'any port'" {
	start_listener lst1 -nvl 0
	run --separate-stderr timeout 10 "$SOCKCAT" -nl 127.0.0.1 "$PORT"
	[ "$status" -eq 1 ]
	[ "$stderr" = "sockcat: listen on 127.0.0.1 port $PORT: Address already in use" ]
	run --separate-stderr timeout 10 "$SOCKCAT" -4 -nl "$PORT"
	[ "$status" -eq 1 ]
	[ "$stderr" = "sockcat: listen on port $PORT (any address): Address already in use" ]
	running lst1
}
