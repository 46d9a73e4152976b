bats_require_minimum_version 1.5.0
load helpers/common
setup() { common_setup; }
teardown() { common_teardown; }

# udp.bats -- UDP: one stdin read is one datagram, datagrams arrive whole,
# the listener locks on to its first peer, and a session ends only on -q, -w,
# -W, an ICMP refusal or a signal.

# A UDP sender for what peer.py's udp-send lacks: several datagrams of
# different sizes from one socket.
#   python3 -c "$SEND_PY" HOST PORT SIZE...   sends SIZE bytes of "a", then of
#                                             "b", ... one datagram each
SEND_PY='
import socket, string, sys
host, port = sys.argv[1], int(sys.argv[2])
s = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET,
                  socket.SOCK_DGRAM)
for i, size in enumerate(sys.argv[3:]):
    s.sendto(string.ascii_lowercase[i].encode() * int(size), (host, port))
'

# udp_peer NAME SUBCOMMAND ARGS...: start peer.py SUBCOMMAND as job NAME and
# set PORT to the port it bound.
udp_peer() {
	local name=$1
	shift
	bg "$name" python3 "$PEER" "$@" --port-file "$T/$name.port"
	PORT=$(peer_port "$name")
}

# closed_udp_port: a UDP port on 127.0.0.1 that nothing listens on (bound to
# port 0 by the kernel, then released).
closed_udp_port() {
	python3 -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# sc ARGS...: sockcat under a 10 s timeout, for `run`.
sc() {
	timeout -k 2 10 "$SOCKCAT" "$@"
}

now_ms() {
	local t=${EPOCHREALTIME//[!0-9]/}
	echo $((10#$t / 1000))
}

# lines_ge FILE N: FILE has at least N lines.
lines_ge() {
	[[ -f $1 ]] && (($(wc -l <"$1") >= $2))
}

@test "UDP connect sends what printf writes as one datagram with the same payload" {
	udp_peer rcv udp-recv --count 1 --save "$T/rcv.log" --payload "$T/rcv.got"
	printf 'hello, datagram\n' >"$T/msg"
	run --separate-stderr sc -u -q 1 127.0.0.1 "$PORT" <"$T/msg"
	[ "$status" -eq 0 ]
	[ "$output" = "" ]
	[ "$stderr" = "" ]
	bg_wait rcv
	[ "$BG_STATUS" -eq 0 ]
	cmp "$T/msg" "$T/rcv.got"
	[ "$(cut -d' ' -f1 "$T/rcv.log")" = len=16 ]
}

@test "UDP connect sends each chunk of stdin as one datagram: sizes 1, 5 and 300 arrive as three datagrams" {
	pipe_open sc
	udp_peer rcv udp-recv --count 3 --save "$T/rcv.log"
	bg sc "$SOCKCAT" -u 127.0.0.1 "$PORT"
	pipe_write sc a
	wait_for 5 lines_ge "$T/rcv.log" 1
	pipe_write sc bbbbb
	wait_for 5 lines_ge "$T/rcv.log" 2
	pipe_write sc "$(printf 'c%.0s' {1..300})"
	bg_wait rcv
	[ "$BG_STATUS" -eq 0 ]
	run cut -d' ' -f1 "$T/rcv.log"
	[ "$output" = $'len=1\nlen=5\nlen=300' ]
}

@test "a UDP listener reports its first peer, writes the datagram to stdout and sends stdin back to that peer" {
	pipe_open sc
	bg sc "$SOCKCAT" -u -nvlp 0
	port=$(listen_port sc)
	grep -qx "listening on \[any\] $port \.\.\." "$T/sc.err"
	bg cli python3 "$PEER" udp-send --port "$port" --data 'hello\n' \
	    --reply-wait 10 --replies 1 --save "$T/cli.reply" \
	    --port-file "$T/cli.port"
	cport=$(peer_port cli)
	wait_for 5 file_has "$T/sc.out" hello
	[ "$(cat "$T/sc.out")" = hello ]
	grep -qx "connect to \[127.0.0.1\] from (UNKNOWN) \[127.0.0.1\] $cport" \
	    "$T/sc.err"
	pipe_write sc $'the reply\n'
	bg_wait cli
	[ "$BG_STATUS" -eq 0 ]
	[ "$(cat "$T/cli.reply")" = "the reply" ]
}

@test "a UDP listener locks on to its first peer: a second peer's later datagram is not written and gets no reply" {
	pipe_open sc
	bg sc "$SOCKCAT" -u -nvlp 0
	port=$(listen_port sc)
	bg a python3 "$PEER" udp-send --port "$port" --data 'from A\n' \
	    --reply-wait 10 --replies 1 --save "$T/a.reply"
	wait_for 5 file_has "$T/sc.out" "from A"
	wait_for 5 file_has "$T/sc.err" "connect to "
	# B sends only after the lock, and is done sending when it exits.
	bg b python3 "$PEER" udp-send --port "$port" --data 'from B\n' \
	    --reply-wait 2 --save "$T/b.reply"
	wait_for 5 test -e "$T/b.reply"
	pipe_write sc $'reply\n'
	bg_wait a
	[ "$BG_STATUS" -eq 0 ]
	[ "$(cat "$T/a.reply")" = reply ]
	bg_wait b
	[ "$BG_STATUS" -eq 0 ]
	[ ! -s "$T/b.reply" ]
	[ "$(cat "$T/sc.out")" = "from A" ]
	[ "$(grep -c '^connect to ' "$T/sc.err")" -eq 1 ]
}

@test "a 65507-byte datagram from sockcat arrives intact" {
	head -c 65507 /dev/urandom >"$T/dgram"
	udp_peer rcv udp-recv --count 1 --save "$T/rcv.log" --payload "$T/rcv.got"
	run --separate-stderr sc -u -q 1 127.0.0.1 "$PORT" <"$T/dgram"
	[ "$status" -eq 0 ]
	[ "$stderr" = "" ]
	bg_wait rcv
	[ "$BG_STATUS" -eq 0 ]
	cmp "$T/dgram" "$T/rcv.got"
	[ "$(cut -d' ' -f1 "$T/rcv.log")" = len=65507 ]
}

@test "a 65507-byte datagram to a UDP listener is written intact" {
	head -c 65507 /dev/urandom >"$T/dgram"
	pipe_open sc
	bg sc "$SOCKCAT" -u -nvlp 0 -W 1
	port=$(listen_port sc)
	bg cli python3 "$PEER" udp-send --port "$port" --file "$T/dgram"
	bg_wait sc 5
	[ "$BG_STATUS" -eq 0 ]
	cmp "$T/dgram" "$T/sc.out"
}

@test "-W 2 stops a UDP listener after exactly two whole datagrams" {
	pipe_open sc
	bg sc "$SOCKCAT" -u -nvlp 0 -W 2
	port=$(listen_port sc)
	bg cli python3 -c "$SEND_PY" 127.0.0.1 "$port" 3 700 5
	bg_wait sc 5
	[ "$BG_STATUS" -eq 0 ]
	expected=$(printf 'a%.0s' {1..3})$(printf 'b%.0s' {1..700})
	[ "$(cat "$T/sc.out")" = "$expected" ]
}

@test "UDP has no EOF: after stdin EOF sockcat keeps running without -q" {
	udp_peer rcv udp-recv --count 1 --payload "$T/rcv.got"
	printf x >"$T/sc.in"
	bg sc "$SOCKCAT" -u 127.0.0.1 "$PORT"
	bg_wait rcv
	[ "$(cat "$T/rcv.got")" = x ]
	sleep 1
	running sc
}

@test "-q 1 ends a UDP session about a second after stdin EOF with status 0" {
	udp_peer rcv udp-recv --count 1 --payload "$T/rcv.got"
	start=$(now_ms)
	run --separate-stderr sc -u -q 1 127.0.0.1 "$PORT" < <(printf x)
	elapsed=$(($(now_ms) - start))
	[ "$status" -eq 0 ]
	[ "$output" = "" ]
	[ "$stderr" = "" ]
	((elapsed >= 900 && elapsed < 3000))
	bg_wait rcv
	[ "$(cat "$T/rcv.got")" = x ]
}

@test "-w 1 ends an idle UDP session with status 0" {
	pipe_open sc
	udp_peer rcv udp-recv --count 1
	start=$(now_ms)
	bg sc "$SOCKCAT" -u -w 1 127.0.0.1 "$PORT"
	bg_wait sc 5
	elapsed=$(($(now_ms) - start))
	[ "$BG_STATUS" -eq 0 ]
	((elapsed >= 900 && elapsed < 3000))
	[ ! -s "$T/sc.err" ]
}

@test "an ICMP port unreachable ends a UDP session with status 1 and Connection refused" {
	port=$(closed_udp_port)
	start=$(now_ms)
	run --separate-stderr sc -u -q 2 127.0.0.1 "$port" < <(printf x)
	elapsed=$(($(now_ms) - start))
	[ "$status" -eq 1 ]
	[ "$output" = "" ]
	[ "$stderr" = "sockcat: read from 127.0.0.1 port $port: Connection refused" ]
	# The refusal ends the session, not the -q timer.
	((elapsed < 1500))
}

@test "UDP over IPv6: a datagram to ::1 arrives, and a listener shows an IPv6 peer as [::1]" {
	udp_peer rcv udp-recv --host ::1 --count 1 --payload "$T/rcv.got"
	run --separate-stderr sc -u -q 1 ::1 "$PORT" < <(printf 'six\n')
	[ "$status" -eq 0 ]
	[ "$stderr" = "" ]
	bg_wait rcv
	[ "$(cat "$T/rcv.got")" = six ]

	pipe_open sc
	bg sc "$SOCKCAT" -u -nvlp 0
	port=$(listen_port sc)
	bg cli python3 "$PEER" udp-send --host ::1 --port "$port" \
	    --data 'hello6\n' --reply-wait 10 --replies 1 --save "$T/cli.reply" \
	    --port-file "$T/cli.port"
	cport=$(peer_port cli)
	wait_for 5 file_has "$T/sc.out" hello6
	grep -qx "connect to \[::1\] from (UNKNOWN) \[::1\] $cport" "$T/sc.err"
	pipe_write sc $'back6\n'
	bg_wait cli
	[ "$BG_STATUS" -eq 0 ]
	[ "$(cat "$T/cli.reply")" = back6 ]
}

@test "-u -l -k takes datagrams from every peer and answers the latest sender" {
	pipe_open lst
	bg lst "$SOCKCAT" -u -v -n -l -k 0 -q 1
	PORT=$(listen_port lst)
	cat > "$T/peers.py" <<'PY'
import socket, sys, time
port, t = int(sys.argv[1]), sys.argv[2]
a = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); a.bind(("127.0.0.1", 0))
b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); b.bind(("127.0.0.1", 0))
a.sendto(b"from-a\n", ("127.0.0.1", port)); time.sleep(0.2)
b.sendto(b"from-b\n", ("127.0.0.1", port)); time.sleep(0.2)
a.sendto(b"again-a\n", ("127.0.0.1", port)); time.sleep(0.2)
with open(t + "/ports.tmp", "w") as f:
    f.write("%d %d\n" % (a.getsockname()[1], b.getsockname()[1]))
import os; os.replace(t + "/ports.tmp", t + "/ports")
a.settimeout(5); b.settimeout(0.5)
print("a:" + a.recv(100).decode())
try:
    print("b:" + b.recv(100).decode())
except socket.timeout:
    print("b: nothing")
PY
	bg peers python3 "$T/peers.py" "$PORT" "$T"
	wait_for 10 test -s "$T/ports"
	read -r pa pb < "$T/ports"
	pipe_write lst 'to-latest'
	bg_wait peers
	[ "$BG_STATUS" -eq 0 ]
	[ "$(cat "$T/peers.out")" = $'a:to-latest\nb: nothing' ]
	pipe_close lst
	bg_wait lst
	[ "$BG_STATUS" -eq 0 ]
	[ "$(cat "$T/lst.out")" = $'from-a\nfrom-b\nagain-a' ]
	grep -qx "connect to \[any\] from (UNKNOWN) \[127.0.0.1\] $pa" "$T/lst.err"
	grep -qx "connect to \[any\] from (UNKNOWN) \[127.0.0.1\] $pb" "$T/lst.err"
	[ "$(grep -c '^connect to ' "$T/lst.err")" -eq 2 ]
}

# --- a stream on stdin: datagrams that fit, every byte sent -----------------

# DGRAMS_PY HOST PORTFILE TOTAL [SEND...]: bind HOST port 0, write the port
# to PORTFILE; wait for the file PORTFILE.go if SENDs are given, then send
# each SEND file as one datagram to the port in it; receive datagrams until
# TOTAL bytes came.  Prints each datagram's length, then "sha256 HEX" of
# all of them in order.  Gives up after 5 s without a datagram.
DGRAMS_PY='
import hashlib, os, socket, sys, time
host, portfile, total = sys.argv[1], sys.argv[2], int(sys.argv[3])
s = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET,
                  socket.SOCK_DGRAM)
s.bind((host, 0))
with open(portfile + ".tmp", "w") as f:
    f.write("%d\n" % s.getsockname()[1])
os.replace(portfile + ".tmp", portfile)
if len(sys.argv) > 4:
    end = time.monotonic() + 10
    while not os.path.exists(portfile + ".go"):
        if time.monotonic() > end:
            sys.exit("no " + portfile + ".go")
        time.sleep(0.02)
    with open(portfile + ".go") as f:
        dest = (host, int(f.read()))
    for name in sys.argv[4:]:
        with open(name, "rb") as f:
            s.sendto(f.read(), dest)
s.settimeout(5)
h, got = hashlib.sha256(), 0
while got < total:
    d = s.recv(70000)
    print(len(d), flush=True)
    h.update(d)
    got += len(d)
print("sha256", h.hexdigest(), flush=True)
'

# dgrams NAME HOST TOTAL [SEND...]: DGRAMS_PY as job NAME; sets PORT.
dgrams() {
	local name=$1
	shift
	bg "$name" python3 -c "$DGRAMS_PY" "$1" "$T/$name.port" "${@:2}"
	PORT=$(peer_port "$name")
}

# sent_whole NAME FILE...: job NAME received the FILEs' bytes, in order, in
# datagrams of at most ${MAX:-65507} bytes.
sent_whole() {
	local name=$1 len sum
	shift
	sum=$(cat "$@" | sha256sum)
	[ "$(tail -n 1 "$T/$name.out")" = "sha256 ${sum%% *}" ]
	while read -r len; do
		[[ $len == sha256* ]] && continue
		((len <= ${MAX:-65507})) || {
			echo "a datagram of $len bytes" >&2
			return 1
		}
	done <"$T/$name.out"
}

@test "-u sends a 100000-byte file in datagrams of at most 65507 bytes, and every byte arrives" {
	head -c 100000 /dev/urandom >"$T/file"
	dgrams rcv 127.0.0.1 100000
	run --separate-stderr sc -u -q .5 127.0.0.1 "$PORT" <"$T/file"
	[ "$status" -eq 0 ]
	[ "$stderr" = "" ]
	bg_wait rcv
	[ "$BG_STATUS" -eq 0 ]
	sent_whole rcv "$T/file"
	# A stream is cut into full datagrams and the rest.
	[ "$(head -n 1 "$T/rcv.out")" = 65507 ]
}

@test "-u sends a 100000-byte file that a sockcat -u -l receiver writes out complete" {
	head -c 100000 /dev/urandom >"$T/file"
	bg rcv "$SOCKCAT" -d -u -nvl 0 -W 2
	port=$(listen_port rcv)
	run --separate-stderr sc -u -q .5 127.0.0.1 "$port" <"$T/file"
	[ "$status" -eq 0 ]
	[ "$stderr" = "" ]
	bg_wait rcv
	[ "$BG_STATUS" -eq 0 ]
	cmp "$T/file" "$T/rcv.out"
}

@test "-u over IPv6 sends a 100000-byte file in datagrams of up to 65527 bytes, every byte arriving" {
	head -c 100000 /dev/urandom >"$T/file"
	dgrams rcv ::1 100000
	run --separate-stderr sc -u -q .5 ::1 "$PORT" <"$T/file"
	[ "$status" -eq 0 ]
	[ "$stderr" = "" ]
	bg_wait rcv
	[ "$BG_STATUS" -eq 0 ]
	MAX=65527 sent_whole rcv "$T/file"
	[ "$(head -n 1 "$T/rcv.out")" = 65527 ]
}

@test "-u -l -e cat echoes a 65507-byte datagram sent right after another one: every byte comes back" {
	printf 'hello\n' >"$T/small"
	head -c 65507 /dev/urandom >"$T/big"
	dgrams cli 127.0.0.1 65513 "$T/small" "$T/big"
	bg sc "$SOCKCAT" -u -nvl 0 -w 3 -e cat
	port=$(listen_port sc)
	echo "$port" >"$T/cli.port.go"
	bg_wait cli
	[ "$BG_STATUS" -eq 0 ]
	sent_whole cli "$T/small" "$T/big"
}

@test "-u -l -e cat over IPv6 echoes a 65527-byte datagram sent right after another one: every byte comes back" {
	printf 'hello\n' >"$T/small"
	head -c 65527 /dev/urandom >"$T/big"
	dgrams cli ::1 65533 "$T/small" "$T/big"
	bg sc "$SOCKCAT" -u -nvl -s ::1 -p 0 -w 3 -e cat
	port=$(listen_port sc)
	echo "$port" >"$T/cli.port.go"
	bg_wait cli
	[ "$BG_STATUS" -eq 0 ]
	MAX=65527 sent_whole cli "$T/small" "$T/big"
}

# --- -u -l -k and -w ------------------------------------------------------------

@test "-u -l -k -w with no datagram exits 1 saying no connection came within -w" {
	run --separate-stderr sc -u -n -l -k -w 0.3 127.0.0.1 0 </dev/null
	[ "$status" -eq 1 ]
	[ "$output" = "" ]
	[[ $stderr =~ ^sockcat:\ no\ connection\ on\ port\ [0-9]+\ within\ -w\ 0\.3$ ]]
}

@test "-u -l -k -w exits 0 when the wait runs out after a datagram was served" {
	bg lst "$SOCKCAT" -u -n -v -l -k -w 1 127.0.0.1 0
	port=$(listen_port lst)
	python3 -c "$SEND_PY" 127.0.0.1 "$port" 4
	bg_wait lst 5
	[ "$BG_STATUS" -eq 0 ]
	[ "$(cat "$T/lst.out")" = aaaa ]
	! grep -q 'no connection' "$T/lst.err"
}

@test "a datagram the kernel finds too large (EMSGSIZE) goes as smaller ones: all of a 100000-byte file arrives" {
	# A Unix datagram socket with a 4 KiB send buffer refuses a 100000-byte
	# datagram with EMSGSIZE.
	head -c 100000 /dev/urandom >"$T/file"
	bg rcv "$SOCKCAT" -d -U -u -l "$T/sock"
	wait_for 5 test -S "$T/sock"
	run --separate-stderr sc -U -u -q .5 -O 4096 "$T/sock" <"$T/file"
	[ "$status" -eq 0 ]
	[ "$stderr" = "" ]
	wait_for 5 size_ge "$T/rcv.out" 100000
	cmp "$T/file" "$T/rcv.out"
}
