bats_require_minimum_version 1.5.0
load helpers/common
load helpers/answer
setup() { common_setup; }
teardown() { common_teardown; }

# expect.bats -- --expect REGEX, the health check: exit 0 as soon as what was
# received matches, 3 when the session ended without a match, 1 for network
# failures, 2 for a bad pattern; received data still goes to stdout; a match
# split across reads, after NUL bytes or after more than the 64 KiB window is
# found; --retry tries again after an unmatched attempt, sending stdin again.
# Peers: python3's http.server, scripted python servers, redis-server.

# The scripted servers: server NAME [options] PART... (helpers/answer.py).

@test "a page from python's http.server matches its status line: exit 0, and the page still goes to stdout" {
	mkdir "$T/www"
	printf 'healthy\n' > "$T/www/health"
	bg web python3 -u -m http.server 0 --bind 127.0.0.1 --directory "$T/www"
	wait_for 10 grep -q 'Serving HTTP' "$T/web.out"
	web_port=$(sed -n 's/.*port \([0-9]*\).*/\1/p' "$T/web.out" | head -1)
	[ -n "$web_port" ]
	run --separate-stderr sc --expect 'HTTP/1\.[01] 200' 127.0.0.1 \
	    "$web_port" < <(printf 'GET /health HTTP/1.0\r\n\r\n')
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[[ $output == "HTTP/1.0 200 OK"* ]]
}

@test "a server answering 503 does not match 'HTTP/1\\.[01] 200': exit 3, nothing on stderr without -v" {
	server srv --need '\r\n\r\n' --close \
	    'HTTP/1.0 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n'
	run --separate-stderr sc --expect 'HTTP/1\.[01] 200' 127.0.0.1 \
	    "$PORT" < <(printf 'GET /health HTTP/1.0\r\n\r\n')
	[ "$status" -eq 3 ]
	[ -z "$stderr" ]
	[[ $output == "HTTP/1.0 503 Service Unavailable"* ]]
}

@test "redis-server answers PING with PONG: exit 0 while the connection is still open" {
	command -v redis-server || skip "redis-server is not installed"
	local p
	p=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	bg redis redis-server --port "$p" --bind 127.0.0.1 --save '' \
	    --appendonly no --dir "$T"
	wait_for 10 sc -z -w 1 127.0.0.1 "$p"
	run --separate-stderr sc --expect PONG 127.0.0.1 "$p" \
	    < <(printf 'PING\r\n')
	[ "$status" -eq 0 ]
	[ "$output" = $'+PONG\r' ]
	run --separate-stderr sc --expect PONG 127.0.0.1 "$p" \
	    < <(printf 'ECHO hello\r\n')
	[ "$status" -eq 3 ]
}

@test "a pattern split across two packets ('PO', a pause, 'NG') matches" {
	server srv PO @0.3 'NG\n' @30
	run --separate-stderr sc -d --expect PONG 127.0.0.1 "$PORT"
	[ "$status" -eq 0 ]
	[ "$output" = PONG ]
}

@test "\$ matches before a newline or at the peer's EOF, never at the end of what has come so far" {
	server srv --close 'PONGS\n'
	run --separate-stderr sc -d --expect 'PONG$' 127.0.0.1 "$PORT"
	[ "$status" -eq 3 ]
	server srv2 --close 'xPONG'
	run --separate-stderr sc -d --expect 'PONG$' 127.0.0.1 "$PORT"
	[ "$status" -eq 0 ]
	server srv3 PONG @0.3 'S\n' --close
	run --separate-stderr sc -d --expect 'PONG$' 127.0.0.1 "$PORT"
	[ "$status" -eq 3 ]
	[ "$output" = PONGS ]
}

@test "as in grep, no line follows a final newline and an empty answer has none: patterns that match an empty line do not match there" {
	local pat
	# grep -E finds no line in "ERR\n" for each of these.
	server srv --close 'ERR\n'
	for pat in '^[0-9]*$' '^$'; do
		run --separate-stderr sc -d --expect "$pat" 127.0.0.1 "$PORT"
		[ "$status" -eq 3 ] || { echo "$pat: $status"; false; }
	done
	# Nothing at all is no line either; the same for -z.
	server srv2 --close
	for pat in '' 'x*' '^' '$' '^$'; do
		run --separate-stderr sc -d --expect "$pat" 127.0.0.1 "$PORT"
		[ "$status" -eq 3 ] || { echo "$pat: $status"; false; }
	done
	run --separate-stderr sc -z -d -w 2 --expect 'x*' "127.0.0.1:$PORT" \
	    -- echo ran
	[ "$status" -eq 3 ]
	[ -z "$output" ]
	# An unterminated last line still ends where the data ends.
	server srv3 --close '12\nA'
	run --separate-stderr sc -d --expect '^A$' 127.0.0.1 "$PORT"
	[ "$status" -eq 0 ]
}

