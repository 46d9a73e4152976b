bats_require_minimum_version 1.5.0
load helpers/common
setup() { common_setup; }
teardown() { common_teardown; }

# tcp.bats -- connect mode over TCP: request and reply, byte-exact transfers
# (one way, the other, and full duplex), the -v/-vv lines, refused connects,
# trying every address of a name, IPv6, the source address and port (-s, -p,
# -r), -6 against an IPv4 address, and a peer that resets the connection.

# server NAME SUBCOMMAND ARGS...: start peer.py SUBCOMMAND on 127.0.0.1 (or
# the --host in ARGS) as job NAME and set PORT to its port.
server() {
	local name=$1
	shift
	bg "$name" python3 "$PEER" "$@" --port-file "$T/$name.port"
	PORT=$(peer_port "$name")
}

# hold_port NAME: a process binds 127.0.0.1 port 0 with SO_REUSEADDR and
# keeps it without listening, so nothing else takes the port: connecting to
# it is refused, and sockcat (which sets SO_REUSEADDR for -p) may bind it as
# a source port. Sets HELD to the port.
HOLD_PY='
import os, signal, socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0))
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write("%d\n" % s.getsockname()[1])
os.replace(sys.argv[1] + ".tmp", sys.argv[1])
signal.pause()
'
hold_port() {
	bg "$1" python3 -c "$HOLD_PY" "$T/$1.port"
	HELD=$(peer_port "$1")
}

# svc PORT: the service name sockcat shows for a TCP port, "?" if none.
svc() {
	local name
	name=$(getent services "$1/tcp" | awk '{ print $1; exit }') || true
	printf '%s\n' "${name:-?}"
}

# reset_message LINE: LINE is sockcat's report of a reset by the server on
# 127.0.0.1 port $PORT, met while writing or while reading.
reset_message() {
	local at="127\\.0\\.0\\.1 port $PORT"
	local re="^sockcat: (write to $at: (Broken pipe|Connection reset by peer)|read from $at: Connection reset by peer)\$"
	if ! [[ $1 =~ $re ]]; then
		printf 'not a reset message: %q\n' "$1" >&2
		return 1
	fi
}

# to_file FILE CMD...: CMD with its stdout in FILE (binary-safe; for run).
to_file() {
	local file=$1
	shift
	"$@" >"$file"
}

# A getaddrinfo(3) that resolves "localhost" to ::1 first, then 127.0.0.1,
# as on hosts whose /etc/hosts has both; other names go to the real one.
SHIM_C='
#define _GNU_SOURCE
#include <dlfcn.h>
#include <netdb.h>
#include <string.h>

typedef int (*gai_fn)(const char *, const char *, const struct addrinfo *,
    struct addrinfo **);

int
getaddrinfo(const char *node, const char *service,
    const struct addrinfo *hints, struct addrinfo **res)
{
	gai_fn real = (gai_fn)dlsym(RTLD_NEXT, "getaddrinfo");
	struct addrinfo h, *v6 = NULL, *v4 = NULL, *t;
	int r6, r4;

	if (node == NULL || strcmp(node, "localhost") != 0 ||
	    (hints != NULL && (hints->ai_flags & AI_NUMERICHOST)))
		return real(node, service, hints, res);
	memset(&h, 0, sizeof(h));
	if (hints != NULL)
		h = *hints;
	h.ai_flags |= AI_NUMERICHOST;
	r6 = real("::1", service, &h, &v6);
	r4 = real("127.0.0.1", service, &h, &v4);
	if (r6 != 0) {
		*res = v4;
		return r4;
	}
	for (t = v6; t->ai_next != NULL; t = t->ai_next)
		;
	t->ai_next = r4 == 0 ? v4 : NULL;
	*res = v6;
	return 0;
}
'

@test "a request gets the server's reply on stdout and sockcat exits 0" {
	server srv eof-reply --save "$T/srv.save"
	run --separate-stderr timeout 10 "$SOCKCAT" 127.0.0.1 "$PORT" \
	    <<<"hello world"
	[ "$status" -eq 0 ]
	[ "$output" = "got 12 bytes" ]
	[ -z "$stderr" ]
	bg_wait srv
	[ "$BG_STATUS" -eq 0 ]
	printf 'hello world\n' | cmp - "$T/srv.save"
}

@test "4 MiB from stdin reach the server byte for byte" {
	make_big "$T/big" 4
	server srv sink --save "$T/srv.save"
	run --separate-stderr timeout 30 "$SOCKCAT" 127.0.0.1 "$PORT" <"$T/big"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ -z "$stderr" ]
	bg_wait srv
	[ "$BG_STATUS" -eq 0 ]
	cmp "$T/big" "$T/srv.save"
}

