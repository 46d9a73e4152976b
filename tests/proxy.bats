bats_require_minimum_version 1.5.0
load helpers/common
setup() { common_setup; }
teardown() { common_teardown; }

# proxy.bats -- connecting through proxies (-x, -X, -P, --proxy-auth):
# request and reply through SOCKS4, SOCKS4a, SOCKS5 and HTTP CONNECT to a
# local peer, the exact handshake bytes sockcat sends, credentials, and a
# clear one-line error, exit 1 and nothing on stdout for every way a proxy
# can misbehave. The proxy is tests/helpers/proxy_server.py.

PROXY=$BATS_TEST_DIRNAME/helpers/proxy_server.py

# target: start peer.py eof-reply (reads to EOF, answers "got N bytes") as
# job peer, and set PORT to its port.
target() {
	bg peer python3 "$PEER" eof-reply --port-file "$T/peer.port"
	PORT=$(peer_port peer)
}

# proxy MODE ARGS...: start proxy_server.py MODE ARGS as job px, logging
# the handshake to $T/px.log, and set PX to its port.
proxy() {
	local mode=$1
	shift
	rm -f "$T/px.port" "$T/px.log"
	bg px python3 "$PROXY" "$mode" --port-file "$T/px.port" \
	    --log "$T/px.log" "$@"
	PX=$(peer_port px)
}

# hex TEXT: TEXT's bytes as lowercase hex, as the proxy log has them.
hex() {
	printf '%s' "$1" | od -An -v -tx1 | tr -d ' \n'
}

# port_hex PORT: a port as 2 bytes in network order, in hex.
port_hex() {
	printf '%04x' "$1"
}

# log_line LABEL: the hex of the proxy's log line LABEL.
log_line() {
	sed -n "s/^$1 //p" "$T/px.log"
}

# proxy_done: the proxy job ended cleanly.
proxy_done() {
	bg_wait px
	[ "$BG_STATUS" -eq 0 ]
}

# to_file FILE CMD...: CMD with its stdout in FILE (binary-safe; for run).
to_file() {
	local file=$1
	shift
	"$@" >"$file"
}

# through ARGS...: run sockcat ARGS with "hello" on stdin, then check that
# the peer's reply came back through the proxy and everyone exited 0.
through() {
	run --separate-stderr sc -w 5 "$@" <<<"hello"
	[ "$status" -eq 0 ]
	[ "$output" = "got 6 bytes" ]
	bg_wait px
	[ "$BG_STATUS" -eq 0 ]
	bg_wait peer
	[ "$BG_STATUS" -eq 0 ]
}

# refused WHAT: sockcat failed as a proxy failure must: exit 1, nothing on
# stdout, one line on stderr that names the proxy and contains WHAT.
refused() {
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ "${#stderr_lines[@]}" -eq 1 ]
	[[ $stderr == "sockcat: proxy 127.0.0.1 port $PX: "* ]]
	[[ $stderr == *"$1"* ]]
}

@test "SOCKS5: a request gets its reply, and the name goes to the proxy" {
	target
	proxy socks5
	through -v -x "127.0.0.1:$PX" localhost "$PORT"
	[ "$(log_line greeting)" = 050100 ]
	[ "$(log_line request)" = "05010003$(printf '%02x' 9)$(hex localhost)$(port_hex "$PORT")" ]
	[[ $stderr == *"sockcat: connected to localhost port $PORT through SOCKS5 proxy 127.0.0.1 port $PX"* ]]
}

@test "SOCKS5: a numeric IPv4 target is sent as an address, not a name" {
	target
	proxy socks5
	through -x "127.0.0.1:$PX" -X 5 127.0.0.1 "$PORT"
	[ "$(log_line request)" = "050100017f000001$(port_hex "$PORT")" ]
	[ -z "$stderr" ]
}

@test "SOCKS5: --proxy-auth USER:PASS authenticates with RFC 1929" {
	target
	proxy socks5 --user alice --password 's3cret'
	through --proxy "127.0.0.1:$PX" --proxy-type socks5 \
	    --proxy-auth alice:s3cret 127.0.0.1 "$PORT"
	[ "$(log_line greeting)" = 05020002 ]
	[ "$(log_line auth)" = "0105$(hex alice)06$(hex s3cret)" ]
}

@test "SOCKS5: -P USER takes the password from SOCKCAT_PROXY_PASS" {
	target
	proxy socks5 --user alice --password 'pass word'
	SOCKCAT_PROXY_PASS='pass word' through -x "127.0.0.1:$PX" -P alice \
	    127.0.0.1 "$PORT"
	[ "$(log_line auth)" = "0105$(hex alice)09$(hex 'pass word')" ]
}

