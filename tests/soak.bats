bats_require_minimum_version 1.5.0
load helpers/common
setup() { common_setup; }
teardown() { common_teardown; }

# soak.bats -- load and soak: thousands of sequential clients against one -k
# listener, in stdio mode and with -e; many concurrent clients with -k -e;
# idle connections that must not use CPU. Each checks that every client was
# served and that the listener's descriptors and memory come back to where
# they were.
#
# Default: 2,000 sequential clients, 100 concurrent, 3 s idle.
# SOCKCAT_LONG=1: 10,000 sequential, 500 concurrent, 10 s idle.
# The clients are a python3 loop (helpers/faults.py): 10,000 sockcat
# processes started from bash would measure bash, not sockcat.

FAULTS=$BATS_TEST_DIRNAME/helpers/faults.py

if [[ ${SOCKCAT_LONG:-} == 1 ]]; then
	SEQ=10000
	CONC=500
	IDLE=10
	LOAD_SECS=300
else
	SEQ=2000
	CONC=100
	IDLE=3
	LOAD_SECS=60
fi

# start_listener NAME ARGS...: `sockcat -n -v ARGS... -l 0` as job NAME,
# under LOAD_SECS; sets PORT and LPID (sockcat's own PID). An ASan build
# (make check-sanitize) keeps freed memory in quarantine, which would look
# like growth: it gets none (other builds ignore ASAN_OPTIONS).
start_listener() {
	local name=$1
	shift
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0 \
	    BG_TIMEOUT=$((LOAD_SECS + 30)) bg "$name" "$SOCKCAT" -n -v "$@" -l 0
	PORT=$(listen_port "$name")
	LPID=$(bg_cmd_pid "$name")
}

# clients COUNT EXPECT: faults.py seq-clients, COUNT clients one after
# another; the reply must be the line (echo) or nothing (empty).
clients() {
	run --separate-stderr timeout $((LOAD_SECS + 10)) python3 "$FAULTS" \
	    seq-clients --port "$PORT" --count "$1" --expect "$2" \
	    --timeout "$LOAD_SECS"
	if [ "$status" -ne 0 ]; then
		echo "seq-clients: status $status: $stderr"
		return 1
	fi
}

# status_kb PID FIELD: a field of /proc/PID/status in kB (VmRSS, VmHWM).
status_kb() {
	awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"
}

# children PID: PIDs of PID's child processes, zombies included.
children() {
	ps --ppid "$1" -o pid= | tr -d ' '
}

no_children() {
	[[ -z $(children "$1") ]]
}

# cpu_ns PID: CPU time PID has used, in nanoseconds: exact from
# /proc/PID/schedstat where the kernel keeps it, else clock ticks.
cpu_ns() {
	local s
	if s=$(cat "/proc/$1/schedstat" 2>/dev/null) && [[ ${s%% *} != 0 ]]; then
		echo "${s%% *}"
	else
		echo $(($(cpu_ticks "$1") * 1000000000 / $(getconf CLK_TCK)))
	fi
}

# accepted NAME N: NAME's stderr holds at least N accept lines.
accepted() {
	(($(grep -c '^connect to \[' "$T/$1.err") >= $2))
}

# baseline: the listener's descriptors and resident memory, into FD0/RSS0.
baseline() {
	FD0=$(fd_count "$LPID")
	RSS0=$(status_kb "$LPID" VmRSS)
}

# compare: the listener is back to its baseline descriptors, and its
# resident memory has grown by at most 1 MiB.
compare() {
	local fd rss
	fd=$(fd_count "$LPID")
	rss=$(status_kb "$LPID" VmRSS)
	echo "listener: fds $FD0 -> $fd, VmRSS $RSS0 kB -> $rss kB"
	[ "$fd" -eq "$FD0" ]
	((rss - RSS0 <= 1024))
}

@test "$SEQ sequential clients of one -l -k listener in stdio mode: every line reaches stdout, no fd or RSS growth" {
	# stdin is /dev/null: each session half-closes at once and ends when
	# the client has sent its line and half-closed.
	start_listener lst -k
	# Warm up: first-time allocations are not a leak.
	clients 20 empty
	wait_for 5 accepted lst 20
	baseline
	clients "$SEQ" empty
	wait_for 10 accepted lst $((SEQ + 20))
	# Every client's line, in order, exactly once.
	{
		seq -f 'client %g' 0 19
		seq -f 'client %g' 0 $((SEQ - 1))
	} | cmp - "$T/lst.out"
	[ "$(grep -c '^connect to \[' "$T/lst.err")" -eq $((SEQ + 20)) ]
	compare
	running lst
	echo "served $((SEQ + 20)) clients"
}

