#!/usr/bin/env bash
# bench.sh -- sockcat against the netcats it replaces, on loopback.
#
#   tests/bench/bench.sh          (or `make bench`; not part of `make check`)
#
# Prints a markdown report on stdout (progress goes to stderr).  Every tool
# found with `command -v` is measured; missing ones are listed with the
# command that installs them.  Rounds alternate the tools: round 1 runs
# every tool once, then round 2, ...; the tables give medians.  Every
# transfer is verified (cmp, byte counts, intact UDP records), and a tool
# whose data does not arrive whole is shown as FAILED and cannot be the
# "best peer".  The bulk tables also show a "zero-copy ceiling" row:
# tests/bench/ceiling.c, built here, moves the same bytes with blocking
# splice/sendfile and nothing else (one direction, no poll, no options;
# 1 MiB pipes, SPLICE_F_MORE, a 512 KiB low-water mark into a pipe), so
# "time ÷ ceiling's" tells how close a tool gets to what this kernel can
# do on this machine today.  It is a reference, never the best peer.
#
# Environment:
#   BENCH_MB      bulk transfer size in MiB (default 1024)
#   BENCH_ROUNDS  timed rounds (default 5)
#   BENCH_ONLY    workloads to run (default all): file-null file-file pipes
#                 udp short-conns startup syscalls spawn relay
#                 (relay: sockcat --to against socat, systemd-socket-proxyd
#                 and ncat; skipped with a note if this sockcat has no --to)
#   SOCKCAT       the binary under test (default ./sockcat)
# Counts, scaled down (to a floor) when BENCH_MB < 1024:
#   BENCH_UDP_N (200000), BENCH_UDP_PACED_N (30% of BENCH_UDP_N, paced at
#   20,000/s, one round), BENCH_CONNS (2000; also the relay's short
#   exchanges per run), BENCH_CONN_SECONDS (4: a
#   short-connection run also stops after this long, so slow-starting
#   clients do not take minutes), BENCH_STARTS (300, split over the
#   rounds; BENCH_START_SECONDS (2) ends a tool's share of a round early),
#   BENCH_SPAWNS (2000: `-k` echo clients, one program each, per run, also
#   ended by BENCH_CONN_SECONDS), BENCH_SYSCALL_MB (256, at most BENCH_MB; a quarter of it for the peers
#   other than nc.openbsd, whose counts grow linearly and cost the most
#   under strace), BENCH_RELAY_IDLE (2000 idle relayed pairs held open
#   through sockcat, socat and proxyd for descriptors and memory per
#   pair; 0 skips that part; not scaled).  BENCH_HYPERFINE=1 times the client start-up
#   with hyperfine instead of a bash loop (hyperfine 1.15 has no --input,
#   so it needs a shell for the redirection and subtracts the shell's
#   start-up, which leaves runs near 0 ms on a noisy machine).
#
# Quick check: BENCH_MB=64 BENCH_ROUNDS=1 tests/bench/bench.sh (~1 minute).
#
# Traffic stays on 127.0.0.1.  Ports come from `benchlib.py freeport`
# (bind port 0, read, close), with a retry if the tool cannot bind it.
# Every process runs under timeout(1); only the PIDs started here are ever
# signalled.
#
# Command lines, checked against each tool's manual and by running them
# (each end must exit on its own once the data is through):
#   sockcat         recv: sockcat -l -d P >OUT   send: sockcat 127.0.0.1 P <IN
#                   (half-closes at EOF by default; -d: the receiver does not
#                   read stdin).  "sockcat (no splice)" adds --no-splice to
#                   both ends.  UDP: sockcat -u -l -w 1 P.
#   nc.openbsd      recv: nc.openbsd -l 127.0.0.1 P </dev/null   send: -N
#                   (the receiver exits when the sender closes: verified).
#   nc.traditional  recv: nc.traditional -l -p P </dev/null
#                   send: nc.traditional -q 0 127.0.0.1 P (all bytes arrive).
#   ncat            recv: ncat -l P --recv-only  send: ncat --send-only.
#   socat           recv: socat -u TCP-LISTEN:P,reuseaddr STDOUT
#                   send: socat -u STDIN TCP:127.0.0.1:P; UDP: UDP-RECV:P.
#                   Default buffer (-b 8192), as installed.
#   busybox nc      recv: busybox nc -l -p P   send: busybox nc 127.0.0.1 P
#                   ADJUSTED: Debian's busybox applet (no -q, -u, -k)
#                   half-closes at stdin EOF and exits as soon as the network
#                   side ends.  With the receiver's stdin at /dev/null the
#                   receiver half-closes at once and the sender quits with
#                   its data unsent (19 KiB of 64 MiB arrived).  Its
#                   receiver's stdin is therefore a FIFO this script holds
#                   open read-write: never readable, never at EOF.
# -k short connections (clients exit promptly with these flags): sockcat
#   -l -k -d / plain client; nc.openbsd -l -k / -N; ncat -l -k /
#   --send-only; socat -u TCP-LISTEN:P,fork,reuseaddr / socat -u - TCP:..
#   nc.traditional and busybox nc have no -k listener: skipped.
# Client start-up: the same client flags, nc.traditional -q 0, busybox
#   plain, against a Python sink that reads to EOF and closes.
# -k with a program per client (spawn): sockcat -l -k -c 'exec cat';
#   ncat -l -k --sh-exec cat; socat TCP-LISTEN:P,fork,reuseaddr EXEC:cat.
#   The netcats without such a listener are skipped.  Python echo clients.
# Relay (relay): a listener on 127.0.0.1:P forwarding each client to a
#   backend on 127.0.0.1:B, all serving clients at once:
#     sockcat -l -k -n 127.0.0.1 P --to 127.0.0.1:B   (one process)
#     socat TCP-LISTEN:P,bind=127.0.0.1,reuseaddr,fork TCP:127.0.0.1:B
#     systemd-socket-activate -l 127.0.0.1:P \
#         /lib/systemd/systemd-socket-proxyd 127.0.0.1:B
#       (or /usr/lib/systemd: not on PATH; the activator execs proxyd,
#       which serves every client from the one passed socket)
#     ncat -l -k 127.0.0.1 P --sh-exec 'ncat 127.0.0.1 B'
#   and "no relay" (the client straight to B) as the reference.  Bulk:
#   the ceiling's sender (sendfile, then close) into `benchlib.py
#   countsink` (splice to /dev/null, prints the byte count: verified).
#   Short exchanges: `benchlib.py echoes` (send 5 bytes, read the 5-byte
#   reply, close: no half-close first, which proxyd was seen to answer
#   with a lost reply) against `benchlib.py echod`.  Idle pairs: sockcat
#   --max-conns and proxyd -c raised to fit; ncat not run.  The
#   targets of issue 13 are printed under the table, met or not.

