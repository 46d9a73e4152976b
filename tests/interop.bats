bats_require_minimum_version 1.5.0
load helpers/common
setup() { common_setup; }
teardown() { common_teardown; }

# interop.bats -- whole-file transfers between sockcat and every other netcat
# (nc.openbsd, nc.traditional, ncat, socat, busybox nc): sockcat listening and
# connecting, sending and receiving. Each transfer must finish on its own,
# both sides exiting, and arrive byte for byte (sha256). A test skips when its
# peer is not installed; CI installs them all (.ci/run).
#
# sockcat never needs -w or -q here. A peer that sends gets the flag it needs
# to end its own side at its end of file, as between two of its own kind:
# nc.openbsd -N, nc.traditional -q 0, ncat --send-only from 7.96 on (which
# no longer half-closes in connect mode). busybox nc and socat need none.
# The receiving sockcat takes both forms, -d and an empty stdin: neither
# sends a FIN (CLI.md end of stream, rule 1), which peers that end their
# session on the peer's FIN would take for the end of the transfer.

# 32 MiB: large enough that an early FIN cut every such transfer short on the
# code before the rule, small enough for a second or so on loopback.
MIB=32

setup_file() {
	head -c $((MIB * 1024 * 1024)) /dev/urandom >"$BATS_FILE_TMPDIR/data"
	sha256sum <"$BATS_FILE_TMPDIR/data" | cut -d' ' -f1 \
	    >"$BATS_FILE_TMPDIR/data.sum"
}

# need PROGRAM...: skip unless every PROGRAM is installed.
need() {
	local p
	for p in "$@"; do
		command -v "$p" >/dev/null || skip "$p is not installed"
	done
	DATA=$BATS_FILE_TMPDIR/data
	SUM=$(<"$BATS_FILE_TMPDIR/data.sum")
	export BG_TIMEOUT=20
}

