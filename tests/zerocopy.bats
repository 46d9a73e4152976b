bats_require_minimum_version 1.5.0
load helpers/common

# zerocopy.bats -- the Linux fast path (splice, sendfile, an internal pipe)
# moves every byte exactly, in each combination of what stdin and stdout
# are; options that need to see the bytes, and --no-splice, fall back to
# read/write.  strace, where present, shows which path ran.

setup() {
	common_setup
	make_big "$T/data" 4
}

# Which calls a traced run made: LeakSanitizer cannot run under ptrace.
traced() {
	local trace=$1
	shift
	env "ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
	    strace -f -qq -o "$trace" -e trace=splice,sendfile,read,write \
	    "$@"
}

need_strace() {
	command -v strace >/dev/null || skip "strace is not installed"
	strace -o /dev/null true 2>/dev/null || skip "strace cannot trace here"
	[ "$(uname -s)" = Linux ] || skip "splice is Linux-only"
}

# receiver NAME OUT ARGS...: a sockcat listener writing to OUT ("pipe":
# through cat into $T/NAME.got), with ARGS; sets PORT.
receiver() {
	local name=$1 out=$2
	shift 2
	if [ "$out" = pipe ]; then
		bg "$name" bash -c 'got=$1; shift; "$SOCKCAT" -v -d -l 0 "$@" | cat > "$got"' \
		    _ "$T/$name.got" "$@"
	else
		bg "$name" bash -c 'out=$1; shift; exec "$SOCKCAT" -v -d -l 0 "$@" > "$out"' \
		    _ "$out" "$@"
	fi
	PORT=$(listen_port "$name")
}

@test "file on stdin, file on stdout: sendfile and splice move every byte" {
	need_strace
	receiver rcv "$T/out"
	traced "$T/send.trace" "$SOCKCAT" 127.0.0.1 "$PORT" < "$T/data"
	bg_wait rcv
	[ "$BG_STATUS" -eq 0 ]
	cmp "$T/data" "$T/out"
	grep -q '^[0-9]* *sendfile(' "$T/send.trace"
}

@test "pipe on stdin, pipe on stdout: splice both ways, byte-exact" {
	receiver rcv pipe
	run --separate-stderr timeout 20 bash -c \
	    'cat "$1" | "$SOCKCAT" 127.0.0.1 "$2"' _ "$T/data" "$PORT"
	[ "$status" -eq 0 ]
	bg_wait rcv
	[ "$BG_STATUS" -eq 0 ]
	cmp "$T/data" "$T/rcv.got"
}

@test "a listener writing to /dev/null through its internal pipe receives every byte" {
	need_strace
	bg rcv bash -c 'exec strace -f -qq -o "$0" -e trace=splice \
	    env "ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
	    "$SOCKCAT" -vv -d -l 0 > /dev/null' "$T/rcv.trace"
	PORT=$(listen_port rcv)
	run --separate-stderr timeout 20 "$SOCKCAT" 127.0.0.1 "$PORT" < "$T/data"
	[ "$status" -eq 0 ]
	bg_wait rcv
	[ "$BG_STATUS" -eq 0 ]
	grep -q " sent 0, rcvd $(stat -c %s "$T/data")\$" "$T/rcv.err"
	grep -q 'splice(' "$T/rcv.trace"
}

@test "a server sends a file to a client writing to a pipe, and to a file" {
	for out in pipe file; do
		BG_STDIN="$T/data" bg "srv$out" "$SOCKCAT" -v -l 0
		PORT=$(listen_port "srv$out")
		if [ "$out" = pipe ]; then
			run timeout 20 bash -c '"$SOCKCAT" -d 127.0.0.1 "$1" | cat > "$2"' \
			    _ "$PORT" "$T/got.$out"
		else
			run timeout 20 bash -c '"$SOCKCAT" -d 127.0.0.1 "$1" > "$2"' \
			    _ "$PORT" "$T/got.$out"
		fi
		[ "$status" -eq 0 ]
		bg_wait "srv$out"
		cmp "$T/data" "$T/got.$out"
	done
}

@test "full duplex through the fast path: both directions arrive intact" {
	make_big "$T/back" 4
	bg srv bash -c 'exec "$SOCKCAT" -v -l 0 < "$0" > "$1"' "$T/back" "$T/srv.got"
	PORT=$(listen_port srv)
	run timeout 30 bash -c 'cat "$1" | "$SOCKCAT" 127.0.0.1 "$2" | cat > "$3"' \
	    _ "$T/data" "$PORT" "$T/cli.got"
	[ "$status" -eq 0 ]
	bg_wait srv
	cmp "$T/data" "$T/srv.got"
	cmp "$T/back" "$T/cli.got"
}