set -u
export LC_ALL=C

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BENCH=$ROOT/tests/bench
SOCKCAT=${SOCKCAT:-$ROOT/sockcat}
case $SOCKCAT in /*) ;; *) SOCKCAT=$PWD/$SOCKCAT ;; esac

MB=${BENCH_MB:-1024}
ROUNDS=${BENCH_ROUNDS:-5}
ALL_WORKLOADS="file-null file-file pipes udp short-conns startup syscalls spawn relay"
ONLY=${BENCH_ONLY:-$ALL_WORKLOADS}

die() { echo "bench.sh: $*" >&2; exit 2; }
say() { echo "bench [${SECONDS}s]: $*" >&2; }

case $MB in '' | *[!0-9]* | 0) die "BENCH_MB must be a positive integer" ;; esac
case $ROUNDS in '' | *[!0-9]* | 0) die "BENCH_ROUNDS must be a positive integer" ;; esac
case ${BENCH_RELAY_IDLE:-0} in *[!0-9]*) die "BENCH_RELAY_IDLE must be a number" ;; esac
for w in $ONLY; do
	case " $ALL_WORKLOADS " in *" $w "*) ;; *) die "unknown workload '$w' (known: $ALL_WORKLOADS)" ;; esac
done
[ -x "$SOCKCAT" ] || die "$SOCKCAT not found: run make first"
command -v timeout >/dev/null || die "timeout(1) is needed (coreutils)"
command -v python3 >/dev/null || die "python3 is needed"
# The interpreter itself: a version manager's shim costs ~50 ms per start.
PY=$(python3 -c 'import sys; print(sys.executable)') || die "python3 does not run"
LIB=$BENCH/benchlib.py
UDPB=$BENCH/udpblast.py

# DEFAULT FLOOR: DEFAULT scaled by BENCH_MB/1024, within [FLOOR, DEFAULT].
scaled() {
	local v=$(($1 * MB / 1024))
	((v > $1)) && v=$1
	((v < $2)) && v=$2
	echo "$v"
}
UDP_N=${BENCH_UDP_N:-$(scaled 200000 20000)}
PACED_N=${BENCH_UDP_PACED_N:-$((UDP_N * 3 / 10))}
CONNS=${BENCH_CONNS:-$(scaled 2000 200)}
CONN_SECONDS=${BENCH_CONN_SECONDS:-$(scaled 4 2)}
SPAWNS=${BENCH_SPAWNS:-$(scaled 2000 200)}
STARTS=${BENCH_STARTS:-$(scaled 300 30)}
START_SECONDS=${BENCH_START_SECONDS:-2}
SYS_MB=${BENCH_SYSCALL_MB:-256}
RELAY_IDLE=${BENCH_RELAY_IDLE:-2000}
((SYS_MB > MB)) && SYS_MB=$MB

# A process gets this long before timeout(1) ends it: generous, for the
# slowest peer moving BENCH_MB.
TMO=$((60 + MB / 10))

# ----------------------------------------------------------------- tools

PEERS="nc.openbsd nc.traditional ncat socat busybox"
TOOLS="sockcat"
MISSING=""
for t in $PEERS; do
	if [ "$t" = busybox ]; then
		if command -v busybox >/dev/null && busybox nc --help >/dev/null 2>&1; then
			TOOLS="$TOOLS $t"
		else
			MISSING="$MISSING busybox"
		fi
	elif command -v "$t" >/dev/null; then
		TOOLS="$TOOLS $t"
	else
		MISSING="$MISSING $t"
	fi
done
MISSING=${MISSING# }
BULK_TOOLS="sockcat sockcat-nosplice ${TOOLS#sockcat }"
busybox_udp() { busybox nc --help 2>&1 | grep -q -- '-u'; }

# ------------------------------------------------------------ work area

if [ -d /dev/shm ] && [ -w /dev/shm ]; then
	W=$(mktemp -d /dev/shm/sockcat-bench.XXXXXX) || die "mktemp failed"
else
	W=$(mktemp -d "${TMPDIR:-/tmp}/sockcat-bench.XXXXXX") || die "mktemp failed"
fi
RESULTS=$W/results.tsv
ERRLOG=$W/stderr.log
: > "$RESULTS"
IN=$W/data
SYS_IN=$W/data-syscalls

# PIDs started here and not yet reaped; only these are ever signalled.
declare -A LIVE=()
track() { LIVE[$1]=1; }
reap() { # PID...: wait for each; STATUS is the last one's exit status
	local p
	STATUS=0
	for p; do
		wait "$p"
		STATUS=$?
		unset "LIVE[$p]"
	done
}
stop() { # PID...: TERM each (timeout(1) passes it on), then reap
	local p
	for p; do
		kill -TERM "$p" 2>/dev/null
	done
	reap "$@"
}
cleanup() {
	local p
	for p in "${!LIVE[@]}"; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in "${!LIVE[@]}"; do
		wait "$p" 2>/dev/null
	done
	exec 8>&-
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A copy of the binary: a rebuild during the run cannot mix two versions.
SOCKCAT_VERSION=$("$SOCKCAT" --version 2>/dev/null | head -n 1 | awk '{ print $NF }')
if git -C "$ROOT" rev-parse --short HEAD >/dev/null 2>&1; then
	SOCKCAT_VERSION="$SOCKCAT_VERSION (git $(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet HEAD -- src 2>/dev/null || echo ', src modified'))"
fi
# (A noexec work area keeps the original.)
if cp "$SOCKCAT" "$W/sockcat" && "$W/sockcat" --version >/dev/null 2>&1; then
	SOCKCAT=$W/sockcat
fi

# The zero-copy ceiling (bulk workloads only): the same run's reference.
CEILING=$W/ceiling
if [ "$(uname -s)" = Linux ] &&
	${CC:-cc} -O2 -o "$CEILING" "$BENCH/ceiling.c" 2>>"$W/ceiling.log"; then
	BULK_TOOLS="ceiling $BULK_TOOLS"
else
	say "tests/bench/ceiling.c did not build (Linux and a C compiler needed): no ceiling row"
fi

# A FIFO held open read-write: a stdin that never has data and never ends
# (for busybox nc's receiver, see above).
mkfifo "$W/hold" || die "mkfifo failed"
exec 8<>"$W/hold"

record() { printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >> "$RESULTS"; }
note() { record "$1" - note "$2"; }
# Whether TOOL already failed in WORKLOAD.
has_failed() { grep -q "^$1	$2	fail	" "$RESULTS"; }
fail() { has_failed "$1" "$2" || record "$1" "$2" fail "$3"; say "$1 $2: FAILED ($3)"; }

usec() { local t=${EPOCHREALTIME/[.,]/}; echo "${t#0}"; }
secs() { # MICROSECONDS -> seconds with 6 decimals
	printf '%d.%06d' $(($1 / 1000000)) $(($1 % 1000000))
}

freeport() { "$PY" "$LIB" freeport; }

# Whether something is bound to PORT: LISTEN for tcp, any UDP socket.
bound() {
	local hex
	printf -v hex '%04X' "$1"
	if [ "$2" = tcp ]; then
		grep -qsE "^ *[0-9]+: [0-9A-F]+:$hex [0-9A-F]+:0000 0A " /proc/net/tcp /proc/net/tcp6
	else
		grep -qsE "^ *[0-9]+: [0-9A-F]+:$hex [0-9A-F]+:0000 07 " /proc/net/udp /proc/net/udp6
	fi
}
# PID PORT PROTO: wait up to 5 s for PID to bind PORT; 1 if it died first.
wait_bound() {
	local i
	for ((i = 0; i < 500; i++)); do
		bound "$2" "$3" && return 0
		kill -0 "$1" 2>/dev/null || return 1
		sleep 0.01
	done
	return 1
}

# Rotate a list by N (rounds start with a different tool).
rotate() {
	local n=$1
	shift
	local a=("$@") i
	for ((i = 0; i < ${#a[@]}; i++)); do
		printf '%s ' "${a[(i + n) % ${#a[@]}]}"
	done
}

# ------------------------------------------------------- command lines

# TOOL PORT -> RECV (array), RECV_IN (null | hold), SEND (array)
tcp_cmds() {
	local p=$2
	RECV_IN=null
	case $1 in
	sockcat)
		RECV=("$SOCKCAT" -l -d "$p")
		SEND=("$SOCKCAT" 127.0.0.1 "$p") ;;
	ceiling)
		RECV=("$CEILING" -l "$p")
		SEND=("$CEILING" "$p") ;;
	sockcat-nosplice)
		RECV=("$SOCKCAT" --no-splice -l -d "$p")
		SEND=("$SOCKCAT" --no-splice 127.0.0.1 "$p") ;;
	nc.openbsd)
		RECV=(nc.openbsd -l 127.0.0.1 "$p")
		SEND=(nc.openbsd -N 127.0.0.1 "$p") ;;
	nc.traditional)
		RECV=(nc.traditional -l -p "$p")
		SEND=(nc.traditional -q 0 127.0.0.1 "$p") ;;
	ncat)
		RECV=(ncat -l "$p" --recv-only)
		SEND=(ncat --send-only 127.0.0.1 "$p") ;;
	socat)
		RECV=(socat -u "TCP-LISTEN:$p,reuseaddr" STDOUT)
		SEND=(socat -u STDIN "TCP:127.0.0.1:$p") ;;
	busybox)
		RECV=(busybox nc -l -p "$p")
		RECV_IN=hold
		SEND=(busybox nc 127.0.0.1 "$p") ;;
	esac
}

# TOOL PORT -> URECV (array); empty if the tool has no UDP listener
udp_cmds() {
	local p=$2
	URECV=()
	case $1 in
	sockcat) URECV=("$SOCKCAT" -u -l -w 1 "$p") ;;
	nc.openbsd) URECV=(nc.openbsd -u -l 127.0.0.1 "$p") ;;
	nc.traditional) URECV=(nc.traditional -u -l -p "$p") ;;
	ncat) URECV=(ncat -u -l "$p" --recv-only) ;;
	socat) URECV=(socat -u "UDP-RECV:$p" STDOUT) ;;
	busybox) busybox_udp && URECV=(busybox nc -u -l -p "$p") ;;
	esac
}

# TOOL PORT -> KRECV (array: a listener that keeps listening, empty if
# none), CLIENT (array: a client that sends stdin and exits promptly)
client_cmds() {
	local p=$2
	KRECV=()
	case $1 in
	sockcat)
		KRECV=("$SOCKCAT" -l -k -d "$p")
		CLIENT=("$SOCKCAT" 127.0.0.1 "$p") ;;
	nc.openbsd)
		KRECV=(nc.openbsd -l -k 127.0.0.1 "$p")
		CLIENT=(nc.openbsd -N 127.0.0.1 "$p") ;;
	nc.traditional)
		CLIENT=(nc.traditional -q 0 127.0.0.1 "$p") ;;
	ncat)
		KRECV=(ncat -l -k "$p")
		CLIENT=(ncat --send-only 127.0.0.1 "$p") ;;
	socat)
		KRECV=(socat -u "TCP-LISTEN:$p,fork,reuseaddr" STDOUT)
		CLIENT=(socat -u - "TCP:127.0.0.1:$p") ;;
	busybox)
		CLIENT=(busybox nc 127.0.0.1 "$p") ;;
	esac
}

# ------------------------------------------------------------ bulk TCP

# bulk TOOL MODE OUT [WRAP...]: one transfer of $BULK_IN (default $IN).
# MODE file: the sender's stdin is the file, the receiver's stdout is OUT.
# MODE pipe: `cat IN | sender`, `receiver | cat > OUT` (through FIFOs, so
# that every process is a child of this shell with a known PID); when OUT
# is /dev/null, `dd bs=128k` stands for that cat and its byte count is
# checked, so every timed run is verified.
# WRAP (strace -c ...) prefixes both commands, with -o $W/strace.recv and
# -o $W/strace.send.
# Sets ELAPSED (microseconds from starting the sender until every
# process exited); returns 1 with WHY set on failure.
bulk() {
	local tool=$1 mode=$2 out=$3 port rpid spid cat_in cat_out t0 t1 st
	shift 3
	local src=${BULK_IN:-$IN}
	local rwrap=() swrap=()
	if [ $# -gt 0 ]; then
		rwrap=("$@" -o "$W/strace.recv")
		swrap=("$@" -o "$W/strace.send")
	fi
	WHY=""
	for _ in 1 2 3; do
		: > "$ERRLOG"
		port=$(freeport) || { WHY="no free port"; continue; }
		tcp_cmds "$tool" "$port"
		cat_in="" cat_out=""
		rm -f "$W/pipe.in" "$W/pipe.out"
		local rout=$out
		rm -f "$W/count"
		if [ "$mode" = pipe ]; then
			mkfifo "$W/pipe.in" "$W/pipe.out"
			if [ "$out" = /dev/null ]; then
				# Counted: dd reads as cat does (128 KiB at a
				# time) and says how many bytes came through.
				timeout -k 2 "$TMO" dd bs=128k of=/dev/null < "$W/pipe.out" 2> "$W/count" &
			else
				timeout -k 2 "$TMO" cat < "$W/pipe.out" > "$out" &
			fi
			cat_out=$!
			track $cat_out
			rout=$W/pipe.out
		fi
		if [ "$RECV_IN" = hold ]; then
			timeout -k 2 "$TMO" "${rwrap[@]}" "${RECV[@]}" <&8 > "$rout" 2>>"$ERRLOG" &
		else
			timeout -k 2 "$TMO" "${rwrap[@]}" "${RECV[@]}" < /dev/null > "$rout" 2>>"$ERRLOG" &
		fi
		rpid=$!
		track $rpid
		if ! wait_bound $rpid "$port" tcp; then
			stop $rpid $cat_out
			WHY="receiver did not listen on port $port"
			continue
		fi
		t0=$(usec)
		if [ "$mode" = pipe ]; then
			timeout -k 2 "$TMO" cat "$src" > "$W/pipe.in" &
			cat_in=$!
			track $cat_in
			timeout -k 2 "$TMO" "${swrap[@]}" "${SEND[@]}" < "$W/pipe.in" > /dev/null 2>>"$ERRLOG" &
		else
			timeout -k 2 "$TMO" "${swrap[@]}" "${SEND[@]}" < "$src" > /dev/null 2>>"$ERRLOG" &
		fi
		spid=$!
		track $spid
		reap $spid
		st=$STATUS
		reap $cat_in $rpid
		local rst=$STATUS
		reap $cat_out
		t1=$(usec)
		ELAPSED=$((t1 - t0))
		rm -f "$W/pipe.in" "$W/pipe.out"
		if [ $st -eq 124 ] || [ $st -eq 137 ] || [ $rst -eq 124 ] || [ $rst -eq 137 ]; then
			WHY="hung: killed by timeout after ${TMO}s"
		elif [ $st -ne 0 ]; then
			WHY="sender exit status $st"
		elif [ $rst -ne 0 ]; then
			WHY="receiver exit status $rst"
		elif [ -e "$W/count" ] && ! counted "$W/count"; then
			return 1
		else
			return 0
		fi
		[ -s "$ERRLOG" ] && WHY="$WHY; stderr: $(tail -n 1 "$ERRLOG" | tr -d '|' | head -c 200)"
		return 1
	done
	return 1
}

# Whether dd's report FILE counts the data's size in bytes.
counted() {
	local src=${BULK_IN:-$IN} a b
	a=$(stat -c %s "$src")
	b=$(sed -n 's/^\([0-9][0-9]*\) bytes.*/\1/p' "$1" | tail -n 1)
	[ "$a" = "$b" ] && return 0
	WHY="data mismatch: ${b:-no count,} of $a bytes arrived"
	return 1
}