# _listening PID: find the TCP port that process PID listens on, from its
# sockets' inodes in /proc/net/tcp and tcp6; set _PORT, and _HOST to the
# loopback address of that family. ncat prints port 0 for an ephemeral port
# and busybox nc prints nothing, so their port is read from the kernel;
# no port is guessed, so none can collide.
_listening() {
	local pid=$1 l ino=' ' f loc st i
	for l in "/proc/$pid/fd/"*; do
		l=$(readlink "$l" 2>/dev/null) || continue
		[[ $l =~ ^socket:\[([0-9]+)\]$ ]] && ino+="${BASH_REMATCH[1]} "
	done
	for f in /proc/net/tcp /proc/net/tcp6; do
		[[ -r $f ]] || continue
		while read -r _ loc _ st _ _ _ _ _ i _; do
			[[ $st == 0A && $ino == *" $i "* ]] || continue
			_PORT=$((16#${loc##*:}))
			_HOST=127.0.0.1
			[[ $f == *6 ]] && _HOST=::1
			return 0
		done <"$f"
	done
	return 1
}

# _job_listening NAME: job NAME's command (timeout's child, looked up anew
# each time) listens; sets _PORT and _HOST.
_job_listening() {
	local child
	child=$(_child_of "$(bg_pid "$1")")
	[[ -n $child ]] && _listening "$child"
}

# peer_listen NAME CMD...: start the peer listener CMD as job NAME (stdin
# from $BG_STDIN) and set PORT and HOST once it listens.
peer_listen() {
	local name=$1 _PORT _HOST
	shift
	bg "$name" "$@"
	if ! _wait_job "$name" 20 "a listening socket" _job_listening "$name"
	then
		# What the job had instead, for the failure message.
		ps -o pid,ppid,stat,args --ppid "$(bg_pid "$name")" >&2 || true
		ss -Hltnp >&2 || true
		return 1
	fi
	PORT=$_PORT
	HOST=$_HOST
}

# sc_listen NAME ARGS...: start sockcat -v -l ARGS 127.0.0.1 0 as job NAME
# and set PORT and HOST.
sc_listen() {
	local name=$1
	shift
	bg "$name" "$SOCKCAT" -v -l "$@" 127.0.0.1 0
	PORT=$(listen_port "$name")
	HOST=127.0.0.1
}

# ended NAME: job NAME exits on its own within 20 s and is not killed by
# its timeout; ENDED[NAME] gets its status.
declare -gA ENDED=()
ended() {
	bg_wait "$1" 20 || return 1
	ENDED[$1]=$BG_STATUS
	if ((BG_STATUS == 124 || BG_STATUS == 137)); then
		echo "$1 was killed by its timeout" >&2
		_show_job "$1"
		return 1
	fi
}

# done_ok SENDER RECEIVER SOCKCAT_JOB: both jobs end on their own, sockcat
# with status 0, and RECEIVER's stdout is the data, byte for byte.
done_ok() {
	local sum size
	ended "$1"
	ended "$2"
	if ((ENDED[$3] != 0)); then
		echo "sockcat ($3) exited ${ENDED[$3]}" >&2
		_show_job "$3"
		return 1
	fi
	sum=$(sha256sum <"$T/$2.out" | cut -d' ' -f1)
	if [[ $sum != "$SUM" ]]; then
		size=$(wc -c <"$T/$2.out")
		echo "$2 got other bytes: $size of $((MIB * 1024 * 1024))" >&2
		return 1
	fi
}

# ncat_sender_flags: ncat 7.96 and later no longer half-close in connect
# mode at the end of stdin; --send-only makes them end there.
ncat_sender_flags() {
	local v maj min
	v=$(ncat --version 2>&1)
	[[ $v =~ Version\ ([0-9]+)\.([0-9]+) ]] || return 0
	maj=${BASH_REMATCH[1]}
	min=${BASH_REMATCH[2]}
	if ((maj > 7 || (maj == 7 && min >= 96))); then
		echo --send-only
	fi
}

# The receiving sockcat's two forms: -d, or stdin at /dev/null.
RECV_FORMS=(-d '')

# --- sockcat listens and receives; the peer connects and sends ---------------

# recv_listen PEER_CMD...: for each receiving form, `sockcat [-d] -l` gets
# the data from PEER_CMD HOST PORT < data.
recv_listen() {
	local form
	for form in "${RECV_FORMS[@]}"; do
		sc_listen rx $form
		BG_STDIN=$DATA bg tx "$@" "$HOST" "$PORT"
		done_ok tx rx rx
	done
}

@test "sockcat -d -l and sockcat -l </dev/null receive a whole file from nc.traditional -q 0" {
	need nc.traditional
	recv_listen nc.traditional -q 0
}

@test "sockcat -d -l and sockcat -l </dev/null receive a whole file from busybox nc" {
	need busybox
	recv_listen busybox nc
}

@test "sockcat -d -l and sockcat -l </dev/null receive a whole file from nc.openbsd -N" {
	need nc.openbsd
	recv_listen nc.openbsd -N
}

@test "sockcat -d -l and sockcat -l </dev/null receive a whole file from ncat" {
	need ncat
	# shellcheck disable=SC2046  # no flag, or one
	recv_listen ncat $(ncat_sender_flags)
}

@test "sockcat -d -l and sockcat -l </dev/null receive a whole file from socat" {
	need socat
	local form
	for form in "${RECV_FORMS[@]}"; do
		sc_listen rx $form
		BG_STDIN=$DATA bg tx socat STDIO "TCP:$HOST:$PORT"
		done_ok tx rx rx
	done
}

# --- sockcat connects and receives; the peer listens and sends ---------------

# recv_connect PEER_CMD...: for each receiving form, `sockcat [-d] HOST
# PORT` gets the data from the listener PEER_CMD < data.
recv_connect() {
	local form
	for form in "${RECV_FORMS[@]}"; do
		BG_STDIN=$DATA peer_listen tx "$@"
		bg rx "$SOCKCAT" $form "$HOST" "$PORT"
		done_ok tx rx rx
	done
}

@test "sockcat </dev/null and sockcat -d receive a whole file from nc.openbsd -N -l" {
	need nc.openbsd
	recv_connect nc.openbsd -N -l 127.0.0.1 0
}

@test "sockcat </dev/null and sockcat -d receive a whole file from ncat -l" {
	need ncat
	recv_connect ncat -l 127.0.0.1 0
}

@test "sockcat </dev/null and sockcat -d receive a whole file from nc.traditional -q 0 -l" {
	need nc.traditional
	# Without -p it listens on a port of the kernel's choosing.
	recv_connect nc.traditional -q 0 -l -s 127.0.0.1
}

@test "sockcat </dev/null and sockcat -d receive a whole file from busybox nc -l" {
	need busybox
	recv_connect busybox nc -l
}

@test "sockcat </dev/null and sockcat -d receive a whole file from socat TCP-LISTEN" {
	need socat
	recv_connect socat STDIO TCP-LISTEN:0,bind=127.0.0.1
}

# --- sockcat listens and sends; the peer connects and receives ---------------

# send_listen PEER_CMD...: `sockcat -l < data` sends the data to PEER_CMD
# HOST PORT, whose stdin is /dev/null.
send_listen() {
	BG_STDIN=$DATA sc_listen tx
	bg rx "$@" "$HOST" "$PORT"
	done_ok tx rx tx
}

@test "sockcat -l < file sends the whole file to nc.openbsd" {
	need nc.openbsd
	send_listen nc.openbsd
}

@test "sockcat -l < file sends the whole file to ncat" {
	need ncat
	send_listen ncat
}

@test "sockcat -l < file sends the whole file to nc.traditional" {
	need nc.traditional
	send_listen nc.traditional
}

@test "sockcat -l < file sends the whole file to busybox nc" {
	need busybox
	send_listen busybox nc
}

@test "sockcat -l < file sends the whole file to socat" {
	need socat
	BG_STDIN=$DATA sc_listen tx
	bg rx socat -u "TCP:$HOST:$PORT" STDOUT
	done_ok tx rx tx
}

# --- sockcat connects and sends; the peer listens and receives ---------------

# send_connect PEER_CMD...: `sockcat HOST PORT < data` sends the data to the
# listener PEER_CMD, whose stdin is /dev/null.
send_connect() {
	peer_listen rx "$@"
	BG_STDIN=$DATA bg tx "$SOCKCAT" "$HOST" "$PORT"
	done_ok tx rx tx
}

@test "sockcat < file sends the whole file to nc.openbsd -l" {
	need nc.openbsd
	send_connect nc.openbsd -l 127.0.0.1 0
}

@test "sockcat < file sends the whole file to ncat -l" {
	need ncat
	send_connect ncat -l 127.0.0.1 0
}

@test "sockcat < file sends the whole file to nc.traditional -l" {
	need nc.traditional
	send_connect nc.traditional -l -s 127.0.0.1
}

@test "sockcat < file sends the whole file to busybox nc -l" {
	need busybox
	send_connect busybox nc -l
}

@test "sockcat < file sends the whole file to socat -u TCP-LISTEN" {
	need socat
	send_connect socat -u TCP-LISTEN:0,bind=127.0.0.1 STDOUT
}

# --- a pipe on both ends: the splice lanes ------------------------------------

@test "cat file | sockcat sends a whole file to nc.traditional -l, and nc.traditional -q 0 | sockcat -d -l > pipe receives one" {
	need nc.traditional
	peer_listen rx nc.traditional -l -s 127.0.0.1
	bg tx bash -c 'cat "$1" | "$2" "$3" "$4"' _ "$DATA" "$SOCKCAT" "$HOST" \
	    "$PORT"
	done_ok tx rx tx
	bg rx2 bash -c 'set -o pipefail; "$1" -v -d -l 127.0.0.1 0 | cat' \
	    _ "$SOCKCAT"
	PORT=$(listen_port rx2)
	BG_STDIN=$DATA bg tx2 nc.traditional -q 0 127.0.0.1 "$PORT"
	done_ok tx2 rx2 rx2
}
