bats_require_minimum_version 1.5.0
load helpers/common
setup() { common_setup; }
teardown() { common_teardown; }

# unix.bats -- Unix-domain sockets (-U): stream connect and listen in both
# directions, the -v lines with [PATH], Linux abstract @names, datagram
# sockets (-U -u) with a temporary or a -s receive socket, the listener's
# hygiene (stale socket replaced; live listener, regular file and symbolic
# link refused and left alone), removal of the socket file on every exit,
# the umask, and the usage errors. Every socket lives in $T.

# start_unix NAME PATH ARGS...: run `sockcat -v ARGS... PATH` as job NAME and
# wait for its line "listening on [PATH] ...".
start_unix() {
	local name=$1 path=$2
	shift 2
	bg "$name" "$SOCKCAT" -v "$@" "$path"
	_wait_job "$name" 10 "its listening line" \
	    file_has "$T/$name.err" "listening on [$path] ..."
}

# to_file FILE CMD...: CMD with its stdout in FILE (binary-safe; for run).
to_file() {
	local file=$1
	shift
	"$@" >"$file"
}

# stale_socket PATH: a socket file at PATH that nobody listens on (bound,
# then closed without unlinking, as a listener that died leaves it).
stale_socket() {
	python3 -c 'import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1])
s.close()' "$1"
	[ -S "$1" ]
}

# err_lines NAME: the lines of job NAME's stderr into the array E.
err_lines() {
	mapfile -t E <"$T/$1.err"
}

# signal_removes_file SIG STATUS: a listener killed by SIG dies with STATUS
# and leaves no socket file behind.
signal_removes_file() {
	start_unix lst "$T/s" -lU
	[ -S "$T/s" ]
	kill "-$1" "$(bg_cmd_pid lst)"
	bg_wait lst
	[ ! -e "$T/s" ]
	[ "$BG_STATUS" -eq "$2" ]
}

@test "a Unix stream client sends all 256 byte values to the listener's stdout" {
	start_unix lst "$T/s" -lU
	run --separate-stderr sc -U "$T/s" <"$T/bytes256"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	bg_wait lst
	[ "$BG_STATUS" -eq 0 ]
	cmp "$T/bytes256" "$T/lst.out"
}

@test "a Unix stream listener sends 2 MiB while its client sends 256 bytes, both arrive intact" {
	make_big "$T/big" 2
	BG_STDIN=$T/big start_unix lst "$T/s" -lU
	run --separate-stderr to_file "$T/got" sc -U "$T/s" <"$T/bytes256"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	bg_wait lst
	[ "$BG_STATUS" -eq 0 ]
	cmp "$T/big" "$T/got"
	cmp "$T/bytes256" "$T/lst.out"
}

@test "a Unix stream client sends 2 MiB while the listener sends 256 bytes, both arrive intact" {
	make_big "$T/big" 2
	BG_STDIN=$T/bytes256 start_unix lst "$T/s" -lU
	run --separate-stderr to_file "$T/got" sc -U "$T/s" <"$T/big"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	bg_wait lst
	[ "$BG_STATUS" -eq 0 ]
	cmp "$T/bytes256" "$T/got"
	cmp "$T/big" "$T/lst.out"
}

@test "-v shows the socket path: listening on [PATH], connect to [PATH] from (UNKNOWN), (UNKNOWN) [PATH] open" {
	start_unix lst "$T/s" -lU
	run --separate-stderr sc -v -U "$T/s" <<<"hello"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ "$stderr" = "(UNKNOWN) [$T/s] open" ]
	bg_wait lst
	[ "$BG_STATUS" -eq 0 ]
	err_lines lst
	[ "${#E[@]}" -eq 2 ]
	[ "${E[0]}" = "listening on [$T/s] ..." ]
	[ "${E[1]}" = "connect to [$T/s] from (UNKNOWN)" ]
	[ "$(<"$T/lst.out")" = hello ]
}

@test "an abstract @name carries data and creates no file" {
	local name=@sockcat-bats-$$-$BATS_TEST_NUMBER-$RANDOM
	cd "$T"
	start_unix lst "$name" -lU
	grep -qF " $name" /proc/net/unix
	run --separate-stderr sc -v -U "$name" <<<"abstract"
	[ "$status" -eq 0 ]
	[ "$stderr" = "(UNKNOWN) [$name] open" ]
	bg_wait lst
	[ "$BG_STATUS" -eq 0 ]
	[ "$(<"$T/lst.out")" = abstract ]
	err_lines lst
	[ "${E[1]}" = "connect to [$name] from (UNKNOWN)" ]
	run compgen -G "$T/@*"
	[ "$status" -ne 0 ]
	[ ! -e "${name#@}" ]
}

