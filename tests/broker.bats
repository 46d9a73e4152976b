bats_require_minimum_version 1.5.0
load helpers/common

# broker.bats -- --broker and --chat: a listener relays between many clients
# at once. Clients are sockcat clients whose stdin is a pipe_open pipe, so
# they stay connected until the test closes it; the listener's stdin is such
# a pipe too. Also --max-conns, a client leaving, 1 MiB relayed intact to a
# fast and a slow reader, and the usage errors.

# start_broker ARGS...: run `sockcat -n -v ARGS... -l 0` as job lst, with a
# pipe as its stdin, and set PORT.
start_broker() {
	pipe_open lst
	bg lst "$SOCKCAT" -n -v "$@" -l 0
	PORT=$(listen_port lst)
	JOINED=0
}

# accepted N: the listener has logged at least N accepted clients.
accepted() {
	(($(grep -c '^connect to \[' "$T/lst.err") >= $1))
}

# join NAME [ARGS...]: a sockcat client NAME (with ARGS) connects, stdin a
# pipe, stdout in $T/NAME.out; returns once the listener has accepted it.
# A client that never sent a byte sends no FIN when its stdin ends (no
# request, no FIN): one that is to leave then is given -q 0.
join() {
	local name=$1
	shift
	pipe_open "$name"
	bg "$name" "$SOCKCAT" -n "$@" 127.0.0.1 "$PORT"
	JOINED=$((JOINED + 1))
	wait_for 10 accepted "$JOINED"
}

# same_bytes TEXT FILE: FILE holds exactly TEXT.
same_bytes() {
	printf '%s' "$1" | cmp - "$2"
}

# has_bytes FILE N: FILE holds at least N bytes (for wait_for).
has_bytes() {
	size_ge "$1" "$2"
}

# The -v line of a client that left, naming it as ADDR port N.
LEFT='sockcat: 127\.0\.0\.1 port [0-9]+ disconnected'

# left_lines N: the listener has logged at least N clients leaving.
left_lines() {
	(($(grep -cEx "$LEFT" "$T/lst.err") >= $1))
}

@test "--broker: what one client sends reaches every other client and stdout, but not itself" {
	start_broker --broker
	join a
	join b
	join c
	pipe_write a $'from A\n'
	wait_for 10 file_has "$T/b.out" 'from A'
	wait_for 10 file_has "$T/c.out" 'from A'
	wait_for 10 file_has "$T/lst.out" 'from A'
	# B's line comes after A's on every connection, so once A has it, A
	# would have had its own line already.
	pipe_write b $'from B\n'
	wait_for 10 file_has "$T/a.out" 'from B'
	wait_for 10 file_has "$T/c.out" 'from B'
	wait_for 10 file_has "$T/lst.out" 'from B'
	same_bytes $'from B\n' "$T/a.out"
	same_bytes $'from A\n' "$T/b.out"
	same_bytes $'from A\nfrom B\n' "$T/c.out"
	same_bytes $'from A\nfrom B\n' "$T/lst.out"
}

@test "--broker: the listener's stdin goes to every client" {
	start_broker --broker
	join a
	join b
	join c
	pipe_write lst $'to all\n'
	local name
	for name in a b c; do
		wait_for 10 file_has "$T/$name.out" 'to all'
		same_bytes $'to all\n' "$T/$name.out"
	done
	[ ! -s "$T/lst.out" ]
}

@test "--broker: a client that shuts down its side is disconnected and the others carry on" {
	start_broker --broker
	join b
	join c
	# A sends nothing and shuts down its side at once.
	bg a python3 "$PEER" client-halfclose --port "$PORT" --send '' \
	    --save "$T/a.save"
	# The broker closes A's connection: A sees EOF and ends.
	bg_wait a 5
	[ "$BG_STATUS" -eq 0 ]
	[ ! -s "$T/a.save" ]
	wait_for 5 left_lines 1
	[ "$(grep -cEx "$LEFT" "$T/lst.err")" -eq 1 ]
	pipe_write b $'still here\n'
	wait_for 10 file_has "$T/c.out" 'still here'
	wait_for 10 file_has "$T/lst.out" 'still here'
	pipe_write lst $'server too\n'
	wait_for 10 file_has "$T/b.out" 'server too'
	wait_for 10 file_has "$T/c.out" 'server too'
	same_bytes $'server too\n' "$T/b.out"
	same_bytes $'still here\nserver too\n' "$T/c.out"
	running lst
}