# Whether OUT holds exactly the data; WHY says how it differs.
same_data() {
	local src=${BULK_IN:-$IN}
	if cmp -s "$src" "$1"; then
		return 0
	fi
	WHY="data mismatch: $(stat -c %s "$1" 2>/dev/null || echo 0) of $(stat -c %s "$src") bytes, cmp differs"
	return 1
}

# Whether OUT has the data's size.
same_size() {
	local src=${BULK_IN:-$IN} a b
	a=$(stat -c %s "$src")
	b=$(stat -c %s "$1" 2>/dev/null || echo 0)
	[ "$a" = "$b" ] && return 0
	WHY="data mismatch: $b of $a bytes arrived"
	return 1
}

# Workloads 1-3.  VERIFY: "once" = an untimed run into a file first;
# "each" = the timed runs write the file: every run's size is checked,
# and each tool's first run is compared byte for byte (cmp).
bulk_workload() {
	local w=$1 mode=$2 verify=$3 tool r out
	local tools
	read -ra tools <<< "$BULK_TOOLS"
	say "$w: $mode, ${MB} MiB, $ROUNDS round(s)"
	if [ "$verify" = once ]; then
		for tool in "${tools[@]}"; do
			if bulk "$tool" "$mode" "$W/out" && same_data "$W/out"; then
				say "$w $tool: verified"
			else
				fail "$w" "$tool" "${WHY%%[:;]*}"
				note "$w" "- $tool: ${WHY}."
			fi
			rm -f "$W/out"
		done
	fi
	for ((r = 0; r < ROUNDS; r++)); do
		for tool in $(rotate $r "${tools[@]}"); do
			has_failed "$w" "$tool" && continue
			out=/dev/null
			[ "$verify" = each ] && out=$W/out
			if ! bulk "$tool" "$mode" "$out"; then
				fail "$w" "$tool" "${WHY%%[:;]*}"
				note "$w" "- $tool: ${WHY}."
			elif [ "$verify" = each ] && ! same_size "$out"; then
				fail "$w" "$tool" "data mismatch"
				note "$w" "- $tool: ${WHY}."
			elif [ "$verify" = each ] && [ $r -eq 0 ] && ! same_data "$out"; then
				fail "$w" "$tool" "data mismatch"
				note "$w" "- $tool: ${WHY}."
			else
				record "$w" "$tool" t "$(secs $ELAPSED)"
				say "$w round $((r + 1)) $tool: $(secs $ELAPSED) s"
			fi
			rm -f "$W/out"
		done
	done
}

