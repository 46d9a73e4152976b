bats_require_minimum_version 1.5.0
load helpers/common
setup() { common_setup; }
teardown() { common_teardown; }

# signals.bats -- SIGINT, SIGTERM and SIGHUP end sockcat within moments and
# it dies by that signal (status 128+N), whatever it is doing: moving a flood
# of data, blocked writing to a terminal, stopped as a job, waiting for a
# DNS server that never answers, serving a -c program (which ends too), or
# pausing between --retry attempts.

TTYJOB=$_helpers_dir/ttyjob.py

# flood NAME: job NAME writes `yes` into the FIFO $T/NAME.fifo, for a reader
# to take as its stdin (BG_STDIN=$T/NAME.fifo bg ...).
flood() {
	mkfifo "$T/$1.fifo"
	bg "$1" bash -c 'exec yes >"$1"' _ "$T/$1.fifo"
}

# flooding_listener NAME: a listener job NAME that sends `yes` to its
# client for ever; sets PORT.
flooding_listener() {
	flood "$1_src"
	BG_STDIN=$T/$1_src.fifo bg "$1" "$SOCKCAT" -n -v -l 0
	PORT=$(listen_port "$1")
}

# sink_client NAME: a client job NAME of PORT whose stdout is /dev/null and
# whose stdin stays open with nothing to send.
sink_client() {
	pipe_open "$1"
	bg "$1" bash -c 'exec "$@" >/dev/null' _ "$SOCKCAT" -n 127.0.0.1 "$PORT"
}

# busy NAME: the command of job NAME has used some CPU time (it is moving
# data, not merely started).
busy() {
	local ticks
	ticks=$(cpu_ticks "$1") || return 1
	((ticks >= 5))
}

# state PID: the one-letter state of PID (R, S, T, Z...).
state() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	printf '%s\n' "${stat%% *}"
}

# stopped PID: PID is stopped (T).
stopped() {
	[[ $(state "$1") == T ]]
}

# gone PID: no such process, or only a zombie left for init to reap.
gone() {
	local s
	s=$(state "$1") || return 0
	[[ $s == Z ]]
}

# queued FIFO N: at least N bytes wait in FIFO.
queued() {
	python3 -c '
import fcntl, os, struct, sys, termios
fd = os.open(sys.argv[1], os.O_RDONLY | os.O_NONBLOCK)
n = struct.unpack("i", fcntl.ioctl(fd, termios.FIONREAD, b"\0" * 4))[0]
sys.exit(0 if n >= int(sys.argv[2]) else 1)' "$1" "$2"
}

# --- a busy transfer ----------------------------------------------------------

# A terminal that shows a flood is always writable again after ^C (which
# discards its output) while the socket always has more: a sockcat that
# only took signals when poll found nothing ready never took this one.
@test "^C on its terminal ends a client that shows a flood there, by SIGINT" {
	flood src
	BG_STDIN=$T/src.fifo bg lst "$SOCKCAT" -n -v -l 0
	PORT=$(listen_port lst)
	run --separate-stderr timeout 30 python3 "$TTYJOB" ctrlc INT -- \
	    "$SOCKCAT" -n 127.0.0.1 "$PORT"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = busy ]
	[ "${lines[1]}" = "signaled 2" ]
}

@test "^C on its terminal ends a listener that shows a flood there, by SIGINT" {
	bg lst python3 "$TTYJOB" ctrlc INT -- "$SOCKCAT" -n -l 0 \
	    --port-file "$T/port"
	wait_for 10 test -s "$T/port"
	flood src
	pipe_open cli
	BG_STDIN=$T/src.fifo bg cli "$SOCKCAT" -n 127.0.0.1 "$(<"$T/port")"
	bg_wait lst 20
	cat "$T/lst.out"
	[ "$BG_STATUS" -eq 0 ]
	[ "$(<"$T/lst.out")" = $'busy\nsignaled 2' ]
}

@test "SIGINT ends a client that is receiving a flood within 2 s, by SIGINT (130)" {
	flooding_listener lst
	sink_client cli
	wait_for 10 busy cli
	kill -INT "$(bg_cmd_pid cli)"
	bg_wait cli 2
	[ "$BG_STATUS" -eq 130 ]
}

@test "SIGINT, SIGTERM and SIGHUP end a listener that is sending a flood within 2 s (130, 143, 129)" {
	local sig
	for sig in INT TERM HUP; do
		flooding_listener "lst$sig"
		sink_client "cli$sig"
		wait_for 10 busy "lst$sig"
		kill -s "$sig" "$(bg_cmd_pid "lst$sig")"
		bg_wait "lst$sig" 2
		echo "SIG$sig: status $BG_STATUS" >&2
		[ "$BG_STATUS" -eq $((128 + $(kill -l "$sig"))) ]
	done
}

@test "SIGTERM ends a client blocked writing to a terminal that nobody reads, by SIGTERM" {
	flooding_listener lst
	run --separate-stderr timeout 30 python3 "$TTYJOB" full TERM -- \
	    "$SOCKCAT" -n 127.0.0.1 "$PORT"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = blocked ]
	[ "${lines[1]}" = "signaled 15" ]
}

