bats_require_minimum_version 1.5.0
load helpers/common
setup() { common_setup; }
teardown() { common_teardown; }

# acl.bats -- access control of listeners: --allow, --deny, --allowfile and
# --denyfile with addresses and CIDR blocks, IPv4 and IPv6 on a dual-stack
# listener; a refused client is closed at once with a -v note, before any
# program runs, and a one-shot listener goes on waiting for an allowed one;
# a UDP listener drops a refused sender's datagrams; bad entries and a
# missing -l are usage errors. Clients come from 127.0.0.1, 127.0.0.2 (any
# 127/8 address is loopback on Linux) and ::1.

# start_listener NAME ARGS...: run `sockcat -v -n ARGS... 0` as job NAME and
# set PORT from its listening line.
start_listener() {
	local name=$1
	shift
	bg "$name" "$SOCKCAT" -v -n "$@" 0
	PORT=$(listen_port "$name")
}

# refused_note ADDR CPORT: the -v line for a refused client.
refused_note() {
	printf 'sockcat: refused connection from %s port %s: not allowed by --allow/--deny\n' "$1" "$2"
}

# refused_dgram_note ADDR CPORT: the same for a refused UDP sender.
refused_dgram_note() {
	printf 'sockcat: refused datagram from %s port %s: not allowed by --allow/--deny\n' "$1" "$2"
}

# admitted HOST TEXT: peer.py connects from HOST, sends TEXT, half-closes and
# reads to EOF; it must succeed. Sets CPORT to its port.
admitted() {
	run --separate-stderr timeout 15 python3 "$PEER" client-halfclose \
	    --host "$1" --port "$PORT" --send "$2" --timeout 10 \
	    --port-file "$T/client.port"
	[ "$status" -eq 0 ]
	CPORT=$(<"$T/client.port")
}

# refused HOST: peer.py connects from HOST, sends nothing and must see the
# connection end, with nothing received, well before its 5 s watchdog.
# Sets CPORT to its port.
refused() {
	rm -f "$T/client.port" "$T/client.save"
	run --separate-stderr timeout 15 python3 "$PEER" client-hold \
	    --host "$1" --port "$PORT" --timeout 5 \
	    --port-file "$T/client.port" --save "$T/client.save"
	# Status 1 would be a reset: also "closed at once". 3 is the watchdog.
	[ "$status" -eq 0 ] || [ "$status" -eq 1 ]
	[ ! -s "$T/client.save" ]
	CPORT=$(<"$T/client.port")
}

# sc_from SRC TEXT: a sockcat client bound to source address SRC sends TEXT
# to 127.0.0.1 PORT and reads to EOF (status in $status).
sc_from() {
	# shellcheck disable=SC2016  # the inner shell expands them
	run --separate-stderr bash -c \
	    'printf "%s" "$3" | timeout 10 "$SOCKCAT" -s "$1" 127.0.0.1 "$2"' \
	    _ "$1" "$PORT" "$2"
}

# note_count NAME: number of refused notes in NAME's stderr.
note_count() {
	grep -c 'not allowed by --allow/--deny$' "$T/$1.err" || true
}

@test "--allow 127.0.0.1 admits a client from 127.0.0.1 and passes its data" {
	start_listener lst -l --allow 127.0.0.1
	admitted 127.0.0.1 "welcome"
	bg_wait lst
	[ "$BG_STATUS" -eq 0 ]
	[ "$(<"$T/lst.out")" = welcome ]
	grep -qxF "connect to [127.0.0.1] from (UNKNOWN) [127.0.0.1] $CPORT" "$T/lst.err"
	[ "$(note_count lst)" -eq 0 ]
}

@test "--deny 127.0.0.1 closes that client at once with a -v note, and writes nothing to stdout" {
	start_listener lst -l --deny 127.0.0.1
	refused 127.0.0.1
	wait_for 5 file_has "$T/lst.err" "refused connection"
	grep -qxF "$(refused_note 127.0.0.1 "$CPORT")" "$T/lst.err"
	[ "$(grep -c '^connect to' "$T/lst.err")" -eq 0 ]
	[ ! -s "$T/lst.out" ]
}