# ----------------------------------------------------------------- UDP

# Wait until FILE has not grown for 1 s (or PID exited), then stop PID.
quiet_stop() {
	local pid=$1 file=$2 last=-1 same=0 sz i
	for ((i = 0; i < 600; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sz=$(stat -c %s "$file" 2>/dev/null || echo 0)
		if [ "$sz" = "$last" ]; then
			((++same >= 10)) && break
		else
			same=0
			last=$sz
		fi
		sleep 0.1
	done
	stop "$pid"
}

# udp_recv TOOL OUT: start TOOL's UDP listener writing to OUT; sets UPID.
udp_recv() {
	local port
	for _ in 1 2 3; do
		port=$(freeport) || continue
		udp_cmds "$1" "$port"
		timeout -k 2 120 "${URECV[@]}" < /dev/null > "$2" 2>>"$ERRLOG" &
		UPID=$!
		track $UPID
		if wait_bound $UPID "$port" udp; then
			UPORT=$port
			return 0
		fi
		stop $UPID
	done
	return 1
}

# udp_run TOOL COUNT RATE: sets U_SENT U_SECS U_DELIV U_BAD U_WHOLE
udp_run() {
	local tool=$1 n=$2 rate=$3 res
	rm -f "$W/uout"
	udp_recv "$tool" "$W/uout" || { WHY="receiver did not bind"; return 1; }
	res=$(timeout -k 2 300 "$PY" "$UDPB" send "$UPORT" "$n" "$rate") || {
		stop $UPID
		WHY="sender failed"
		return 1
	}
	read -r U_SENT U_SECS <<< "$res"
	quiet_stop $UPID "$W/uout"
	read -r U_DELIV U_BAD U_WHOLE <<< "$("$PY" "$UDPB" check "$W/uout" "$n")"
	rm -f "$W/uout"
	return 0
}

udp_workload() {
	local w=udp tool r tools=() bytes
	for tool in $TOOLS; do
		udp_cmds "$tool" 1
		if [ ${#URECV[@]} -eq 0 ]; then
			note $w "- $tool: skipped, this build's \`nc\` applet has no -u."
		else
			tools+=("$tool")
		fi
	done
	say "$w: $UDP_N datagrams of 1400 bytes, $ROUNDS round(s); paced $PACED_N at 20,000/s"
	for ((r = 0; r < ROUNDS; r++)); do
		for tool in $(rotate $r "${tools[@]}"); do
			has_failed $w "$tool" && continue
			if ! udp_run "$tool" "$UDP_N" 0; then
				fail $w "$tool" "$WHY"
				continue
			fi
			if [ "$U_WHOLE" != yes ]; then
				fail $w "$tool" "data mismatch"
				note $w "- $tool: $U_BAD records of 1400 bytes cut, merged or corrupted (boundaries not kept)."
				continue
			fi
			record $w "$tool" rate "$("$PY" -c "print('%.1f' % ($U_DELIV / $U_SECS))")"
			record $w "$tool" loss "$("$PY" -c "print('%.3f' % (100.0 * ($UDP_N - $U_DELIV) / $UDP_N))")"
			record $w "$tool" sent "$("$PY" -c "print('%.1f' % ($U_SENT / $U_SECS))")"
			say "$w round $((r + 1)) $tool: $U_DELIV of $U_SENT delivered in ${U_SECS}s"
		done
	done
	# Paced, once per tool.
	for tool in "${tools[@]}"; do
		if udp_run "$tool" "$PACED_N" 20000; then
			if [ "$U_WHOLE" != yes ]; then
				fail $w "$tool" "data mismatch"
				note $w "- $tool, paced: $U_BAD records cut, merged or corrupted."
			fi
			record $w "$tool" paced_loss "$("$PY" -c "print('%.3f' % (100.0 * ($PACED_N - $U_DELIV) / $PACED_N))")"
			say "$w paced $tool: $U_DELIV of $PACED_N delivered"
		fi
	done
	# One 65,507-byte datagram.
	for tool in "${tools[@]}"; do
		rm -f "$W/uout" "$W/bigref"
		udp_recv "$tool" "$W/uout" || continue
		timeout 30 "$PY" "$UDPB" big "$UPORT" "$W/bigref"
		quiet_stop $UPID "$W/uout"
		bytes=$(stat -c %s "$W/uout" 2>/dev/null || echo 0)
		if cmp -s "$W/bigref" "$W/uout"; then
			record $w "$tool" big "yes"
		else
			record $w "$tool" big "no ($bytes bytes arrived)"
		fi
		say "$w 65507-byte datagram $tool: $bytes bytes arrived"
		rm -f "$W/uout" "$W/bigref"
	done
	note $w "Delivered/s = intact datagrams ÷ the sender's send time; the Python sender (tests/bench/udpblast.py) sends $UDP_N datagrams from one socket as fast as it can, each numbered, and a record counts only if intact and in place in the receiver's output file (boundaries kept). Paced: $PACED_N datagrams at 20,000/s."
}

# --------------------------------------------------- short connections

short_conns_workload() {
	local w=short-conns tool r tools=() port out n el want sz i
	for tool in $TOOLS; do
		client_cmds "$tool" 1
		if [ ${#KRECV[@]} -eq 0 ]; then
			note $w "- $tool: skipped, no listener that keeps listening (-k)."
		else
			tools+=("$tool")
		fi
	done
	printf '0123456789' > "$W/ten"
	say "$w: up to $CONNS sequential clients (or ${CONN_SECONDS}s) per run, $ROUNDS round(s)"
	for ((r = 0; r < ROUNDS; r++)); do
		for tool in $(rotate $r "${tools[@]}"); do
			has_failed $w "$tool" && continue
			local ok=0
			for _ in 1 2 3; do
				port=$(freeport) || continue
				client_cmds "$tool" "$port"
				rm -f "$W/kout"
				timeout -k 2 $((CONN_SECONDS + 120)) "${KRECV[@]}" < /dev/null > "$W/kout" 2>>"$ERRLOG" &
				KPID=$!
				track $KPID
				wait_bound $KPID "$port" tcp && { ok=1; break; }
				stop $KPID
			done
			if [ $ok -eq 0 ]; then
				fail $w "$tool" "listener did not listen"
				continue
			fi
			# The clients run one after another in one bash under one
			# timeout (which ends the whole group if one hangs).
			out=$(timeout -k 2 $((CONN_SECONDS + 60)) bash -c '
				n=$1 cap=$2 in=$3
				shift 3
				s=${EPOCHREALTIME/[.,]/}
				lim=$((s + cap * 1000000))
				i=0
				while ((i < n)); do
					"$@" < "$in" > /dev/null 2>&1 || { echo "fail $? $i"; exit 1; }
					i=$((i + 1))
					((${EPOCHREALTIME/[.,]/} > lim)) && break
				done
				e=${EPOCHREALTIME/[.,]/}
				echo "$i $((e - s))"' _ "$CONNS" "$CONN_SECONDS" "$W/ten" "${CLIENT[@]}")
			read -r n el <<< "$out"
			if [ "$n" = fail ] || [ -z "$el" ]; then
				stop $KPID
				fail $w "$tool" "a client failed or hung"
				note $w "- $tool: client failed: ${out:-timeout}."
				continue
			fi
			want=$((n * 10))
			for ((i = 0; i < 200; i++)); do
				sz=$(stat -c %s "$W/kout")
				[ "$sz" -ge "$want" ] && break
				sleep 0.01
			done
			if [ "$sz" -ne "$want" ]; then
				stop $KPID
				fail $w "$tool" "data mismatch"
				note $w "- $tool: $sz bytes arrived from $n clients of 10 bytes."
				continue
			fi
			# The listener alone: Python clients in one process.
			local pn pel
			read -r pn pel <<< "$(timeout -k 2 120 "$PY" "$LIB" clients "$port" "$CONNS" "$CONN_SECONDS" 2>>"$ERRLOG")"
			want=$((want + ${pn:-0} * 10))
			for ((i = 0; i < 200; i++)); do
				sz=$(stat -c %s "$W/kout")
				[ "$sz" -ge "$want" ] && break
				sleep 0.01
			done
			stop $KPID
			sz=$(stat -c %s "$W/kout")
			if [ -z "$pel" ] || [ "$sz" -ne "$want" ]; then
				fail $w "$tool" "data mismatch"
				note $w "- $tool: with Python clients, ${pn:-0} completed and $sz of $want bytes arrived."
				continue
			fi
			record $w "$tool" rate "$("$PY" -c "print('%.1f' % ($n / ($el / 1e6)))")"
			record $w "$tool" n "$n"
			record $w "$tool" pyrate "$("$PY" -c "print('%.1f' % ($pn / ($pel / 1e6)))")"
			say "$w round $((r + 1)) $tool: $n clients in $(secs "$el") s; $pn Python clients in $(secs "$pel") s"
		done
	done
	rm -f "$W/kout"
	note $w "Each client is the tool itself (one process per connection, so its start-up counts); it sends 10 bytes and exits; the listener's output is checked to hold 10 bytes per client. A run stops at $CONNS clients or after ${CONN_SECONDS} s, whichever comes first. The last columns time the same listener with clients from one Python process, as many and with the same time limit (each connects, sends 10 bytes, half-closes and waits for the close): the listener's accept loop alone."
}

# ----------------------------------------------------- client start-up

startup_workload() {
	local w=startup tool r port per spid cmd use_hf=0 rss base=""
	local tools
	read -ra tools <<< "$TOOLS"
	printf '0123456789' > "$W/ten"
	[ "${BENCH_HYPERFINE:-0}" = 1 ] && command -v hyperfine >/dev/null && use_hf=1
	per=$(((STARTS + ROUNDS - 1) / ROUNDS))
	for _ in 1 2 3; do
		port=$(freeport) || continue
		timeout -k 2 3600 "$PY" "$LIB" sink "$port" < /dev/null > /dev/null &
		spid=$!
		track $spid
		wait_bound $spid "$port" tcp && break
		stop $spid
		spid=""
	done
	[ -n "$spid" ] || { note $w "- the sink did not start"; return; }
	say "$w: $per runs per tool per round (or ${START_SECONDS}s), $ROUNDS round(s), $([ $use_hf = 1 ] && echo hyperfine || echo 'bash loop')"
	for ((r = 0; r < ROUNDS; r++)); do
		for tool in $(rotate $r "${tools[@]}"); do
			has_failed $w "$tool" && continue
			client_cmds "$tool" "$port"
			if [ $use_hf = 1 ]; then
				cmd=$(printf "'%s' " "${CLIENT[@]}")
				cmd="$cmd< '$W/ten' > /dev/null"
				# hyperfine 1.15 has no --input: a shell does the
				# redirections, and hyperfine subtracts its start-up.
				if ! timeout -k 2 600 hyperfine --runs "$per" --warmup 3 --style none \
					--export-json "$W/hf.json" "$cmd" > /dev/null 2> "$W/hf.err"; then
					fail $w "$tool" "a run failed"
					note $w "- $tool: $(head -c 300 "$W/hf.err" | tr '\n' ' ')"
					continue
				fi
				"$PY" "$LIB" hftimes "$W/hf.json" | while read -r t; do
					record $w "$tool" t "$t"
				done
			else
				local out
				out=$(timeout -k 2 600 bash -c '
					n=$1 cap=$2 in=$3
					shift 3
					lim=$((${EPOCHREALTIME/[.,]/} + cap * 1000000))
					for ((i = 0; i < n; i++)); do
						s=${EPOCHREALTIME/[.,]/}
						"$@" < "$in" > /dev/null 2>&1 || { echo fail; exit 1; }
						e=${EPOCHREALTIME/[.,]/}
						echo $((e - s))
						((e > lim)) && break
					done
					exit 0' _ "$per" "$START_SECONDS" "$W/ten" "${CLIENT[@]}")
				if [ $? -ne 0 ]; then
					fail $w "$tool" "a run failed"
					continue
				fi
				for t in $out; do
					record $w "$tool" t "$(secs "$t")"
				done
			fi
			say "$w round $((r + 1)) $tool: done"
		done
	done
	if [ $use_hf = 0 ]; then
		# The loop's own cost: fork and exec of a program that does nothing.
		base=$(timeout -k 2 120 bash -c '
			n=$1 in=$2 all=""
			for ((i = 0; i < n; i++)); do
				s=${EPOCHREALTIME/[.,]/}
				/bin/true < "$in" > /dev/null
				e=${EPOCHREALTIME/[.,]/}
				all="$all $((e - s))"
			done
			echo $all' _ "$STARTS" "$W/ten" | tr ' ' '\n' | sort -n |
			awk '{ v[NR] = $1 } END { if (NR) printf "%.2f", v[int((NR + 1) / 2)] / 1000 }')
	fi
	# Peak RSS of one run of each tool.
	for tool in "${tools[@]}"; do
		client_cmds "$tool" "$port"
		if [ -x /usr/bin/time ]; then
			timeout -k 2 30 /usr/bin/time -f %M -o "$W/rss" "${CLIENT[@]}" < "$W/ten" > /dev/null 2>&1
			rss=$(tail -n 1 "$W/rss" 2>/dev/null)
		else
			rss=$(timeout -k 2 30 "$PY" "$LIB" rss "${CLIENT[@]}" < "$W/ten" 2>/dev/null | tail -n 1)
		fi
		case $rss in '' | *[!0-9]*) ;; *) record $w "$tool" rss "$rss" ;; esac
	done
	stop $spid
	if [ $use_hf = 1 ]; then
		note $w "Timed with hyperfine (\`--runs $per\` per round, through \`sh\` for the redirections, its start-up subtracted by hyperfine), against a Python sink that reads each client to end of file and closes. Peak RSS: $([ -x /usr/bin/time ] && echo '/usr/bin/time -f %M' || echo 'getrusage(RUSAGE_CHILDREN)'), one run."
	else
		note $w "Timed one run at a time in a bash loop with \$EPOCHREALTIME, fork and exec included, $per runs per tool per round or ${START_SECONDS} s, whichever comes first (the same loop running /bin/true takes ${base:-?} ms, median), against a Python sink that reads each client to end of file and closes. Peak RSS: $([ -x /usr/bin/time ] && echo '/usr/bin/time -f %M' || echo 'getrusage(RUSAGE_CHILDREN)'), one run."
	fi
}

# ------------------------------------------- -k with a program per client

# TOOL PORT -> ECHO (array: a listener that keeps listening and runs `cat`
# for each client; empty if the tool has none)
spawn_cmds() {
	local p=$2
	ECHO=()
	case $1 in
	sockcat) ECHO=("$SOCKCAT" -l -k -c 'exec cat' "$p") ;;
	ncat) ECHO=(ncat -l -k --sh-exec cat "$p") ;;
	socat) ECHO=(socat "TCP-LISTEN:$p,fork,reuseaddr" EXEC:cat) ;;
	esac
}

# The `-k -e/-c` spawn rate: sequential short clients from one Python
# process (connect, 5 bytes, the same 5 bytes back, close), so the rate
# is the listener's: accept, start the program, relay, reap.
spawn_workload() {
	local w=spawn tool r tools=() port out ok lost el
	for tool in $TOOLS; do
		spawn_cmds "$tool" 1
		if [ ${#ECHO[@]} -eq 0 ]; then
			note $w "- $tool: skipped, no listener that keeps listening and runs a program per client."
		else
			tools+=("$tool")
		fi
	done
	say "$w: up to $SPAWNS sequential echo clients (or ${CONN_SECONDS}s) per run, $ROUNDS round(s)"
	for ((r = 0; r < ROUNDS; r++)); do
		for tool in $(rotate $r "${tools[@]}"); do
			has_failed $w "$tool" && continue
			local kpid=""
			for _ in 1 2 3; do
				port=$(freeport) || continue
				spawn_cmds "$tool" "$port"
				timeout -k 2 $((CONN_SECONDS + 120)) "${ECHO[@]}" < /dev/null > /dev/null 2>>"$ERRLOG" &
				kpid=$!
				track $kpid
				wait_bound $kpid "$port" tcp && break
				stop $kpid
				kpid=""
			done
			if [ -z "$kpid" ]; then
				fail $w "$tool" "listener did not listen"
				continue
			fi
			out=$(timeout -k 2 $((CONN_SECONDS + 60)) "$PY" "$LIB" echoes "$port" "$SPAWNS" "$CONN_SECONDS" 2>>"$ERRLOG")
			stop $kpid
			read -r ok lost el <<< "$out"
			if [ -z "$el" ] || [ "${ok:-0}" -eq 0 ]; then
				fail $w "$tool" "no client got its reply"
				continue
			fi
			record $w "$tool" rate "$("$PY" -c "print('%.1f' % ($ok / ($el / 1e6)))")"
			record $w "$tool" n $((ok + lost))
			record $w "$tool" lost "$lost"
			say "$w round $((r + 1)) $tool: $ok of $((ok + lost)) clients answered in $(secs "$el") s"
		done
	done
	note $w "Each client (one Python process, one after another) connects, sends 5 bytes, waits up to 2 s for the same 5 bytes back and closes; a run stops at $SPAWNS clients or after ${CONN_SECONDS} s. Clients/s counts the answered ones; a client whose reply did not come back whole is lost, and a tool that lost any cannot be the best peer. Listeners: \`sockcat -l -k -c 'exec cat'\`, \`ncat -l -k --sh-exec cat\`, \`socat TCP-LISTEN:P,fork,reuseaddr EXEC:cat\`."
}

# ----------------------------------------------------------------- relay

# systemd-socket-proxyd is not on PATH: Debian has it in /lib/systemd,
# others in /usr/lib/systemd.
PROXYD=""
for d in /lib/systemd /usr/lib/systemd; do
	[ -x "$d/systemd-socket-proxyd" ] && { PROXYD=$d/systemd-socket-proxyd; break; }
done

# TOOL PORT BACKEND -> RELAY (array: a relay listening on 127.0.0.1:PORT
# that forwards each client to 127.0.0.1:BACKEND, keeps listening and
# serves clients at once; empty for "direct", the clients going straight
# to the backend)
# RELAY_MAX, when set, raises the tool's limit of clients at once (for
# the idle pairs: sockcat's --max-conns defaults to 100, proxyd's -c to
# 256; socat's fork and ncat have none).
relay_cmds() {
	local p=$2 b=$3
	RELAY=()
	case $1 in
	sockcat)
		RELAY=("$SOCKCAT" -l -k -n 127.0.0.1 "$p" --to "127.0.0.1:$b")
		[ -n "${RELAY_MAX:-}" ] && RELAY+=(--max-conns "$RELAY_MAX") ;;
	socat) RELAY=(socat "TCP-LISTEN:$p,bind=127.0.0.1,reuseaddr,fork" "TCP:127.0.0.1:$b") ;;
	proxyd)
		RELAY=(systemd-socket-activate -l "127.0.0.1:$p" "$PROXYD")
		[ -n "${RELAY_MAX:-}" ] && RELAY+=(-c "$RELAY_MAX")
		RELAY+=("127.0.0.1:$b") ;;
	ncat) RELAY=(ncat -l -k 127.0.0.1 "$p" --sh-exec "ncat 127.0.0.1 $b") ;;
	esac
}

# relay_start TOOL BACKEND [SECONDS]: start TOOL's relay in front of
# BACKEND; sets RPID (empty for "direct") and RPORT, the port clients
# connect to.  Returns 1 if the relay did not listen (three ports tried).
relay_start() {
	local p
	RPID="" RPORT=$2
	[ "$1" = direct ] && return 0
	for _ in 1 2 3; do
		p=$(freeport) || continue
		relay_cmds "$1" "$p" "$2"
		timeout -k 2 "${3:-$TMO}" "${RELAY[@]}" < /dev/null > /dev/null 2>>"$ERRLOG" &
		RPID=$!
		track $RPID
		if wait_bound $RPID "$p" tcp; then
			RPORT=$p
			return 0
		fi
		stop $RPID
		RPID=""
	done
	return 1
}

# relay_bulk TOOL: one transfer of $IN through TOOL's relay into a fresh
# `benchlib.py countsink`; sets ELAPSED (microseconds from starting the
# sender until the receiver exited); returns 1 with WHY set on failure.
relay_bulk() {
	local tool=$1 b cpid spid t0 t1 st n want
	want=$(stat -c %s "$IN")
	WHY=""
	for _ in 1 2 3; do
		: > "$ERRLOG"
		rm -f "$W/rcount"
		b=$(freeport) || { WHY="no free port"; continue; }
		timeout -k 2 "$TMO" "$PY" "$LIB" countsink "$b" < /dev/null > "$W/rcount" 2>>"$ERRLOG" &
		cpid=$!
		track $cpid
		if ! wait_bound $cpid "$b" tcp; then
			stop $cpid
			WHY="the receiver did not listen"
			continue
		fi
		if ! relay_start "$tool" "$b"; then
			stop $cpid
			WHY="the relay did not listen"
			continue
		fi
		t0=$(usec)
		timeout -k 2 "$TMO" "${RSEND[@]}" "$RPORT" < "$IN" > /dev/null 2>>"$ERRLOG" &
		spid=$!
		track $spid
		reap $spid
		st=$STATUS
		reap $cpid
		local rst=$STATUS
		t1=$(usec)
		[ -n "$RPID" ] && stop $RPID
		ELAPSED=$((t1 - t0))
		n=$(cat "$W/rcount" 2>/dev/null)
		if [ $st -eq 124 ] || [ $st -eq 137 ] || [ $rst -eq 124 ] || [ $rst -eq 137 ]; then
			WHY="hung: killed by timeout after ${TMO}s"
		elif [ $st -ne 0 ]; then
			WHY="sender exit status $st"
		elif [ $rst -ne 0 ]; then
			WHY="receiver exit status $rst"
		elif [ "$n" != "$want" ]; then
			WHY="data mismatch: ${n:-no count,} of $want bytes arrived"
			return 1
		else
			return 0
		fi
		[ -s "$ERRLOG" ] && WHY="$WHY; stderr: $(tail -n 1 "$ERRLOG" | tr -d '|' | head -c 200)"
		return 1
	done
	return 1
}

# The processes of the tree under PID (PID first), one a line.
tree_pids() {
	local p
	echo "$1"
	for p in $(cat /proc/"$1"/task/*/children 2>/dev/null); do
		tree_pids "$p"
	done
}

# tree_usage PID -> "PROCESSES DESCRIPTORS RSS_KIB PSS_KIB" of the tree
# under PID without timeout(1) itself (PID).  VmRSS counts a page shared
# by forked processes once in each; Pss (smaps_rollup) splits it.
tree_usage() {
	local p np=0 nfd=0 rss=0 pss=0 k
	for p in $(tree_pids "$1"); do
		[ "$p" = "$1" ] && continue
		[ -d /proc/"$p" ] || continue
		np=$((np + 1))
		k=$(ls /proc/"$p"/fd 2>/dev/null | wc -l)
		nfd=$((nfd + k))
		k=$(sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\).*/\1/p' /proc/"$p"/status 2>/dev/null)
		rss=$((rss + ${k:-0}))
		k=$(sed -n 's/^Pss:[[:space:]]*\([0-9]*\).*/\1/p' /proc/"$p"/smaps_rollup 2>/dev/null)
		pss=$((pss + ${k:-0}))
	done
	echo "$np $nfd $rss $pss"
}

# relay_scale TOOL EPORT: N idle relayed pairs through TOOL's relay in
# front of the echo server on EPORT; records the relay's processes,
# descriptors and resident memory per pair.
relay_scale() {
	local w=relay tool=$1 ipid i st
	local np0 fd0 rss0 pss0 np1 fd1 rss1 pss1
	if ! RELAY_MAX=$((RELAY_IDLE + 10)) relay_start "$tool" "$2" 600; then
		note $w "- scale, $tool: the relay did not listen."
		return
	fi
	# Let the relay settle (lazy allocations at start-up) before the
	# "before" figure: one echo through it.
	timeout -k 2 30 "$PY" "$LIB" echoes "$RPORT" 1 5 > /dev/null 2>>"$ERRLOG"
	read -r np0 fd0 rss0 pss0 <<< "$(tree_usage $RPID)"
	rm -f "$W/idle"
	timeout -k 2 600 "$PY" "$LIB" idle "$RPORT" "$RELAY_IDLE" 300 < /dev/null > "$W/idle" 2>>"$ERRLOG" &
	ipid=$!
	track $ipid
	for ((i = 0; i < 12000; i++)); do
		grep -qE '^(ready|failed)' "$W/idle" 2>/dev/null && break
		kill -0 $ipid 2>/dev/null || break
		sleep 0.05
	done
	st=$(head -n 1 "$W/idle" 2>/dev/null)
	if [ "$st" != ready ]; then
		stop $ipid $RPID
		note $w "- scale, $tool: ${st:-no answer} of $RELAY_IDLE idle pairs (a connection got no echo)."
		return
	fi
	# The relay may still be tidying after the last echo.
	sleep 0.5
	read -r np1 fd1 rss1 pss1 <<< "$(tree_usage $RPID)"
	stop $ipid $RPID
	record $w "$tool" scale "$RELAY_IDLE $np0 $fd0 $rss0 $pss0 $np1 $fd1 $rss1 $pss1"
	say "$w scale $tool: $RELAY_IDLE pairs: processes $np0 -> $np1, descriptors $fd0 -> $fd1, RSS $rss0 -> $rss1 KiB, PSS $pss0 -> $pss1 KiB"
}

# The relay: a listener forwarding each client to a backend on
# 127.0.0.1, against the tools people use for it, and "direct" (the
# clients straight to the backend) as the reference.
relay_workload() {
	local w=relay tool r tools=(direct) eport epid out ok lost el
	# (--tos is another option: --to must stand alone.)
	if ! "$SOCKCAT" --help 2>&1 | grep -qE -- '--to([^a-z]|$)'; then
		note $w "- skipped: this sockcat has no relay (--to) yet."
		return
	fi
	tools+=(sockcat)
	for tool in socat proxyd ncat; do
		if [ "$tool" = proxyd ]; then
			if [ -z "$PROXYD" ] || ! command -v systemd-socket-activate > /dev/null; then
				note $w "- systemd-socket-proxyd: skipped, not installed (apt-get install systemd: /lib/systemd/systemd-socket-proxyd and systemd-socket-activate)."
				continue
			fi
		elif ! command -v $tool > /dev/null; then
			note $w "- $tool: skipped, not installed (apt-get install $tool)."
			continue
		fi
		tools+=("$tool")
	done
	# The bulk sender: the ceiling's (sendfile(2), then close), which
	# is not what limits the rate; sockcat's client otherwise.
	if [ -x "$CEILING" ]; then
		RSEND=("$CEILING")
	else
		RSEND=("$SOCKCAT" -N 127.0.0.1)
	fi

	say "$w bulk: ${MB} MiB through each relay, $ROUNDS round(s)"
	for ((r = 0; r < ROUNDS; r++)); do
		for tool in $(rotate $r "${tools[@]}"); do
			has_failed $w "$tool" && continue
			if relay_bulk "$tool"; then
				record $w "$tool" t "$(secs $ELAPSED)"
				say "$w bulk round $((r + 1)) $tool: $(secs $ELAPSED) s"
			else
				fail $w "$tool" "bulk: ${WHY%%[:;]*}"
				note $w "- $tool, bulk: ${WHY}."
			fi
		done
	done

	# Short exchanges: one echo server, long-lived, behind every relay.
	epid=""
	for _ in 1 2 3; do
		eport=$(freeport) || continue
		timeout -k 2 3600 "$PY" "$LIB" echod "$eport" < /dev/null > /dev/null 2>>"$ERRLOG" &
		epid=$!
		track $epid
		wait_bound $epid "$eport" tcp && break
		stop $epid
		epid=""
	done
	if [ -z "$epid" ]; then
		note $w "- short exchanges and scale: the echo server did not start."
		return
	fi
	say "$w short: up to $CONNS sequential exchanges (or ${CONN_SECONDS}s) per run, $ROUNDS round(s)"
	for ((r = 0; r < ROUNDS; r++)); do
		for tool in $(rotate $r "${tools[@]}"); do
			has_failed $w "$tool" && continue
			if ! relay_start "$tool" "$eport" $((CONN_SECONDS + 120)); then
				fail $w "$tool" "the relay did not listen"
				continue
			fi
			out=$(timeout -k 2 $((CONN_SECONDS + 60)) "$PY" "$LIB" echoes "$RPORT" "$CONNS" "$CONN_SECONDS" 2>>"$ERRLOG")
			[ -n "$RPID" ] && stop $RPID
			read -r ok lost el <<< "$out"
			if [ -z "$el" ] || [ "${ok:-0}" -eq 0 ]; then
				fail $w "$tool" "short: no client got its reply"
				continue
			fi
			record $w "$tool" rate "$("$PY" -c "print('%.1f' % ($ok / ($el / 1e6)))")"
			record $w "$tool" n $((ok + lost))
			record $w "$tool" lost "$lost"
			say "$w short round $((r + 1)) $tool: $ok of $((ok + lost)) exchanges answered in $(secs "$el") s"
		done
	done

	# Scale: idle pairs.
	if [ "$RELAY_IDLE" -gt 0 ]; then
		say "$w scale: $RELAY_IDLE idle relayed pairs"
		for tool in sockcat proxyd socat; do
			case " ${tools[*]} " in *" $tool "*) relay_scale $tool "$eport" ;; esac
		done
	fi
	stop $epid

	note $w "Relays: \`sockcat -l -k -n 127.0.0.1 P --to 127.0.0.1:B\`; \`socat TCP-LISTEN:P,bind=127.0.0.1,reuseaddr,fork TCP:127.0.0.1:B\`; \`systemd-socket-activate -l 127.0.0.1:P $PROXYD 127.0.0.1:B\` (one proxyd process for every client); \`ncat -l -k 127.0.0.1 P --sh-exec 'ncat 127.0.0.1 B'\`. \"No relay\" is the client connected straight to the backend."
	note $w "Bulk: ${MB} MiB from $([ -x "$CEILING" ] && echo "the ceiling's sender (\`ceiling P\`: sendfile(2) from a tmpfs file, then close)" || echo "\`sockcat -N 127.0.0.1 P\`") through the relay to \`benchlib.py countsink\` (splice(2) through a 1 MiB pipe to /dev/null), timed from starting the sender until the receiver has seen end of file; every transfer is verified by the receiver's byte count."
	note $w "Short exchanges: one Python process, clients one after another; each connects, sends 5 bytes, reads the same 5 bytes back (waiting up to 2 s) and closes, without shutting down its side first (systemd-socket-proxyd was seen to lose the reply to a client that half-closes before reading, so this client is fair to every relay). The backend is \`benchlib.py echod\` (one Python process, selectors). A run stops at $CONNS clients or after ${CONN_SECONDS} s. A tool that lost any reply cannot be the best peer or meet a target."
	[ "$RELAY_IDLE" -gt 0 ] && note $w "Scale: $RELAY_IDLE connections held open and idle through the relay (each first answered one 1-byte echo, so its upstream leg is up), from \`benchlib.py idle\`; the relay's processes (timeout(1) not counted), descriptors (/proc/PID/fd), VmRSS (/proc/PID/status) and Pss (/proc/PID/smaps_rollup: a page shared by forked processes split between them), summed over the processes, before and after, per pair. The limits on clients at once are raised for this: sockcat \`--max-conns $((RELAY_IDLE + 10))\`, proxyd \`-c $((RELAY_IDLE + 10))\`. ncat (a shell and an ncat per client) is not run."
}

# --------------------------------------------------------- syscalls

syscalls_workload() {
	local w=syscalls tool s_calls r_calls tot
	if ! command -v strace >/dev/null || ! strace -o /dev/null true 2>/dev/null; then
		note $w "- skipped: strace is not installed or cannot trace here."
		return
	fi
	local small=$((SYS_MB / 4)) mb
	((small < 1)) && small=1
	head -c $((SYS_MB * 1048576)) "$IN" > "$SYS_IN"
	head -c $((small * 1048576)) "$IN" > "$SYS_IN.small"
	say "$w: strace -f -c, ${SYS_MB} MiB (other peers ${small} MiB), file → /dev/null"
	for tool in $BULK_TOOLS; do
		# The output goes to /dev/null, as in workload 1, whose check
		# this one relies on.
		if has_failed file-null "$tool"; then
			fail $w "$tool" "data mismatch in workload 1"
			continue
		fi
		rm -f "$W/strace.recv" "$W/strace.send"
		local src=$SYS_IN
		mb=$SYS_MB
		case $tool in
		sockcat | sockcat-nosplice | nc.openbsd) ;;
		*) src=$SYS_IN.small mb=$small ;;
		esac
		if ! BULK_IN=$src bulk "$tool" file /dev/null strace -f -c -q; then
			fail $w "$tool" "${WHY%%[:;]*}"
			continue
		fi
		s_calls=$("$PY" "$LIB" straceCalls "$W/strace.send")
		r_calls=$("$PY" "$LIB" straceCalls "$W/strace.recv")
		record $w "$tool" send $((s_calls * 1024 / mb))
		record $w "$tool" recv $((r_calls * 1024 / mb))
		tot=$(((s_calls + r_calls) * 1024 / mb))
		record $w "$tool" total $tot
		record $w "$tool" mb $mb
		say "$w $tool: $tot per GiB"
	done
	rm -f "$SYS_IN" "$SYS_IN.small"
	note $w "Counted on the MiB shown and scaled to 1 GiB (start-up calls included)."
}