@test "SOCKS5: a proxy that demands credentials says how to give them" {
	proxy socks5 --user alice --password s3cret
	run --separate-stderr sc -w 5 -x "127.0.0.1:$PX" 127.0.0.1 9 </dev/null
	refused "requires authentication: use -P or --proxy-auth"
	proxy_done
}

@test "SOCKS5: -P without a password is refused by a proxy that wants one" {
	proxy socks5 --user alice --password s3cret
	unset SOCKCAT_PROXY_PASS
	run --separate-stderr sc -w 5 -x "127.0.0.1:$PX" -P alice 127.0.0.1 9 \
	    </dev/null
	refused "requires a password: use --proxy-auth USER:PASS or SOCKCAT_PROXY_PASS"
	# Without a password only "no authentication" is offered.
	[ "$(log_line greeting)" = 050100 ]
	proxy_done
}

@test "SOCKS5: wrong credentials are reported as rejected" {
	proxy socks5 --user alice --password s3cret
	run --separate-stderr sc -w 5 -x "127.0.0.1:$PX" \
	    --proxy-auth alice:guess 127.0.0.1 9 </dev/null
	refused 'rejected the credentials of user "alice"'
	[[ $stderr != *guess* ]]
	proxy_done
}

@test "SOCKS4: the target is resolved locally and the user id is sent" {
	target
	proxy socks4 --user bob
	through -x "127.0.0.1:$PX" -X 4 -P bob localhost "$PORT"
	[ "$(log_line request)" = "0401$(port_hex "$PORT")7f000001$(hex bob)00" ]
}

@test "SOCKS4a: the proxy gets the target's name to resolve" {
	target
	proxy socks4
	through -x "127.0.0.1:$PX" --proxy-type socks4a localhost "$PORT"
	[ "$(log_line request)" = "0401$(port_hex "$PORT")0000000100$(hex localhost)00" ]
}

@test "SOCKS4: an IPv6 target is an error before anything is sent" {
	proxy socks4
	run --separate-stderr sc -w 5 -x "127.0.0.1:$PX" -X 4 ::1 9 </dev/null
	refused "SOCKS4 cannot carry the IPv6 target ::1"
	[ ! -s "$T/px.log" ]
}

@test "HTTP CONNECT: the request is exactly CONNECT, Host and a blank line" {
	target
	proxy http
	through -x "127.0.0.1:$PX" -X connect localhost "$PORT"
	[ "$(log_line request)" = "$(hex "CONNECT localhost:$PORT HTTP/1.1"$'\r\n'"Host: localhost:$PORT"$'\r\n\r\n')" ]
}

@test "HTTP CONNECT: Basic credentials are sent up front" {
	target
	proxy http --user alice --password 'open sesame'
	through -x "127.0.0.1:$PX" -X http --proxy-auth 'alice:open sesame' \
	    127.0.0.1 "$PORT"
	[ "$(log_line request)" = "$(hex "CONNECT 127.0.0.1:$PORT HTTP/1.1"$'\r\n'"Host: 127.0.0.1:$PORT"$'\r\n'"Proxy-Authorization: Basic YWxpY2U6b3BlbiBzZXNhbWU="$'\r\n\r\n')" ]
}

@test "HTTP CONNECT: a 407 without credentials says how to give them" {
	proxy http --user alice --password s3cret
	run --separate-stderr sc -w 5 -x "127.0.0.1:$PX" -X connect \
	    127.0.0.1 9 </dev/null
	refused "proxy requires authentication (407 Proxy Authentication Required): use -P or --proxy-auth"
	proxy_done
}

@test "HTTP CONNECT: a 407 after credentials says they were rejected" {
	proxy http --user alice --password s3cret
	run --separate-stderr sc -w 5 -x "127.0.0.1:$PX" -X connect \
	    --proxy-auth alice:nope 127.0.0.1 9 </dev/null
	refused 'proxy rejected the credentials of user "alice" (407'
	proxy_done
}

# misbehave BAD TYPE WHAT: a proxy of TYPE (socks4|socks5|http) with
# --bad BAD makes sockcat fail with a message containing WHAT.
misbehave() {
	local -A xtype=([socks4]=4 [socks5]=5 [http]=connect)
	proxy "$2" --bad "$1"
	run --separate-stderr sc -w 5 -x "127.0.0.1:$PX" -X "${xtype[$2]}" \
	    127.0.0.1 9 </dev/null
	refused "$3"
	proxy_done
}