@test "4 MiB from the server reach stdout byte for byte" {
	make_big "$T/big" 4
	server srv source --file "$T/big"
	run --separate-stderr to_file "$T/got" \
	    timeout 30 "$SOCKCAT" 127.0.0.1 "$PORT" </dev/null
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	cmp "$T/big" "$T/got"
	bg_wait srv
	[ "$BG_STATUS" -eq 0 ]
}

@test "a sockcat listener and client exchange 8 MiB each way at once, byte for byte" {
	make_big "$T/a" 8
	make_big "$T/b" 8
	BG_STDIN=$T/a bg lst "$SOCKCAT" -nvl 127.0.0.1 0
	PORT=$(listen_port lst)
	BG_STDIN=$T/b bg cli "$SOCKCAT" -n 127.0.0.1 "$PORT"
	bg_wait cli 30
	[ "$BG_STATUS" -eq 0 ]
	bg_wait lst 30
	[ "$BG_STATUS" -eq 0 ]
	cmp "$T/b" "$T/lst.out"
	cmp "$T/a" "$T/cli.out"
	[ ! -s "$T/cli.err" ]
}

@test "all 256 byte values round-trip through an echo server" {
	server srv echo --save "$T/srv.save"
	run --separate-stderr to_file "$T/got" \
	    timeout 10 "$SOCKCAT" 127.0.0.1 "$PORT" <"$T/bytes256"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	cmp "$T/bytes256" "$T/srv.save"
	cmp "$T/bytes256" "$T/got"
}

@test "a refused connect exits 1 with one line naming host, port and reason" {
	hold_port closed
	run --separate-stderr timeout 10 "$SOCKCAT" 127.0.0.1 "$HELD" </dev/null
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ "$stderr" = "sockcat: connect to 127.0.0.1 port $HELD: Connection refused" ]
}

@test "with -nv a refused connect prints netcat-traditional's line instead" {
	hold_port closed
	run --separate-stderr timeout 10 "$SOCKCAT" -nv 127.0.0.1 "$HELD" </dev/null
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ "$stderr" = "(UNKNOWN) [127.0.0.1] $HELD ($(svc "$HELD")) : Connection refused" ]
}

@test "-vv adds a sent 0, rcvd 0 summary to a refused connect" {
	hold_port closed
	run --separate-stderr timeout 10 "$SOCKCAT" -nvv 127.0.0.1 "$HELD" </dev/null
	[ "$status" -eq 1 ]
	[ "${#stderr_lines[@]}" -eq 2 ]
	[ "${stderr_lines[0]}" = "(UNKNOWN) [127.0.0.1] $HELD ($(svc "$HELD")) : Connection refused" ]
	[ "${stderr_lines[1]}" = " sent 0, rcvd 0" ]
}

@test "-vv reports the bytes sent and received at exit" {
	server srv eof-reply
	run --separate-stderr timeout 10 "$SOCKCAT" -nvv 127.0.0.1 "$PORT" \
	    <<<"hello world"
	[ "$status" -eq 0 ]
	[ "$output" = "got 12 bytes" ]
	[ "${#stderr_lines[@]}" -eq 2 ]
	[ "${stderr_lines[0]}" = "(UNKNOWN) [127.0.0.1] $PORT ($(svc "$PORT")) open" ]
	# 12 bytes of request; the reply "got 12 bytes\n" is 13.
	[ "${stderr_lines[1]}" = " sent 12, rcvd 13" ]
}

@test "-vv counts every byte of a 4 MiB transfer" {
	make_big "$T/big" 4
	server srv eof-reply
	run --separate-stderr timeout 30 "$SOCKCAT" -nvv 127.0.0.1 "$PORT" \
	    <"$T/big"
	[ "$status" -eq 0 ]
	[ "$output" = "got 4194304 bytes" ]
	[ "${stderr_lines[1]}" = " sent 4194304, rcvd 18" ]
}

@test "-v names 127.0.0.1 by its reverse lookup: localhost [127.0.0.1] PORT (?) open" {
	# An empty stdin sends no FIN (no request, no FIN): the server closes.
	server srv banner --text 'hi\n'
	run --separate-stderr timeout 10 "$SOCKCAT" -v 127.0.0.1 "$PORT" \
	    </dev/null
	[ "$status" -eq 0 ]
	[ "$output" = "hi" ]
	[ "$stderr" = "localhost [127.0.0.1] $PORT ($(svc "$PORT")) open" ]
}

@test "-nv names the host (UNKNOWN) and looks nothing up" {
	server srv banner --text 'hi\n'
	run --separate-stderr timeout 10 "$SOCKCAT" -nv 127.0.0.1 "$PORT" \
	    </dev/null
	[ "$status" -eq 0 ]
	[ "$output" = "hi" ]
	[ "$stderr" = "(UNKNOWN) [127.0.0.1] $PORT ($(svc "$PORT")) open" ]
}