@test "a one-shot listener keeps waiting after a refused client, then serves an allowed client over ::1" {
	start_listener lst -l --deny 127.0.0.1
	refused 127.0.0.1
	wait_for 5 file_has "$T/lst.err" "refused connection"
	running lst
	admitted ::1 "over IPv6"
	bg_wait lst
	[ "$BG_STATUS" -eq 0 ]
	[ "$(<"$T/lst.out")" = "over IPv6" ]
	grep -qxF "connect to [::1] from (UNKNOWN) [::1] $CPORT" "$T/lst.err"
	[ "$(note_count lst)" -eq 1 ]
}

@test "--allow 127.0.0.0/8 admits a client from 127.0.0.2" {
	start_listener lst -l --allow 127.0.0.0/8
	sc_from 127.0.0.2 "from .2"
	[ "$status" -eq 0 ]
	bg_wait lst
	[ "$BG_STATUS" -eq 0 ]
	[ "$(<"$T/lst.out")" = "from .2" ]
	grep -q '^connect to \[127\.0\.0\.1\] from (UNKNOWN) \[127\.0\.0\.2\] [0-9]*$' "$T/lst.err"
}

@test "--allow 127.0.0.1 refuses a client from 127.0.0.2 and admits 127.0.0.1" {
	start_listener lst -l --allow 127.0.0.1
	sc_from 127.0.0.2 "from .2"
	wait_for 5 file_has "$T/lst.err" "refused connection from 127.0.0.2 port "
	running lst
	sc_from 127.0.0.1 "from .1"
	[ "$status" -eq 0 ]
	bg_wait lst
	[ "$BG_STATUS" -eq 0 ]
	[ "$(<"$T/lst.out")" = "from .1" ]
}

@test "--deny 127.0.0.0/8 wins over --allow 127.0.0.1" {
	start_listener lst -l --allow 127.0.0.1,::1 --deny 127.0.0.0/8
	refused 127.0.0.1
	wait_for 5 file_has "$T/lst.err" "refused connection"
	grep -qxF "$(refused_note 127.0.0.1 "$CPORT")" "$T/lst.err"
	[ ! -s "$T/lst.out" ]
	admitted ::1 "six"
	bg_wait lst
	[ "$BG_STATUS" -eq 0 ]
	[ "$(<"$T/lst.out")" = six ]
}

@test "--allow ::1 refuses an IPv4 client of the dual-stack listener" {
	start_listener lst -l --allow ::1
	refused 127.0.0.1
	wait_for 5 file_has "$T/lst.err" "refused connection"
	grep -qxF "$(refused_note 127.0.0.1 "$CPORT")" "$T/lst.err"
	admitted ::1 "six"
	bg_wait lst
	[ "$BG_STATUS" -eq 0 ]
	[ "$(<"$T/lst.out")" = six ]
}

@test "--deny with an IPv4-mapped IPv6 address refuses that IPv4 client; --allow with a mapped block admits it" {
	# Found by tests/fuzz/acl.c: ::ffff:127.0.0.1 never matched anyone.
	start_listener lst -l --deny ::ffff:127.0.0.1
	refused 127.0.0.1
	wait_for 5 file_has "$T/lst.err" "refused connection"
	grep -qxF "$(refused_note 127.0.0.1 "$CPORT")" "$T/lst.err"
	admitted ::1 "six"
	bg_wait lst
	[ "$BG_STATUS" -eq 0 ]
	[ "$(<"$T/lst.out")" = six ]

	start_listener lst2 -l --allow ::ffff:127.0.0.0/104
	sc_from 127.0.0.2 "from .2"
	[ "$status" -eq 0 ]
	bg_wait lst2
	[ "$BG_STATUS" -eq 0 ]
	[ "$(<"$T/lst2.out")" = "from .2" ]
	[ "$(note_count lst2)" -eq 0 ]
}

@test "--allowfile takes entries on several lines and skips comments and blank lines" {
	printf '# trusted hosts\n\n   \n10.0.0.0/8 192.0.2.1, 127.0.0.2  # lab\n\t2001:db8::/32\n# 127.0.0.1\n' >"$T/allow"
	start_listener lst -l --allowfile "$T/allow"
	sc_from 127.0.0.1 "from .1"
	wait_for 5 file_has "$T/lst.err" "refused connection from 127.0.0.1 port "
	sc_from 127.0.0.2 "from .2"
	[ "$status" -eq 0 ]
	bg_wait lst
	[ "$BG_STATUS" -eq 0 ]
	[ "$(<"$T/lst.out")" = "from .2" ]
	[ "$(note_count lst)" -eq 1 ]
}

