bats_require_minimum_version 1.5.0
load helpers/common

# faults.bats -- sockcat under faults: a read error on stdin; slow readers on
# either side and a full-duplex transfer, checked by SHA-256; a peer that
# never reads (memory stays bounded); SIGINT, SIGTERM and SIGHUP while
# connecting, during a proxy handshake, while listening with workers, in a
# Unix datagram client (nothing left behind) and on a terminal (its modes
# unchanged); running out of descriptors (EMFILE) in a -k -e listener and
# in a --broker.
#
# Transfers are 64 MiB; SOCKCAT_LONG=1 makes them 1 GiB. Streams are made
# and hashed on the fly by helpers/faults.py, never stored. Covered
# elsewhere and not repeated: resets and stdout closed early (eof.bats, tcp.bats),
# signals to a connected sockcat (eof.bats) and to a -lU listener
# (unix.bats), 8 MiB each way between two sockcats (tcp.bats).

FAULTS=$BATS_TEST_DIRNAME/helpers/faults.py

if [[ ${SOCKCAT_LONG:-} == 1 ]]; then
	BIG=1G
	BIG_SECS=600
else
	BIG=64M
	BIG_SECS=120
fi

setup() { common_setup; }

teardown() {
	# A program a broken listener left behind is ours too: the tests that
	# start one record its PID here.
	local pid
	if [[ -f $T/orphans ]]; then
		while read -r pid; do
			[[ $pid =~ ^[0-9]+$ ]] || continue
			if [[ $(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline") == "cat " ]]; then
				kill -KILL "$pid" 2>/dev/null || true
			fi
		done <"$T/orphans"
	fi
	common_teardown
}

# fserver NAME SUBCOMMAND ARGS...: start faults.py SUBCOMMAND as job NAME
# (under BG_SECS, default 60) and set PORT to its port.
fserver() {
	local name=$1
	shift
	BG_TIMEOUT=${BG_SECS:-60} bg "$name" python3 "$FAULTS" "$@" \
	    --timeout "${BG_SECS:-60}" --port-file "$T/$name.port"
	PORT=$(peer_port "$name")
}

# same_sum A B: sum files A and B name the same SHA-256 and byte count.
same_sum() {
	local a b
	a=$(cat "$1")
	b=$(cat "$2")
	echo "sums: $a / $b"
	[[ -n $a && $a == "$b" ]]
}

# file_sum FILE: the sum line of FILE, as faults.py writes it.
file_sum() {
	printf '%s %s\n' "$(sha256sum <"$1" | cut -d' ' -f1)" "$(wc -c <"$1")"
}

# sig_status SIG: the status a shell reports for death by SIG.
sig_status() {
	echo $((128 + $(kill -l "$1")))
}

# children PID: PIDs of PID's child processes, zombies included.
children() {
	ps --ppid "$1" -o pid= | tr -d ' '
}

# no_children PID: PID has no child process, not even a zombie.
no_children() {
	[[ -z $(children "$1") ]]
}

# gone PID: no such process, or only a zombie left for init to reap.
gone() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
	stat=${stat##*) }
	[[ ${stat%% *} == Z ]]
}

# sock_state PID STATE PORT: PID has a TCP socket in STATE (ss's name, e.g.
# syn-sent, established) towards 127.0.0.1 PORT.
sock_state() {
	ss -Htnp state "$2" "( dport = :$3 )" 2>/dev/null | grep -q "pid=$1,"
}

# queued PORT: the length of the accept queue of the listener on PORT.
queued() {
	ss -Hltn "( sport = :$1 )" | awk '{ print $2; exit }'
}

# status_kb PID FIELD: a field of /proc/PID/status in kB (VmHWM, VmRSS).
status_kb() {
	awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"
}

# lowest_free_fd PID: the lowest descriptor number PID has not open.
lowest_free_fd() {
	local n=0
	while [[ -e /proc/$1/fd/$n ]]; do
		n=$((n + 1))
	done
	echo "$n"
}

# steady FILE MS: FILE's content has not changed for MS milliseconds (for
# wait_for; the first call starts the clock).
_steady_val=
_steady_since=0
steady() {
	local v
	v=$(cat "$1" 2>/dev/null) || v=
	_now
	if [[ $v != "$_steady_val" ]]; then
		_steady_val=$v
		_steady_since=$_NOW
		return 1
	fi
	((_NOW - _steady_since >= $2 * 1000))
}

# accept_lines NAME: the number of -v accept lines in NAME's stderr.
accept_lines() {
	grep -c '^connect to \[' "$T/$1.err" || true
}

# accepts_steady NAME MS: NAME's accept-line count unchanged for MS ms.
accepts_steady() {
	accept_lines "$1" >"$T/$1.accepts"
	steady "$T/$1.accepts" "$2"
}

# --- stdin read error ---------------------------------------------------------

@test "a read error on stdin (a directory) exits 1 naming stdin; the peer gets a FIN and all it sent still reaches stdout" {
	fserver srv source --bytes 1M --sum "$T/srv.sum"
	mkdir "$T/dir"
	run --separate-stderr bash -c '
	    timeout 10 "$SOCKCAT" 127.0.0.1 "$1" <"$2" >"$3"' _ \
	    "$PORT" "$T/dir" "$T/got"
	[ "$status" -eq 1 ]
	[ "$stderr" = "sockcat: read from stdin: Is a directory" ]
	file_sum "$T/got" >"$T/got.sum"
	# The source only ends once it has read EOF: sockcat half-closed.
	bg_wait srv
	[ "$BG_STATUS" -eq 0 ]
	same_sum "$T/srv.sum" "$T/got.sum"
}

# --- slow readers and full duplex ---------------------------------------------

@test "$BIG from stdin reach a peer that reads slowly through a small buffer, SHA-256 equal" {
	BG_SECS=$BIG_SECS fserver srv sink --slow --rcvbuf 32K --sum "$T/srv.sum"
	BG_TIMEOUT=$BIG_SECS bg sc bash -c '
	    set -o pipefail
	    python3 "$1" gen --bytes "$2" --sum "$3" --timeout "$5" |
	    "$SOCKCAT" 127.0.0.1 "$4"' _ "$FAULTS" "$BIG" "$T/gen.sum" "$PORT" \
	    "$BIG_SECS"
	bg_wait sc "$BIG_SECS"
	[ "$BG_STATUS" -eq 0 ]
	bg_wait srv
	[ "$BG_STATUS" -eq 0 ]
	same_sum "$T/gen.sum" "$T/srv.sum"
	[ ! -s "$T/sc.err" ]
}

@test "$BIG from a peer reach a slow reader of stdout, SHA-256 equal" {
	BG_SECS=$BIG_SECS fserver srv source --bytes "$BIG" --sum "$T/srv.sum"
	BG_TIMEOUT=$BIG_SECS bg sc bash -c '
	    set -o pipefail
	    "$SOCKCAT" 127.0.0.1 "$2" </dev/null |
	    python3 "$1" hash --slow --sum "$3" --timeout "$4"' _ "$FAULTS" \
	    "$PORT" "$T/out.sum" "$BIG_SECS"
	bg_wait sc "$BIG_SECS"
	[ "$BG_STATUS" -eq 0 ]
	bg_wait srv
	[ "$BG_STATUS" -eq 0 ]
	same_sum "$T/srv.sum" "$T/out.sum"
	[ ! -s "$T/sc.err" ]
}

@test "$BIG each way at once between stdio and a full-duplex peer, both SHA-256 equal" {
	BG_SECS=$BIG_SECS fserver srv duplex --bytes "$BIG" \
	    --sent-sum "$T/srv.sent" --recv-sum "$T/srv.recv"
	BG_TIMEOUT=$BIG_SECS bg sc bash -c '
	    set -o pipefail
	    python3 "$1" gen --bytes "$2" --sum "$3" --timeout "$6" |
	    "$SOCKCAT" 127.0.0.1 "$4" |
	    python3 "$1" hash --sum "$5" --timeout "$6"' _ "$FAULTS" "$BIG" \
	    "$T/gen.sum" "$PORT" "$T/out.sum" "$BIG_SECS"
	bg_wait sc "$BIG_SECS"
	[ "$BG_STATUS" -eq 0 ]
	bg_wait srv
	[ "$BG_STATUS" -eq 0 ]
	same_sum "$T/gen.sum" "$T/srv.recv"
	same_sum "$T/srv.sent" "$T/out.sum"
	[ ! -s "$T/sc.err" ]
}

# --- a peer that never reads --------------------------------------------------

@test "memory stays bounded when the peer stops reading: peak RSS after 16 MiB and after 128 MiB differ by under 4 MiB" {
	# The peer reads exactly 16 MiB, stops, then on go.1 reads up to
	# 128 MiB and stops again; the feeder offers 512 MiB. Each time the
	# feeder has been stuck for 0.5 s, sockcat holds what it will hold.
	fserver srv staged-sink --stages 16M,128M --progress "$T/srv.progress" \
	    --go "$T/go" --rcvbuf 16K
	mkfifo "$T/sc.in"
	bg feed bash -c 'exec python3 "$1" gen --bytes 512M --chunk 64K \
	    --progress "$2" --timeout 60 >"$3"' _ "$FAULTS" "$T/feed.progress" \
	    "$T/sc.in"
	bg sc "$SOCKCAT" -n 127.0.0.1 "$PORT"
	local pid hwm1 hwm2 fed1 fed2 inflight
	pid=$(bg_cmd_pid sc)

	wait_for 30 file_has "$T/srv.progress" 16777216
	wait_for 20 steady "$T/feed.progress" 500
	hwm1=$(status_kb "$pid" VmHWM)
	fed1=$(cat "$T/feed.progress")
	inflight=$((fed1 - 16777216))
	echo "16 MiB read by the peer: VmHWM ${hwm1} kB, ${inflight} bytes offered but not read by the peer"
	((inflight < 16 * 1024 * 1024))

	touch "$T/go.1"
	wait_for 60 file_has "$T/srv.progress" 134217728
	wait_for 20 steady "$T/feed.progress" 500
	hwm2=$(status_kb "$pid" VmHWM)
	fed2=$(cat "$T/feed.progress")
	inflight=$((fed2 - 134217728))
	echo "128 MiB read by the peer: VmHWM ${hwm2} kB, ${inflight} bytes offered but not read by the peer"
	((inflight < 16 * 1024 * 1024))
	((hwm2 - hwm1 < 4096))
	running sc
}

# --- signals at any point -----------------------------------------------------

@test "SIGINT, SIGTERM and SIGHUP while connecting to a port that never answers give 130, 143 and 129 and start no program" {
	# A full accept queue: the kernel drops further SYNs, so connect hangs.
	fserver srv full-backlog
	local sig pid
	for sig in INT TERM HUP; do
		bg "sc$sig" "$SOCKCAT" -n 127.0.0.1 "$PORT" \
		    -c "echo started >>'$T/started'"
		pid=$(bg_cmd_pid "sc$sig")
		wait_for 5 sock_state "$pid" syn-sent "$PORT"
		no_children "$pid"
		kill -s "$sig" "$pid"
		bg_wait "sc$sig" 5
		echo "SIG$sig: status $BG_STATUS"
		[ "$BG_STATUS" -eq "$(sig_status "$sig")" ]
		[ ! -s "$T/sc$sig.out" ]
		[ ! -s "$T/sc$sig.err" ]
	done
	[ ! -e "$T/started" ]
}

@test "SIGINT, SIGTERM and SIGHUP during a proxy handshake that gets no answer give 130, 143 and 129 at once" {
	local sig pid start
	for sig in INT TERM HUP; do
		bg "px$sig" python3 "$PEER" silent --port-file "$T/px$sig.port"
		PORT=$(peer_port "px$sig")
		bg "sc$sig" "$SOCKCAT" -x "127.0.0.1:$PORT" -X connect \
		    example.invalid 80
		pid=$(bg_cmd_pid "sc$sig")
		wait_for 5 sock_state "$pid" established "$PORT"
		_now
		start=$_NOW
		kill -s "$sig" "$pid"
		bg_wait "sc$sig" 5
		_now
		echo "SIG$sig: status $BG_STATUS after $(((_NOW - start) / 1000)) ms"
		[ "$BG_STATUS" -eq "$(sig_status "$sig")" ]
		((_NOW - start < 2000000))
		[ ! -s "$T/sc$sig.out" ]
		[ ! -s "$T/sc$sig.err" ]
	done
}

@test "SIGINT, SIGTERM and SIGHUP to a TCP -k -e listener waiting for clients give 130, 143 and 129" {
	local sig pid
	for sig in INT TERM HUP; do
		bg "lst$sig" "$SOCKCAT" -n -v -k -l 0 -e cat
		listen_port "lst$sig" >/dev/null
		pid=$(bg_cmd_pid "lst$sig")
		kill -s "$sig" "$pid"
		bg_wait "lst$sig" 5
		echo "SIG$sig: status $BG_STATUS"
		[ "$BG_STATUS" -eq "$(sig_status "$sig")" ]
		[ ! -s "$T/lst$sig.out" ]
	done
}

@test "SIGINT, SIGTERM and SIGHUP to a -lU -k -e listener serving a client: its status, no program left, socket file removed" {
	local sig pid progs p
	for sig in INT TERM HUP; do
		bg "lst$sig" "$SOCKCAT" -v -lU -k -e cat "$T/s$sig"
		wait_for 5 file_has "$T/lst$sig.err" "listening on [$T/s$sig]"
		pid=$(bg_cmd_pid "lst$sig")
		pipe_open "cli$sig"
		bg "cli$sig" "$SOCKCAT" -U "$T/s$sig"
		# The echo proves the program is running: the listener's child.
		pipe_write "cli$sig" $'ping\n'
		wait_for 5 file_has "$T/cli$sig.out" ping
		progs=$(children "$pid")
		[ -n "${progs// /}" ]
		echo "$progs" | tr ' ' '\n' >>"$T/orphans"
		kill -s "$sig" "$pid"
		bg_wait "lst$sig" 5
		echo "SIG$sig: status $BG_STATUS"
		[ "$BG_STATUS" -eq "$(sig_status "$sig")" ]
		[ ! -e "$T/s$sig" ]
		for p in $progs; do
			wait_for 1 gone "$p"
		done
	done
}

@test "SIGINT, SIGTERM and SIGHUP to a Unix datagram client give 130, 143 and 129 and remove its private receive folder" {
	bg lst "$SOCKCAT" -v -lUu "$T/srv"
	wait_for 5 file_has "$T/lst.err" "listening on [$T/srv]"
	mkdir "$T/tmp"
	local sig pid
	for sig in INT TERM HUP; do
		pipe_open "cli$sig"
		TMPDIR=$T/tmp bg "cli$sig" "$SOCKCAT" -Uu "$T/srv"
		pid=$(bg_cmd_pid "cli$sig")
		wait_for 5 compgen -G "$T/tmp/sockcat.*/s"
		kill -s "$sig" "$pid"
		bg_wait "cli$sig" 5
		echo "SIG$sig: status $BG_STATUS"
		[ "$BG_STATUS" -eq "$(sig_status "$sig")" ]
		run ! compgen -G "$T/tmp/*"
		pipe_close "cli$sig"
	done
}

@test "SIGINT to a sockcat on a terminal (stdin and stdout) gives 130 and leaves the terminal's modes and flags as they were" {
	bg srv python3 "$PEER" silent --port-file "$T/srv.port"
	PORT=$(peer_port srv)
	# Runs on the pty that script(1) makes; writes its findings to $T.
	cat >"$T/tty.sh" <<'EOS'
T=$1 PORT=$2
flags() {	# O_NONBLOCK of fd $1 of this shell: nonblock or block
	local info re="flags:[[:space:]]+([0-7]+)"
	info=$(</proc/$$/fdinfo/$1)
	[[ $info =~ $re ]] || return 1
	if ((8#${BASH_REMATCH[1]} & 04000)); then echo nonblock; else echo block; fi
}
[ -t 0 ] && [ -t 1 ] || { echo "not a terminal" >"$T/result"; exit 1; }
stty -g >"$T/before"
"$SOCKCAT" -n -v 127.0.0.1 "$PORT" <&0 >&1 2>"$T/sc.err" &
pid=$!
for _ in $(seq 250); do
	grep -q ' open$' "$T/sc.err" && break
	sleep 0.02
done
kill -INT "$pid"
wait "$pid"
echo "status $? stdin $(flags 0) stdout $(flags 1)" >"$T/result"
stty -g >"$T/after"
EOS
	# script's own stdin must not end: at its EOF it sends the terminal an
	# end of file, which would end sockcat before the signal.
	pipe_open tty
	bg tty script -qec "bash '$T/tty.sh' '$T' '$PORT'" /dev/null
	bg_wait tty 15
	cat "$T/result"
	[ "$(cat "$T/result")" = "status 130 stdin block stdout block" ]
	cmp "$T/before" "$T/after"
	grep -q ' open$' "$T/sc.err"
}

# --- running out of descriptors -----------------------------------------------

@test "EMFILE at accept in a -k -e listener: it neither exits nor spins, and serves again once descriptors are free" {
	command -v prlimit >/dev/null || skip "needs prlimit (util-linux)"
	bg lst "$SOCKCAT" -n -v -k -l 0 -e cat
	PORT=$(listen_port lst)
	local pid low soft i ticks st
	pid=$(bg_cmd_pid lst)
	run --separate-stderr sc -n 127.0.0.1 "$PORT" <<<first
	[ "$status" -eq 0 ]
	[ "$output" = first ]
	wait_for 5 no_children "$pid"

	# Every descriptor below the limit in use: the next accept gets EMFILE.
	soft=$(prlimit --pid "$pid" --nofile --noheadings --output SOFT)
	low=$(lowest_free_fd "$pid")
	prlimit --pid "$pid" --nofile="$low:"
	for i in 1 2 3; do
		printf 'c%s\n' "$i" >"$T/c$i.in"
		bg "c$i" "$SOCKCAT" -n 127.0.0.1 "$PORT"
	done
	# Each client is waiting in the accept queue or has been closed.
	settled() {
		local q left=0 i
		q=$(queued "$PORT")
		for i in 1 2 3; do
			running "c$i" && left=$((left + 1))
		done
		((q == left))
	}
	wait_for 5 settled
	sleep 0.2 # let a listener that is going to exit or spin do so
	if ! running lst; then
		echo "the listener exited:"
		cat "$T/lst.err"
		false
	fi
	ticks=$(cpu_ticks_during lst 1)
	echo "CPU over 1 s with clients pending and no descriptor free: $ticks ticks"
	((ticks <= 2))

	prlimit --pid "$pid" --nofile="$soft:"
	# Pending clients are served now; closed ones ended without data.
	for i in 1 2 3; do
		bg_wait "c$i" 10
		st=$(cat "$T/c$i.out")
		echo "client $i: status $BG_STATUS, got '$st'"
		if [[ -n $st ]]; then
			[ "$BG_STATUS" -eq 0 ]
			[ "$st" = "c$i" ]
		fi
	done
	run --separate-stderr sc -n 127.0.0.1 "$PORT" <<<later
	[ "$status" -eq 0 ]
	[ "$output" = later ]
	running lst
}

@test "EMFILE in a --broker under ulimit -n 16: 24 clients at once, no spin, the excess waits or is closed, and is served once the first ones leave" {
	pipe_open lst
	bg lst bash -c 'ulimit -n 16 && exec "$1" -n -v --broker -l 0' _ \
	    "$SOCKCAT"
	PORT=$(listen_port lst)
	bg flood python3 "$FAULTS" flood --port "$PORT" --count 24 \
	    --ready "$T/ready" --go "$T/go" --probe probe1 \
	    --result "$T/result" --done "$T/done"
	wait_for 10 test -s "$T/ready"
	# The broker has taken every client it can.
	wait_for 10 accepts_steady lst 500
	if ! running lst; then
		echo "the broker exited:"
		cat "$T/lst.err"
		false
	fi
	local ticks served closed pending list i
	ticks=$(cpu_ticks_during lst 1)
	echo "CPU over 1 s with $(accept_lines lst) of 24 clients accepted: $ticks ticks"
	((ticks <= 2))

	# The members are served: the probe reaches them.
	pipe_write lst $'probe1\n'
	touch "$T/go"
	wait_for 10 test -s "$T/result"
	{
		read -r _ served _ closed _ pending
		read -r list
	} <"$T/result"
	echo "served $served, closed $closed, pending $pending: $list"
	((served >= 1))
	# The limit did bite: not everyone got in at once.
	((served < 24))
	((served + closed + pending == 24))
	# The served clients have left: as many pending ones get in, and what
	# they sent long ago reaches stdout.
	pending_in() {
		local n=0 i
		for i in $list; do
			grep -qx "hello $i" "$T/lst.out" && n=$((n + 1))
		done
		echo "$n pending clients got in"
		((n >= (pending < served ? pending : served)))
	}
	wait_for 10 pending_in
	pending_in
	# Once everybody has left, a later client is served.
	touch "$T/done"
	bg_wait flood
	[ "$BG_STATUS" -eq 0 ]
	run --separate-stderr bash -c \
	    'printf "late\n" | timeout 10 "$SOCKCAT" -n 127.0.0.1 "$1"' _ "$PORT"
	[ "$status" -eq 0 ]
	wait_for 10 file_has "$T/lst.out" late
	running lst
}
