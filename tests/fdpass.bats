bats_require_minimum_version 1.5.0
load helpers/common
setup() { common_setup; }
teardown() { common_teardown; }

# fdpass.bats -- -F: after connecting (directly or through -x), sockcat
# passes the connected socket over stdout with SCM_RIGHTS and exits 0, as
# OpenBSD nc does for ssh's ProxyUseFdpass.  A python3 receiver takes the
# descriptor and talks over it; ssh -v reads a server's version string over
# it; stdout that is not a Unix socket, and the options -F cannot honour,
# are usage errors.

PROXY=$BATS_TEST_DIRNAME/helpers/proxy_server.py

# receiver: write $T/recv.py.  `recv.py CMD...` runs CMD with a socketpair
# as its stdin and stdout (as ssh does), takes the descriptor it sends,
# prints "status N" once CMD has exited, then sends "hello\n" over the
# descriptor, shuts down its write side and prints what comes back.
receiver() {
	cat >"$T/recv.py" <<'EOF'
import array, socket, subprocess, sys
ours, theirs = socket.socketpair()
p = subprocess.Popen(sys.argv[1:], stdin=theirs, stdout=theirs)
theirs.close()
ours.settimeout(10)
data, anc, _, _ = ours.recvmsg(1, socket.CMSG_SPACE(4))
fds = array.array("i")
for level, kind, payload in anc:
    if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
        fds.frombytes(payload[:4])
print("byte", data.hex(), "fds", len(fds))
print("status", p.wait(timeout=10), flush=True)
conn = socket.socket(fileno=fds[0])
conn.settimeout(10)
print("blocking", conn.getblocking())
conn.sendall(b"hello\n")
conn.shutdown(socket.SHUT_WR)
reply = b""
while True:
    chunk = conn.recv(4096)
    if not chunk:
        break
    reply += chunk
print(reply.decode())
EOF
}

# target: peer.py eof-reply (reads to EOF, answers "got N bytes") as job
# peer; sets PORT.
target() {
	bg peer python3 "$PEER" eof-reply --port-file "$T/peer.port"
	PORT=$(peer_port peer)
}

# passed: recv.py's output says the socket came with one byte, sockcat
# exited 0 before the receiver used it, and the peer answered over it.
passed() {
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "byte 00 fds 1" ]
	[ "${lines[1]}" = "status 0" ]
	[ "${lines[2]}" = "blocking True" ]
	[ "${lines[3]}" = "got 6 bytes" ]
	bg_wait peer
	[ "$BG_STATUS" -eq 0 ]
}

@test "-F passes the connected socket over stdout with SCM_RIGHTS and exits 0" {
	receiver
	target
	run --separate-stderr timeout 20 python3 "$T/recv.py" \
	    "$SOCKCAT" -v -F 127.0.0.1 "$PORT"
	passed
	[[ $stderr == *"sockcat: passed the connection to 127.0.0.1 port $PORT over stdout (-F)"* ]]
}

@test "-F through a SOCKS5 proxy (-x) passes the socket after the handshake" {
	receiver
	target
	bg px python3 "$PROXY" socks5 --port-file "$T/px.port"
	PX=$(peer_port px)
	run --separate-stderr timeout 20 python3 "$T/recv.py" \
	    "$SOCKCAT" -F -x "127.0.0.1:$PX" 127.0.0.1 "$PORT"
	passed
}

@test "-F through an HTTP CONNECT proxy (-X connect) passes the socket" {
	receiver
	target
	bg px python3 "$PROXY" http --port-file "$T/px.port"
	PX=$(peer_port px)
	run --separate-stderr timeout 20 python3 "$T/recv.py" \
	    "$SOCKCAT" -F -X connect -x "127.0.0.1:$PX" localhost "$PORT"
	passed
}