@test "a pattern whose repetitions would grow past 1024 elements, or that repeats a repetition, is a usage error, not gigabytes or minutes in regcomp" {
	local pat
	for pat in "a$(printf '+%.0s' {1..40})" '(a{999}){999}' \
	    '((((((((((((((((((a+)+)+)+)+)+)+)+)+)+)+)+)+)+)+)+)+)+)+' \
	    'a+++*++++++++++++' '((((((((((a*)+)+)+)+)+)+)+)+)+)+' \
	    '(a{,999}){,999}'; do
		SC_TIMEOUT=5 run --separate-stderr sc --expect "$pat" \
		    127.0.0.1 9 </dev/null
		[ "$status" -eq 2 ] || { echo "$pat: $status"; false; }
		[[ $stderr == *"for --expect: too many repetitions"* ]]
	done
	# Patterns a check needs are far from it.
	server srv --close 'addr 10.0.0.1 ok\n'
	run --separate-stderr sc -d --expect \
	    '^addr [0-9]{1,3}(\.[0-9]{1,3}){3} (ok|fine)+$' 127.0.0.1 "$PORT"
	[ "$status" -eq 0 ]
}

@test "a peer that never answers: -w 1 ends the session without a match, exit 3" {
	server srv
	SC_TIMEOUT=5 run --separate-stderr sc -d -w 1 --expect PONG \
	    127.0.0.1 "$PORT"
	[ "$status" -eq 3 ]
	[ -z "$output" ]
}

@test "-q after stdin EOF ends an unmatched session with exit 3" {
	server srv 'hello\n'
	SC_TIMEOUT=5 run --separate-stderr sc -q 1 --expect PONG 127.0.0.1 \
	    "$PORT" < <(printf 'PING\r\n')
	[ "$status" -eq 3 ]
	[ "$output" = hello ]
}

@test "a refused connection is a network failure: exit 1, not 3" {
	server srv --late "$T/never"
	run --separate-stderr sc -d --expect PONG 127.0.0.1 "$PORT"
	[ "$status" -eq 1 ]
	[[ $stderr == *"Connection refused"* ]]
}

@test "an invalid regular expression is a usage error naming it and regerror's reason" {
	run --separate-stderr sc --expect 'a(b' 127.0.0.1 9
	[ "$status" -eq 2 ]
	[[ $stderr == 'sockcat: invalid regular expression "a(b" for --expect: '?* ]]
	[ -z "$output" ]
}

@test "--expect does not combine with -k, -e/-c or --send-only" {
	for args in "-l -k 0" "-e /bin/cat 127.0.0.1 9" \
	    "--send-only 127.0.0.1 9"; do
		# shellcheck disable=SC2086  # the words are the options
		run --separate-stderr sc --expect x $args
		[ "$status" -eq 2 ]
		[[ $stderr == *"option --expect matches one session"* ]]
	done
}

@test "--retry waits for a server that comes up late, then matches" {
	server srv --late "$T/go" 'READY\n'
	bg check "$SOCKCAT" -vv -d --retry 10s --retry-interval 50ms \
	    --expect READY 127.0.0.1 "$PORT"
	wait_for 10 grep -q 'refused' "$T/check.err"
	: > "$T/go"
	bg_wait check 10
	[ "$BG_STATUS" -eq 0 ]
	[ "$(cat "$T/check.out")" = READY ]
}

@test "--retry tries again after an attempt that connects but does not match, sending stdin again" {
	server srv --need 'PING\r\n' --close '-LOADING\r\n' --next '+PONG\r\n'
	run --separate-stderr sc --retry 10s --retry-interval 50ms \
	    --expect PONG 127.0.0.1 "$PORT" < <(printf 'PING\r\n')
	[ "$status" -eq 0 ]
	[ "$output" = $'-LOADING\r\n+PONG\r' ]
	[ "$(served srv)" -eq 2 ]
}

@test "--retry with stdin a file sends the file again on each attempt" {
	server srv --need 'PING\r\n' --close '-LOADING\r\n' '-LOADING\r\n' \
	    --next '-LOADING\r\n' --next '+PONG\r\n'
	printf 'PING\r\n' > "$T/req"
	run --separate-stderr sc --retry 10s --retry-interval 50ms \
	    --expect PONG 127.0.0.1 "$PORT" < "$T/req"
	[ "$status" -eq 0 ]
	[ "$(served srv)" -eq 3 ]
}