# ---------------------------------------------------------------- main

want() { case " $ONLY " in *" $1 "*) return 0 ;; esac; return 1; }

LOAD_START=$(cut -d ' ' -f 1-3 /proc/loadavg 2>/dev/null)
need_data=0
for w in file-null file-file pipes syscalls relay; do want $w && need_data=1; done
if [ $need_data = 1 ]; then
	say "writing ${MB} MiB of random data to $IN"
	head -c $((MB * 1048576)) /dev/urandom > "$IN" || die "cannot write $IN"
fi

want file-null && bulk_workload file-null file once
want file-file && bulk_workload file-file file each
want pipes && bulk_workload pipes pipe once
want udp && udp_workload
want short-conns && short_conns_workload
want startup && startup_workload
want syscalls && syscalls_workload
want spawn && spawn_workload
want relay && relay_workload

versions=""
if command -v dpkg-query >/dev/null; then
	for t in ${TOOLS#sockcat}; do
		case $t in
		nc.openbsd) pkg=netcat-openbsd ;;
		nc.traditional) pkg=netcat-traditional ;;
		*) pkg=$t ;;
		esac
		v=$(dpkg-query -W -f '${Version}' "$pkg" 2>/dev/null) && versions="$versions, $pkg $v"
	done
fi
{
	echo "machine=Machine: $(nproc) CPUs, $(uname -m), $(awk '/MemTotal/ { printf "%.0f GiB RAM", $2 / 1048576 }' /proc/meminfo 2>/dev/null)"
	echo "cpu=CPU: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
	echo "kernel=Kernel: $(uname -sr)"
	echo "date=Date: $(date -u '+%Y-%m-%d %H:%M UTC'); ${SECONDS} s; load average at start ${LOAD_START:-?}, at end $(cut -d ' ' -f 1-3 /proc/loadavg 2>/dev/null) (other work on the machine widens the min–max)"
	echo "params=BENCH_MB=$MB, BENCH_ROUNDS=$ROUNDS (rounds alternate the tools); data in $(dirname "$W") ($(stat -f -c %T "$W" 2>/dev/null || echo '?'))"
	echo "tools=Tools: sockcat $SOCKCAT_VERSION${versions}"
	[ -n "$MISSING" ] && echo "missing=Not installed, skipped: $MISSING (apt-get install netcat-openbsd netcat-traditional ncat socat busybox)"
	echo "mb=$MB"
} | "$PY" "$LIB" report "$RESULTS"