@test "$SEQ sequential clients of one -l -k -e cat listener: each gets its line back, no fd or RSS growth, no worker left" {
	start_listener lst -k -e cat
	# Every session now runs in the listener's own process, so its heap
	# serves them all: ASan's allocator takes about 600 sessions to reach
	# its plateau (glibc's far fewer).  Growth after that is a leak.
	clients 600 echo
	wait_for 5 no_children "$LPID"
	baseline
	clients "$SEQ" echo
	wait_for 10 no_children "$LPID"
	[ "$(grep -c '^connect to \[' "$T/lst.err")" -eq $((SEQ + 600)) ]
	compare
	running lst
	echo "served $((SEQ + 600)) clients"
}

# conc_round N: $CONC clients connect at once (files $T/*.N), each is
# echoed by its own program, then they all go; the listener reaps them.
conc_round() {
	local r=$1 n
	BG_TIMEOUT=$LOAD_SECS bg "cli$r" python3 "$FAULTS" conc-clients \
	    --port "$PORT" --count "$CONC" --ready "$T/ready.$r" \
	    --go "$T/go.$r" --served "$T/served.$r" --timeout "$LOAD_SECS"
	_wait_job "cli$r" "$LOAD_SECS" "all connections echoed" \
	    test -s "$T/ready.$r"
	# Every client has its own program at this moment.
	n=$(children "$LPID" | wc -l)
	echo "programs while all $CONC clients are connected: $n"
	[ "$n" -eq "$CONC" ]
	touch "$T/go.$r"
	bg_wait "cli$r" "$LOAD_SECS"
	[ "$BG_STATUS" -eq 0 ]
	[ "$(cat "$T/served.$r")" -eq "$CONC" ]
	wait_for 10 no_children "$LPID"
}

@test "$CONC concurrent clients of a -k -e cat listener with --max-conns $CONC: all served at once, no zombie, fds back to baseline" {
	start_listener lst -k -e cat --max-conns "$CONC"
	# The sessions run in the listener's process: the first round's
	# allocations (ASan's allocator grows by a megabyte for them) are
	# not a leak; the second round must not grow it.
	conc_round 1
	baseline
	conc_round 2
	run ! grep -F 'max-conns' "$T/lst.err"
	compare
	running lst
}

@test "an idle connection for $IDLE s costs under 10 ms of CPU in the client and in the listener" {
	pipe_open lst
	pipe_open cli
	bg lst "$SOCKCAT" -n -v -l 0
	PORT=$(listen_port lst)
	bg cli "$SOCKCAT" -n -v 127.0.0.1 "$PORT"
	wait_for 5 file_has "$T/lst.err" "connect to ["
	wait_for 5 file_has "$T/cli.err" " open"
	local lpid cpid l0 c0 l1 c1
	lpid=$(bg_cmd_pid lst)
	cpid=$(bg_cmd_pid cli)
	l0=$(cpu_ns "$lpid")
	c0=$(cpu_ns "$cpid")
	sleep "$IDLE" # the measurement period: nothing happens
	l1=$(cpu_ns "$lpid")
	c1=$(cpu_ns "$cpid")
	echo "CPU over $IDLE s: listener $(((l1 - l0) / 1000)) us, client $(((c1 - c0) / 1000)) us"
	((l1 - l0 < 10000000))
	((c1 - c0 < 10000000))
	# Still connected both ways after the idle time.
	pipe_write cli $'to listener\n'
	pipe_write lst $'to client\n'
	wait_for 5 file_has "$T/lst.out" 'to listener'
	wait_for 5 file_has "$T/cli.out" 'to client'
}

@test "an idle -k -e session for $IDLE s costs under 10 ms of CPU in the listener, its program and the client" {
	pipe_open cli
	bg lst "$SOCKCAT" -n -v -k -l 0 -e cat
	PORT=$(listen_port lst)
	bg cli "$SOCKCAT" -n 127.0.0.1 "$PORT"
	pipe_write cli $'hello\n'
	wait_for 5 file_has "$T/cli.out" hello
	local lpid wpid cpid l0 w0 c0 l1 w1 c1
	lpid=$(bg_cmd_pid lst)
	wpid=$(children "$lpid")
	[[ $wpid =~ ^[0-9]+$ ]]
	cpid=$(bg_cmd_pid cli)
	l0=$(cpu_ns "$lpid")
	w0=$(cpu_ns "$wpid")
	c0=$(cpu_ns "$cpid")
	sleep "$IDLE" # the measurement period: nothing happens
	l1=$(cpu_ns "$lpid")
	w1=$(cpu_ns "$wpid")
	c1=$(cpu_ns "$cpid")
	echo "CPU over $IDLE s: listener $(((l1 - l0) / 1000)) us, program $(((w1 - w0) / 1000)) us, client $(((c1 - c0) / 1000)) us"
	((l1 - l0 < 10000000))
	((w1 - w0 < 10000000))
	((c1 - c0 < 10000000))
	pipe_write cli $'again\n'
	wait_for 5 file_has "$T/cli.out" again
}