@test "--broker keeps listening after every client has left" {
	start_broker --broker
	join a -q 0
	pipe_close a
	bg_wait a 5
	[ "$BG_STATUS" -eq 0 ]
	wait_for 5 left_lines 1
	running lst
	join b
	pipe_write b $'second visitor\n'
	wait_for 10 file_has "$T/lst.out" 'second visitor'
	pipe_write lst $'welcome back\n'
	wait_for 10 file_has "$T/b.out" 'welcome back'
}

@test "--broker relays 1 MiB from one client intact to a fast and a slow reader and to stdout" {
	make_big "$T/big" 1
	start_broker --broker
	join b
	# C reads 4 KiB per millisecond through a small receive buffer.
	bg c python3 -c '
import socket, sys, time
port, want, path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.connect(("127.0.0.1", port))
got = 0
with open(path, "wb") as f:
    while got < want:
        data = s.recv(4096)
        if not data:
            break
        f.write(data)
        f.flush()
        got += len(data)
        time.sleep(0.001)
s.close()
' "$PORT" $((1024 * 1024)) "$T/c.save"
	JOINED=$((JOINED + 1))
	wait_for 10 accepted "$JOINED"
	BG_STDIN=$T/big bg a "$SOCKCAT" -n 127.0.0.1 "$PORT"
	bg_wait c 20
	[ "$BG_STATUS" -eq 0 ]
	cmp "$T/big" "$T/c.save"
	wait_for 10 has_bytes "$T/b.out" $((1024 * 1024))
	cmp "$T/big" "$T/b.out"
	wait_for 10 has_bytes "$T/lst.out" $((1024 * 1024))
	cmp "$T/big" "$T/lst.out"
	# A gets nothing back and is disconnected after its end of stream.
	bg_wait a 10
	[ "$BG_STATUS" -eq 0 ]
	[ ! -s "$T/a.out" ]
}

@test "--broker --max-conns 2 closes a third client at once, with a -v note" {
	start_broker --broker --max-conns 2
	join a
	join b
	bg c python3 "$PEER" client-hold --port "$PORT" \
	    --port-file "$T/c.port" --save "$T/c.save"
	bg_wait c 3
	[ "$BG_STATUS" -eq 0 ]
	[ ! -s "$T/c.save" ]
	wait_for 5 file_has "$T/lst.err" '(--max-conns)'
	grep -qFx "sockcat: refused connection from 127.0.0.1 port $(<"$T/c.port"): 2 clients already (--max-conns)" "$T/lst.err"
	[ "$(grep -c '^connect to \[' "$T/lst.err")" -eq 2 ]
	# The two members are unaffected.
	pipe_write a $'members only\n'
	wait_for 10 file_has "$T/b.out" 'members only'
}

@test "--broker --max-conns 2 takes a new client once a member has left" {
	start_broker --broker --max-conns 2
	join a -q 0
	join b
	pipe_close a
	bg_wait a 5
	wait_for 5 left_lines 1
	join c
	pipe_write c $'room again\n'
	wait_for 10 file_has "$T/b.out" 'room again'
	run ! grep -F '(--max-conns)' "$T/lst.err"
}

