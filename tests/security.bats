bats_require_minimum_version 1.5.0
load helpers/common
setup() { common_setup; }
teardown() { common_teardown; }

# security.bats -- what a hostile peer or a careless environment must not
# get from sockcat: terminal escape sequences on the user's screen through
# names the peer controls (reverse DNS, Unix socket paths, --chat lines),
# programs started for refused clients, descriptors leaking into -e/-c
# programs, files removed through a path sockcat did not create, log files
# that ignore the umask, and anything but data on stdout.
#
# Covered elsewhere and not repeated here: an escape in a --chat line
# (broker.bats), a hostile HTTP reason phrase (proxy.bats), -e without a
# shell and the program's descriptors in one-shot and -k mode (exec.bats),
# --deny before -c in a one-shot listener (acl.bats), the Unix listener's
# umask and symbolic links at its path (unix.bats).

PROXY=$BATS_TEST_DIRNAME/helpers/proxy_server.py

# HOSTILE: control sequences a peer would like to reach the terminal: an
# OSC title change ended by BEL, a clear screen, and the one-byte CSI of
# 8-bit terminals, raw and UTF-8 encoded (U+009B).
HOSTILE=$'\e]0;pwned\a\e[2J'
C1=$'\x9b\xc2\x9b'

# clean TEXT: TEXT has no byte outside printable ASCII but newline.
clean() {
	! LC_ALL=C grep -q '[^[:print:]]' <<<"$1"
}

# no_csi TEXT: TEXT holds no byte 0x9b, the 8-bit CSI, alone or as the
# second byte of its UTF-8 form (C2 9B); other UTF-8 text may pass.
no_csi() {
	[ "$(printf '%s' "$1" | LC_ALL=C tr -dc '\233' | wc -c)" -eq 0 ]
}

# show TEXT: TEXT with its bytes made visible, for failure output.
show() {
	printf '%s' "$1" | od -c | head -20
}

# NS: how to get a private mount namespace here (as any user through a user
# namespace, or as root directly); empty if the system allows neither.
if unshare -rm true 2>/dev/null; then
	NS=(unshare -rm)
elif unshare -m true 2>/dev/null; then
	NS=(unshare -m)
else
	NS=()
fi