@test "--denyfile refuses the addresses it lists and admits others" {
	printf '# blocked\n\n127.0.0.1/32\n' >"$T/deny"
	start_listener lst -l --denyfile "$T/deny"
	refused 127.0.0.1
	wait_for 5 file_has "$T/lst.err" "refused connection"
	grep -qxF "$(refused_note 127.0.0.1 "$CPORT")" "$T/lst.err"
	sc_from 127.0.0.2 "from .2"
	[ "$status" -eq 0 ]
	bg_wait lst
	[ "$BG_STATUS" -eq 0 ]
	[ "$(<"$T/lst.out")" = "from .2" ]
}

@test "bad entries are usage errors (exit 2) that name the entry" {
	run --separate-stderr sc -v -l --allow 10.0.0.0/33 0 </dev/null
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	[ "$stderr" = 'sockcat: invalid address block "10.0.0.0/33": prefix must be 0-32' ]

	run --separate-stderr sc -v -l --deny 300.1.1.1 0 </dev/null
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	[ "$stderr" = 'sockcat: invalid address "300.1.1.1": expected an IPv4 or IPv6 address, optionally /PREFIX' ]

	run --separate-stderr sc -v -l --allow 127.0.0.1,bogus 0 </dev/null
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	[ "$stderr" = 'sockcat: invalid address "bogus": expected an IPv4 or IPv6 address, optionally /PREFIX' ]

	printf '# ok\n127.0.0.1\n::1/129\n' >"$T/deny"
	run --separate-stderr sc -v -l --denyfile "$T/deny" 0 </dev/null
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	[[ $stderr == sockcat:*'"::1/129": prefix must be 0-128' ]]
}

@test "an address list file that cannot be opened is a usage error (exit 2)" {
	run --separate-stderr sc -l --allowfile "$T/missing" 0 </dev/null
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	[ "$stderr" = "sockcat: open address list $T/missing: No such file or directory" ]
}

@test "--allow, --deny, --allowfile and --denyfile without -l are usage errors (exit 2)" {
	printf '127.0.0.1\n' >"$T/list"
	local opt
	for opt in --allow --deny; do
		run --separate-stderr sc "$opt" 127.0.0.1 127.0.0.1 9 </dev/null
		[ "$status" -eq 2 ]
		[ -z "$output" ]
		[ "$stderr" = "sockcat: options --allow/--deny/--allowfile/--denyfile need -l" ]
	done
	for opt in --allowfile --denyfile; do
		run --separate-stderr sc "$opt" "$T/list" 127.0.0.1 9 </dev/null
		[ "$status" -eq 2 ]
		[ -z "$output" ]
		[[ $stderr == *"need -l" ]]
	done
}

@test "a refused client never reaches the -c program; an allowed one does" {
	start_listener lst -l --deny 127.0.0.1 -c "echo ran >'$T/ran'"
	refused 127.0.0.1
	wait_for 5 file_has "$T/lst.err" "refused connection"
	# Give a wrongly started program time to write its file.
	sleep 0.3
	[ ! -e "$T/ran" ]
	running lst
	admitted ::1 "hello"
	bg_wait lst
	[ "$BG_STATUS" -eq 0 ]
	[ "$(<"$T/ran")" = ran ]
}

