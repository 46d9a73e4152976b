# shellcheck shell=bash
# common.bash -- shared helpers for sockcat's bats tests (load helpers/common).
#
# Rules these helpers enforce: every background process runs under timeout(1)
# and is stopped by its own PID in teardown; waits poll a condition against a
# deadline instead of sleeping; ports are never fixed (listeners use port 0 and
# report the port: sockcat on its -v line, peer.py in NAME.port).
#
# Call bg, bg_wait, pipe_open and pipe_close from setup, the test body or
# teardown, never through `run` or $(...): they keep state in the test's shell.
# Functions that print a value (bg_pid, listen_port, ...) are fine in $(...).

_helpers_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# The binary under test. Override with SOCKCAT=/path (or a command name on
# PATH, e.g. SOCKCAT=nc.traditional to check a test against a reference).
SOCKCAT=${SOCKCAT:-$_helpers_dir/../../sockcat}
if [[ $SOCKCAT != */* ]]; then
	SOCKCAT=$(command -v "$SOCKCAT" || printf '%s' "$SOCKCAT")
elif [[ -e $SOCKCAT ]]; then
	SOCKCAT=$(cd "$(dirname "$SOCKCAT")" && pwd)/$(basename "$SOCKCAT")
elif [[ $SOCKCAT != /* ]]; then
	SOCKCAT=$PWD/$SOCKCAT
fi
PEER=$_helpers_dir/peer.py
export SOCKCAT PEER

# State of the current test (each bats test runs in a fresh process).
_bg_owner=
_bg_pids=()
declare -gA _pipe_fds=()

setup() { common_setup; }
teardown() { common_teardown; }

# common_setup: per-test temp dir T and $T/bytes256 (each byte value once).
# A file defining its own setup() must call this.
common_setup() {
	T=${BATS_TEST_TMPDIR:?call common_setup from setup(), not setup_file()}
	_bg_owner=$BASHPID
	_bg_pids=()
	_pipe_fds=()
	local i oct
	for i in {0..255}; do
		printf -v oct '\\%03o' "$i"
		# shellcheck disable=SC2059  # the format is the escaped byte
		printf "$oct"
	done >"$T/bytes256"
}

# make_big FILE MIB: FILE gets MIB MiB of random bytes.
make_big() {
	head -c "$(($2 * 1024 * 1024))" /dev/urandom >"$1"
}

# sc ARGS...: run $SOCKCAT ARGS in the foreground under a timeout of
# ${SC_TIMEOUT:-10} s (status 124 if it expires). Meant for run:
#   run --separate-stderr sc -n 127.0.0.1 "$port" <"$T/bytes256"
sc() {
	timeout -k 2 "${SC_TIMEOUT:-10}" "$SOCKCAT" "$@"
}

# --- time -----------------------------------------------------------------

# _usecs SECS: set _US to SECS ("10", "0.5") in microseconds.
_usecs() {
	local s=$1 int frac
	if ! [[ $s =~ ^[0-9]+(\.[0-9]*)?$|^\.[0-9]+$ ]]; then
		echo "bad number of seconds: '$s'" >&2
		return 1
	fi
	int=${s%%.*}
	frac=
	[[ $s == *.* ]] && frac=${s#*.}
	frac=${frac}000000
	_US=$((10#${int:-0} * 1000000 + 10#${frac:0:6}))
}

# _now: set _NOW to the time in microseconds. EPOCHREALTIME's decimal
# separator follows the locale, so keep only the digits.
_now() {
	local t=$EPOCHREALTIME
	_NOW=$((10#${t//[!0-9]/}))
}

# --- background jobs --------------------------------------------------------

_check_name() {
	if ! [[ $1 =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]]; then
		echo "bad job name '$1': letters, digits and _ only" >&2
		return 1
	fi
}

# _running PID: PID is one of our background jobs and has not exited.
# kill -0 is not enough: once bash reaps a job, its PID may be handed to an
# unrelated process.
_running() {
	local p stat state ppid
	if [[ $BASHPID == "$_bg_owner" ]]; then
		# The job table knows exactly which jobs bash has not reaped.
		for p in $(jobs -rp); do
			[[ $p == "$1" ]] && return 0
		done
		return 1
	fi
	# In $(...) or run, the job table is a copy that never learns of exits:
	# ask /proc, and require our shell as the parent so a reused PID fails.
	{ stat=$(<"/proc/$1/stat"); } 2>/dev/null || return 1
	stat=${stat##*) }
	read -r state ppid _ <<<"$stat"
	[[ $state != Z && $ppid == "$_bg_owner" ]]
}

# _in_owner FUNC: fail unless running in the shell that owns the jobs.
_in_owner() {
	if [[ $BASHPID != "$_bg_owner" ]]; then
		echo "$1: call it from the test's shell, not in run or \$(...)" >&2
		return 1
	fi
}

# bg NAME CMD...: run `timeout -k 2 ${BG_TIMEOUT:-30} CMD...` in the
# background. stdout goes to $T/NAME.out, stderr to $T/NAME.err; stdin comes
# from $BG_STDIN if set (BG_STDIN=file bg NAME ...), else $T/NAME.in if it
# exists (a file, or the pipe made by pipe_open NAME), else /dev/null.
# The PID (of timeout, which leads its own process group) is kept for
# teardown and in BG_PID_NAME. Prints nothing.
bg() {
	local name=$1 stdin=/dev/null
	_bg_owner=${_bg_owner:-$BASHPID}
	_in_owner bg || return 1
	: "${T:?call common_setup first}"
	_check_name "$name" || return 1
	shift
	if (($# == 0)); then
		echo "bg $name: no command" >&2
		return 1
	fi
	if [[ -n ${BG_STDIN:-} ]]; then
		stdin=$BG_STDIN
	elif [[ -e $T/$name.in ]]; then
		stdin=$T/$name.in
	fi
	# fd 3 is bats' output channel: a child holding it stalls bats. Writers
	# of pipe_open pipes must stay with the test alone, or EOF never comes.
	(
		trap - ERR DEBUG RETURN
		for fd in "${_pipe_fds[@]}"; do
			exec {fd}>&-
		done
		exec timeout -k 2 "${BG_TIMEOUT:-30}" "$@"
	) <"$stdin" >"$T/$name.out" 2>"$T/$name.err" 3>&- &
	_bg_pids+=("$!")
	printf -v "BG_PID_$name" '%s' "$!"
}

# bg_pid NAME: echo the PID bg recorded for NAME (timeout's PID).
bg_pid() {
	local var=BG_PID_$1
	_check_name "$1" || return 1
	if [[ -z ${!var:-} ]]; then
		echo "bg_pid: no background job '$1'" >&2
		return 1
	fi
	printf '%s\n' "${!var}"
}

# bg_cmd_pid NAME: echo the PID of CMD itself (timeout's child), once it has
# been exec'd. Use it for /proc measurements of the process under test.
bg_cmd_pid() {
	local tpid child texe end
	tpid=$(bg_pid "$1") || return 1
	texe=$(readlink "/proc/$tpid/exe" 2>/dev/null) || texe=
	_usecs 5
	_now
	end=$((_NOW + _US))
	while :; do
		child=$(_child_of "$tpid")
		# Between fork and exec the child is still timeout.
		if [[ -n $child && $(readlink "/proc/$child/exe" 2>/dev/null) != "$texe" ]]; then
			printf '%s\n' "$child"
			return 0
		fi
		_now
		if ((_NOW >= end)); then
			echo "bg_cmd_pid: no command process under $1 (pid $tpid)" >&2
			return 1
		fi
		sleep 0.02
	done
}

_child_of() {
	local f=/proc/$1/task/$1/children kids stat rest ppid
	if [[ -r $f ]]; then
		read -r kids _ <"$f" || true
		printf '%s\n' "$kids"
		return 0
	fi
	# No "children" file (CONFIG_PROC_CHILDREN off): scan for the parent.
	for stat in /proc/[0-9]*/stat; do
		{ rest=$(<"$stat"); } 2>/dev/null || continue
		rest=${rest##*) }
		read -r _ ppid _ <<<"$rest"
		if [[ $ppid == "$1" ]]; then
			stat=${stat#/proc/}
			printf '%s\n' "${stat%/stat}"
			return 0
		fi
	done
}

# bg_wait NAME [SECS]: wait up to SECS (default 10) for job NAME to exit and
# set BG_STATUS to its exit status (124 or 137: BG_TIMEOUT expired). Returns 1,
# failing the test, if it is still running then.
bg_wait() {
	local name=$1 secs=${2:-10} pid end
	_in_owner bg_wait || return 1
	pid=$(bg_pid "$name") || return 1
	_usecs "$secs" || return 1
	_now
	end=$((_NOW + _US))
	while _running "$pid"; do
		_now
		if ((_NOW >= end)); then
			echo "bg_wait: $name (pid $pid) still running after ${secs}s" >&2
			_show_job "$name"
			return 1
		fi
		sleep 0.02
	done
	local status=0
	wait "$pid" || status=$?
	# shellcheck disable=SC2034  # read by the tests
	BG_STATUS=$status
}

# _show_job NAME: the job's stderr, for failure messages.
_show_job() {
	if [[ -s $T/$1.err ]]; then
		echo "--- $1.err:" >&2
		head -c 2000 "$T/$1.err" >&2
	fi
}

# --- waiting for conditions -------------------------------------------------

# wait_for SECS CMD...: run CMD (output discarded) every 0.02 s until it
# succeeds or SECS pass. CMD is a command or function, not a string; for
# anything compound write a small function.
wait_for() {
	local secs=$1 end
	shift
	_usecs "$secs" || return 1
	_now
	end=$((_NOW + _US))
	while :; do
		if "$@" >/dev/null 2>&1; then
			return 0
		fi
		_now
		if ((_NOW >= end)); then
			echo "wait_for timed out: $*" >&2
			return 1
		fi
		sleep 0.02
	done
}

# _wait_job NAME SECS WHAT CMD...: like wait_for, but give up at once if job
# NAME has exited without CMD succeeding.
_wait_job() {
	local name=$1 secs=$2 what=$3 pid end alive
	shift 3
	pid=$(bg_pid "$name") || return 1
	_usecs "$secs" || return 1
	_now
	end=$((_NOW + _US))
	while :; do
		# Sample liveness first: output written just before exiting counts.
		alive=0
		_running "$pid" && alive=1
		if "$@"; then
			return 0
		fi
		if ((!alive)); then
			echo "$name exited before $what" >&2
			_show_job "$name"
			return 1
		fi
		_now
		if ((_NOW >= end)); then
			echo "timed out after ${secs}s waiting for $name: $what" >&2
			_show_job "$name"
			return 1
		fi
		sleep 0.02
	done
}

# Complete lines only: a line still being written could show half a port.
_listen_line() {
	local line re='^listening on \[[^]]*\] ([0-9]+)( |$)'
	[[ -f $1 ]] || return 1
	while IFS= read -r line; do
		if [[ $line =~ $re ]]; then
			_PORT=${BASH_REMATCH[1]}
			return 0
		fi
	done <"$1"
	return 1
}

# listen_port NAME [SECS]: wait (default 10 s) for sockcat's -v line
# "listening on [ADDR] PORT ..." in $T/NAME.err and echo PORT.
listen_port() {
	local _PORT
	_wait_job "$1" "${2:-10}" "its listening line in $1.err" \
	    _listen_line "$T/$1.err" || return 1
	printf '%s\n' "$_PORT"
}

_port_file() {
	[[ -s $1 ]] || return 1
	read -r _PORT <"$1" && [[ $_PORT =~ ^[0-9]+$ ]]
}

# peer_port NAME [SECS]: wait (default 10 s) for $T/NAME.port, written by
# peer.py --port-file, and echo the port in it.
peer_port() {
	local _PORT
	_wait_job "$1" "${2:-10}" "writing $1.port" _port_file "$T/$1.port" ||
	    return 1
	printf '%s\n' "$_PORT"
}

# Predicates for wait_for.
# size_ge FILE N: FILE exists and holds at least N bytes.
size_ge() {
	local size
	[[ -f $1 ]] || return 1
	size=$(wc -c <"$1")
	((size >= $2))
}

# file_has FILE TEXT: FILE contains TEXT (fixed string).
file_has() {
	[[ -f $1 ]] && grep -qF -- "$2" "$1"
}

# running NAME: job NAME has not exited yet.
running() {
	local pid
	pid=$(bg_pid "$1") || return 1
	_running "$pid"
}

# --- stdin that stays open ----------------------------------------------------

# pipe_open NAME: make $T/NAME.in a FIFO and hold its write end, so a later
# `bg NAME ...` reads a stdin that neither ends nor has data until
# pipe_write/pipe_close.
pipe_open() {
	local fd
	_bg_owner=${_bg_owner:-$BASHPID}
	_in_owner pipe_open || return 1
	: "${T:?call common_setup first}"
	_check_name "$1" || return 1
	rm -f "$T/$1.in"
	mkfifo "$T/$1.in"
	# Read-write open of a FIFO does not block waiting for a reader (Linux).
	exec {fd}<>"$T/$1.in"
	_pipe_fds[$1]=$fd
}

# pipe_write NAME [TEXT]: write TEXT verbatim (no newline added), or stdin
# when TEXT is absent, into NAME's pipe. Fails after 10 s if nobody reads.
pipe_write() {
	local fd=${_pipe_fds[$1]:-}
	if [[ -z $fd ]]; then
		echo "pipe_write: no pipe '$1'" >&2
		return 1
	fi
	if (($# > 1)); then
		printf '%s' "$2" | timeout 10 cat >&"$fd"
	else
		timeout 10 cat >&"$fd"
	fi
}

# pipe_close NAME: close the write end; the reader sees EOF. The FIFO goes
# too, so a later `bg NAME` gets /dev/null rather than a pipe with no writer.
pipe_close() {
	local fd=${_pipe_fds[$1]:-}
	_in_owner pipe_close || return 1
	if [[ -z $fd ]]; then
		echo "pipe_close: no pipe '$1'" >&2
		return 1
	fi
	exec {fd}>&-
	unset '_pipe_fds[$1]'
	rm -f "$T/$1.in"
}

# --- teardown -----------------------------------------------------------------

# common_teardown: TERM every job of ours still running, give them 1 s, then
# KILL; reap them all. A file defining its own teardown() must call this.
common_teardown() {
	local pid fd end left pgrp
	for pid in "${_bg_pids[@]}"; do
		# timeout passes TERM on to CMD and its process group.
		if _running "$pid"; then
			kill -TERM "$pid" 2>/dev/null || true
		fi
	done
	_usecs 1
	_now
	end=$((_NOW + _US))
	while :; do
		left=0
		for pid in "${_bg_pids[@]}"; do
			_running "$pid" && left=1 && break
		done
		_now
		((left && _NOW < end)) || break
		sleep 0.02
	done
	for pid in "${_bg_pids[@]}"; do
		_running "$pid" || continue
		# Killing timeout alone would orphan CMD: kill the process group that
		# timeout made, but only if it really leads it.
		pgrp=$(_pgrp "$pid")
		if [[ $pgrp == "$pid" ]]; then
			kill -KILL -- "-$pid" 2>/dev/null || true
		fi
		kill -KILL "$pid" 2>/dev/null || true
	done
	for pid in "${_bg_pids[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	_bg_pids=()
	for fd in "${_pipe_fds[@]}"; do
		exec {fd}>&-
	done
	_pipe_fds=()
}

# _pgrp PID: process group of PID (field 5 of /proc/PID/stat).
_pgrp() {
	local stat pgrp
	{ stat=$(<"/proc/$1/stat"); } 2>/dev/null || return 0
	stat=${stat##*) }
	read -r _ _ pgrp _ <<<"$stat"
	printf '%s\n' "$pgrp"
}

# --- measuring a process ------------------------------------------------------

# _pid_of PID|NAME: a PID as is; a job NAME becomes its command's PID.
_pid_of() {
	if [[ $1 =~ ^[0-9]+$ ]]; then
		printf '%s\n' "$1"
	else
		bg_cmd_pid "$1"
	fi
}

# cpu_ticks PID|NAME: user+system CPU time of the process in clock ticks
# (fields 14 and 15 of /proc/PID/stat). NAME means bg_cmd_pid NAME.
cpu_ticks() {
	local pid stat f
	pid=$(_pid_of "$1") || return 1
	stat=$(<"/proc/$pid/stat") || return 1
	# Field 2 (comm) may hold spaces and ")": count fields after its end.
	stat=${stat##*) }
	read -r -a f <<<"$stat"
	printf '%s\n' "$((f[11] + f[12]))"
}

# cpu_ticks_during PID|NAME SECS: CPU ticks the process uses over SECS.
# An idle process should use about 0 (one tick is usually 10 ms).
cpu_ticks_during() {
	local pid before after
	pid=$(_pid_of "$1") || return 1
	before=$(cpu_ticks "$pid") || return 1
	sleep "$2"
	after=$(cpu_ticks "$pid") || return 1
	printf '%s\n' "$((after - before))"
}

# fd_count PID|NAME: number of open file descriptors of the process.
fd_count() {
	local pid n=0 f
	pid=$(_pid_of "$1") || return 1
	[[ -d /proc/$pid/fd ]] || return 1
	for f in "/proc/$pid/fd/"*; do
		[[ -L $f ]] && n=$((n + 1))
	done
	printf '%s\n' "$n"
}