@test "a Unix datagram client gets the listener's reply on a temporary socket in a private folder, gone afterwards" {
	mkdir "$T/tmp"
	pipe_open lst
	start_unix lst "$T/d" -lUu -q 1
	pipe_open cli
	TMPDIR=$T/tmp bg cli "$SOCKCAT" -v -Uu -W 1 "$T/d"
	pipe_write cli $'ping\n'
	wait_for 5 file_has "$T/lst.err" "connect to [$T/d] from (UNKNOWN) ["
	err_lines lst
	[[ ${E[1]} == "connect to [$T/d] from (UNKNOWN) [$T/tmp/sockcat."??????"/s]" ]]
	local sock=${E[1]##*from (UNKNOWN) [}
	sock=${sock%]}
	[ -S "$sock" ]
	[ "$(stat -c %A "${sock%/s}")" = drwx------ ]
	pipe_write lst $'pong\n'
	bg_wait cli
	[ "$BG_STATUS" -eq 0 ]
	[ "$(<"$T/cli.out")" = pong ]
	[[ $(<"$T/cli.err") == "(UNKNOWN) [$T/d] open"* ]]
	run ls -A "$T/tmp"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	pipe_close lst
	bg_wait lst
	[ "$BG_STATUS" -eq 0 ]
	[ "$(<"$T/lst.out")" = ping ]
	[ ! -e "$T/d" ]
}

@test "a Unix datagram client with -s PATH receives on that socket and removes it" {
	mkdir "$T/tmp"
	printf 'pong\n' >"$T/pong"
	BG_STDIN=$T/pong start_unix lst "$T/d" -lUu -q 1
	run --separate-stderr env TMPDIR="$T/tmp" timeout -k 2 10 \
	    "$SOCKCAT" -Uu -W 1 -s "$T/c" "$T/d" <<<"ping"
	[ "$status" -eq 0 ]
	[ "$output" = pong ]
	bg_wait lst
	[ "$BG_STATUS" -eq 0 ]
	[ "$(<"$T/lst.out")" = ping ]
	err_lines lst
	[ "${E[1]}" = "connect to [$T/d] from (UNKNOWN) [$T/c]" ]
	[ ! -e "$T/c" ]
	run ls -A "$T/tmp"
	[ -z "$output" ]
}

@test "a stale socket file at the path is replaced and the listener serves a client" {
	stale_socket "$T/s"
	run --separate-stderr sc -U "$T/s" </dev/null
	[ "$status" -eq 1 ]
	[ "$stderr" = "sockcat: connect to $T/s: Connection refused" ]
	start_unix lst "$T/s" -lU
	run --separate-stderr sc -U "$T/s" <<<"fresh"
	[ "$status" -eq 0 ]
	bg_wait lst
	[ "$BG_STATUS" -eq 0 ]
	[ "$(<"$T/lst.out")" = fresh ]
	[ ! -e "$T/s" ]
}

@test "a second listener on a live listener's path exits 1 naming the path, and the -k listener keeps serving" {
	start_unix lst "$T/s" -k -lU
	run --separate-stderr sc -lU "$T/s" </dev/null
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ "$stderr" = "sockcat: listen on $T/s: another process is listening there" ]
	[ -S "$T/s" ]
	run --separate-stderr sc -U "$T/s" <<<"still here"
	[ "$status" -eq 0 ]
	wait_for 5 file_has "$T/lst.out" "still here"
	running lst
}

@test "a one-shot listener is not used up by another listener's probe of its path" {
	start_unix lst "$T/s" -lU
	run --separate-stderr sc -lU "$T/s" </dev/null
	[ "$status" -eq 1 ]
	[ "$stderr" = "sockcat: listen on $T/s: another process is listening there" ]
	# The probe must leave the first listener waiting for its real client.
	running lst
	[ -S "$T/s" ]
	run --separate-stderr sc -U "$T/s" <<<"real client"
	[ "$status" -eq 0 ]
	bg_wait lst
	[ "$BG_STATUS" -eq 0 ]
	[ "$(<"$T/lst.out")" = "real client" ]
}

@test "a regular file at the path is refused with exit 1 and kept unchanged" {
	printf 'precious\n' >"$T/f"
	cp "$T/f" "$T/f.orig"
	run --separate-stderr sc -v -lU "$T/f" </dev/null
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ "$stderr" = "sockcat: listen on $T/f: the path exists and is not a socket; not removing it" ]
	[ -f "$T/f" ]
	cmp "$T/f.orig" "$T/f"
}