@test "connecting to localhost by name reaches a server on 127.0.0.1 and shows the name as typed" {
	server srv eof-reply
	run --separate-stderr timeout 10 "$SOCKCAT" -v localhost "$PORT" \
	    <<<"by name"
	[ "$status" -eq 0 ]
	[ "$output" = "got 8 bytes" ]
	[ "$stderr" = "localhost [127.0.0.1] $PORT ($(svc "$PORT")) open" ]
}

@test "a name with several addresses is tried address by address: ::1 refused, then 127.0.0.1" {
	command -v cc >/dev/null || skip "no C compiler for the getaddrinfo shim"
	printf '%s' "$SHIM_C" >"$T/shim.c"
	cc -shared -fPIC -o "$T/shim.so" "$T/shim.c" -ldl
	# The shim works: localhost now resolves to ::1 first.
	run env LD_PRELOAD="$T/shim.so" python3 -c \
	    'import socket; print(socket.getaddrinfo("localhost", 1, type=socket.SOCK_STREAM)[0][4][0])'
	[ "$output" = "::1" ]
	server srv eof-reply
	run --separate-stderr env LD_PRELOAD="$T/shim.so" \
	    timeout 10 "$SOCKCAT" -v localhost "$PORT" <<<"second try"
	[ "$status" -eq 0 ]
	[ "$output" = "got 11 bytes" ]
	[ "${#stderr_lines[@]}" -eq 2 ]
	[ "${stderr_lines[0]}" = "localhost [::1] $PORT ($(svc "$PORT")) : Connection refused" ]
	[ "${stderr_lines[1]}" = "localhost [127.0.0.1] $PORT ($(svc "$PORT")) open" ]
}

@test "connects over IPv6 to a server on ::1" {
	server srv eof-reply --host ::1 --save "$T/srv.save"
	run --separate-stderr timeout 10 "$SOCKCAT" -nv ::1 "$PORT" <<<"six"
	[ "$status" -eq 0 ]
	[ "$output" = "got 4 bytes" ]
	[ "$stderr" = "(UNKNOWN) [::1] $PORT ($(svc "$PORT")) open" ]
	printf 'six\n' | cmp - "$T/srv.save"
}

@test "-s 127.0.0.1 -p PORT make the connection come from that address and port" {
	hold_port src
	bg lst "$SOCKCAT" -nvl 127.0.0.1 0
	PORT=$(listen_port lst)
	run --separate-stderr timeout 10 "$SOCKCAT" -s 127.0.0.1 -p "$HELD" \
	    127.0.0.1 "$PORT" <<<"sourced"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	bg_wait lst
	[ "$BG_STATUS" -eq 0 ]
	mapfile -t E <"$T/lst.err"
	[ "${E[1]}" = "connect to [127.0.0.1] from (UNKNOWN) [127.0.0.1] $HELD" ]
	printf 'sourced\n' | cmp - "$T/lst.out"
}

@test "-p PORT alone sets the source port" {
	hold_port src
	bg lst "$SOCKCAT" -nvl 0
	PORT=$(listen_port lst)
	run --separate-stderr timeout 10 "$SOCKCAT" -p "$HELD" \
	    127.0.0.1 "$PORT" <<<"port only"
	[ "$status" -eq 0 ]
	bg_wait lst
	[ "$BG_STATUS" -eq 0 ]
	mapfile -t E <"$T/lst.err"
	[ "${E[1]}" = "connect to [127.0.0.1] from (UNKNOWN) [127.0.0.1] $HELD" ]
}

@test "-r connects from a source port of 1024 or above" {
	bg lst "$SOCKCAT" -nvl 127.0.0.1 0
	PORT=$(listen_port lst)
	run --separate-stderr timeout 10 "$SOCKCAT" -r 127.0.0.1 "$PORT" \
	    <<<"random"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	bg_wait lst
	[ "$BG_STATUS" -eq 0 ]
	mapfile -t E <"$T/lst.err"
	[[ ${E[1]} =~ ^connect\ to\ \[127\.0\.0\.1\]\ from\ \(UNKNOWN\)\ \[127\.0\.0\.1\]\ ([0-9]+)$ ]]
	((BASH_REMATCH[1] >= 1024 && BASH_REMATCH[1] <= 65535))
	printf 'random\n' | cmp - "$T/lst.out"
}

@test "-6 will not connect to an IPv4 address: exit 1, and the server sees nobody" {
	server srv eof-reply
	run --separate-stderr timeout 10 "$SOCKCAT" -6 127.0.0.1 "$PORT" </dev/null
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ "${#stderr_lines[@]}" -eq 1 ]
	[[ $stderr == 'sockcat: '*'"127.0.0.1"'* ]]
	# The one-shot server is still waiting for its first client.
	run --separate-stderr timeout 10 "$SOCKCAT" 127.0.0.1 "$PORT" <<<"x"
	[ "$status" -eq 0 ]
	[ "$output" = "got 2 bytes" ]
}