@test "--chat prefixes lines with the sender's nick and announces arrivals" {
	start_broker --chat
	join a
	join b
	wait_for 10 file_has "$T/a.out" '<user2>.'
	pipe_write a $'hi from a\n'
	wait_for 10 file_has "$T/b.out" 'hi from a'
	pipe_write b $'hi from b\n'
	wait_for 10 file_has "$T/a.out" 'hi from b'
	# The first client is told of nobody: it was alone.
	same_bytes '<announce> 127.0.0.1 is connected as <user2>.
<user2> hi from b
' "$T/a.out"
	same_bytes '<announce> already connected nicks: <user1>.
<user1> hi from a
' "$T/b.out"
	wait_for 10 file_has "$T/lst.out" '<user2> hi from b'
	grep -qFx '<user1> hi from a' "$T/lst.out"
}

@test "--chat tells a newcomer every nick already connected" {
	start_broker --chat
	join a
	join b
	join c
	wait_for 10 file_has "$T/c.out" 'already connected'
	wait_for 10 file_has "$T/a.out" '<user3>.'
	wait_for 10 file_has "$T/b.out" '<user3>.'
	same_bytes $'<announce> already connected nicks: <user1>, <user2>.\n' "$T/c.out"
	same_bytes '<announce> 127.0.0.1 is connected as <user2>.
<announce> 127.0.0.1 is connected as <user3>.
' "$T/a.out"
}

@test "--chat announces a departure to the others" {
	start_broker --chat
	join a -q 0
	join b
	join c
	wait_for 10 file_has "$T/b.out" '<user3>.'
	pipe_close a
	bg_wait a 5
	[ "$BG_STATUS" -eq 0 ]
	wait_for 10 file_has "$T/b.out" 'disconnected'
	wait_for 10 file_has "$T/c.out" 'disconnected'
	grep -qFx '<announce> <user1> is disconnected.' "$T/b.out"
	same_bytes '<announce> already connected nicks: <user1>, <user2>.
<announce> <user1> is disconnected.
' "$T/c.out"
}

@test "--chat sends the listener's own lines as <server>" {
	start_broker --chat
	join a
	join b
	pipe_write lst $'hello from the console\n'
	wait_for 10 file_has "$T/a.out" 'console'
	wait_for 10 file_has "$T/b.out" 'console'
	grep -qFx '<server> hello from the console' "$T/a.out"
	grep -qFx '<server> hello from the console' "$T/b.out"
	run ! grep -F console "$T/lst.out"
}

@test "--chat replaces escape, carriage return and other control bytes with '?', keeping tabs" {
	start_broker --chat
	join a
	join b
	wait_for 10 file_has "$T/b.out" 'already connected'
	pipe_write a $'red \e[31m cr \r bell \a tab \t end\n'
	wait_for 10 file_has "$T/b.out" 'end'
	same_bytes $'<announce> already connected nicks: <user1>.\n<user1> red ?[31m cr ? bell ? tab \t end\n' "$T/b.out"
}

@test "--chat prefixes every line of a chunk, and a line sent in two pieces only once" {
	start_broker --chat
	join a
	join b
	wait_for 10 file_has "$T/b.out" 'already connected'
	pipe_write a $'one\ntwo\n'
	wait_for 10 file_has "$T/b.out" 'two'
	pipe_write a 'thr'
	wait_for 10 file_has "$T/b.out" 'thr'
	pipe_write a $'ee\n'
	wait_for 10 file_has "$T/b.out" 'three'
	same_bytes '<announce> already connected nicks: <user1>.
<user1> one
<user1> two
<user1> three
' "$T/b.out"
}

@test "--broker and --chat without -l are usage errors" {
	run -2 --separate-stderr timeout 10 "$SOCKCAT" --broker 127.0.0.1 9
	[ -z "$output" ]
	[ "$stderr" = "sockcat: options --broker and --chat need -l" ]
	run -2 --separate-stderr timeout 10 "$SOCKCAT" --chat 127.0.0.1 9
	[ -z "$output" ]
	[ "$stderr" = "sockcat: options --broker and --chat need -l" ]
}

