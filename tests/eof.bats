bats_require_minimum_version 1.5.0
load helpers/common
setup() { common_setup; }
teardown() { common_teardown; }

# eof.bats -- the end-of-stream rules of CLI.md and the exit statuses that go
# with them: half-close, network EOF, -q, -w, -W, -d, stdout closing, resets,
# signals, and an idle sockcat that sleeps.

# A TCP server for the cases peer.py lacks. Listens on 127.0.0.1 port 0 and
# writes the port to PORTFILE; a 25 s watchdog ends it.
#   hold PORTFILE EOFFILE             read to EOF, write the byte count to
#                                     EOFFILE, then keep the connection open
#   late-reply PORTFILE EOFFILE SECS TEXT
#                                     read to EOF, write the count, wait SECS,
#                                     send TEXT and close
#   stall PORTFILE                    read nothing, hold the connection open
#   probe PORTFILE EOFFILE            read for up to 1 s or to EOF, write
#                                     "fin N" or "nofin N" (N bytes read) to
#                                     EOFFILE, then send "bye" and close
#   stall-reset PORTFILE              read 1 byte, stop reading for 1 s (the
#                                     client's buffers fill up), then close
#                                     with a RST
SRV_PY='
import os, signal, socket, struct, sys, time
signal.alarm(25)
mode, port_file = sys.argv[1], sys.argv[2]
def atomic(path, text):
    with open(path + ".tmp", "w") as f:
        f.write(text)
    os.replace(path + ".tmp", path)
lsock = socket.socket()
if mode in ("stall", "stall-reset"):
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
lsock.bind(("127.0.0.1", 0))
lsock.listen(1)
atomic(port_file, "%d\n" % lsock.getsockname()[1])
conn, _ = lsock.accept()
lsock.close()
if mode == "stall":
    time.sleep(25)
    sys.exit(0)
if mode == "probe":
    # The FIN of a client that sends one comes at once; 1 s is plenty.
    n, fin, end = 0, False, time.monotonic() + 1
    while not fin and time.monotonic() < end:
        conn.settimeout(max(end - time.monotonic(), 0.01))
        try:
            data = conn.recv(65536)
        except socket.timeout:
            break
        fin = not data
        n += len(data)
    atomic(sys.argv[3], "%s %d\n" % ("fin" if fin else "nofin", n))
    conn.sendall(b"bye\n")
    conn.close()
    sys.exit(0)
if mode == "stall-reset":
    conn.recv(1)
    time.sleep(1)
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()
    sys.exit(0)
n = 0
while True:
    data = conn.recv(65536)
    if not data:
        break
    n += len(data)
atomic(sys.argv[3], "%d\n" % n)
if mode == "hold":
    time.sleep(25)
else:
    time.sleep(float(sys.argv[4]))
    conn.sendall(sys.argv[5].encode())
    conn.close()
'

# A client that sends FILE to 127.0.0.1 PORT and closes, but, as
# netcat-traditional and busybox nc do, ends at once when the server's FIN
# comes: a receiver that sends a FIN before it is done cuts the file short.
#   python3 -c "$QUITTER_PY" PORT FILE
QUITTER_PY='
import select, signal, socket, sys
signal.alarm(25)
data = open(sys.argv[2], "rb").read()
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.setblocking(False)
sent = 0
while sent < len(data):
    r, w, _ = select.select([s], [s], [])
    if r and not s.recv(65536):
        sys.exit(0)
    if w:
        try:
            sent += s.send(data[sent:sent + 65536])
        except BlockingIOError:
            pass
s.close()
'

# server NAME SUBCOMMAND ARGS...: start peer.py SUBCOMMAND as job NAME and set
# PORT to its port.
server() {
	local name=$1
	shift
	bg "$name" python3 "$PEER" "$@" --port-file "$T/$name.port"
	PORT=$(peer_port "$name")
}

# pyserver NAME MODE ARGS...: start SRV_PY in MODE as job NAME; set PORT.
pyserver() {
	local name=$1 mode=$2
	shift 2
	bg "$name" python3 -c "$SRV_PY" "$mode" "$T/$name.port" "$@"
	PORT=$(peer_port "$name")
}

# sc ARGS...: sockcat under a 10 s timeout, for `run`.
sc() {
	timeout -k 2 10 "$SOCKCAT" "$@"
}

