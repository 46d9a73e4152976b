bats_require_minimum_version 1.5.0
load helpers/common

# udppeers.bats -- -u -l -k with -e/-c: one program per UDP peer (source
# address and port), datagrams in through its stdin, each read of its stdout
# out as one datagram; --idle-timeout, --max-conns, --allow/--deny, -w,
# signals, reaping, -v and --json. The peers are helpers/udpc.py: several
# sockets, each its own source port, scripted.

UDPC=$BATS_TEST_DIRNAME/helpers/udpc.py

teardown() {
	# A program a broken sockcat left behind is ours too: it printed its
	# PID and runs a sleep of a length nothing else uses.
	local pid f
	for f in "$T"/*.out; do
		[[ -f $f ]] || continue
		for pid in $(sed -n 's/^[0-9]*:pid \([0-9]*\).*/\1/p' "$f"); do
			if [[ $(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline") == "sleep 29.5 " ]]; then
				kill -KILL "$pid" 2>/dev/null || true
			fi
		done
	done
	common_teardown
}

# start_server NAME ARGS...: `sockcat -n -v -u -k -l 0 ARGS...` as job NAME;
# sets PORT from its listening line and SPID to its process.
start_server() {
	local name=$1
	shift
	bg "$name" "$SOCKCAT" -n -v -u -k -l 0 "$@"
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

# prog_pid NAME I [NTH]: the PID of the NTH (default 1st) "I:pid PID ..."
# line in job NAME's output: the program that answered socket I.
prog_pid() {
	awk -v key="$2:pid" '$1 == key { print $2 }' "$T/$1.out" |
	    sed -n "${3:-1}p"
}

# child_of PARENT PID: PID is a child process of PARENT.
child_of() {
	[[ $(ps -o ppid= -p "$2" | tr -d ' ') == "$1" ]]
}

# reaped PID: no such process at all, not even a zombie.
reaped() {
	[[ ! -e /proc/$1 ]]
}

# no_children PID: PID has no child process, not even a zombie.
no_children() {
	[[ -z $(ps --ppid "$1" -o pid=) ]]
}

# count_lines FILE REGEX: how many lines of FILE match REGEX (grep -E).
count_lines() {
	grep -cE -- "$2" "$1" || true
}

# lines_ge FILE REGEX N: at least N lines of FILE match REGEX.
lines_ge() {
	(($(count_lines "$1" "$2") >= $3))
}

# ms_since USECS: milliseconds since the _now reading USECS.
ms_since() {
	_now
	echo $(((_NOW - $1) / 1000))
}

@test "each UDP peer gets its own program: two source ports, two processes, each reply only to its sender" {
	start_server srv -c 'echo "pid $$ $SOCKCAT_PROTO $SOCKCAT_REMOTE_ADDR $SOCKCAT_REMOTE_PORT"; exec cat'
	clients cli 127.0.0.1 2 's:0:from-a\n' 'l:0:2' 's:1:from-b\n' 'l:1:2' \
	    's:0:again-a\n' 'l:0:1' 's:1:again-b\n' 'l:1:1' 'q:0:0.3' 'q:1:0.3' \
	    "w:$T/done"
	wait_for 10 file_has "$T/cli.out" "1:nothing"
	local pa pb
	pa=$(prog_pid cli 0)
	pb=$(prog_pid cli 1)
	[ "$(cat "$T/cli.out")" = "0:pid $pa UDP 127.0.0.1 ${CPORTS[0]}
0:from-a
1:pid $pb UDP 127.0.0.1 ${CPORTS[1]}
1:from-b
0:again-a
1:again-b
0:nothing
1:nothing" ]
	# Two processes, both sockcat's own children, alive at once.
	[ "$pa" != "$pb" ]
	child_of "$SPID" "$pa"
	child_of "$SPID" "$pb"
	touch "$T/done"
	bg_wait cli
	[ "$BG_STATUS" -eq 0 ]
	[ "$(count_lines "$T/srv.err" "^connect to \[any\] from \(UNKNOWN\) \[127\.0\.0\.1\] ${CPORTS[0]}\$")" -eq 1 ]
	[ "$(count_lines "$T/srv.err" "^connect to \[any\] from \(UNKNOWN\) \[127\.0\.0\.1\] ${CPORTS[1]}\$")" -eq 1 ]
	[ "$(count_lines "$T/srv.err" '^connect to ')" -eq 2 ]
	running srv
}

@test "a 65507-byte datagram reaches the peer's program whole, and its 65507-byte answer comes back as one datagram" {
	start_server srv -c 'exec cat'
	clients cli 127.0.0.1 1 'big:0:65507' 'bigr:0' 'big:0:65507' 'bigr:0'
	bg_wait cli
	[ "$BG_STATUS" -eq 0 ]
	[ "$(cat "$T/cli.out")" = $'0:big same 65507\n0:big same 65507' ]
	# Both went to the one program of that peer.
	[ "$(count_lines "$T/srv.err" '^connect to ')" -eq 1 ]
}

@test "the program has no descriptors but 0, 1 and 2: not the socket, not another peer's pipes" {
	# ls is a child of the shell: it lists the shell's descriptors.
	start_server srv -c 'ls /proc/$$/fd; exec cat'
	clients cli 127.0.0.1 2 's:0:a\n' 'l:0:4' 's:1:b\n' 'l:1:4'
	bg_wait cli
	[ "$BG_STATUS" -eq 0 ]
	# The second program started while the first was running.
	[ "$(cat "$T/cli.out")" = $'0:0\n0:1\n0:2\n0:a\n1:0\n1:1\n1:2\n1:b' ]
	[ "$(count_lines "$T/srv.err" '^connect to ')" -eq 2 ]
	[ "$(count_lines "$T/srv.err" '^sockcat: closed')" -eq 0 ]
}

@test "--idle-timeout closes an idle program's stdin: it sees EOF, its last words still reach the peer, and the next datagram starts a new program" {
	# SIGTERM comes a second after the EOF: the program has time to answer.
	start_server srv --idle-timeout 1 \
	    -c 'echo "pid $$"; cat; echo "eof seen"'
	local start elapsed p1 p2 sent
	_now
	start=$_NOW
	clients cli 127.0.0.1 1 's:0:hello\n' 'l:0:3' "w:$T/go" 's:0:again\n' \
	    'l:0:2'
	wait_for 10 file_has "$T/cli.out" "0:eof seen"
	elapsed=$(ms_since "$start")
	((elapsed >= 900 && elapsed < 5000))
	p1=$(prog_pid cli 0)
	sent=$((${#p1} + 5 + 6 + 9))
	wait_for 5 file_has "$T/srv.err" "(idle)"
	grep -qFx "sockcat: closed 127.0.0.1 port ${CPORTS[0]} (idle): program status 0, sent $sent, rcvd 6" "$T/srv.err"
	reaped "$p1"
	touch "$T/go"
	bg_wait cli
	[ "$BG_STATUS" -eq 0 ]
	p2=$(prog_pid cli 0 2)
	[ -n "$p2" ]
	[ "$p2" != "$p1" ]
	[ "$(sed -n 2,3p "$T/cli.out")" = $'0:hello\n0:eof seen' ]
	[ "$(sed -n 5p "$T/cli.out")" = "0:again" ]
	[ "$(count_lines "$T/srv.err" "^connect to \[any\] from \(UNKNOWN\) \[127\.0\.0\.1\] ${CPORTS[0]}\$")" -eq 2 ]
}

@test "--idle-timeout sends SIGTERM a second after the EOF to a program that does not read its stdin" {
	start_server srv --idle-timeout 0.5 -c 'echo "pid $$"; exec sleep 29.5'
	clients cli 127.0.0.1 1 's:0:x\n' 'l:0:1'
	bg_wait cli
	[ "$BG_STATUS" -eq 0 ]
	local p sent start elapsed
	_now
	start=$_NOW
	p=$(prog_pid cli 0)
	sent=$((${#p} + 5))
	wait_for 5 file_has "$T/srv.err" "(idle)"
	elapsed=$(ms_since "$start")
	((elapsed >= 1200 && elapsed < 4000))
	grep -qFx "sockcat: closed 127.0.0.1 port ${CPORTS[0]} (idle): program status 143, sent $sent, rcvd 2" "$T/srv.err"
	reaped "$p"
	wait_for 2 no_children "$SPID"
	running srv
}

@test "a program that ignores SIGTERM gets SIGKILL 2 seconds after it, 3 seconds after its idle timeout" {
	start_server srv --idle-timeout 0.5 \
	    -c 'trap "" TERM; echo "pid $$"; exec sleep 29.5'
	local start elapsed p
	clients cli 127.0.0.1 1 's:0:x\n' 'l:0:1'
	bg_wait cli
	[ "$BG_STATUS" -eq 0 ]
	_now
	start=$_NOW
	p=$(prog_pid cli 0)
	wait_for 10 file_has "$T/srv.err" "(idle)"
	elapsed=$(ms_since "$start")
	((elapsed >= 3200 && elapsed < 7000))
	grep -qE "^sockcat: closed 127\.0\.0\.1 port ${CPORTS[0]} \(idle\): program status 137, sent [0-9]+, rcvd 2\$" "$T/srv.err"
	reaped "$p"
}

@test "a program that exits by itself is reaped at once, its descriptors closed, and the peer's next datagram starts a fresh one" {
	start_server srv -c 'read line; echo "pid $$ got $line"'
	local fds p1 p2
	fds=$(fd_count "$SPID")
	clients cli 127.0.0.1 1 's:0:one\n' 'l:0:1' "w:$T/go" 's:0:two\n' 'l:0:1'
	wait_for 10 file_has "$T/cli.out" "got one"
	p1=$(prog_pid cli 0)
	wait_for 5 file_has "$T/srv.err" "(done)"
	grep -qFx "sockcat: closed 127.0.0.1 port ${CPORTS[0]} (done): program status 0, sent $((${#p1} + 13)), rcvd 4" "$T/srv.err"
	wait_for 2 no_children "$SPID"
	[ "$(fd_count "$SPID")" -eq "$fds" ]
	touch "$T/go"
	bg_wait cli
	[ "$BG_STATUS" -eq 0 ]
	p2=$(prog_pid cli 0 2)
	[ -n "$p2" ]
	[ "$p2" != "$p1" ]
	[ "$(cat "$T/cli.out")" = "0:pid $p1 got one
0:pid $p2 got two" ]
	wait_for 5 lines_ge "$T/srv.err" '\(done\)' 2
	wait_for 2 no_children "$SPID"
	[ "$(fd_count "$SPID")" -eq "$fds" ]
}

@test "--max-conns 2 drops a third peer's datagrams with a -v note, serves the first two, and serves the third once a slot is free" {
	start_server srv --max-conns 2 --idle-timeout 1.5 \
	    -c 'echo "pid $$"; exec cat'
	clients cli 127.0.0.1 3 's:0:a\n' 'l:0:2' 's:1:b\n' 'l:1:2' 's:2:c\n' \
	    'q:2:0.5' "w:$T/go" 's:2:c2\n' 'l:2:2'
	wait_for 10 file_has "$T/cli.out" "2:nothing"
	grep -qFx "sockcat: refused datagram from 127.0.0.1 port ${CPORTS[2]}: 2 peers already (--max-conns)" "$T/srv.err"
	[ "$(count_lines "$T/srv.err" '^connect to ')" -eq 2 ]
	[ "$(sed -n 2p "$T/cli.out")" = "0:a" ]
	[ "$(sed -n 4p "$T/cli.out")" = "1:b" ]
	# The two idle out; the third peer then gets a program.
	wait_for 10 lines_ge "$T/srv.err" '\(idle\)' 2
	touch "$T/go"
	bg_wait cli
	[ "$BG_STATUS" -eq 0 ]
	[ "$(sed -n 7p "$T/cli.out")" = "2:c2" ]
	grep -qx "connect to \[any\] from (UNKNOWN) \[127.0.0.1\] ${CPORTS[2]}" "$T/srv.err"
	running srv
}

@test "--deny refuses a peer before any program runs, with a -v note; other peers are served" {
	start_server srv --deny 127.0.0.1 -c 'echo "pid $$ $SOCKCAT_REMOTE_ADDR"; exec cat'
	clients v4 127.0.0.1 1 's:0:x\n' 'q:0:0.5'
	bg_wait v4
	[ "$BG_STATUS" -eq 0 ]
	[ "$(cat "$T/v4.out")" = "0:nothing" ]
	grep -qFx "sockcat: refused datagram from 127.0.0.1 port ${CPORTS[0]}: not allowed by --allow/--deny" "$T/srv.err"
	no_children "$SPID"
	clients v6 ::1 1 's:0:y\n' 'l:0:2'
	bg_wait v6
	[ "$BG_STATUS" -eq 0 ]
	[ "$(sed -n 2p "$T/v6.out")" = "0:y" ]
	[ "$(count_lines "$T/srv.err" '^connect to ')" -eq 1 ]
}

@test "IPv6: peers on ::1 get their own programs and answers, next to an IPv4 peer" {
	start_server srv -c 'echo "pid $$ $SOCKCAT_REMOTE_ADDR $SOCKCAT_REMOTE_PORT"; exec cat'
	clients v6 ::1 2 's:0:six\n' 'l:0:2' 's:1:six-b\n' 'l:1:2' "w:$T/go"
	local v6ports=("${CPORTS[@]}")
	wait_for 10 file_has "$T/v6.out" "1:six-b"
	clients v4 127.0.0.1 1 's:0:four\n' 'l:0:2'
	bg_wait v4
	[ "$BG_STATUS" -eq 0 ]
	touch "$T/go"
	bg_wait v6
	[ "$BG_STATUS" -eq 0 ]
	[ "$(cat "$T/v6.out")" = "0:pid $(prog_pid v6 0) ::1 ${v6ports[0]}
0:six
1:pid $(prog_pid v6 1) ::1 ${v6ports[1]}
1:six-b" ]
	[ "$(cat "$T/v4.out")" = "0:pid $(prog_pid v4 0) 127.0.0.1 ${CPORTS[0]}
0:four" ]
	[ "$(prog_pid v6 0)" != "$(prog_pid v6 1)" ]
	grep -qx "connect to \[any\] from (UNKNOWN) \[::1\] ${v6ports[0]}" "$T/srv.err"
	grep -qx "connect to \[any\] from (UNKNOWN) \[::1\] ${v6ports[1]}" "$T/srv.err"
	grep -qx "connect to \[any\] from (UNKNOWN) \[127.0.0.1\] ${CPORTS[0]}" "$T/srv.err"
}

@test "a program whose input is full has later datagrams dropped and counted, with one -v note" {
	# sleep never reads: 64 KiB fill the pipe, then 1 MiB the queue.
	start_server srv --idle-timeout 1 -c 'echo "pid $$"; exec sleep 29.5'
	local args=('s:0:hi\n' 'l:0:1') i n
	for i in $(seq 24); do
		args+=('big:0:65000' 'p:0.01')
	done
	clients cli 127.0.0.1 1 "${args[@]}"
	bg_wait cli 20
	[ "$BG_STATUS" -eq 0 ]
	wait_for 10 file_has "$T/srv.err" "(idle)"
	[ "$(count_lines "$T/srv.err" '^sockcat: dropping datagrams')" -eq 1 ]
	grep -qFx "sockcat: dropping datagrams from 127.0.0.1 port ${CPORTS[0]}: its program's input is full (1 MiB waiting)" "$T/srv.err"
	n=$(sed -n 's/^sockcat: closed .* (idle): program status 143, sent [0-9]*, rcvd [0-9]*, \([0-9]*\) datagrams dropped$/\1/p' "$T/srv.err")
	# 24 x 65000 bytes are 1.5 MiB: the pipe takes 64 KiB, the queue 1 MiB
	# (about 17 datagrams in all), the rest is dropped.
	((n >= 2 && n <= 10))
}

@test "datagrams queued for a slow program reach it whole and in order while it drains the queue" {
	# The program reads 4 KiB at a time with pauses, so the queue fills
	# at its end while it is drained from its start: it wraps around.
	cat >"$T/slow.py" <<-EOF
		import os, sys, time
		want, got = $((20 * 29997)), b""
		time.sleep(0.05)
		while len(got) < want:
		    chunk = os.read(0, 4096)
		    if not chunk:
		        break
		    got += chunk
		    time.sleep(0.005)
		open("$T/got", "wb").write(got)
		print("read", len(got), flush=True)
	EOF
	start_server srv -c "exec python3 $T/slow.py"
	local args=() pl i
	: >"$T/want"
	for i in $(seq -w 1 20); do
		# 3333 nine-byte marks, each naming its place and its datagram.
		printf -v pl "%05d.$i|" $(seq 0 3332)
		printf '%s' "$pl" >>"$T/want"
		args+=("s:0:$pl" 'p:0.02')
	done
	clients cli 127.0.0.1 1 "${args[@]}" 'l:0:1'
	bg_wait cli 20
	[ "$BG_STATUS" -eq 0 ]
	[ "$(cat "$T/cli.out")" = "0:read $((20 * 29997))" ]
	cmp "$T/want" "$T/got"
	wait_for 5 file_has "$T/srv.err" "(done)"
	grep -qFx "sockcat: closed 127.0.0.1 port ${CPORTS[0]} (done): program status 0, sent 12, rcvd $((20 * 29997))" "$T/srv.err"
}

@test "SIGTERM to the server ends every program, reaps them all, and the server dies by SIGTERM" {
	start_server srv -c 'echo "pid $$"; exec sleep 29.5'
	clients cli 127.0.0.1 2 's:0:a\n' 'l:0:1' 's:1:b\n' 'l:1:1'
	bg_wait cli
	[ "$BG_STATUS" -eq 0 ]
	local p0 p1
	p0=$(prog_pid cli 0)
	p1=$(prog_pid cli 1)
	child_of "$SPID" "$p0"
	child_of "$SPID" "$p1"
	kill -TERM "$SPID"
	bg_wait srv 5
	[ "$BG_STATUS" -eq 143 ]
	# sockcat itself reaped both: it reports their statuses.
	[ "$(count_lines "$T/srv.err" '^sockcat: closed 127\.0\.0\.1 port [0-9]+ \(signal\): program status 143, sent [0-9]+, rcvd 2$')" -eq 2 ]
	wait_for 1 reaped "$p0"
	wait_for 1 reaped "$p1"
}

@test "the programs of a server killed with SIGKILL are ended by its watchman, not left running" {
	start_server srv -c 'echo "pid $$"; exec sleep 29.5'
	clients cli 127.0.0.1 3 's:0:a\n' 'l:0:1' 's:1:b\n' 'l:1:1' \
	    's:2:c\n' 'l:2:1'
	bg_wait cli
	[ "$BG_STATUS" -eq 0 ]
	local p0 p1 p2
	p0=$(prog_pid cli 0)
	p1=$(prog_pid cli 1)
	p2=$(prog_pid cli 2)
	child_of "$SPID" "$p0"
	child_of "$SPID" "$p2"
	kill -KILL "$SPID"
	bg_wait srv 5
	# The watchman passes SIGTERM on; sleep dies of it at once.
	wait_for 3 reaped "$p0"
	wait_for 3 reaped "$p1"
	wait_for 3 reaped "$p2"
}

@test "SIGINT to the server kills a program that ignores SIGTERM 2 seconds later, and the server dies by SIGINT" {
	start_server srv -c 'trap "" TERM; echo "pid $$"; exec sleep 29.5'
	clients cli 127.0.0.1 1 's:0:a\n' 'l:0:1'
	bg_wait cli
	[ "$BG_STATUS" -eq 0 ]
	local p start elapsed
	p=$(prog_pid cli 0)
	_now
	start=$_NOW
	kill -INT "$SPID"
	bg_wait srv 6
	elapsed=$(ms_since "$start")
	[ "$BG_STATUS" -eq 130 ]
	((elapsed >= 1800 && elapsed < 5000))
	grep -qE '^sockcat: closed 127\.0\.0\.1 port [0-9]+ \(signal\): program status 137, sent [0-9]+, rcvd 2$' "$T/srv.err"
	wait_for 1 reaped "$p"
}

@test "--json reports an accept event and a close event for each peer" {
	bg srv "$SOCKCAT" -n --json -u -k -l 0 --port-file "$T/port" \
	    -c 'read line; echo "$line"'
	wait_for 10 test -s "$T/port"
	PORT=$(<"$T/port")
	clients cli 127.0.0.1 2 's:0:one\n' 'l:0:1' 's:1:two\n' 'l:1:1'
	bg_wait cli
	[ "$BG_STATUS" -eq 0 ]
	wait_for 5 lines_ge "$T/srv.err" '"event":"close"' 2
	local i
	for i in 0 1; do
		grep -qFx "{\"event\":\"accept\",\"proto\":\"udp\",\"local_address\":\"any\",\"local_port\":$PORT,\"remote_address\":\"127.0.0.1\",\"remote_port\":${CPORTS[$i]}}" "$T/srv.err"
		grep -qE "^\{\"event\":\"close\",\"sent\":4,\"received\":4,\"duration_ms\":[0-9]+,\"end\":\"done\",\"remote_address\":\"127\.0\.0\.1\",\"remote_port\":${CPORTS[$i]},\"status\":0,\"dropped\":0\}\$" "$T/srv.err"
	done
}

@test "-o logs each peer's datagrams as < lines and its program's answers as > lines" {
	# tr answers at the end of its input: the idle timeout's EOF.
	start_server srv -o "$T/dump" --idle-timeout 0.5 -e 'tr a-z A-Z'
	clients cli 127.0.0.1 1 's:0:hello\n' 'l:0:1'
	bg_wait cli
	[ "$BG_STATUS" -eq 0 ]
	[ "$(cat "$T/cli.out")" = "0:HELLO" ]
	wait_for 5 file_has "$T/dump" "# HELLO."
	printf '%s' "< 00000000 68 65 6c 6c 6f 0a                               # hello.
> 00000000 48 45 4c 4c 4f 0a                               # HELLO.
" | cmp - "$T/dump"
}

@test "-w 1 ends the server with status 1 when no datagram comes, and with 0 once its peers are served and gone" {
	run --separate-stderr sc -n -u -k -l 0 -w 1 -c cat
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[[ $stderr =~ ^sockcat:\ no\ connection\ on\ port\ [0-9]+\ within\ -w\ 1$ ]]

	start_server srv -w 1 -c 'read line; echo "$line"'
	clients cli 127.0.0.1 1 's:0:x\n' 'l:0:1'
	bg_wait cli
	[ "$BG_STATUS" -eq 0 ]
	bg_wait srv 5
	[ "$BG_STATUS" -eq 0 ]
	grep -qF "(done): program status 0" "$T/srv.err"
}

@test "the server sleeps while its programs are idle" {
	start_server srv -c 'exec cat'
	clients cli 127.0.0.1 2 's:0:a\n' 'l:0:1' 's:1:b\n' 'l:1:1' "w:$T/go"
	wait_for 10 file_has "$T/cli.out" "1:b"
	local ticks
	ticks=$(cpu_ticks_during "$SPID" 1)
	((ticks <= 2))
	touch "$T/go"
	bg_wait cli
	[ "$BG_STATUS" -eq 0 ]
}