@test "--broker with -e, -c or -u is a usage error" {
	local opts
	for opts in '-e cat' '-c cat' '-u'; do
		# shellcheck disable=SC2086  # split the option and its value
		run -2 --separate-stderr timeout 10 "$SOCKCAT" -l --broker $opts 0
		[ -z "$output" ]
		[ "$stderr" = "sockcat: options --broker/--chat and -e/-c/-u conflict" ]
	done
	run -2 --separate-stderr timeout 10 "$SOCKCAT" -l --chat -e cat 0
	[ "$stderr" = "sockcat: options --broker/--chat and -e/-c/-u conflict" ]
}

# --- never dropping data, idle limits, -w, memory ---------------------------

MIB=$((1024 * 1024))

# write_bk: $T/bk.py, the python3 peers of the tests below.
#   bk.py gen FILE LO HI: FILE gets 1 MiB of random bytes LO..HI, so that
#     each sender's bytes can be picked out of a mix.
#   bk.py pick FILE LO HI: the bytes LO..HI of FILE, in order, to stdout.
#   bk.py out FILE PAUSE: stdin to FILE until EOF, after PAUSE seconds,
#     then 4 KiB per millisecond: a slow standard output.
#   bk.py slow PORT FILE: a client with a 4 KiB receive buffer that saves
#     what arrives to FILE, 4 KiB per millisecond, until EOF.
#   bk.py mute PORT PORTFILE GOFILE: a client with a 4 KiB receive buffer
#     that writes its local port to PORTFILE and reads nothing; once GOFILE
#     exists it closes with a reset.
write_bk() {
	cat >"$T/bk.py" <<'PY'
import os, socket, struct, sys, time

what = sys.argv[1]


def pick_table(lo, hi):
    return bytes(b for b in range(256) if not lo <= b <= hi)


def copy_slowly(read, path, pause):
    time.sleep(pause)
    with open(path, "wb") as f:
        while True:
            data = read(4096)
            if not data:
                return
            f.write(data)
            f.flush()
            time.sleep(0.001)


def client(port):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect(("127.0.0.1", port))
    return s


if what == "gen":
    lo, hi = int(sys.argv[3]), int(sys.argv[4])
    table = bytes(lo + b % (hi - lo + 1) for b in range(256))
    with open(sys.argv[2], "wb") as f:
        f.write(os.urandom(1 << 20).translate(table))
elif what == "pick":
    with open(sys.argv[2], "rb") as f:
        data = f.read()
    sys.stdout.buffer.write(data.translate(None,
        pick_table(int(sys.argv[3]), int(sys.argv[4]))))
elif what == "out":
    copy_slowly(lambda n: os.read(0, n), sys.argv[2], float(sys.argv[3]))
elif what == "slow":
    copy_slowly(client(int(sys.argv[2])).recv, sys.argv[3], 0)
elif what == "mute":
    s = client(int(sys.argv[2]))
    with open(sys.argv[3] + ".tmp", "w") as f:
        f.write("%d\n" % s.getsockname()[1])
    os.replace(sys.argv[3] + ".tmp", sys.argv[3])
    end = time.monotonic() + 60
    while not os.path.exists(sys.argv[4]):
        if time.monotonic() > end:
            sys.exit(1)
        time.sleep(0.02)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()
PY
}

# The byte ranges of senders a, b and c.
RANGE_a='0 84'
RANGE_b='85 169'
RANGE_c='170 255'

# make_senders: $T/a.data, b.data, c.data: 1 MiB each, in their ranges.
make_senders() {
	local name range
	for name in a b c; do
		range=RANGE_$name
		# shellcheck disable=SC2086  # LO HI
		python3 "$T/bk.py" gen "$T/$name.data" ${!range}
	done
}

# run_senders: a, b and c connect and send their 1 MiB at once, then end
# their stream; each is closed once it has what was queued for it.
run_senders() {
	local name
	for name in a b c; do
		BG_STDIN=$T/$name.data bg "$name" "$SOCKCAT" -n 127.0.0.1 "$PORT"
	done
	for name in a b c; do
		bg_wait "$name" 60
		[ "$BG_STATUS" -eq 0 ]
		# Nothing of its own came back.
		range=RANGE_$name
		# shellcheck disable=SC2086  # LO HI
		[ -z "$(python3 "$T/bk.py" pick "$T/$name.out" ${!range} | head -c 1)" ]
	done
}

