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

# join NAME: a sockcat client NAME connects, stdin a pipe, stdout in
# $T/NAME.out; returns once the listener has accepted it.
join() {
	pipe_open "$1"
	bg "$1" "$SOCKCAT" -n 127.0.0.1 "$PORT"
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
	join a
	join b
	join c
	pipe_close a
	# The broker closes A's connection: A sees EOF and ends.
	bg_wait a 5
	[ "$BG_STATUS" -eq 0 ]
	[ ! -s "$T/a.out" ]
	wait_for 5 file_has "$T/lst.err" 'sockcat: 127.0.0.1 disconnected'
	[ "$(grep -cx 'sockcat: 127.0.0.1 disconnected' "$T/lst.err")" -eq 1 ]
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
	join a
	pipe_close a
	bg_wait a 5
	[ "$BG_STATUS" -eq 0 ]
	wait_for 5 file_has "$T/lst.err" 'sockcat: 127.0.0.1 disconnected'
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
	join a
	join b
	pipe_close a
	bg_wait a 5
	wait_for 5 file_has "$T/lst.err" 'sockcat: 127.0.0.1 disconnected'
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
	join a
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