@test "-F with stdout a pipe or a file is a usage error, found before connecting" {
	# Nobody listens on port 9: connecting first would fail with status 1.
	run --separate-stderr bash -c '"$1" -F 127.0.0.1 9 | cat
exit "${PIPESTATUS[0]}"' _ "$SOCKCAT"
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	[ "${#stderr_lines[@]}" -eq 1 ]
	[ "$stderr" = "sockcat: option -F passes the connection over stdout, which must be a Unix socket (as ssh's ProxyUseFdpass gives): stdout is a pipe" ]
	run --separate-stderr bash -c '"$1" -F 127.0.0.1 9 >"$2"' _ \
	    "$SOCKCAT" "$T/file"
	[ "$status" -eq 2 ]
	[[ $stderr == *"stdout is a file" ]]
}

@test "-F does not combine with -l, -z, -e, -c or the data options" {
	local args
	for args in "-l 0" "-z 127.0.0.1 9" "-e cat 127.0.0.1 9" \
	    "-c cat 127.0.0.1 9" "--broker -l 0"; do
		# shellcheck disable=SC2086  # the words are the options
		run --separate-stderr sc -F $args </dev/null
		[ "$status" -eq 2 ]
		[ "$stderr" = "sockcat: option -F hands a connected socket to the program on stdout: it does not combine with -l, -z, -e, -c, --broker or --chat" ]
	done
	for args in "-C" "-q 1" "-o $T/hex" "--output $T/raw" "--send-only" \
	    "-W 1" "-t" "-i 1"; do
		# shellcheck disable=SC2086
		run --separate-stderr sc --fdpass $args 127.0.0.1 9 </dev/null
		[ "$status" -eq 2 ]
		[[ $stderr == "sockcat: option -F moves no data itself: it does not combine with"* ]]
	done
	run --separate-stderr sc -F -U -u "$T/sock" </dev/null
	[ "$status" -eq 2 ]
	[[ $stderr == "sockcat: options -F and -U -u conflict"* ]]
}

# ssh_server: a python3 server as job srv that sends an SSH version line,
# reads the client's version line and first packet, then closes.  Sets PORT.
ssh_server() {
	cat >"$T/srv.py" <<'EOF'
import socket, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(1)
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write("%d\n" % s.getsockname()[1])
import os
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
s.settimeout(20)
c, _ = s.accept()
c.settimeout(10)
c.sendall(b"SSH-2.0-test\r\n")
got = b""
while b"\n" not in got:
    chunk = c.recv(4096)
    if not chunk:
        break
    got += chunk
print(got.split(b"\n")[0].decode(errors="replace").strip(), flush=True)
c.close()
EOF
	bg srv python3 "$T/srv.py" "$T/srv.port"
	PORT=$(peer_port srv)
}

@test "ssh with ProxyUseFdpass and ProxyCommand 'sockcat -F %h %p' talks to the server over the passed socket; no sockcat stays" {
	command -v ssh >/dev/null || skip "ssh is not installed"
	ssh_server
	run --separate-stderr timeout 20 ssh -v -F /dev/null \
	    -o ProxyUseFdpass=yes \
	    -o ProxyCommand="sh -c 'echo \$\$ >\"$T/proxy.pid\"; exec \"$SOCKCAT\" -F %h %p'" \
	    -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
	    -o BatchMode=yes -o ConnectTimeout=10 -p "$PORT" x@127.0.0.1 true
	# The key exchange fails (the server is no ssh server): ssh says 255.
	[ "$status" -eq 255 ]
	[[ $stderr == *"Remote protocol version 2.0, remote software version test"* ]]
	bg_wait srv
	[ "$BG_STATUS" -eq 0 ]
	[[ $(cat "$T/srv.out") == SSH-2.0-* ]]
	# The ProxyCommand's process (the shell that became sockcat) is gone.
	pid=$(cat "$T/proxy.pid")
	[[ $pid =~ ^[0-9]+$ ]]
	! [[ $(readlink "/proc/$pid/exe" 2>/dev/null) == "$(readlink -f "$SOCKCAT")" ]]
}