# all_three FILE: FILE holds exactly the 3 MiB of a, b and c, each sender's
# bytes complete and in order.
all_three() {
	local name range
	[ "$(wc -c <"$1")" -eq $((3 * MIB)) ]
	for name in a b c; do
		range=RANGE_$name
		# shellcheck disable=SC2086  # LO HI
		python3 "$T/bk.py" pick "$1" ${!range} | cmp - "$T/$name.data"
	done
}

# start_piped_broker PAUSE ARGS...: like start_broker, with standard output
# read by `bk.py out $T/stdout.save PAUSE`.
start_piped_broker() {
	local pause=$1
	shift
	pipe_open lst
	bg lst sh -c 'p=$1 out=$2 pause=$3; shift 3
	    "$@" | python3 "$p" out "$out" "$pause"' sh \
	    "$T/bk.py" "$T/stdout.save" "$pause" "$SOCKCAT" -n -v "$@" -l 0
	PORT=$(listen_port lst)
	JOINED=0
}

@test "--broker passes on every byte of three clients sending 1 MiB at once, while stdout is not read for 2 s" {
	write_bk
	make_senders
	start_piped_broker 2 --broker
	join r
	run_senders
	wait_for 30 has_bytes "$T/stdout.save" $((3 * MIB))
	all_three "$T/stdout.save"
	wait_for 30 has_bytes "$T/r.out" $((3 * MIB))
	all_three "$T/r.out"
}

@test "--broker passes on every byte of three senders to a slow stdout and a slow client" {
	write_bk
	make_senders
	start_piped_broker 0 --broker
	bg s python3 "$T/bk.py" slow "$PORT" "$T/s.save"
	JOINED=1
	wait_for 10 accepted 1
	run_senders
	wait_for 60 has_bytes "$T/stdout.save" $((3 * MIB))
	all_three "$T/stdout.save"
	wait_for 60 has_bytes "$T/s.save" $((3 * MIB))
	all_three "$T/s.save"
}

@test "--broker holds stdin until a client is there to take it" {
	pipe_open lst
	bg lst "$SOCKCAT" -n -v --broker -l 0
	PORT=$(listen_port lst)
	JOINED=0
	pipe_write lst $'early\n'
	join a
	wait_for 10 file_has "$T/a.out" 'early'
	same_bytes $'early\n' "$T/a.out"
}

@test "--broker -v names a client that went away as ADDR port N" {
	write_bk
	make_big "$T/big" 1
	# Small send buffers: a client that reads nothing soon has a queue.
	start_broker --broker -O 4096
	bg x python3 "$T/bk.py" mute "$PORT" "$T/x.port" "$T/x.go"
	JOINED=1
	wait_for 10 accepted 1
	BG_STDIN=$T/big bg a "$SOCKCAT" -n 127.0.0.1 "$PORT"
	# More than x's buffers hold has been read: the rest waits for x.
	wait_for 10 has_bytes "$T/lst.out" $((48 * 1024))
	: >"$T/x.go"
	bg_wait x 10
	wait_for 10 file_has "$T/lst.err" 'went away'
	grep -qFx "sockcat: 127.0.0.1 port $(<"$T/x.port") went away" "$T/lst.err"
	# Then a goes on, to stdout alone.
	wait_for 20 has_bytes "$T/lst.out" "$MIB"
	cmp "$T/big" "$T/lst.out"
}

@test "--broker --max-conns 100000 stays small while it serves one client" {
	start_broker --broker --max-conns 100000
	join a
	local pid rss
	pid=$(bg_cmd_pid lst)
	rss=$(awk '$1 == "VmRSS:" { print $2 }' "/proc/$pid/status")
	echo "VmRSS ${rss} kB" >&2
	((rss < 20 * 1024))
	pipe_write a $'still works\n'
	wait_for 10 file_has "$T/lst.out" 'still works'
}