@test "a symbolic link at the path is refused, and neither the link nor its target (a stale socket) is removed" {
	stale_socket "$T/target"
	ln -s target "$T/link"
	run --separate-stderr sc -lU "$T/link" </dev/null
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ "$stderr" = "sockcat: listen on $T/link: the path exists and is not a socket; not removing it" ]
	[ -L "$T/link" ]
	[ "$(readlink "$T/link")" = target ]
	[ -S "$T/target" ]
}

@test "the listener removes its socket file when its session ends" {
	start_unix lst "$T/s" -lU
	[ -S "$T/s" ]
	run --separate-stderr sc -U "$T/s" <<<"bye"
	[ "$status" -eq 0 ]
	bg_wait lst
	[ "$BG_STATUS" -eq 0 ]
	[ ! -e "$T/s" ]
}

@test "the listener removes its socket file on SIGINT and dies by it (130)" {
	signal_removes_file INT 130
}

@test "the listener removes its socket file on SIGTERM and dies by it (143)" {
	signal_removes_file TERM 143
}

@test "the listener removes its socket file on SIGHUP and dies by it (129)" {
	signal_removes_file HUP 129
}

@test "the socket file gets the caller's umask: 077 gives srwx------, 027 gives srwxr-x---" {
	umask 077
	start_unix a "$T/a" -lU
	umask 027
	start_unix b "$T/b" -lU
	[ "$(stat -c %A "$T/a")" = srwx------ ]
	[ "$(stat -c %A "$T/b")" = srwxr-x--- ]
}

@test "connecting to a missing path exits 1 naming the path" {
	run --separate-stderr sc -U "$T/none" </dev/null
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ "$stderr" = "sockcat: connect to $T/none: No such file or directory" ]
}

@test "-U with -p, -4 or -z is a usage error (exit 2), and a listener creates no socket" {
	local opt
	for opt in "-p 7" -4 -z; do
		# shellcheck disable=SC2086  # "-p 7" is two words
		run --separate-stderr sc -U $opt "$T/s" </dev/null
		[ "$status" -eq 2 ]
		[ -z "$output" ]
		[[ $stderr == "sockcat: option "*"-U"* ]]
	done
	run --separate-stderr sc -U -p 7 "$T/s" </dev/null
	[ "$stderr" = "sockcat: option -U conflicts with -4, -6, -p, -r, -b, -M, -m and -T: a Unix socket has no IP" ]
	run --separate-stderr sc -l -U -4 "$T/s" </dev/null
	[ "$status" -eq 2 ]
	[ ! -e "$T/s" ]
}

@test "-U without a path is a usage error (exit 2)" {
	run --separate-stderr sc -U </dev/null
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	[ "$stderr" = "sockcat: missing socket path for -U" ]
}

@test "-s with -U but without -u is a usage error (exit 2)" {
	run --separate-stderr sc -U -s "$T/c" "$T/s" </dev/null
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	[ "$stderr" = "sockcat: option -s with -U needs -u: it names the local datagram socket" ]
	[ ! -e "$T/c" ]
}

# serves_at NAME PATH TEXT: a client sends TEXT to PATH, and the -k
# listener NAME writes it out.
serves_at() {
	run --separate-stderr sc -U "$2" <<<"$3"
	[ "$status" -eq 0 ]
	wait_for 5 file_has "$T/$1.out" "$3"
}

@test "a listener killed by SIGTERM leaves alone a new listener's socket that replaced its own at the path" {
	start_unix a "$T/s" -k -lU
	rm "$T/s"
	start_unix b "$T/s" -k -lU
	kill -TERM "$(bg_cmd_pid a)"
	bg_wait a
	[ "$BG_STATUS" -eq 143 ]
	[ -S "$T/s" ]
	serves_at b "$T/s" "b still serves"
}

@test "a listener whose session ends normally leaves alone a new listener's socket that replaced its own" {
	pipe_open cli
	start_unix a "$T/s" -lU
	bg cli "$SOCKCAT" -U "$T/s"
	wait_for 5 file_has "$T/a.err" "connect to [$T/s]"
	rm "$T/s"
	start_unix b "$T/s" -k -lU
	pipe_write cli "to a"
	pipe_close cli
	bg_wait a
	[ "$BG_STATUS" -eq 0 ]
	[ "$(<"$T/a.out")" = "to a" ]
	bg_wait cli
	[ "$BG_STATUS" -eq 0 ]
	[ -S "$T/s" ]
	serves_at b "$T/s" "b still serves"
}

@test "a listener leaves alone a regular file put at its path in place of its socket" {
	start_unix a "$T/s" -k -lU
	rm "$T/s"
	printf 'precious\n' >"$T/s"
	kill -TERM "$(bg_cmd_pid a)"
	bg_wait a
	[ "$BG_STATUS" -eq 143 ]
	[ -f "$T/s" ]
	[ "$(<"$T/s")" = precious ]
}
