bats_require_minimum_version 1.5.0
load helpers/common

# logs.bats -- traffic logs: -o/--hex-dump in netcat-traditional's hex
# format (checked against lines computed here, and against nc.traditional
# itself when it is installed), --output's raw copy of both directions,
# --append-output, an unopenable log file, and logs of UDP datagrams.

# dump_lines DIR START FILE: the hex dump lines of FILE's bytes, as sent
# (DIR '>') or received ('<'), with offsets from START: 16 bytes a line,
# hex padded to 48 columns, then "# " and the bytes 0x20-0x7e as themselves,
# others as '.'.
dump_lines() {
	local dir=$1 start=$2 hex=() at j hexcol text ch
	read -r -a hex <<<"$(od -An -v -tx1 "$3" | tr '\n' ' ')"
	for ((at = 0; at < ${#hex[@]}; at += 16)); do
		hexcol='' text=
		for ((j = at; j < at + 16 && j < ${#hex[@]}; j++)); do
			hexcol+="${hex[j]} "
			if ((16#${hex[j]} >= 0x20 && 16#${hex[j]} <= 0x7e)); then
				printf -v ch '%b' "\\x${hex[j]}"
				text+=$ch
			else
				text+=.
			fi
		done
		printf '%s %08x %-48s# %s\n' "$dir" $((start + at)) "$hexcol" "$text"
	done
}

# text_file NAME TEXT: write TEXT (printf escapes such as \n) to $T/NAME.
text_file() {
	printf '%b' "$2" >"$T/$1"
}

# start_peer NAME SUBCOMMAND ARGS...: run peer.py as job NAME and set
# PEER_PORT to its port.
start_peer() {
	local name=$1
	shift
	bg "$name" python3 "$PEER" "$@" --port-file "$T/$name.port"
	PEER_PORT=$(peer_port "$name")
}

# exchange FILE ARGS...: a sockcat client with ARGS sends FILE to an
# eof-reply peer, which answers "got N bytes\n"; the client must end with
# status 0 and print the answer.
exchange() {
	local file=$1 srv
	shift
	# A new peer name each time: a test may run several exchanges.
	_exchanges=$((${_exchanges:-0} + 1))
	srv=srv$_exchanges
	start_peer "$srv" eof-reply --save "$T/$srv.save"
	run --separate-stderr timeout 10 "$SOCKCAT" -n "$@" 127.0.0.1 \
	    "$PEER_PORT" <"$file"
	[ "$status" -eq 0 ]
	[ "$output" = "got $(wc -c <"$file") bytes" ]
	[ -z "$stderr" ]
	bg_wait "$srv"
	[ "$BG_STATUS" -eq 0 ]
	cmp "$file" "$T/$srv.save"
}

# start_listener NAME ARGS...: run `sockcat -n -v ARGS...` as job NAME and
# set PORT from its listening line.
start_listener() {
	local name=$1
	shift
	bg "$name" "$SOCKCAT" -n -v "$@"
	PORT=$(listen_port "$name")
}

@test "-o writes netcat-traditional's hex dump of a short exchange, both directions" {
	text_file msg 'hello world, this is a test\n'
	exchange "$T/msg" -o "$T/dump"
	# Written out in full once, so the helper is checked too.
	printf '%s\n' \
	    '> 00000000 68 65 6c 6c 6f 20 77 6f 72 6c 64 2c 20 74 68 69 # hello world, thi' \
	    '> 00000010 73 20 69 73 20 61 20 74 65 73 74 0a             # s is a test.' \
	    '< 00000000 67 6f 74 20 32 38 20 62 79 74 65 73 0a          # got 28 bytes.' \
	    >"$T/expected"
	cmp "$T/expected" "$T/dump"
	text_file reply 'got 28 bytes\n'
	{
		dump_lines '>' 0 "$T/msg"
		dump_lines '<' 0 "$T/reply"
	} | cmp "$T/expected" -
}

@test "-o dumps a 100-byte write as 7 lines at offsets 0x00 to 0x60, the last one padded" {
	printf 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789%.0s' 1 2 |
	    head -c 100 >"$T/msg"
	[ "$(wc -c <"$T/msg")" -eq 100 ]
	exchange "$T/msg" -o "$T/dump"
	mapfile -t L <"$T/dump"
	[ "${#L[@]}" -eq 8 ]
	local k
	for k in 0 1 2 3 4 5 6; do
		[[ ${L[k]} == "> $(printf '%08x' $((k * 16))) "* ]]
	done
	[ "${L[6]}" = '> 00000060 49 4a 4b 4c                                     # IJKL' ]
	[ "${L[7]:0:11}" = '< 00000000 ' ]
	dump_lines '>' 0 "$T/msg" | cmp - <(head -n 7 "$T/dump")
}

@test "-o shows every byte value in hex and the non-printable ones as '.'" {
	exchange "$T/bytes256" -o "$T/dump"
	text_file reply 'got 256 bytes\n'
	{
		dump_lines '>' 0 "$T/bytes256"
		dump_lines '<' 0 "$T/reply"
	} >"$T/expected"
	cmp "$T/expected" "$T/dump"
	# Spot checks independent of the helper.
	grep -qFx '> 00000000 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f # ................' "$T/dump"
	grep -qFx '> 00000020 20 21 22 23 24 25 26 27 28 29 2a 2b 2c 2d 2e 2f #  !"#$%&'\''()*+,-./' "$T/dump"
	grep -qFx '> 00000070 70 71 72 73 74 75 76 77 78 79 7a 7b 7c 7d 7e 7f # pqrstuvwxyz{|}~.' "$T/dump"
	grep -qFx '> 000000f0 f0 f1 f2 f3 f4 f5 f6 f7 f8 f9 fa fb fc fd fe ff # ................' "$T/dump"
}

@test "-o logs received data as < lines in listen mode" {
	start_listener lst -l 0 -o "$T/dump"
	run --separate-stderr bash -c \
	    'printf "hello\n" | timeout 10 "$SOCKCAT" -n 127.0.0.1 "$1"' _ "$PORT"
	[ "$status" -eq 0 ]
	bg_wait lst
	[ "$BG_STATUS" -eq 0 ]
	[ "$(<"$T/lst.out")" = hello ]
	printf '%s\n' '< 00000000 68 65 6c 6c 6f 0a                               # hello.' |
	    cmp - "$T/dump"
}

@test "the -o dump is byte for byte what nc.traditional -o writes for the same exchange" {
	command -v nc.traditional >/dev/null || skip "nc.traditional is not installed"
	exchange "$T/bytes256" -o "$T/dump"
	start_peer ref eof-reply
	run --separate-stderr timeout 10 nc.traditional -n -q 1 \
	    -o "$T/ref.dump" 127.0.0.1 "$PEER_PORT" <"$T/bytes256"
	[ "$status" -eq 0 ]
	[ "$output" = "got 256 bytes" ]
	cmp "$T/ref.dump" "$T/dump"
}

@test "-o offsets go on per direction across chunks, and each chunk starts a new line" {
	start_peer srv echo
	pipe_open cli
	bg cli "$SOCKCAT" -n -o "$T/dump" 127.0.0.1 "$PEER_PORT"
	pipe_write cli $'first\n'
	wait_for 10 file_has "$T/dump" '# first.'
	wait_for 10 file_has "$T/cli.out" first
	wait_for 10 file_has "$T/dump" '< 00000000'
	pipe_write cli $'2nd\n'
	wait_for 10 file_has "$T/cli.out" 2nd
	pipe_close cli
	bg_wait cli
	[ "$BG_STATUS" -eq 0 ]
	printf '%s\n' \
	    '> 00000000 66 69 72 73 74 0a                               # first.' \
	    '< 00000000 66 69 72 73 74 0a                               # first.' \
	    '> 00000006 32 6e 64 0a                                     # 2nd.' \
	    '< 00000006 32 6e 64 0a                                     # 2nd.' |
	    cmp - "$T/dump"
}

@test "--hex-dump FILE writes the same dump as -o FILE" {
	text_file msg 'same dump\n'
	exchange "$T/msg" -o "$T/dump-o"
	exchange "$T/msg" --hex-dump "$T/dump-long"
	[ -s "$T/dump-o" ]
	cmp "$T/dump-o" "$T/dump-long"
	exchange "$T/msg" --hex-dump="$T/dump-eq"
	cmp "$T/dump-o" "$T/dump-eq"
}

@test "--output FILE copies both directions raw: what was sent, then the reply" {
	exchange "$T/bytes256" --output "$T/raw"
	{
		cat "$T/bytes256"
		printf 'got 256 bytes\n'
	} | cmp - "$T/raw"
	[ "$(wc -c <"$T/raw")" -eq $((256 + 14)) ]
}

@test "-o and --output can be given together and both are written" {
	text_file msg 'both logs\n'
	exchange "$T/msg" -o "$T/dump" --output "$T/raw"
	printf 'both logs\ngot 10 bytes\n' | cmp - "$T/raw"
	{
		dump_lines '>' 0 "$T/msg"
		printf 'got 10 bytes\n' >"$T/reply"
		dump_lines '<' 0 "$T/reply"
	} | cmp - "$T/dump"
}

@test "without --append-output, -o and --output truncate an existing file" {
	printf 'old dump line\n' >"$T/dump"
	printf 'old raw data\n' >"$T/raw"
	text_file msg 'new\n'
	exchange "$T/msg" -o "$T/dump" --output "$T/raw"
	printf 'new\ngot 4 bytes\n' | cmp - "$T/raw"
	run ! grep -F old "$T/dump"
	[ "$(wc -l <"$T/dump")" -eq 2 ]
}

@test "--append-output appends to the -o file instead of truncating it" {
	printf 'old dump line\n' >"$T/dump"
	text_file msg 'appended\n'
	exchange "$T/msg" -o "$T/dump" --append-output
	{
		printf 'old dump line\n'
		dump_lines '>' 0 "$T/msg"
		printf 'got 9 bytes\n' >"$T/reply"
		dump_lines '<' 0 "$T/reply"
	} | cmp - "$T/dump"
}

@test "--append-output appends to the --output file instead of truncating it" {
	printf 'old raw data\n' >"$T/raw"
	text_file msg 'appended\n'
	exchange "$T/msg" --append-output --output "$T/raw"
	printf 'old raw data\nappended\ngot 9 bytes\n' | cmp - "$T/raw"
}

@test "an -o file that cannot be opened: exit 1 with a message, and nothing is sent" {
	start_listener lst -l 0
	run --separate-stderr bash -c \
	    'printf "not sent\n" | timeout 10 "$SOCKCAT" -n -o "$2" 127.0.0.1 "$1"' \
	    _ "$PORT" "$T/no-such-dir/dump"
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ "$stderr" = "sockcat: open log file $T/no-such-dir/dump: No such file or directory" ]
	[ ! -e "$T/no-such-dir" ]
	# The one-shot listener is still waiting: the failed client never
	# connected, so the next client is its first.
	run --separate-stderr bash -c \
	    'printf "second\n" | timeout 10 "$SOCKCAT" -n 127.0.0.1 "$1"' _ "$PORT"
	[ "$status" -eq 0 ]
	bg_wait lst
	[ "$BG_STATUS" -eq 0 ]
	printf 'second\n' | cmp - "$T/lst.out"
}

@test "an --output file that cannot be opened: exit 1 with a message, and nothing is sent" {
	mkdir "$T/a-directory"
	start_listener lst -l 0
	run --separate-stderr bash -c \
	    'printf "not sent\n" | timeout 10 "$SOCKCAT" -n --output "$2" 127.0.0.1 "$1"' \
	    _ "$PORT" "$T/a-directory"
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ "$stderr" = "sockcat: open log file $T/a-directory: Is a directory" ]
	run --separate-stderr bash -c \
	    'printf "second\n" | timeout 10 "$SOCKCAT" -n 127.0.0.1 "$1"' _ "$PORT"
	[ "$status" -eq 0 ]
	bg_wait lst
	[ "$BG_STATUS" -eq 0 ]
	printf 'second\n' | cmp - "$T/lst.out"
}

@test "-o and --output log UDP datagrams, offsets going on per direction" {
	start_peer srv udp-echo --count 2
	pipe_open cli
	bg cli "$SOCKCAT" -n -u -W 2 -o "$T/dump" --output "$T/raw" \
	    127.0.0.1 "$PEER_PORT"
	pipe_write cli $'one\n'
	wait_for 10 file_has "$T/cli.out" one
	pipe_write cli $'three\n'
	bg_wait cli
	[ "$BG_STATUS" -eq 0 ]
	printf 'one\nthree\n' | cmp - "$T/cli.out"
	printf '%s\n' \
	    '> 00000000 6f 6e 65 0a                                     # one.' \
	    '< 00000000 6f 6e 65 0a                                     # one.' \
	    '> 00000004 74 68 72 65 65 0a                               # three.' \
	    '< 00000004 74 68 72 65 65 0a                               # three.' |
	    cmp - "$T/dump"
	printf 'one\none\nthree\nthree\n' | cmp - "$T/raw"
}

# --- a log that cannot be written -------------------------------------------

@test "an -o log that cannot be written (/dev/full): the exchange completes, then exit 1 naming the file" {
	[ -w /dev/full ] || skip "no /dev/full"
	text_file req 'hello\n'
	start_peer srv eof-reply --save "$T/srv.save"
	run --separate-stderr timeout 10 "$SOCKCAT" -n -o /dev/full 127.0.0.1 \
	    "$PEER_PORT" <"$T/req"
	[ "$status" -eq 1 ]
	[ "$output" = "got 6 bytes" ]
	[ "$stderr" = "sockcat: write to traffic log /dev/full: No space left on device" ]
	bg_wait srv
	cmp "$T/req" "$T/srv.save"
}

@test "an --output log that cannot be written (/dev/full): the exchange completes, then exit 1 naming the file" {
	[ -w /dev/full ] || skip "no /dev/full"
	text_file req 'hello\n'
	start_peer srv eof-reply --save "$T/srv.save"
	run --separate-stderr timeout 10 "$SOCKCAT" -n --output /dev/full \
	    -o "$T/hex" 127.0.0.1 "$PEER_PORT" <"$T/req"
	[ "$status" -eq 1 ]
	[ "$output" = "got 6 bytes" ]
	[ "$stderr" = "sockcat: write to traffic log /dev/full: No space left on device" ]
	# The other log is still written.
	[ "$(wc -l <"$T/hex")" -eq 2 ]
	bg_wait srv
	cmp "$T/req" "$T/srv.save"
}

@test "a listener whose -o or --output log cannot be written receives everything, then exits 1 naming the file" {
	[ -w /dev/full ] || skip "no /dev/full"
	for opt in -o --output; do
		name=lst${opt//-/}
		start_listener "$name" -l 0 "$opt" /dev/full
		run --separate-stderr bash -c \
		    'printf "to the listener\n" | timeout 10 "$SOCKCAT" -n 127.0.0.1 "$1"' \
		    _ "$PORT"
		[ "$status" -eq 0 ]
		bg_wait "$name"
		[ "$BG_STATUS" -eq 1 ]
		[ "$(cat "$T/$name.out")" = "to the listener" ]
		[ "$(grep -c '^sockcat: ' "$T/$name.err")" -eq 1 ]
		grep -qx 'sockcat: write to traffic log /dev/full: No space left on device' \
		    "$T/$name.err"
	done
}

@test "a -k listener whose log cannot be written serves each client, and exits 1 when -w runs out" {
	[ -w /dev/full ] || skip "no /dev/full"
	start_listener lst -l -k -w 2 0 -o /dev/full
	for i in 1 2; do
		run --separate-stderr bash -c \
		    'printf "client %s\n" "$2" | timeout 10 "$SOCKCAT" -n 127.0.0.1 "$1"' \
		    _ "$PORT" "$i"
		[ "$status" -eq 0 ]
	done
	bg_wait lst
	[ "$BG_STATUS" -eq 1 ]
	[ "$(cat "$T/lst.out")" = $'client 1\nclient 2' ]
	[ "$(grep -c '^sockcat: write to traffic log /dev/full: ' "$T/lst.err")" -eq 1 ]
}