@test "--broker --idle-timeout 1 disconnects a client silent for a second, and keeps listening" {
	write_bk
	start_broker --broker --idle-timeout 1
	bg a python3 "$T/bk.py" slow "$PORT" "$T/a.save"
	wait_for 10 accepted 1
	# Disconnected: a sees the end of the stream and exits.
	bg_wait a 10
	[ "$BG_STATUS" -eq 0 ]
	[ ! -s "$T/a.save" ]
	grep -qEx 'sockcat: 127\.0\.0\.1 port [0-9]+ disconnected: idle timeout \(--idle-timeout 1\) expired' "$T/lst.err"
	running lst
	JOINED=1
	join b
	pipe_write b $'after the idle one\n'
	wait_for 10 file_has "$T/lst.out" 'after the idle one'
}

@test "--chat --idle-timeout announces the idle member's departure" {
	start_broker --chat --idle-timeout 1
	join a
	wait_for 10 file_has "$T/lst.out" '<announce> <user1> is disconnected.'
	grep -qEx 'sockcat: 127\.0\.0\.1 port [0-9]+ disconnected: idle timeout \(--idle-timeout 1\) expired' "$T/lst.err"
}

@test "--broker --idle-timeout keeps a client that only receives" {
	start_broker --broker --idle-timeout 2
	join a
	join b
	local i
	# 3 s of a line every 0.25 s: b sends, a receives, neither is idle.
	# Each line is seen at a before the pause, which only paces the 3 s.
	for i in {1..12}; do
		pipe_write b "line $i"$'\n'
		wait_for 5 file_has "$T/a.out" "line $i"
		sleep 0.25
	done
	wait_for 10 file_has "$T/a.out" 'line 12'
	[ "$(wc -l <"$T/a.out")" -eq 12 ]
	run ! grep -F 'idle' "$T/lst.err"
	running a
	running b
}

@test "--broker --idle-timeout drops a client that stops reading, and the others carry on" {
	write_bk
	make_big "$T/big" 1
	start_broker --broker --idle-timeout 1 -O 4096
	bg x python3 "$T/bk.py" mute "$PORT" "$T/x.port" "$T/x.go"
	JOINED=1
	wait_for 10 accepted 1
	# a is held back while x's queue is full: that is not idleness.
	BG_STDIN=$T/big bg a "$SOCKCAT" -n 127.0.0.1 "$PORT"
	wait_for 20 has_bytes "$T/lst.out" "$MIB"
	cmp "$T/big" "$T/lst.out"
	grep -qFx "sockcat: 127.0.0.1 port $(<"$T/x.port") disconnected: idle timeout (--idle-timeout 1) expired" "$T/lst.err"
	bg_wait a 10
	[ "$BG_STATUS" -eq 0 ]
	[ ! -s "$T/a.out" ]
}

@test "--broker -w 1 exits 1 when no client comes within a second" {
	run --separate-stderr sc -n -v --broker -w 1 -l 0 </dev/null
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[[ ${stderr##*$'\n'} =~ ^sockcat:\ no\ connection\ on\ port\ [0-9]+\ within\ -w\ 1$ ]]
}

@test "--chat -w 1 exits 0 a second after its last client has left" {
	start_broker --chat -w 1
	join a
	pipe_close a
	bg_wait lst 10
	[ "$BG_STATUS" -eq 0 ]
	run ! grep -F 'no connection' "$T/lst.err"
}

@test "-q and -W with --broker or --chat are usage errors" {
	local opts mode
	for mode in --broker --chat; do
		for opts in '-q 1' '-W 5'; do
			# shellcheck disable=SC2086  # split the option and its value
			run -2 --separate-stderr timeout 10 "$SOCKCAT" -l "$mode" $opts 0
			[ -z "$output" ]
			[ "$stderr" = "sockcat: options -q and -W do not apply to --broker/--chat: they end one session, and a broker ends on a signal or -w" ]
		done
	done
}
