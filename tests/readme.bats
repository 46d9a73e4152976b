#!/usr/bin/env bats
# readme.bats -- the README's tour runs as written and leaves the folder it
# starts in as it found it.

bats_require_minimum_version 1.5.0
load helpers/common

README="$BATS_TEST_DIRNAME/../README.md"

# The tour names its ports, so these tests use them as written (none is in
# the kernel's range for port 0) and skip when one is taken.
TOUR_PORTS="7777 8000 8001 9000 9001 9002 9003 9004 9005 9006"

setup() {
	common_setup
	command -v python3 >/dev/null || skip "python3 is not installed"
	busy=$(python3 - $TOUR_PORTS 2>&1 <<'PY'
import socket, sys
for port in map(int, sys.argv[1:]):
    for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
        s = socket.socket(socket.AF_INET6, kind)
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        if kind == socket.SOCK_STREAM:
            # As the tour's listeners do: a TIME_WAIT is no obstacle.
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("::", port))
        except OSError as e:
            sys.exit("%d (%s)" % (port, e.strerror))
        finally:
            s.close()
PY
	) || skip "a port of the tour is in use: $busy"
	# The tour's `cd "$(mktemp -d)"` lands here; bats removes it.
	mkdir "$T/tmp"
	export TMPDIR="$T/tmp"
	# A stand-in for the source tree: only the sockcat under test.
	mkdir "$T/src"
	ln -s "$SOCKCAT" "$T/src/sockcat"
}

# tour_blocks DIR: the tour's ```sh blocks as DIR/1, DIR/2, ... in order.
tour_blocks() {
	mkdir -p "$1"
	sed -n '/^## A short tour$/,/^## /p' "$README" | awk -v dir="$1" '
		/^```sh$/ { n++; on = 1; next }
		/^```$/ { on = 0; next }
		on { print > (dir "/" n) }'
}

# tour_script: the whole tour as one script.  The two-terminal example runs
# its listener in the background (stdin /dev/null, as a terminal would give
# no input), and the proxy example, which needs a proxy, is left out.
tour_script() {
	local f
	tour_blocks "$T/blocks"
	# What the tour leaves running when a step fails is ended with it.
	echo 'trap '"'"'st=$?; kill $(jobs -p) 2>/dev/null || true; exit $st'"'"' EXIT'
	for f in $(ls "$T/blocks" | sort -n); do
		f=$T/blocks/$f
		if grep -q 'proxy\.example' "$f"; then
			continue
		elif [ "$(cat "$f")" = "sockcat -nvlp 7777" ]; then
			printf '%s\n' \
			    'sockcat -nvlp 7777 </dev/null 2>"$LISTENER_ERR" &' \
			    'listener=$!' \
			    'end=$((SECONDS + 10))' \
			    'until grep -q "^listening on" "$LISTENER_ERR"; do' \
			    '	[ $SECONDS -lt $end ] || exit 99; sleep 0.05' \
			    'done'
			f=$T/blocks/$(($(basename "$f") + 1))
			cat "$f"
			echo 'wait "$listener" || exit 98'
			echo 'echo; echo "the client and the listener exited 0"'
			SKIP_NEXT=$f
			continue
		elif [ "$f" = "${SKIP_NEXT:-}" ]; then
			continue
		fi
		cat "$f"
	done
	echo 'echo "the tour ended in $PWD" > "$TOUR_OUT"'
}

@test "the README's tour runs as written, says what the README says and leaves no file where it starts" {
	SKIP_NEXT=
	tour_script > "$T/tour.sh"
	# The setup the tour starts with.
	[ "$(head -3 "$T/tour.sh" | tail -2)" = "$(printf '%s\n' \
	    'PATH="$PWD:$PATH"' 'cd "$(mktemp -d)"')" ]
	cd "$T/src"
	LISTENER_ERR=$T/listener.err TOUR_OUT=$T/tour.out run --separate-stderr \
	    timeout -k 5 120 bash -e "$T/tour.sh"
	echo "$output"
	echo "$stderr"
	[ "$status" -eq 0 ]
	output=${output//$'\r'/}	# the HTTP status line ends in CR LF
	grep -qx 'listening on \[any\] 7777 ...' "$T/listener.err"
	for line in 'Hello from Python!' 'the client and the listener exited 0' \
	    identical 'HTTP/1.0 200 OK' '8000 open' '8001 closed' ping pong \
	    '9002 is up' HELLO 'bye, 127.0.0.1' 'the port is up' hello; do
		grep -qxF -- "$line" <<<"$output" || { echo "no line: $line"; false; }
	done
	[ "$(grep -cx identical <<<"$output")" -eq 2 ]
	[ "$(grep -cE '^hello, port [0-9]+$' <<<"$output")" -eq 2 ]
	grep -qxF 'localhost [127.0.0.1] 9002 (?) open' <<<"$stderr"
	grep -q '^> 00000000 .* # hello over a Uni$' <<<"$output"
	# Nothing left where it started; its files are in the folder it made.
	run ls -A "$T/src"
	[ "$output" = sockcat ] || { echo "left behind: $output"; false; }
	dir=$(sed -n 's/^the tour ended in //p' <<<"$(cat "$T/tour.out")")
	[[ "$dir" == "$T/tmp/"* ]]
	[ -s "$dir/file" ]
}

@test "the README's --port-file recipe works when run again in the same folder" {
	# A listener that leaves its port file behind makes a second run read
	# the old port; the recipe relies on sockcat removing it on exit.
	bg pf "$SOCKCAT" -l 0 --port-file "$T/probe.port"
	wait_for 5 test -s "$T/probe.port"
	sc -z 127.0.0.1 "$(cat "$T/probe.port")"
	bg_wait pf
	[ ! -e "$T/probe.port" ] ||
	    skip "this sockcat leaves its --port-file in place"
	tour_blocks "$T/blocks"
	recipe=$(grep -l -- '--port-file' "$T/blocks"/*)
	[ -n "$recipe" ]
	mkdir "$T/again"
	cd "$T/again"
	PATH="$T/src:$PATH"
	for run in 1 2 3; do
		run timeout -k 5 60 bash -e "$recipe"
		[ "$status" -eq 0 ] || { echo "run $run: $output"; false; }
		[ "$(tail -1 <<<"$output")" = hello ]
	done
}
