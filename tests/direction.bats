bats_require_minimum_version 1.5.0
load helpers/common

# direction.bats -- --send-only and --recv-only, and sockcat among other
# programs: curl talking to a sockcat -c server, and through a sockcat relay.

# server NAME PEER-ARGS...: a tests/helpers/peer.py server as job NAME;
# sets PORT.
server() {
	local name=$1
	shift
	bg "$name" python3 "$PEER" "$@" --port-file "$T/$name.port"
	PORT=$(peer_port "$name")
}

# start_listener NAME ARGS...: `sockcat -n -v ARGS...` as job NAME; sets PORT.
start_listener() {
	local name=$1
	shift
	bg "$name" "$SOCKCAT" -n -v "$@"
	PORT=$(listen_port "$name")
}

@test "--send-only sends stdin, never writes what arrives, and ends at stdin EOF" {
	# The server answers only after our EOF: --send-only does not wait for
	# that answer, and whatever arrives never reaches stdout.
	server srv eof-reply --save "$T/srv.got"
	run --separate-stderr timeout 10 "$SOCKCAT" --send-only 127.0.0.1 \
	    "$PORT" < <(printf 'payload')
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ -z "$stderr" ]
	wait_for 5 file_has "$T/srv.got" payload
}

@test "a server's banner does not reach stdout with --send-only" {
	server srv banner --text 'unwanted banner\n' --hold --save "$T/srv.got"
	pipe_open cli
	bg cli "$SOCKCAT" --send-only 127.0.0.1 "$PORT"
	# Give the banner time to arrive, then finish stdin.
	sleep 0.5
	pipe_write cli 'payload'
	pipe_close cli
	bg_wait cli
	[ "$BG_STATUS" -eq 0 ]
	[ ! -s "$T/cli.out" ]
	wait_for 5 file_has "$T/srv.got" payload
}

@test "--send-only still counts what arrives in the -vv summary" {
	server srv eof-reply
	run --separate-stderr timeout 10 "$SOCKCAT" -vv --send-only -n \
	    127.0.0.1 "$PORT" < <(printf 'abc')
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[[ $stderr == *" sent 3, rcvd "* ]]
}

@test "--recv-only reads nothing from stdin and sends no FIN" {
	# silent saves how many bytes it read when the client closes: 0, and
	# it only learns of the close when the client's session ends.
	server srv silent --save "$T/srv.count"
	pipe_open cli
	pipe_write cli 'must not be sent'
	bg cli "$SOCKCAT" --recv-only -w 1 127.0.0.1 "$PORT"
	# No FIN: the server is still waiting when sockcat has been up a while.
	sleep 0.5
	[ ! -e "$T/srv.count" ]
	bg_wait cli 10
	[ "$BG_STATUS" -eq 0 ]
	wait_for 5 test -s "$T/srv.count"
	[ "$(cat "$T/srv.count")" = 0 ]
}

@test "--recv-only ends when the peer closes, with what it sent on stdout" {
	server srv banner --text 'from the server\n'
	run --separate-stderr timeout 10 "$SOCKCAT" --recv-only 127.0.0.1 \
	    "$PORT" < <(sleep 20)
	[ "$status" -eq 0 ]
	[ "$output" = "from the server" ]
}

@test "--send-only with --recv-only, or with -d, is a usage error" {
	run --separate-stderr "$SOCKCAT" --send-only --recv-only 127.0.0.1 9
	[ "$status" -eq 2 ]
	[ "$stderr" = "sockcat: options --send-only and --recv-only conflict" ]
	run --separate-stderr "$SOCKCAT" --send-only -d 127.0.0.1 9
	[ "$status" -eq 2 ]
	[[ $stderr == "sockcat: options --send-only and -d conflict"* ]]
}

@test "curl gets an HTTP response from a sockcat -c server" {
	command -v curl || skip "curl is not installed"
	start_listener srv -l 0 -c \
	    'printf "HTTP/1.0 200 OK\r\nContent-Length: 6\r\n\r\nhello\n"'
	run --separate-stderr timeout 10 curl -sS "http://127.0.0.1:$PORT/x"
	[ "$status" -eq 0 ]
	[ "$output" = hello ]
	bg_wait srv
	[ "$BG_STATUS" -eq 0 ]
}

@test "curl fetches a page through a sockcat -k -c relay to python's http.server" {
	command -v curl || skip "curl is not installed"
	mkdir "$T/www"
	head -c 300000 /dev/urandom > "$T/www/blob"
	bg web python3 -m http.server 0 --bind 127.0.0.1 --directory "$T/www"
	wait_for 10 grep -q 'Serving HTTP' "$T/web.out"
	web_port=$(sed -n 's/.*port \([0-9]*\).*/\1/p' "$T/web.out" | head -1)
	[ -n "$web_port" ]
	# Each client gets its own relay: a sockcat connecting onward.
	start_listener relay -l -k 0 -c "'$SOCKCAT' 127.0.0.1 $web_port"
	for n in 1 2; do
		run timeout 10 curl -sS -o "$T/got$n" \
		    "http://127.0.0.1:$PORT/blob"
		[ "$status" -eq 0 ]
		cmp "$T/www/blob" "$T/got$n"
	done
}