@test "Unix stream sockets use the fast path too, byte-exact" {
	bg srv bash -c 'exec "$SOCKCAT" -l -U "$0" > "$1"' "$T/s" "$T/srv.got"
	wait_for 10 test -S "$T/s"
	run timeout 20 "$SOCKCAT" -U "$T/s" < "$T/data"
	[ "$status" -eq 0 ]
	bg_wait srv
	cmp "$T/data" "$T/srv.got"
}

@test "options that need the bytes (-C, -o, --output) fall back to read/write" {
	need_strace
	printf 'line one\nline two\n' > "$T/text"
	receiver rcv "$T/out"
	traced "$T/send.trace" "$SOCKCAT" -C -o "$T/dump" --output "$T/raw" \
	    127.0.0.1 "$PORT" < "$T/text"
	bg_wait rcv
	[ "$BG_STATUS" -eq 0 ]
	[ "$(od -An -c "$T/out" | tr -d ' \n')" = 'lineone\r\nlinetwo\r\n' ]
	cmp "$T/raw" "$T/out"
	grep -q '^> 00000000 6c 69 6e 65' "$T/dump"
	run grep -E 'sendfile\(|splice\(' "$T/send.trace"
	[ "$status" -ne 0 ]
}

@test "--no-splice moves the same bytes with read and write only" {
	need_strace
	bg rcv bash -c 'exec strace -f -qq -o "$0" -e trace=splice,sendfile \
	    env "ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
	    "$SOCKCAT" --no-splice -v -d -l 0 > "$1"' "$T/rcv.trace" "$T/out"
	PORT=$(listen_port rcv)
	traced "$T/send.trace" "$SOCKCAT" --no-splice 127.0.0.1 "$PORT" < "$T/data"
	bg_wait rcv
	[ "$BG_STATUS" -eq 0 ]
	cmp "$T/data" "$T/out"
	run grep -E 'sendfile\(|splice\(' "$T/send.trace" "$T/rcv.trace"
	[ "$status" -ne 0 ]
}

@test "stdout opened for appending (>>) falls back to write and appends" {
	printf 'before\n' > "$T/log"
	bg rcv bash -c 'exec "$SOCKCAT" -v -d -l 0 >> "$0"' "$T/log"
	PORT=$(listen_port rcv)
	run timeout 20 "$SOCKCAT" 127.0.0.1 "$PORT" < "$T/data"
	[ "$status" -eq 0 ]
	bg_wait rcv
	[ "$BG_STATUS" -eq 0 ]
	{ printf 'before\n'; cat "$T/data"; } | cmp - "$T/log"
}

@test "the fast path keeps the end-of-stream rules: request/reply through pipes" {
	bg srv python3 "$PEER" eof-reply --port-file "$T/srv.port"
	PORT=$(peer_port srv)
	run --separate-stderr timeout 10 bash -c \
	    'printf "%s" hello | "$SOCKCAT" 127.0.0.1 "$1" | cat' _ "$PORT"
	[ "$status" -eq 0 ]
	[ "$output" = "got 5 bytes" ]
}

# A bulk stream raises the socket's receive low-water mark (SO_RCVLOWAT),
# so poll(2) wakes once per large chunk.  A burst followed by a pause,
# with the connection still open, must still arrive whole: the mark drops
# when nothing more comes.  Each way stdout can be fed is tried.
@test "a burst followed by a pause arrives whole before the sender closes" {
	head -c 300000 "$T/data" > "$T/burst"
	for how in file pipe copy; do
		rm -f "$T/release.$how"
		bg "src$how" python3 "$PEER" source --file "$T/burst" \
		    --then-wait "$T/release.$how" --port-file "$T/src$how.port"
		PORT=$(peer_port "src$how")
		case $how in
		file) bg "cli$how" bash -c 'exec "$SOCKCAT" 127.0.0.1 "$1" > "$2"' \
		    _ "$PORT" "$T/got.$how" ;;
		pipe) bg "cli$how" bash -c '"$SOCKCAT" 127.0.0.1 "$1" | cat > "$2"' \
		    _ "$PORT" "$T/got.$how" ;;
		copy) bg "cli$how" bash -c 'exec "$SOCKCAT" --no-splice 127.0.0.1 "$1" > "$2"' \
		    _ "$PORT" "$T/got.$how" ;;
		esac
		wait_for 5 size_ge "$T/got.$how" 300000
		# The whole burst is out while the sender still holds it open.
		running "src$how"
		touch "$T/release.$how"
		bg_wait "cli$how"
		[ "$BG_STATUS" -eq 0 ]
		bg_wait "src$how"
		cmp "$T/burst" "$T/got.$how"
	done
}