@test "a UDP listener drops the datagram of a refused sender" {
	start_listener lst -u -l -w 3 --deny 127.0.0.1
	run --separate-stderr timeout 15 python3 "$PEER" udp-send \
	    --host 127.0.0.1 --port "$PORT" --data 'dropped\n' \
	    --port-file "$T/snd.port"
	[ "$status" -eq 0 ]
	wait_for 5 file_has "$T/lst.err" "refused datagram"
	grep -qxF "$(refused_dgram_note 127.0.0.1 "$(<"$T/snd.port")")" "$T/lst.err"
	bg_wait lst
	[ "$BG_STATUS" -eq 1 ]
	[ ! -s "$T/lst.out" ]
	# The timeout, then the count of what was refused.
	[ "$(tail -n 2 "$T/lst.err")" = "sockcat: no connection on port $PORT within -w 3
sockcat: dropped 1 datagram from refused senders" ]
}

@test "a UDP listener that dropped a refused sender takes the next allowed one, and counts the refused datagram" {
	start_listener lst -u -l -W 1 --deny 127.0.0.1
	run --separate-stderr timeout 15 python3 "$PEER" udp-send \
	    --host 127.0.0.1 --port "$PORT" --data 'dropped\n'
	[ "$status" -eq 0 ]
	wait_for 5 file_has "$T/lst.err" "refused datagram"
	run --separate-stderr timeout 15 python3 "$PEER" udp-send \
	    --host ::1 --port "$PORT" --data 'kept\n' --port-file "$T/snd.port"
	[ "$status" -eq 0 ]
	bg_wait lst
	[ "$BG_STATUS" -eq 0 ]
	[ "$(<"$T/lst.out")" = kept ]
	grep -qxF "connect to [::1] from (UNKNOWN) [::1] $(<"$T/snd.port")" "$T/lst.err"
	# Counted at the end, as -u -l -k counts them.
	grep -qxF "sockcat: dropped 1 datagram from refused senders" "$T/lst.err"
}

# udp_from SRC TEXT [COUNT]: COUNT (default 1) datagrams of TEXT from a
# socket bound to SRC, to 127.0.0.1 PORT; the sender's port goes to
# $T/from.port.
udp_from() {
	timeout 10 python3 - "$1" "$PORT" "$2" "${3:-1}" "$T/from.port" <<'PY'
import socket, sys
src, port, text, count, portfile = sys.argv[1:]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((src, 0))
open(portfile, "w").write("%d\n" % s.getsockname()[1])
for _ in range(int(count)):
    s.sendto(text.encode(), ("127.0.0.1", int(port)))
PY
}

# recv_q: the receive queue of the listener's UDP socket on PORT, in bytes.
recv_q() {
	ss -Huan "sport = :$PORT" | awk '{ print $2; exit }'
}

# recv_q_ge N: the queue holds at least N bytes.
recv_q_ge() {
	local q
	q=$(recv_q)
	[[ -n $q ]] && ((q >= $1))
}

@test "-u -l -k drops the datagrams of a denied sender, never answers it, and notes it once" {
	printf 'answer\n' >"$T/lst.in"
	start_listener lst -u -l -k --deny 127.0.0.1
	# The denied sender waits a moment for the answer stdin holds.
	run --separate-stderr timeout 15 python3 "$PEER" udp-send \
	    --host 127.0.0.1 --port "$PORT" --data 'SECRET\n' --count 3 \
	    --reply-wait 0.5 --save "$T/denied.save" --port-file "$T/snd.port"
	[ "$status" -eq 0 ]
	[ ! -s "$T/denied.save" ]
	run --separate-stderr timeout 15 python3 "$PEER" udp-send \
	    --host ::1 --port "$PORT" --data 'hello\n' --reply-wait 5 \
	    --replies 1 --save "$T/allowed.save"
	[ "$status" -eq 0 ]
	[ "$(<"$T/allowed.save")" = answer ]
	wait_for 5 file_has "$T/lst.out" hello
	[ "$(<"$T/lst.out")" = hello ]
	grep -qxF "$(refused_dgram_note 127.0.0.1 "$(<"$T/snd.port")")" "$T/lst.err"
	[ "$(note_count lst)" -eq 1 ]
	run ! grep -F "from (UNKNOWN) [127.0.0.1]" "$T/lst.err"
}

# queue_behind_first: with listener job lst stopped, one datagram from
# 127.0.0.1 and then three from 127.0.0.2 wait in its queue; then it goes
# on and ends by -w.  Its one-shot session must print only "first".
queue_behind_first() {
	local pid q1
	pid=$(bg_cmd_pid lst)
	kill -STOP "$pid"
	udp_from 127.0.0.1 'first'
	wait_for 5 recv_q_ge 1
	q1=$(recv_q)
	# The same length each: four datagrams take four times the room.
	udp_from 127.0.0.2 'other' 3
	wait_for 5 recv_q_ge $((4 * q1))
	kill -CONT "$pid"
	bg_wait lst
	[ "$BG_STATUS" -eq 0 ]
	[ "$(<"$T/lst.out")" = first ]
}

@test "-u -l drops denied datagrams queued behind its first sender's, and says how many" {
	start_listener lst -u -l -d -w 2 --deny 127.0.0.2
	queue_behind_first
	grep -qxF "$(refused_dgram_note 127.0.0.2 "$(<"$T/from.port")")" "$T/lst.err"
	[ "$(note_count lst)" -eq 1 ]
	grep -qxF "sockcat: dropped 3 datagrams from refused senders" "$T/lst.err"
}

@test "-u -l drops another sender's datagrams queued behind its first sender's, also on the read/write path" {
	start_listener lst -u -l -d -w 2 --no-splice
	queue_behind_first
	grep -qxF "sockcat: refused datagram from 127.0.0.2 port $(<"$T/from.port"): not the peer of this session" "$T/lst.err"
	grep -qxF "sockcat: dropped 3 datagrams from refused senders" "$T/lst.err"
}

@test "--allow/--deny with -U are usage errors (exit 2): a Unix peer has no address" {
	local args
	for args in "-l" "-l -u" "-l --broker" "-l -k -e cat"; do
		# shellcheck disable=SC2086  # the options split on purpose
		run --separate-stderr sc $args -U --deny 127.0.0.1 -w 1 "$T/sock" </dev/null
		[ "$status" -eq 2 ]
		[ -z "$output" ]
		[ "$stderr" = "sockcat: options --allow/--deny/--allowfile/--denyfile and -U conflict: a Unix socket peer has no address to check" ]
	done
	printf '127.0.0.1\n' >"$T/list"
	run --separate-stderr sc -l -U --allowfile "$T/list" -w 1 "$T/sock" </dev/null
	[ "$status" -eq 2 ]
	[[ $stderr == *"a Unix socket peer has no address to check" ]]
	[ ! -e "$T/sock" ]
}

@test "--denyfile reads long lines whole: the tail of a comment longer than 1023 bytes is no entry" {
	{
		printf '# '
		printf 'x%.0s' {1..1100}
		printf ' 127.0.0.1\n'
		printf '10.9.9.9\n'
	} >"$T/deny"
	start_listener lst -l --denyfile "$T/deny"
	admitted 127.0.0.1 "hello"
	bg_wait lst
	[ "$BG_STATUS" -eq 0 ]
	[ "$(<"$T/lst.out")" = hello ]
	[ "$(note_count lst)" -eq 0 ]
}

@test "--allowfile reads a list longer than 1023 bytes on one line whole" {
	# 150 entries: the one crossing byte 1023 would have been cut in two.
	{
		for i in {1..150}; do printf '10.1.%d.%d ' $((i / 200)) "$i"; done
		printf '127.0.0.2\n'
	} >"$T/allow"
	start_listener lst -l --allowfile "$T/allow"
	sc_from 127.0.0.2 "from .2"
	[ "$status" -eq 0 ]
	bg_wait lst
	[ "$BG_STATUS" -eq 0 ]
	[ "$(<"$T/lst.out")" = "from .2" ]
}

@test "-k -c refuses a denied client before any program runs and serves an allowed one" {
	start_listener lst -l -k --deny 127.0.0.1 -c "echo ran >>'$T/ran'; cat"
	refused 127.0.0.1
	wait_for 5 file_has "$T/lst.err" "refused connection"
	grep -qxF "$(refused_note 127.0.0.1 "$CPORT")" "$T/lst.err"
	admitted ::1 "hello"
	[ "$(<"$T/ran")" = ran ]
	running lst
}

@test "--broker refuses a denied client at once and relays for an allowed one" {
	start_listener lst -l --broker -d --deny 127.0.0.1
	refused 127.0.0.1
	wait_for 5 file_has "$T/lst.err" "refused connection"
	grep -qxF "$(refused_note 127.0.0.1 "$CPORT")" "$T/lst.err"
	admitted ::1 "hello"
	wait_for 5 file_has "$T/lst.out" hello
	[ "$(<"$T/lst.out")" = hello ]
	[ "$(note_count lst)" -eq 1 ]
}

@test "a one-shot UDP listener notes a refused sender once, however many datagrams it sends" {
	start_listener lst -u -l -W 1 --deny 127.0.0.1
	run --separate-stderr timeout 15 python3 "$PEER" udp-send \
	    --host 127.0.0.1 --port "$PORT" --data 'dropped\n' --count 3
	[ "$status" -eq 0 ]
	wait_for 5 file_has "$T/lst.err" "refused datagram"
	# Queued behind the three, so read after them.
	run --separate-stderr timeout 15 python3 "$PEER" udp-send \
	    --host ::1 --port "$PORT" --data 'kept\n'
	[ "$status" -eq 0 ]
	bg_wait lst
	[ "$BG_STATUS" -eq 0 ]
	[ "$(<"$T/lst.out")" = kept ]
	[ "$(note_count lst)" -eq 1 ]
}