# userns_ok: private mount namespaces are available.
userns_ok() {
	((${#NS[@]} > 0))
}

# IN_HOSTS HOSTS CMD...: run CMD in a private mount namespace in which the
# file HOSTS is /etc/hosts (a command prefix, so it also works under bg).
IN_HOSTS=("${NS[@]}" sh -c 'mount --bind "$1" /etc/hosts && shift && exec "$@"' _)

# --- names the peer controls ----------------------------------------------------

@test "a reverse DNS name with escape sequences is shown with '?' in the listener's accept line" {
	userns_ok || skip "needs unshare(1) and mount namespaces"
	printf '127.0.0.1 localhost\n127.0.0.9 evil%sname%s\n' "$HOSTILE" "$C1" \
	    >"$T/hosts"
	bg lst "${IN_HOSTS[@]}" "$T/hosts" "$SOCKCAT" -v -l 127.0.0.1 0
	PORT=$(listen_port lst)
	run --separate-stderr sc -n -s 127.0.0.9 127.0.0.1 "$PORT" <<<hi
	[ "$status" -eq 0 ]
	bg_wait lst
	[ "$BG_STATUS" -eq 0 ]
	local err
	err=$(cat "$T/lst.err")
	show "$err"
	clean "$err"
	grep -Eqx "connect to \[127\.0\.0\.1\] from evil\?\]0;pwned\?\?\[2Jname\?\?\? \[127\.0\.0\.9\] [0-9]+" \
	    <<<"$err"
}

@test "a reverse DNS name with escape sequences is shown with '?' when connecting and probing" {
	userns_ok || skip "needs unshare(1) and mount namespaces"
	printf '127.0.0.1 localhost\n127.0.0.9 evil%sname%s\n' "$HOSTILE" "$C1" \
	    >"$T/hosts"
	bg srv "$SOCKCAT" -n -v -k -l 127.0.0.9 0
	PORT=$(listen_port srv)
	# A byte, so that a FIN follows (an empty stdin sends none).
	run --separate-stderr "${IN_HOSTS[@]}" "$T/hosts" timeout 10 "$SOCKCAT" -v \
	    127.0.0.9 "$PORT" <<<hi
	show "$stderr"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	clean "$stderr"
	[ "$stderr" = "evil?]0;pwned??[2Jname??? [127.0.0.9] $PORT (?) open" ]
	run --separate-stderr "${IN_HOSTS[@]}" "$T/hosts" timeout 10 "$SOCKCAT" -zv \
	    127.0.0.9 "$PORT"
	show "$stderr"
	[ "$status" -eq 0 ]
	clean "$stderr"
	[ "$stderr" = "evil?]0;pwned??[2Jname??? [127.0.0.9] $PORT (?) open" ]
}

@test "a Unix client bound to a path with escape sequences shows '?' in the -v accept line, stream and datagram" {
	local path=$T/c$HOSTILE
	# Stream: python binds the client socket to the path, then connects.
	bg lst "$SOCKCAT" -v -lU "$T/s"
	wait_for 5 file_has "$T/lst.err" "listening on [$T/s]"
	run --separate-stderr timeout 10 python3 -c '
import socket, sys
c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
c.bind(sys.argv[1])
c.connect(sys.argv[2])
c.sendall(b"hi\n")
c.shutdown(socket.SHUT_WR)
while c.recv(4096):
    pass' "$path" "$T/s"
	[ "$status" -eq 0 ]
	bg_wait lst
	local err
	err=$(cat "$T/lst.err")
	show "$err"
	clean "$err"
	[ "$(sed -n 2p "$T/lst.err")" = "connect to [$T/s] from (UNKNOWN) [$T/c?]0;pwned??[2J]" ]

	# Datagram: sockcat -Uu -s binds the receive socket to the path.
	rm -f "$path"
	bg dlst "$SOCKCAT" -v -lUu -W 1 "$T/d"
	wait_for 5 file_has "$T/dlst.err" "listening on [$T/d]"
	run --separate-stderr bash -c \
	    'printf "hi\n" | timeout 10 "$SOCKCAT" -Uu -q 0.5 -s "$1" "$2"' _ \
	    "$path" "$T/d"
	[ "$status" -eq 0 ]
	bg_wait dlst
	err=$(cat "$T/dlst.err")
	show "$err"
	clean "$err"
	[ "$(sed -n 2p "$T/dlst.err")" = "connect to [$T/d] from (UNKNOWN) [$T/c?]0;pwned??[2J]" ]
}

@test "a Unix client path with the 8-bit CSI (0x9b, raw or UTF-8) does not reach the -v accept line as it is" {
	# 0x9b is CSI to an 8-bit terminal, U+009B to a UTF-8 one that honours
	# C1 controls (xterm): as dangerous as ESC [.
	local path=$T/c${C1}2J
	bg dlst "$SOCKCAT" -v -lUu -W 1 "$T/d"
	wait_for 5 file_has "$T/dlst.err" "listening on [$T/d]"
	run --separate-stderr bash -c \
	    'printf "hi\n" | timeout 10 "$SOCKCAT" -Uu -q 0.5 -s "$1" "$2"' _ \
	    "$path" "$T/d"
	[ "$status" -eq 0 ]
	bg_wait dlst
	local err
	err=$(cat "$T/dlst.err")
	show "$err"
	no_csi "$err"
	grep -qF "connect to [$T/d] from (UNKNOWN) [$T/c" <<<"$err"
}

@test "--chat does not pass the 8-bit CSI (0x9b, raw or UTF-8) from one client to another" {
	pipe_open lst
	bg lst "$SOCKCAT" -n -v --chat -l 0
	PORT=$(listen_port lst)
	pipe_open a
	bg a "$SOCKCAT" -n 127.0.0.1 "$PORT"
	wait_for 5 file_has "$T/lst.err" "connect to ["
	pipe_open b
	bg b "$SOCKCAT" -n 127.0.0.1 "$PORT"
	wait_for 5 file_has "$T/b.out" 'already connected'
	pipe_write a "csi ${C1}2J end"$'\n'
	wait_for 5 file_has "$T/b.out" end
	local got
	got=$(cat "$T/b.out")
	show "$got"
	no_csi "$got"
	grep -q '^<user1> csi .*2J end$' <<<"$got"
}

# --- programs -------------------------------------------------------------------

@test "a -k -e listener checks --deny before starting a program: a refused client starts none while allowed ones are served" {
	bg lst "$SOCKCAT" -n -v -k -l --deny 127.0.0.2 0 \
	    -c "echo \"\$SOCKCAT_REMOTE_ADDR\" >>'$T/ran'; cat"
	PORT=$(listen_port lst)
	# An allowed client holds a session open while the refused one comes.
	pipe_open first
	bg first "$SOCKCAT" -n 127.0.0.1 "$PORT"
	pipe_write first $'first\n'
	wait_for 5 file_has "$T/first.out" first
	# A client from 127.0.0.2 that sends nothing: only the listener can end
	# its wait, by closing at once (EOF, or a reset).
	run --separate-stderr timeout 10 python3 -c '
import socket, sys
s = socket.socket()
s.settimeout(5)
s.bind(("127.0.0.2", 0))
s.connect(("127.0.0.1", int(sys.argv[1])))
try:
    print("EOF after %d bytes" % len(s.recv(4096)))
except ConnectionResetError:
    print("reset")' "$PORT"
	echo "refused client: status $status, $output, $stderr"
	[ "$status" -eq 0 ]
	[[ $output == "EOF after 0 bytes" || $output == reset ]]
	wait_for 5 file_has "$T/lst.err" "refused connection from 127.0.0.2"
	run --separate-stderr sc -n 127.0.0.1 "$PORT" <<<second
	[ "$status" -eq 0 ]
	[ "$output" = second ]
	pipe_close first
	bg_wait first
	[ "$(sort "$T/ran")" = $'127.0.0.1\n127.0.0.1' ]
}

@test "the program gets only fds 0-2 with -o and --output, as a -k Unix listener's worker and in connect mode" {
	bg lst "$SOCKCAT" -v -k -lU -o "$T/lst.hex" --output "$T/lst.raw" \
	    -c 'ls /proc/$$/fd; cat' "$T/s"
	wait_for 5 file_has "$T/lst.err" "listening on [$T/s]"
	# Two clients at once: the second program must not see the first's.
	# The clients send nothing, so no FIN: the first leaves by -q 0, the
	# second sends a byte for cat to echo and then its FIN.
	pipe_open first
	bg first "$SOCKCAT" -q 0 -U "$T/s"
	wait_for 5 file_has "$T/first.out" 2
	run --separate-stderr sc -U "$T/s" <<<x
	[ "$status" -eq 0 ]
	[ "$output" = $'0\n1\n2\nx' ]
	pipe_close first
	bg_wait first
	[ "$(cat "$T/first.out")" = $'0\n1\n2' ]

	bg srv python3 "$PEER" eof-reply --port-file "$T/srv.port" \
	    --save "$T/srv.save"
	PORT=$(peer_port srv)
	run --separate-stderr sc -n -o "$T/cli.hex" --output "$T/cli.raw" \
	    127.0.0.1 "$PORT" -c 'ls /proc/$$/fd; exec >&-; cat >/dev/null' \
	    </dev/null
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	bg_wait srv
	[ "$(cat "$T/srv.save")" = $'0\n1\n2' ]
}

# --- files ----------------------------------------------------------------------

@test "a -Uu client never removes a -s path it did not create: a symbolic link or a regular file stays" {
	bg lst "$SOCKCAT" -lUu "$T/srv"
	wait_for 5 test -S "$T/srv"
	echo precious >"$T/target"
	ln -s "$T/target" "$T/link"
	echo precious >"$T/file"
	local p
	for p in link file; do
		run --separate-stderr bash -c \
		    'printf "hi\n" | timeout 10 "$SOCKCAT" -Uu -q 0.2 -s "$1" "$2"' \
		    _ "$T/$p" "$T/srv"
		echo "-s $p: status $status: $stderr"
		[ "$status" -eq 1 ]
		[ -z "$output" ]
		[[ $stderr == "sockcat: bind receive socket $T/$p: "* ]]
	done
	[ -L "$T/link" ]
	[ "$(cat "$T/target")" = precious ]
	[ "$(cat "$T/file")" = precious ]
}

@test "-o and --output files are created with the caller's umask: 027 gives -rw-r-----, 002 gives -rw-rw-r--" {
	local m
	for m in 027 002; do
		bg "srv$m" python3 "$PEER" eof-reply --port-file "$T/srv$m.port"
		PORT=$(peer_port "srv$m")
		run --separate-stderr bash -c \
		    'umask "$1"; printf hi | timeout 10 "$SOCKCAT" -o "$2" --output "$3" 127.0.0.1 "$4"' \
		    _ "$m" "$T/hex$m" "$T/raw$m" "$PORT"
		[ "$status" -eq 0 ]
		[ -s "$T/hex$m" ]
		[ -s "$T/raw$m" ]
	done
	[ "$(stat -c %A "$T/hex027")" = -rw-r----- ]
	[ "$(stat -c %A "$T/raw027")" = -rw-r----- ]
	[ "$(stat -c %A "$T/hex002")" = -rw-rw-r-- ]
	[ "$(stat -c %A "$T/raw002")" = -rw-rw-r-- ]
}

# --- stdout carries data only -----------------------------------------------------

@test "with -vv every failure leaves stdout empty and says why on stderr" {
	local closed busy
	# A port nobody listens on, and one somebody does.
	closed=$(python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	bg busy python3 "$PEER" silent --port-file "$T/busy.port"
	busy=$(peer_port busy)
	bg rst python3 "$PEER" reset --after 1 --port-file "$T/rst.port"
	bg px python3 "$PROXY" http --bad refuse --port-file "$T/px.port"
	bg silent python3 "$PEER" silent --port-file "$T/silent.port"
	echo data >"$T/regular"
	make_big "$T/big" 4

	fails() {
		local want=$1
		shift
		run "-$want" --separate-stderr "$@"
		echo "$* -> status $status, stderr: $stderr"
		[ "$status" -eq "$want" ]
		[ -z "$output" ]
		[ -n "$stderr" ]
	}
	fails 2 sc -vv --no-such-option
	fails 2 sc -vv -l 99999
	fails 2 sc -vv -n localhost 80
	fails 1 sc -vv -n 127.0.0.1 "$closed" </dev/null
	fails 1 sc -vv -zn 127.0.0.1 "$closed"
	fails 1 sc -vv -n -l -w 300ms 127.0.0.1 0 </dev/null
	fails 1 sc -vv -n -l 127.0.0.1 "$busy" </dev/null
	fails 1 sc -vv -U "$T/missing" </dev/null
	fails 1 sc -vv -lU "$T/regular" </dev/null
	fails 1 sc -vv -o "$T/no/dir/dump" -n 127.0.0.1 "$busy" </dev/null
	fails 1 sc -vv -n 127.0.0.1 "$(peer_port rst)" <"$T/big"
	fails 1 sc -vv -w 5 -x "127.0.0.1:$(peer_port px)" -X connect \
	    127.0.0.1 9 </dev/null
	fails 127 sc -vv -n 127.0.0.1 "$(peer_port silent)" \
	    -e "$T/no-such-program" </dev/null
}

@test "with -vv a listener's stdout holds exactly the bytes its clients sent" {
	bg lst "$SOCKCAT" -vv -n -k -l 0
	PORT=$(listen_port lst)
	run --separate-stderr sc -vv -n 127.0.0.1 "$PORT" <"$T/bytes256"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[[ $stderr == *" sent 256, rcvd 0" ]]
	run --separate-stderr sc -vv -n 127.0.0.1 "$PORT" <"$T/bytes256"
	[ "$status" -eq 0 ]
	wait_for 5 size_ge "$T/lst.out" 512
	cat "$T/bytes256" "$T/bytes256" | cmp - "$T/lst.out"
	wait_for 5 file_has "$T/lst.err" " sent 0, rcvd 256"
	[ "$(grep -c '^connect to \[' "$T/lst.err")" -eq 2 ]
}