@test "the low-water mark is raised for a bulk stream, and not for a small exchange" {
	need_strace
	for size in big small; do
		[ "$size" = big ] && cp "$T/data" "$T/in.$size" || printf 'hello\n' > "$T/in.$size"
		bg "rcv$size" bash -c 'exec strace -f -qq -o "$0" -e trace=setsockopt \
		    env "ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		    "$SOCKCAT" -v -d -l 0 > "$1"' "$T/rcv.$size.trace" "$T/out.$size"
		PORT=$(listen_port "rcv$size")
		run timeout 20 "$SOCKCAT" 127.0.0.1 "$PORT" < "$T/in.$size"
		[ "$status" -eq 0 ]
		bg_wait "rcv$size"
		[ "$BG_STATUS" -eq 0 ]
		cmp "$T/in.$size" "$T/out.$size"
	done
	grep -q 'SO_RCVLOWAT, \[1048576\]' "$T/rcv.big.trace"
	run grep -q 'SO_RCVLOWAT' "$T/rcv.small.trace"
	[ "$status" -ne 0 ]
}

# A server that reads 1 KiB of a request, answers 1034 bytes and closes, 20
# times: closing with the request unread sends a reset, and the client's
# next send fails.  Writes its port to $1.
REPLY_CLOSE_PY='
import os, socket, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(20)
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write("%d\n" % s.getsockname()[1])
os.replace(sys.argv[1] + ".tmp", sys.argv[1])
for _ in range(int(sys.argv[2])):
    c, _ = s.accept()
    c.recv(1024)
    c.sendall(b"R" * 1034)
    c.close()
'

@test "a reply sent before the server resets is written out, 20 times of 20, when sending a file or a pipe fails" {
	make_big "$T/big" 3
	head -c 1034 /dev/zero | tr '\0' R > "$T/reply"
	for how in file pipe copy; do
		bg "srv$how" python3 -c "$REPLY_CLOSE_PY" "$T/srv$how.port" 20
		PORT=$(peer_port "srv$how")
		for i in $(seq 20); do
			case $how in
			file) run --separate-stderr sc 127.0.0.1 "$PORT" < "$T/big" ;;
			pipe) run --separate-stderr timeout 10 bash -c \
			    'cat "$1" | "$SOCKCAT" 127.0.0.1 "$2"' _ "$T/big" "$PORT" ;;
			copy) run --separate-stderr sc --no-splice 127.0.0.1 "$PORT" < "$T/big" ;;
			esac
			[ "$output" = "$(cat "$T/reply")" ] || {
				echo "$how, run $i: got ${#output} bytes of 1034: $stderr" >&2
				return 1
			}
			# The reset: status 1 and one line saying so.
			[ "$status" -eq 1 ]
			[[ $stderr =~ ^sockcat:\ (write\ to|read\ from)\ 127\.0\.0\.1\ port\ $PORT:\ (Broken\ pipe|Connection\ reset\ by\ peer)$ ]] || {
				echo "$how, run $i: stderr: $stderr" >&2
				return 1
			}
		done
		bg_wait "srv$how"
		[ "$BG_STATUS" -eq 0 ]
	done
}

# A stdin pipe fed in pieces, each followed by a pause: each piece is one
# short splice that empties the pipe.  Splicing again right away could
# only say EAGAIN (a wasted call and a wasted wakeup per piece); the
# sender asks FIONREAD instead, and waits.
@test "a pipe sender does not splice again after a short splice that emptied stdin" {
	need_strace
	receiver rcv "$T/out"
	head -c $((64 * 65536)) "$T/data" > "$T/pieces"
	run timeout 30 bash -c '
		python3 -c "
import sys, time
data = open(sys.argv[1], \"rb\").read()
for i in range(0, len(data), 65536):
    sys.stdout.buffer.write(data[i:i + 65536])
    sys.stdout.flush()
    time.sleep(0.005)
" "$1" | env "ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		    strace -f -qq -o "$2" -e trace=splice "$SOCKCAT" 127.0.0.1 "$3"' \
	    _ "$T/pieces" "$T/send.trace" "$PORT"
	[ "$status" -eq 0 ]
	bg_wait rcv
	[ "$BG_STATUS" -eq 0 ]
	cmp "$T/pieces" "$T/out"
	moved=$(grep -c 'splice(0, .* = [1-9]' "$T/send.trace")
	again=$(grep -c 'splice(0, .* = -1 EAGAIN' "$T/send.trace" || true)
	echo "splices that moved bytes: $moved, that said EAGAIN: $again"
	[ "$moved" -ge 8 ]
	# A few may race a full socket; one per piece is the old waste.
	[ "$again" -le $((moved / 4)) ]
}