@test "--retry with more than 64 KiB of piped stdin to send again is a usage error" {
	run --separate-stderr sc --retry 1s --expect x 127.0.0.1 9 \
	    < <(head -c 70000 /dev/zero)
	[ "$status" -eq 2 ]
	[[ $stderr == "sockcat: stdin holds more than 64 KiB: "* ]]
}

@test "--retry whose every attempt connects but never matches ends with exit 3" {
	server srv --close 'NOPE\n'
	SC_TIMEOUT=8 run --separate-stderr sc -d --retry 1s \
	    --retry-interval 50ms --expect PONG 127.0.0.1 "$PORT"
	[ "$status" -eq 3 ]
	at_least srv 2
}

@test "a binary peer's NUL bytes before the match: matched, and every byte reaches stdout" {
	server srv '\0\xff\0junk\0+PONG\r\n' @30
	local st=0
	sc -d --expect '^\+PONG' 127.0.0.1 "$PORT" > "$T/got" || st=$?
	[ "$st" -eq 0 ]
	printf '\0\377\0junk\0+PONG\r\n' | cmp - "$T/got"
}

@test "no match spans a NUL byte" {
	server srv --close 'A\0B\n'
	run --separate-stderr sc -d --expect 'A.B' 127.0.0.1 "$PORT"
	[ "$status" -eq 3 ]
}

@test "a match after 1 MiB of other lines, beyond the 64 KiB window, is found" {
	python3 -c 'import sys; sys.stdout.write(("x" * 99 + "\n") * 10486 + "READY\n")' > "$T/big"
	BG_STDIN=$T/big bg srv "$SOCKCAT" -v -l 127.0.0.1 0
	PORT=$(listen_port srv)
	run sc -d --expect '^READY$' 127.0.0.1 "$PORT"
	[ "$status" -eq 0 ]
}

@test "stdout a pipe or a file gets every byte up to the match (no zero-copy receive)" {
	server srv --close 'line one\nline two\nOK\n'
	sc -d --expect '^OK$' 127.0.0.1 "$PORT" > "$T/got"
	printf 'line one\nline two\nOK\n' | cmp - "$T/got"
	server srv2 --close 'line one\nline two\nOK\n'
	sc -d --expect '^OK$' 127.0.0.1 "$PORT" | cat > "$T/got2"
	cmp "$T/got" "$T/got2"
}

@test "--expect over a Unix socket" {
	server srv --unix "$T/s" 'imok\n'
	run --separate-stderr sc -U --expect imok "$T/s" < <(printf 'ruok')
	[ "$status" -eq 0 ]
	[ "$output" = imok ]
}

@test "--expect over UDP: the answering datagram matches" {
	server srv --udp 'pong\n'
	SC_TIMEOUT=5 run --separate-stderr sc -u -w 2 --expect pong \
	    127.0.0.1 "$PORT" < <(printf 'ping\n')
	[ "$status" -eq 0 ]
	[ "$output" = pong ]
	SC_TIMEOUT=5 run --separate-stderr sc -u -w 1 --expect nothing \
	    127.0.0.1 "$PORT" < <(printf 'ping\n')
	[ "$status" -eq 3 ]
}

@test "-l --expect: a listener exits 0 once its client sent a match, 3 without" {
	bg lst "$SOCKCAT" -v -d -l 127.0.0.1 0 --expect hello
	PORT=$(listen_port lst)
	run sc 127.0.0.1 "$PORT" < <(printf 'well hello there\n')
	bg_wait lst 10
	[ "$BG_STATUS" -eq 0 ]
	bg lst2 "$SOCKCAT" -v -d -l 127.0.0.1 0 --expect hello
	PORT=$(listen_port lst2)
	run sc 127.0.0.1 "$PORT" < <(printf 'bye\n')
	bg_wait lst2 10
	[ "$BG_STATUS" -eq 3 ]
}

@test "--expect with a bare -v reports the match, and the no-match" {
	server srv 'PONG\n' @30
	run --separate-stderr sc -v -d --expect PONG 127.0.0.1 "$PORT"
	[ "$status" -eq 0 ]
	[[ $stderr == *"--expect matched"* ]]
	server srv2 --close 'nope\n'
	run --separate-stderr sc -v -d --expect PONG 127.0.0.1 "$PORT"
	[ "$status" -eq 3 ]
	[[ $stderr == *"--expect: no match"* ]]
}