@test "SIGTERM ends a client whose stdout is a full pipe that nobody reads (143)" {
	flooding_listener lst
	pipe_open full
	pipe_open cli
	bg cli bash -c 'exec "$@" >"$0"' "$T/full.in" "$SOCKCAT" -n 127.0.0.1 \
	    "$PORT"
	wait_for 10 queued "$T/full.in" 65536
	kill -TERM "$(bg_cmd_pid cli)"
	bg_wait cli 2
	[ "$BG_STATUS" -eq 143 ]
}

# --- a stopped job ------------------------------------------------------------

# bash's `kill %1` sends a stopped job SIGTERM, then SIGCONT.
@test "a busy client that is stopped, then sent SIGTERM and SIGCONT, dies by SIGTERM at once" {
	local pid
	flooding_listener lst
	sink_client cli
	wait_for 10 busy cli
	pid=$(bg_cmd_pid cli)
	kill -STOP "$pid"
	wait_for 5 stopped "$pid"
	kill -TERM "$pid"
	kill -CONT "$pid"
	bg_wait cli 2
	[ "$BG_STATUS" -eq 143 ]
}

@test "a background job stopped by reading the terminal (SIGTTIN) dies by SIGTERM on kill %1 (TERM, then CONT)" {
	pipe_open lst
	bg lst "$SOCKCAT" -n -v -l 0
	PORT=$(listen_port lst)
	run --separate-stderr timeout 30 python3 "$TTYJOB" ttin TERM -- \
	    "$SOCKCAT" -n 127.0.0.1 "$PORT"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = stopped ]
	[ "${lines[1]}" = "signaled 15" ]
}

# --- a DNS server that never answers ------------------------------------------

@test "SIGTERM during a name lookup that never gets an answer ends sockcat within 1 s with 143" {
	unshare -rmn true 2>/dev/null ||
	    skip "unshare -rmn (user, mount and network namespaces) not permitted"
	# In namespaces of its own: only lo, and a resolv.conf naming a DNS
	# server on 127.0.0.1 that reads queries and never answers.
	cat >"$T/dns.sh" <<'EOF'
set -e
T=$1
# wait_for, to poll for the server's marks against a deadline.
. "$2/common.bash"
ip link set lo up
printf 'nameserver 127.0.0.1\noptions timeout:5 attempts:2\n' >"$T/resolv.conf"
mount --bind "$T/resolv.conf" /etc/resolv.conf
python3 -c '
import os, signal, socket, sys
signal.alarm(20)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 53))
open(sys.argv[1], "w").close()
s.recvfrom(4096)
open(sys.argv[2], "w").close()
while True:
    s.recvfrom(4096)
' "$T/dns.ready" "$T/dns.asked" &
srv=$!
wait_for 5 test -e "$T/dns.ready"
"$SOCKCAT" sigtest.example 80 &
pid=$!
if ! wait_for 5 test -e "$T/dns.asked"; then
	echo "no query reached the DNS server"
	kill "$pid" "$srv"
	exit 0
fi
start=$EPOCHREALTIME
kill -TERM "$pid"
st=0
wait "$pid" || st=$?
end=$EPOCHREALTIME
echo "status $st"
echo "ms $(((${end//[!0-9]/} - ${start//[!0-9]/}) / 1000))"
kill "$srv"
EOF
	run --separate-stderr timeout 30 unshare -rmn bash "$T/dns.sh" "$T" "$_helpers_dir"
	echo "$output"
	[ "$output" != "no query reached the DNS server" ] ||
	    skip "name lookups here do not ask the server in /etc/resolv.conf"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "status 143" ]
	[ "${lines[1]#ms }" -lt 1000 ]
}

# --- a -c program --------------------------------------------------------------

@test "SIGINT to a listener whose -c program floods its client ends the program too, by SIGINT (130)" {
	local ppid
	bg lst "$SOCKCAT" -n -v -l 0 -c "echo \$\$ >'$T/prog.pid'; exec yes"
	PORT=$(listen_port lst)
	sink_client cli
	wait_for 10 busy lst
	wait_for 5 test -s "$T/prog.pid"
	ppid=$(<"$T/prog.pid")
	run ! gone "$ppid"
	kill -INT "$(bg_cmd_pid lst)"
	bg_wait lst 2
	[ "$BG_STATUS" -eq 130 ]
	wait_for 1 gone "$ppid"
}

# --- a pause ------------------------------------------------------------------

@test "SIGTERM during a --retry pause ends sockcat within 2 s by SIGTERM (143), not at the end of the pause" {
	bg cli "$SOCKCAT" -vv --retry 60s --retry-interval 30s -U "$T/none"
	# -vv reports each failed attempt; the 30 s pause follows the first.
	wait_for 5 file_has "$T/cli.err" 'No such file or directory'
	kill -TERM "$(bg_cmd_pid cli)"
	bg_wait cli 2
	[ "$BG_STATUS" -eq 143 ]
}