@test "a reply cut short is an error naming the proxy, for every type" {
	misbehave short socks4 "proxy closed the connection during the handshake (reply to the SOCKS4 request cut short after 3 bytes)"
	misbehave short socks5 "proxy closed the connection during the handshake (reply to the SOCKS5 connect request cut short after 3 bytes)"
	misbehave short http "proxy closed the connection during the handshake (reply to the HTTP CONNECT request cut short"
}

@test "an oversized reply is an error naming the proxy, for every type" {
	misbehave oversized socks4 "malformed SOCKS4 reply: reply version 0x41"
	misbehave oversized socks5 "malformed SOCKS5 reply: reply version 0xff"
	misbehave oversized http "HTTP reply head longer than 16384 bytes"
}

@test "a malformed reply is an error naming the proxy, for every type" {
	misbehave malformed socks4 "malformed SOCKS4 reply: reply version 0x05"
	misbehave malformed socks5 "malformed SOCKS5 reply: reply version 0x04"
	misbehave malformed http 'malformed HTTP reply: status line "HTTP/1.1 2OO Connection established" is not'
}

@test "a refusal is an error with the proxy's reason, for every type" {
	misbehave refuse socks4 "SOCKS4 connect to 127.0.0.1 port 9 refused: request rejected or failed"
	misbehave refuse socks5 "SOCKS5 connect to 127.0.0.1 port 9 refused: connection refused by destination host"
	misbehave refuse http "HTTP CONNECT to 127.0.0.1 port 9 refused: 403 Forbidden"
}

@test "a proxy that hangs up after the request is an error, for every type" {
	misbehave close socks4 "proxy closed the connection during the handshake (no reply to the SOCKS4 request)"
	misbehave close socks5 "proxy closed the connection during the handshake (no reply to the SOCKS5 connect request)"
	misbehave close http "proxy closed the connection during the handshake (no reply to the HTTP CONNECT request)"
}

@test "a hostile HTTP reason phrase cannot put escape sequences on stderr" {
	proxy http --bad refuse --reason '\x1b]0;pwned\x07\x1b[2J Nope'
	run --separate-stderr sc -w 5 -x "127.0.0.1:$PX" -X connect \
	    127.0.0.1 9 </dev/null
	refused "refused: 403 ?]0;pwned??[2J Nope"
	[[ $stderr != *$'\e'* ]]
	[[ $stderr != *$'\a'* ]]
}

@test "-w bounds the handshake with a proxy that never answers" {
	proxy socks5 --bad silent
	_now
	local start=$_NOW
	run --separate-stderr sc -w 1 -x "127.0.0.1:$PX" 127.0.0.1 9 </dev/null
	_now
	refused "no answer to the SOCKS5 connect request within -w 1"
	# About one second: well under the 30 s default.
	(( _NOW - start < 5000000 ))
	(( _NOW - start >= 900000 ))
}

@test "without a port, -x uses 1080, and 3128 for HTTP CONNECT" {
	local p
	for p in 1080 3128; do
		if timeout 2 bash -c "exec 9<>/dev/tcp/127.0.0.1/$p" 2>/dev/null; then
			skip "something listens on 127.0.0.1 port $p"
		fi
	done
	PX=1080
	run --separate-stderr sc -w 5 -x 127.0.0.1 127.0.0.1 9 </dev/null
	refused "cannot connect"
	PX=3128
	run --separate-stderr sc -w 5 -x 127.0.0.1 -X connect 127.0.0.1 9 \
	    </dev/null
	refused "cannot connect"
}

@test "an IPv6 proxy is reached as -x [::1]:PORT" {
	python3 -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' \
	    2>/dev/null || skip "no IPv6 loopback"
	target
	proxy socks5 --host ::1
	through -x "[::1]:$PX" localhost "$PORT"
	[ "$(log_line greeting)" = 050100 ]
}

# glued TYPE: a proxy of TYPE (socks4|socks5|http) sends its reply and the
# target's first bytes in one piece; they must reach stdout intact.
glued() {
	local -A xtype=([socks4]=4 [socks5]=5 [http]=connect)
	rm -f "$T/peer.port" "$T/got"
	bg peer python3 "$PEER" source --file "$T/bytes256" \
	    --port-file "$T/peer.port"
	PORT=$(peer_port peer)
	proxy "$1" --glue
	run --separate-stderr to_file "$T/got" sc -w 5 -x "127.0.0.1:$PX" \
	    -X "${xtype[$1]}" 127.0.0.1 "$PORT" </dev/null
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	cmp "$T/bytes256" "$T/got"
	proxy_done
}

@test "data right behind the proxy's reply is tunnel data, not reply" {
	glued socks4
	glued socks5
	glued http
}