# now_ms: milliseconds since the epoch.
now_ms() {
	local t=${EPOCHREALTIME//[!0-9]/}
	echo $((10#$t / 1000))
}

# stdout_gone NAME: sockcat's stdout (job NAME) has been replaced by /dev/null.
stdout_gone() {
	local pid
	pid=$(bg_cmd_pid "$1") || return 1
	[[ $(readlink "/proc/$pid/fd/1") == /dev/null ]]
}

# --- rule 1: stdin EOF -------------------------------------------------------

@test "stdin EOF half-closes the connection, so a server that answers at EOF gets to answer" {
	server srv eof-reply --save "$T/srv.got"
	printf req >"$T/req"
	run --separate-stderr sc 127.0.0.1 "$PORT" <"$T/req"
	[ "$status" -eq 0 ]
	[ "$output" = "got 3 bytes" ]
	[ "$stderr" = "" ]
	bg_wait srv
	[ "$BG_STATUS" -eq 0 ]
	cmp "$T/req" "$T/srv.got"
}

@test "no request, no FIN: an empty stdin (/dev/null) sends no FIN, and the session ends when the server closes" {
	pyserver srv probe "$T/srv.eof"
	run --separate-stderr sc 127.0.0.1 "$PORT" </dev/null
	[ "$status" -eq 0 ]
	[ "$output" = "bye" ]
	[ "$stderr" = "" ]
	[ "$(cat "$T/srv.eof")" = "nofin 0" ]
}

@test "no request, no FIN: an empty pipe (splice), an empty file (sendfile) and --no-splice send no FIN either" {
	: >"$T/empty"
	pyserver srv probe "$T/srv.eof"
	run --separate-stderr bash -c ': | timeout 10 "$SOCKCAT" 127.0.0.1 "$1"' \
	    _ "$PORT"
	[ "$status" -eq 0 ]
	[ "$output" = "bye" ]
	[ "$(cat "$T/srv.eof")" = "nofin 0" ]
	bg_wait srv
	pyserver srv2 probe "$T/srv2.eof"
	run --separate-stderr sc 127.0.0.1 "$PORT" <"$T/empty"
	[ "$status" -eq 0 ]
	[ "$output" = "bye" ]
	[ "$(cat "$T/srv2.eof")" = "nofin 0" ]
	bg_wait srv2
	pyserver srv3 probe "$T/srv3.eof"
	run --separate-stderr sc --no-splice 127.0.0.1 "$PORT" <"$T/empty"
	[ "$status" -eq 0 ]
	[ "$output" = "bye" ]
	[ "$(cat "$T/srv3.eof")" = "nofin 0" ]
}

@test "a request that was sent is still followed by a FIN, from a pipe, a file and with --no-splice" {
	printf 'PING\r\n' >"$T/req"
	pyserver srv probe "$T/srv.eof"
	run --separate-stderr bash -c \
	    'printf "PING\r\n" | timeout 10 "$SOCKCAT" 127.0.0.1 "$1"' _ "$PORT"
	[ "$status" -eq 0 ]
	[ "$output" = "bye" ]
	[ "$(cat "$T/srv.eof")" = "fin 6" ]
	bg_wait srv
	pyserver srv2 probe "$T/srv2.eof"
	run --separate-stderr sc 127.0.0.1 "$PORT" <"$T/req"
	[ "$status" -eq 0 ]
	[ "$(cat "$T/srv2.eof")" = "fin 6" ]
	bg_wait srv2
	pyserver srv3 probe "$T/srv3.eof"
	run --separate-stderr sc --no-splice 127.0.0.1 "$PORT" <"$T/req"
	[ "$status" -eq 0 ]
	[ "$(cat "$T/srv3.eof")" = "fin 6" ]
}

@test "-q 1 still bounds the wait after an empty stdin's EOF: a silent server that never closes is left after about a second" {
	pyserver srv stall
	start=$(now_ms)
	run --separate-stderr sc -q 1 127.0.0.1 "$PORT" </dev/null
	elapsed=$(($(now_ms) - start))
	[ "$status" -eq 0 ]
	[ "$output" = "" ]
	[ "$stderr" = "" ]
	((elapsed >= 900 && elapsed < 3000))
}

@test "sockcat -d -l receives a whole file from a sender that stops at the receiver's FIN" {
	make_big "$T/big" 8
	bg rx "$SOCKCAT" -v -d -l 127.0.0.1 0
	PORT=$(listen_port rx)
	run timeout 20 python3 -c "$QUITTER_PY" "$PORT" "$T/big"
	[ "$status" -eq 0 ]
	bg_wait rx 20
	[ "$BG_STATUS" -eq 0 ]
	cmp "$T/big" "$T/rx.out"
}

@test "sockcat -l with an empty stdin receives a whole file from a sender that stops at the receiver's FIN" {
	make_big "$T/big" 8
	bg rx "$SOCKCAT" -v -l 127.0.0.1 0
	PORT=$(listen_port rx)
	run timeout 20 python3 -c "$QUITTER_PY" "$PORT" "$T/big"
	[ "$status" -eq 0 ]
	bg_wait rx 20
	[ "$BG_STATUS" -eq 0 ]
	cmp "$T/big" "$T/rx.out"
}

@test "-N is accepted and half-closes on stdin EOF like the default" {
	server srv eof-reply
	run --separate-stderr sc -N 127.0.0.1 "$PORT" < <(printf req)
	[ "$status" -eq 0 ]
	[ "$output" = "got 3 bytes" ]
	[ "$stderr" = "" ]
}

@test "--no-shutdown keeps the write side open: the server never sees EOF and sockcat keeps waiting" {
	server srv eof-reply --save "$T/srv.got"
	printf req >"$T/sc.in"
	bg sc "$SOCKCAT" --no-shutdown 127.0.0.1 "$PORT"
	wait_for 5 size_ge "$T/srv.got" 3
	# Proving that something does not happen: a FIN would end both at once.
	sleep 1
	running sc
	running srv
	[ ! -s "$T/sc.out" ]
}

@test "--no-shutdown with -q 1 ends one second after stdin EOF with status 0" {
	server srv eof-reply
	start=$(now_ms)
	run --separate-stderr sc --no-shutdown -q 1 127.0.0.1 "$PORT" < <(printf req)
	elapsed=$(($(now_ms) - start))
	[ "$status" -eq 0 ]
	[ "$output" = "" ]
	[ "$stderr" = "" ]
	((elapsed >= 900 && elapsed < 3000))
}

@test "--no-shutdown with -w 1 ends after one idle second with status 0" {
	server srv eof-reply
	start=$(now_ms)
	run --separate-stderr sc --no-shutdown -w 1 127.0.0.1 "$PORT" < <(printf req)
	elapsed=$(($(now_ms) - start))
	[ "$status" -eq 0 ]
	[ "$output" = "" ]
	[ "$stderr" = "" ]
	((elapsed >= 900 && elapsed < 3000))
}

# --- rule 2: network EOF -----------------------------------------------------

@test "after the peer half-closes, sockcat keeps sending the rest of stdin and ends when stdin ends" {
	make_big "$T/data" 1
	pipe_open sc
	server srv banner --text 'hello\n' --hold --save "$T/srv.got"
	bg sc "$SOCKCAT" 127.0.0.1 "$PORT"
	wait_for 5 file_has "$T/sc.out" hello
	wait_for 5 stdout_gone sc
	# Network EOF alone must not end the session while stdin is open.
	sleep 1
	running sc
	pipe_write sc <"$T/data"
	pipe_close sc
	bg_wait sc
	[ "$BG_STATUS" -eq 0 ]
	bg_wait srv
	[ "$BG_STATUS" -eq 0 ]
	cmp "$T/data" "$T/srv.got"
	[ "$(cat "$T/sc.out")" = hello ]
	[ ! -s "$T/sc.err" ]
}

@test "sockcat -l 0 < file serves the whole file to a client that half-closes at once" {
	make_big "$T/data" 4
	BG_STDIN=$T/data bg sc "$SOCKCAT" -nv -l 0
	port=$(listen_port sc)
	bg cli python3 "$PEER" client-halfclose --port "$port" --send '' \
	    --save "$T/cli.got"
	bg_wait cli
	[ "$BG_STATUS" -eq 0 ]
	bg_wait sc
	[ "$BG_STATUS" -eq 0 ]
	cmp "$T/data" "$T/cli.got"
	[ ! -s "$T/sc.out" ]
}

@test "sockcat -l 0 < file serves the whole file to a client that sends nothing and waits for EOF" {
	make_big "$T/data" 4
	BG_STDIN=$T/data bg sc "$SOCKCAT" -nv -l 0
	port=$(listen_port sc)
	bg cli python3 "$PEER" client-hold --port "$port" --save "$T/cli.got"
	bg_wait cli
	[ "$BG_STATUS" -eq 0 ]
	bg_wait sc
	[ "$BG_STATUS" -eq 0 ]
	cmp "$T/data" "$T/cli.got"
}

@test "network EOF ends the session at once when stdin is a terminal" {
	# script(1) gives sockcat a pty as stdin; script's own stdin is a pipe
	# that never ends, so the terminal never reports EOF.
	pipe_open tty
	server srv banner --text 'hello\n'
	start=$(now_ms)
	bg tty script -qec "$(printf '%q ' "$SOCKCAT" 127.0.0.1 "$PORT")" /dev/null
	bg_wait tty 5
	elapsed=$(($(now_ms) - start))
	[ "$BG_STATUS" -eq 0 ]
	((elapsed < 3000))
	grep -q '^hello' "$T/tty.out"
	run ! grep -q sockcat "$T/tty.out"
}

@test "network EOF ends the session with -d even though stdin is an open pipe" {
	pipe_open sc
	server srv banner --text 'hello\n'
	bg sc "$SOCKCAT" -d 127.0.0.1 "$PORT"
	bg_wait sc 5
	[ "$BG_STATUS" -eq 0 ]
	[ "$(cat "$T/sc.out")" = hello ]
	[ ! -s "$T/sc.err" ]
}

@test "network EOF does not end the session while stdin is an open pipe; closing stdin then ends it with status 0" {
	pipe_open sc
	server srv banner --text 'hello\n'
	bg sc "$SOCKCAT" 127.0.0.1 "$PORT"
	wait_for 5 file_has "$T/sc.out" hello
	bg_wait srv
	sleep 1
	running sc
	pipe_close sc
	bg_wait sc 5
	[ "$BG_STATUS" -eq 0 ]
	[ "$(cat "$T/sc.out")" = hello ]
	[ ! -s "$T/sc.err" ]
}

@test "-v says once that the peer closed and stdin is still being sent, and how to end at the peer's close" {
	pipe_open sc
	server srv banner --text 'hello\n' --hold --save "$T/srv.got"
	bg sc "$SOCKCAT" -nv 127.0.0.1 "$PORT"
	wait_for 5 file_has "$T/sc.err" "peer closed"
	pipe_write sc "more"
	wait_for 5 file_has "$T/srv.got" more
	running sc
	pipe_close sc
	bg_wait sc 5
	[ "$BG_STATUS" -eq 0 ]
	[ "$(cat "$T/sc.out")" = hello ]
	mapfile -t E <"$T/sc.err"
	[ "${#E[@]}" -eq 2 ]
	[ "${E[1]}" = "sockcat: peer closed; still sending stdin (use -d or --recv-only to end at the peer's close)" ]
}

@test "-v says nothing about waiting for stdin when stdin ended first or with -d" {
	# The server answers only after our FIN: stdin has ended by then.
	server srv eof-reply
	run --separate-stderr sc -nv 127.0.0.1 "$PORT" < <(printf req)
	[ "$status" -eq 0 ]
	[ "$output" = "got 3 bytes" ]
	[ "${#stderr_lines[@]}" -eq 1 ]
	pipe_open sc
	server srv2 banner --text 'hello\n'
	bg sc "$SOCKCAT" -nv -d 127.0.0.1 "$PORT"
	bg_wait sc 5
	[ "$BG_STATUS" -eq 0 ]
	run ! grep -q "peer closed" "$T/sc.err"
}

@test "stdout is closed once the network side has ended, while stdin is still being sent" {
	pipe_open sc
	server srv banner --text 'hello\n' --hold --save "$T/srv.got"
	# The reader downstream of sockcat writes a marker when it sees EOF.
	bg sc bash -c 'set -o pipefail
	    "$SOCKCAT" 127.0.0.1 "$1" |
	    { cat >"$2/down.out"; echo done >"$2/marker"; }' _ "$PORT" "$T"
	wait_for 5 test -s "$T/marker"
	[ "$(cat "$T/down.out")" = hello ]
	# sockcat is still there: what stdin gives now still reaches the server.
	pipe_write sc "rest of stdin"
	pipe_close sc
	bg_wait sc
	[ "$BG_STATUS" -eq 0 ]
	bg_wait srv
	[ "$BG_STATUS" -eq 0 ]
	[ "$(cat "$T/srv.got")" = "rest of stdin" ]
}

# --- rule 3: the peer is gone ------------------------------------------------

@test "a reset while stdin data is still to be sent exits 1 with one error line" {
	pyserver srv stall-reset
	run --separate-stderr timeout 10 bash -c \
	    'head -c 33554432 /dev/zero | "$SOCKCAT" 127.0.0.1 "$1"' _ "$PORT"
	[ "$status" -eq 1 ]
	[ "$output" = "" ]
	[[ $stderr =~ ^sockcat:\ (write\ to|read\ from)\ 127\.0\.0\.1\ port\ $PORT:\ (Broken\ pipe|Connection\ reset\ by\ peer)$ ]]
}

@test "-v: a reset while stdin data is still to be sent says how many bytes were not sent" {
	# --no-splice: the count is of bytes read into sockcat's buffer; the
	# zero-copy path holds none (see the next test).
	pyserver srv stall-reset
	run --separate-stderr timeout 10 bash -c \
	    'head -c 33554432 /dev/zero | "$SOCKCAT" --no-splice -nv 127.0.0.1 "$1"' _ "$PORT"
	[ "$status" -eq 1 ]
	[ "$output" = "" ]
	[ "${#stderr_lines[@]}" -eq 3 ]
	[[ ${stderr_lines[0]} == *" open" ]]
	[[ ${stderr_lines[1]} =~ ^sockcat:\ (write\ to|read\ from)\ 127\.0\.0\.1\ port\ $PORT:\ (Broken\ pipe|Connection\ reset\ by\ peer)$ ]]
	[[ ${stderr_lines[2]} =~ ^sockcat:\ ([0-9]+)\ bytes\ from\ stdin\ not\ sent,\ and\ stdin\ was\ not\ read\ to\ its\ end$ ]]
	((BASH_REMATCH[1] > 0))
}

@test "-v: with splice, a reset while stdin data is still to be sent says stdin was not read to its end" {
	pyserver srv stall-reset
	run --separate-stderr timeout 10 bash -c \
	    'head -c 33554432 /dev/zero | "$SOCKCAT" -nv 127.0.0.1 "$1"' _ "$PORT"
	[ "$status" -eq 1 ]
	[ "$output" = "" ]
	[[ ${stderr_lines[2]} =~ ^sockcat:\ [0-9]+\ bytes\ from\ stdin\ not\ sent,\ and\ stdin\ was\ not\ read\ to\ its\ end$ ]]
}

@test "-v: a reset right after connecting, with a file still being sent, always reports the bytes not sent" {
	# Whichever of recv() and send() meets the reset first, the count must
	# be there: repeat to catch both orders.  32 MiB: more than loopback's
	# socket buffers take, or sendfile could hand all of it to the kernel
	# before the reset, and then nothing would be unsent.
	make_big "$T/data" 32
	for i in 1 2 3 4 5; do
		server "srv$i" reset --after 1
		run --separate-stderr sc -v 127.0.0.1 "$PORT" <"$T/data"
		[ "$status" -eq 1 ]
		[ "$output" = "" ]
		grep -Eqx 'sockcat: [0-9]+ bytes from stdin not sent, and stdin was not read to its end' \
		    <<<"$stderr" || {
			echo "run $i: no count of unsent bytes in: $stderr" >&2
			return 1
		}
	done
}

@test "-v: an idle timeout with stdin data stuck unsent says how many bytes were not sent, and exits 0" {
	pyserver srv stall
	run --separate-stderr timeout 10 bash -c \
	    'head -c 33554432 /dev/zero | "$SOCKCAT" --no-splice -nv -w 1 127.0.0.1 "$1"' _ "$PORT"
	[ "$status" -eq 0 ]
	[ "$output" = "" ]
	grep -qx 'sockcat: idle timeout (-w 1) expired' <<<"$stderr"
	grep -Eqx 'sockcat: [1-9][0-9]* bytes from stdin not sent, and stdin was not read to its end' \
	    <<<"$stderr"
}

@test "-v: with splice, an idle timeout with stdin unfinished says so, and exits 0" {
	pyserver srv stall
	run --separate-stderr timeout 10 bash -c \
	    'head -c 33554432 /dev/zero | "$SOCKCAT" -nv -w 1 127.0.0.1 "$1"' _ "$PORT"
	[ "$status" -eq 0 ]
	[ "$output" = "" ]
	grep -qx 'sockcat: idle timeout (-w 1) expired' <<<"$stderr"
	grep -Eqx 'sockcat: [0-9]+ bytes from stdin not sent, and stdin was not read to its end' \
	    <<<"$stderr"
}

@test "-v: a reset while sendfile sends a file counts the file's unsent rest, never 0 bytes" {
	# sendfile keeps nothing in sockcat's buffer: the count is the file's
	# size less what went to the socket.
	make_big "$T/data" 32
	pyserver srv stall-reset
	run --separate-stderr sc -nv 127.0.0.1 "$PORT" <"$T/data"
	[ "$status" -eq 1 ]
	[[ ${stderr_lines[2]} =~ ^sockcat:\ ([0-9]+)\ bytes\ from\ stdin\ not\ sent,\ and\ stdin\ was\ not\ read\ to\ its\ end$ ]]
	((BASH_REMATCH[1] > 0 && BASH_REMATCH[1] < 33554432))
}

@test "-v: a reset while splice sends a pipe never reports 0 bytes not sent" {
	pyserver srv stall-reset
	run --separate-stderr timeout 10 bash -c \
	    'head -c 33554432 /dev/zero | "$SOCKCAT" -nv 127.0.0.1 "$1"' _ "$PORT"
	[ "$status" -eq 1 ]
	[ "${#stderr_lines[@]}" -eq 3 ]
	[[ ${stderr_lines[2]} =~ ^sockcat:\ [1-9][0-9]*\ bytes\ from\ stdin\ not\ sent,\ and\ stdin\ was\ not\ read\ to\ its\ end$ ||
	    ${stderr_lines[2]} == "sockcat: stdin was not read to its end: the rest of it was not sent" ]]
}

@test "-v: a file sent whole by sendfile before an idle timeout is not reported as unsent" {
	head -c 100000 /dev/urandom >"$T/data"
	pyserver srv hold "$T/srv.eof"
	run --separate-stderr sc -nv -w 1 --no-shutdown 127.0.0.1 "$PORT" <"$T/data"
	[ "$status" -eq 0 ]
	grep -qx 'sockcat: idle timeout (-w 1) expired' <<<"$stderr"
	! grep -q 'not sent' <<<"$stderr"
}

# --- rule 4: -q and -w -------------------------------------------------------

@test "-q 0 exits right after stdin EOF although the server keeps the connection open" {
	pyserver srv hold "$T/srv.eof"
	start=$(now_ms)
	run --separate-stderr sc -q 0 127.0.0.1 "$PORT" < <(printf req)
	elapsed=$(($(now_ms) - start))
	[ "$status" -eq 0 ]
	[ "$output" = "" ]
	[ "$stderr" = "" ]
	((elapsed < 800))
	wait_for 5 test -s "$T/srv.eof"
	[ "$(cat "$T/srv.eof")" = 3 ]
}

@test "-q 1 ends about a second after stdin EOF when the server stays silent, with status 0" {
	pyserver srv hold "$T/srv.eof"
	start=$(now_ms)
	run --separate-stderr sc -q 1 127.0.0.1 "$PORT" < <(printf req)
	elapsed=$(($(now_ms) - start))
	[ "$status" -eq 0 ]
	[ "$output" = "" ]
	[ "$stderr" = "" ]
	((elapsed >= 900 && elapsed < 3000))
	[ "$(cat "$T/srv.eof")" = 3 ]
}

@test "-v notes that the -q timeout expired" {
	pyserver srv hold "$T/srv.eof"
	run --separate-stderr sc -nv -q 1 127.0.0.1 "$PORT" < <(printf req)
	[ "$status" -eq 0 ]
	[ "$output" = "" ]
	[[ $stderr == *"sockcat: quit timeout"* ]]
}

@test "-q -1 waits for the peer: a reply sent 1.5 s after EOF still arrives" {
	pyserver srv late-reply "$T/srv.eof" 1.5 'late reply'
	start=$(now_ms)
	run --separate-stderr sc -q -1 127.0.0.1 "$PORT" < <(printf req)
	elapsed=$(($(now_ms) - start))
	[ "$status" -eq 0 ]
	[ "$output" = "late reply" ]
	[ "$stderr" = "" ]
	((elapsed >= 1400))
}

@test "-q 2 ends as soon as the peer closes: the reply arrives and sockcat exits 0 before the 2 s" {
	server srv eof-reply
	start=$(now_ms)
	run --separate-stderr sc -q 2 127.0.0.1 "$PORT" < <(printf req)
	elapsed=$(($(now_ms) - start))
	[ "$status" -eq 0 ]
	[ "$output" = "got 3 bytes" ]
	[ "$stderr" = "" ]
	((elapsed < 1900))
}

@test "-w 1 ends an idle connection after about a second with status 0 and no message" {
	pipe_open sc
	server srv silent
	start=$(now_ms)
	bg sc "$SOCKCAT" -w 1 127.0.0.1 "$PORT"
	bg_wait sc 5
	elapsed=$(($(now_ms) - start))
	[ "$BG_STATUS" -eq 0 ]
	((elapsed >= 900 && elapsed < 3000))
	[ ! -s "$T/sc.out" ]
	[ ! -s "$T/sc.err" ]
}

@test "-v notes the idle timeout" {
	pipe_open sc
	server srv silent
	bg sc "$SOCKCAT" -nv -w 1 127.0.0.1 "$PORT"
	bg_wait sc 5
	[ "$BG_STATUS" -eq 0 ]
	grep -qx 'sockcat: idle timeout (-w 1) expired' "$T/sc.err"
}

@test "--idle-timeout 1 ends an idle connection like -w 1" {
	pipe_open sc
	server srv silent
	start=$(now_ms)
	bg sc "$SOCKCAT" -nv --idle-timeout 1 127.0.0.1 "$PORT"
	bg_wait sc 5
	elapsed=$(($(now_ms) - start))
	[ "$BG_STATUS" -eq 0 ]
	((elapsed >= 900 && elapsed < 3000))
	grep -qx 'sockcat: idle timeout (--idle-timeout 1) expired' "$T/sc.err"
}

@test "-w 1 is an idle limit: traffic every 0.3 s keeps the connection alive past it" {
	pipe_open sc
	server srv silent --save "$T/srv.count"
	bg sc "$SOCKCAT" -w 1 127.0.0.1 "$PORT"
	# 5 x 0.3 s: longer than the idle limit in all.
	for i in 1 2 3 4 5; do
		# Pacing the traffic, not waiting for anything.
		sleep 0.3
		pipe_write sc x
	done
	running sc
	bg_wait sc 5
	[ "$BG_STATUS" -eq 0 ]
	bg_wait srv
	[ "$(cat "$T/srv.count")" = 5 ]
}

# --- -W and -d ---------------------------------------------------------------

@test "-W 1 exits 0 after the first packet, with its data on stdout" {
	# The server half-closes after its banner but holds the connection; with
	# stdin an open pipe, only -W can end the session.
	pipe_open sc
	server srv banner --text 'hello\n' --hold
	bg sc "$SOCKCAT" -W 1 127.0.0.1 "$PORT"
	bg_wait sc 5
	[ "$BG_STATUS" -eq 0 ]
	[ "$(cat "$T/sc.out")" = hello ]
	[ ! -s "$T/sc.err" ]
}

@test "-d does not read stdin and sends no FIN: the session ends when the server closes, and stdin is left for the next reader" {
	pyserver srv probe "$T/srv.eof"
	printf 'stdin data\n' >"$T/input"
	run --separate-stderr bash -c '
	    timeout 10 "$SOCKCAT" -d 127.0.0.1 "$1"
	    echo "status $?"
	    cat' _ "$PORT" <"$T/input"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "bye" ]
	[ "${lines[1]}" = "status 0" ]
	[ "${lines[2]}" = "stdin data" ]
	[ "$stderr" = "" ]
	[ "$(cat "$T/srv.eof")" = "nofin 0" ]
}

# --- stdout and signals ------------------------------------------------------

@test "a reader that closes stdout makes sockcat exit 0 quietly, not die of SIGPIPE" {
	# More than the stdout pipe can absorb: a spliced pipe's slots hold
	# whole socket fragments (up to 32 KiB each), so a 1 MiB pipe can take
	# 8 MiB, and 4 MiB could all be written before head(1) exits.
	make_big "$T/data" 32
	server srv source --file "$T/data"
	run --separate-stderr timeout 10 bash -c '
	    "$SOCKCAT" 127.0.0.1 "$1" </dev/null | head -c 10 >/dev/null
	    echo "${PIPESTATUS[0]}"' _ "$PORT"
	[ "$status" -eq 0 ]
	[ "$output" = 0 ]
	[ "$stderr" = "" ]
}

@test "SIGTERM makes a connected sockcat die by SIGTERM and restore its stdin pipe to blocking" {
	server srv silent
	pipe_open sc
	# fd 0 of this script and sockcat's stdin share one open file description,
	# so the script sees the O_NONBLOCK flag sockcat sets and restores.
	run --separate-stderr timeout 15 bash -c '
	    flags() {	# O_NONBLOCK of fd 0 from /proc: "nonblock" or "block"
	        local info re="flags:[[:space:]]+([0-7]+)"
	        info=$(</proc/$$/fdinfo/0)
	        [[ $info =~ $re ]] || return 1
	        if ((8#${BASH_REMATCH[1]} & 04000)); then
	            echo nonblock
	        else
	            echo block
	        fi
	    }
	    "$SOCKCAT" 127.0.0.1 "$1" <&0 &
	    pid=$!
	    for _ in $(seq 250); do
	        [ "$(flags)" = nonblock ] && break
	        sleep 0.02
	    done
	    flags
	    kill -TERM "$pid"
	    wait "$pid"
	    echo "status $?"
	    flags' _ "$PORT" <"$T/sc.in"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = nonblock ]
	[ "${lines[1]}" = "status 143" ]
	[ "${lines[2]}" = block ]
	[ "$stderr" = "" ]
}

@test "SIGINT and SIGHUP make a connected sockcat die by the same signal (130, 129)" {
	for sig in INT HUP; do
		pipe_open "sc$sig"
		server "srv$sig" silent
		bg "sc$sig" "$SOCKCAT" -v 127.0.0.1 "$PORT"
		wait_for 5 file_has "$T/sc$sig.err" " open"
		kill -s "$sig" "$(bg_cmd_pid "sc$sig")"
		bg_wait "sc$sig" 5
		echo "SIG$sig: status $BG_STATUS" >&2
		[ "$BG_STATUS" -eq $((128 + $(kill -l "$sig"))) ]
	done
}

# --- an idle sockcat sleeps --------------------------------------------------

@test "a connected sockcat with nothing to do uses no CPU" {
	pipe_open sc
	server srv silent
	bg sc "$SOCKCAT" -v 127.0.0.1 "$PORT"
	wait_for 5 file_has "$T/sc.err" " open"
	ticks=$(cpu_ticks_during sc 2)
	echo "ticks: $ticks"
	((ticks <= 2))
	running sc
}

@test "a sockcat waiting for the peer after stdin EOF uses no CPU" {
	pyserver srv hold "$T/srv.eof"
	printf req >"$T/sc.in"
	bg sc "$SOCKCAT" 127.0.0.1 "$PORT"
	wait_for 5 test -s "$T/srv.eof"
	ticks=$(cpu_ticks_during sc 2)
	echo "ticks: $ticks"
	((ticks <= 2))
	running sc
}

@test "a sockcat still reading stdin after the peer closed uses no CPU" {
	pipe_open sc
	server srv banner --text 'hello\n'
	bg sc "$SOCKCAT" 127.0.0.1 "$PORT"
	wait_for 5 file_has "$T/sc.out" hello
	bg_wait srv
	ticks=$(cpu_ticks_during sc 2)
	echo "ticks: $ticks"
	((ticks <= 2))
	running sc
}

# --- time values in messages -----------------------------------------------

@test "-w 0.3 is echoed as typed, not as 300 or 301 ms, in the listener's timeout message" {
	run --separate-stderr sc -n -l -w 0.3 127.0.0.1 0
	[ "$status" -eq 1 ]
	[[ $stderr =~ ^sockcat:\ no\ connection\ on\ port\ [0-9]+\ within\ -w\ 0\.3$ ]]
}

@test "-w 0.3 is echoed as typed in the idle timeout message" {
	pyserver srv stall
	run --separate-stderr sc -nv -w 0.3 -d 127.0.0.1 "$PORT"
	[ "$status" -eq 0 ]
	grep -qx 'sockcat: idle timeout (-w 0.3) expired' <<<"$stderr"
}