@test "-4 will not connect to an IPv6 address: exit 1" {
	server srv eof-reply --host ::1
	run --separate-stderr timeout 10 "$SOCKCAT" -4 ::1 "$PORT" </dev/null
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ "${#stderr_lines[@]}" -eq 1 ]
	[[ $stderr == 'sockcat: '*'"::1"'* ]]
	run --separate-stderr timeout 10 "$SOCKCAT" ::1 "$PORT" <<<"x"
	[ "$status" -eq 0 ]
	[ "$output" = "got 2 bytes" ]
}

@test "a peer reset while sending ends sockcat with exit 1 and one message, without hanging" {
	make_big "$T/big" 4
	server srv reset --after 1
	run --separate-stderr timeout 15 "$SOCKCAT" 127.0.0.1 "$PORT" <"$T/big"
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ "${#stderr_lines[@]}" -eq 1 ]
	reset_message "$stderr"
}

@test "with -v a peer reset also reports how much of stdin was never sent" {
	server srv reset --after 1
	# stdin that never ends: there is always more to send.
	run --separate-stderr timeout 15 "$SOCKCAT" -nv 127.0.0.1 "$PORT" </dev/zero
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ "${#stderr_lines[@]}" -eq 3 ]
	[ "${stderr_lines[0]}" = "(UNKNOWN) [127.0.0.1] $PORT ($(svc "$PORT")) open" ]
	reset_message "${stderr_lines[1]}"
	[[ ${stderr_lines[2]} =~ ^sockcat:\ ([0-9]+)\ bytes\ from\ stdin\ not\ sent,\ and\ stdin\ was\ not\ read\ to\ its\ end$ ]]
	((BASH_REMATCH[1] > 0))
}

@test "a peer reset while waiting for a reply ends sockcat with exit 1 and the read error" {
	pipe_open cli
	server srv reset --after 5
	bg cli "$SOCKCAT" 127.0.0.1 "$PORT"
	pipe_write cli 'hello'
	bg_wait cli 10
	[ "$BG_STATUS" -eq 1 ]
	[ ! -s "$T/cli.out" ]
	[ "$(cat "$T/cli.err")" = "sockcat: read from 127.0.0.1 port $PORT: Connection reset by peer" ]
}

# closed_std REDIR ARGS...: run `sockcat ARGS` with REDIR (">&-", "2>&-",
# "<&-") closing one of its standard descriptors (for run).
closed_std() {
	local redir=$1
	shift
	case $redir in
	">&-") timeout 10 bash -c 'exec "$0" "$@" >&-' "$SOCKCAT" "$@" ;;
	"2>&-") timeout 10 bash -c 'exec "$0" "$@" 2>&-' "$SOCKCAT" "$@" ;;
	"<&-") timeout 10 bash -c 'exec "$0" "$@" <&-' "$SOCKCAT" "$@" ;;
	esac
}

# hello_server: a sockcat listener that sends "hello", half-closes and
# writes what it receives to $T/srv.out. Sets PORT.
hello_server() {
	printf 'hello\n' >"$T/srv.in"
	bg srv "$SOCKCAT" -nvl 127.0.0.1 0
	PORT=$(listen_port srv)
}

@test "with stdout closed (>&-) the server's data is discarded, not sent back to the server" {
	hello_server
	run --separate-stderr closed_std ">&-" -d -n 127.0.0.1 "$PORT" </dev/null
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	bg_wait srv
	[ "$BG_STATUS" -eq 0 ]
	[ ! -s "$T/srv.out" ]
}

@test "with stderr closed (2>&-) the -v lines are not sent to the peer" {
	hello_server
	run --separate-stderr closed_std "2>&-" -vv -d -n 127.0.0.1 "$PORT" \
	    </dev/null
	[ "$status" -eq 0 ]
	[ "$output" = hello ]
	bg_wait srv
	[ "$BG_STATUS" -eq 0 ]
	[ ! -s "$T/srv.out" ]
}

@test "with stdin closed (<&-) stdin is empty: all of the server's data reaches stdout and none goes back" {
	make_big "$T/big" 4
	BG_STDIN=$T/big bg srv "$SOCKCAT" -nvl 127.0.0.1 0
	PORT=$(listen_port srv)
	run --separate-stderr to_file "$T/got" closed_std "<&-" -n 127.0.0.1 \
	    "$PORT"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	cmp "$T/big" "$T/got"
	bg_wait srv
	[ "$BG_STATUS" -eq 0 ]
	[ ! -s "$T/srv.out" ]
}
