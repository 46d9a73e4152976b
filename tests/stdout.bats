bats_require_minimum_version 1.5.0
load helpers/common
setup() { common_setup; }
teardown() { common_teardown; }

# stdout.bats -- what sockcat's stdout is and how it ends: a socket (inetd,
# systemd's Accept=yes) gets a FIN, a reader that goes away (EPIPE) ends
# the session quietly with status 0, and a message socket gets one message
# per UDP datagram.

STDIO_SOCK=$BATS_TEST_DIRNAME/helpers/stdio_sock.py

# Servers for the EPIPE tests, each sending until its client goes away.
# Listen on 127.0.0.1 port 0, write the port to PORTFILE; a 60 s watchdog.
#   tcp PORTFILE    each client gets 64 KiB blocks until it goes away
#   udp PORTFILE    the latest datagram's sender gets 1 KiB datagrams,
#                   2000 a second
FIREHOSE_PY='
import os, signal, socket, sys, time
signal.alarm(60)
mode, port_file = sys.argv[1], sys.argv[2]
def atomic(path, text):
    with open(path + ".tmp", "w") as f:
        f.write(text)
    os.replace(path + ".tmp", path)
if mode == "tcp":
    lsock = socket.socket()
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(8)
    atomic(port_file, "%d\n" % lsock.getsockname()[1])
    block = b"x" * 65536
    while True:
        conn, _ = lsock.accept()
        try:
            while True:
                conn.sendall(block)
        except OSError:
            pass
        conn.close()
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.bind(("127.0.0.1", 0))
atomic(port_file, "%d\n" % sock.getsockname()[1])
_, peer = sock.recvfrom(65536)
sock.setblocking(False)
while True:
    try:
        _, peer = sock.recvfrom(65536)
    except OSError:
        pass
    try:
        sock.sendto(b"y" * 1024, peer)
    except OSError:
        pass
    time.sleep(0.0005)
'

# firehose NAME MODE: start FIREHOSE_PY in MODE as job NAME; set PORT.
firehose() {
	bg "$1" python3 -c "$FIREHOSE_PY" "$2" "$T/$1.port"
	PORT=$(peer_port "$1")
}

# server NAME SUBCOMMAND ARGS...: peer.py SUBCOMMAND as job NAME; set PORT.
server() {
	local name=$1
	shift
	bg "$name" python3 "$PEER" "$@" --port-file "$T/$name.port"
	PORT=$(peer_port "$name")
}

# --- stdout a socket: ended by shutdown(SHUT_WR) -------------------------------

@test "with stdin and stdout one socket, the backend's close reaches the client as EOF" {
	server srv banner --text 'hello\n'
	run --separate-stderr timeout 20 python3 "$STDIO_SOCK" stream \
	    "$SOCKCAT" 127.0.0.1 "$PORT"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "got b'hello\\n'" ]
	[ "${lines[1]}" = "EOF" ]
	[ "${lines[2]}" = "status 0" ]
	[ "${#lines[@]}" -eq 3 ]
}

# ssa_free_port: a TCP port nobody listens on now (systemd-socket-activate
# takes no port 0); ssa_start retries if another process took it meanwhile.
ssa_free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# ssa_settled NAME: systemd-socket-activate listens, or has given up.
ssa_settled() {
	file_has "$T/$1.err" "Listening on" || ! running "$1"
}

# ssa_start NAME CMD...: systemd-socket-activate --accept --inetd CMD on a
# free port of 127.0.0.1 as job NAME; set SSA_PORT.
ssa_start() {
	local name=$1 try
	shift
	for try in 1 2 3 4 5; do
		SSA_PORT=$(ssa_free_port)
		bg "$name" systemd-socket-activate -l "127.0.0.1:$SSA_PORT" \
		    --accept --inetd "$@"
		wait_for 10 ssa_settled "$name"
		file_has "$T/$name.err" "Listening on" && return 0
	done
	echo "systemd-socket-activate never listened" >&2
	return 1
}

@test "behind systemd-socket-activate --inetd, the client gets the banner and then EOF" {
	command -v systemd-socket-activate >/dev/null ||
	    skip "systemd-socket-activate is not installed"
	server srv banner --text 'hello\n'
	ssa_start ssa "$SOCKCAT" 127.0.0.1 "$PORT"
	# Reads to EOF without closing its own side: a 3 s bound for what
	# takes milliseconds; before, the EOF never came.
	run --separate-stderr timeout 10 python3 -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.settimeout(3)
got = b""
try:
    while True:
        data = s.recv(65536)
        if not data:
            break
        got += data
except socket.timeout:
    print(repr(got))
    print("no EOF")
    sys.exit(1)
print(repr(got))
print("EOF")' "$SSA_PORT"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "b'hello\\n'" ]
	[ "${lines[1]}" = "EOF" ]
	# sockcat said nothing on the shared stderr.
	run ! grep -F 'sockcat:' "$T/ssa.err"
}

# --- a reader that goes away: quiet, status 0 ----------------------------------

# head_runs ROUNDS ARGS...: ROUNDS times `sockcat ARGS | head -c 10`; prints
# sockcat's status each time. sockcat's stderr is the caller's.
head_runs() {
	local rounds=$1 i
	shift
	for ((i = 0; i < rounds; i++)); do
		timeout 10 "$SOCKCAT" "$@" </dev/null | head -c 10 >/dev/null
		echo "${PIPESTATUS[0]}"
	done
}

# all_zero: every line of $output is 0, and there are $1 of them.
all_zero() {
	local line
	[ "${#lines[@]}" -eq "$1" ] || return 1
	for line in "${lines[@]}"; do
		[ "$line" = 0 ] || return 1
	done
}

@test "TCP: a stdout reader that goes away ends sockcat quietly with status 0" {
	firehose srv tcp
	run --separate-stderr head_runs 20 -d 127.0.0.1 "$PORT"
	[ "$status" -eq 0 ]
	all_zero 20
	[ "$stderr" = "" ]
}

@test "TCP with --no-splice: a stdout reader that goes away ends sockcat quietly with status 0" {
	firehose srv tcp
	run --separate-stderr head_runs 20 --no-splice -d 127.0.0.1 "$PORT"
	[ "$status" -eq 0 ]
	all_zero 20
	[ "$stderr" = "" ]
}

@test "a stdout reader that goes away ends the session even while stdin is still open" {
	firehose srv tcp
	# stdin stays open (the ssh of a ProxyCommand, still there): the
	# reader's exit alone ends the session.
	run --separate-stderr timeout 20 bash -c '
	    exec 4< <(exec sleep 15 2>/dev/null 3>&-)
	    sp=$!
	    timeout 10 "$SOCKCAT" 127.0.0.1 "$1" <&4 | head -c 10 >/dev/null
	    echo "${PIPESTATUS[0]}"
	    kill "$sp"' _ "$PORT"
	[ "$status" -eq 0 ]
	[ "$output" = 0 ]
	[ "$stderr" = "" ]
}

@test "-v says that stdout's reader went away" {
	firehose srv tcp
	run --separate-stderr timeout 20 bash -c '
	    timeout 10 "$SOCKCAT" -v -d 127.0.0.1 "$1" | head -c 10 >/dev/null
	    echo "${PIPESTATUS[0]}"' _ "$PORT"
	[ "$status" -eq 0 ]
	[ "$output" = 0 ]
	[[ $stderr == *"stdout closed by its reader; done"* ]]
	[[ $stderr != *"Broken pipe"* ]]
}

@test "UDP: a stdout reader that goes away ends sockcat quietly with status 0" {
	firehose srv udp
	# stdin says hello, so the server knows whom to flood.
	run --separate-stderr timeout 60 bash -c '
	    for i in 1 2 3 4 5 6 7 8 9 10; do
	        printf hi | timeout 10 "$SOCKCAT" -u 127.0.0.1 "$1" |
	            head -c 10 >/dev/null
	        echo "${PIPESTATUS[1]}"
	    done' _ "$PORT"
	[ "$status" -eq 0 ]
	all_zero 10
	[ "$stderr" = "" ]
}

@test "UDP with --no-splice: a stdout reader that goes away ends sockcat quietly with status 0" {
	firehose srv udp
	run --separate-stderr timeout 60 bash -c '
	    for i in 1 2 3 4 5 6 7 8 9 10; do
	        printf hi | timeout 10 "$SOCKCAT" --no-splice -u 127.0.0.1 \
	            "$1" | head -c 10 >/dev/null
	        echo "${PIPESTATUS[1]}"
	    done' _ "$PORT"
	[ "$status" -eq 0 ]
	all_zero 10
	[ "$stderr" = "" ]
}

@test "-l -k: a stdout reader that goes away ends the listener quietly with status 0" {
	bg lst bash -c '"$1" -v -l -k 127.0.0.1 0 </dev/null | head -c 10 \
	    >/dev/null; echo "${PIPESTATUS[0]}" >"$2"' _ "$SOCKCAT" "$T/status"
	local port
	port=$(listen_port lst)
	run timeout 10 python3 -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
try:
    while True:
        s.sendall(b"z" * 65536)
except OSError:
    pass' "$port"
	bg_wait lst 10
	[ "$(cat "$T/status")" = 0 ]
	run ! grep -F 'Broken pipe' "$T/lst.err"
}

@test "--broker: a stdout reader that goes away is noted with -v, not reported as an error" {
	bg lst bash -c '"$1" -n -v --broker -l 127.0.0.1 0 </dev/null |
	    head -c 10 >/dev/null' _ "$SOCKCAT"
	PORT=$(listen_port lst)
	# A client that sends until the broker has written past head(1)'s end.
	bg cli python3 -c '
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
end = time.monotonic() + 20
while time.monotonic() < end:
    s.sendall(b"z" * 1024)
    time.sleep(0.01)' "$PORT"
	wait_for 10 file_has "$T/lst.err" "stdout closed by its reader"
	run ! grep -F 'write to stdout' "$T/lst.err"
	# The broker goes on serving its clients.
	running lst
}

# ssh_ready: ssh, ssh-keygen and sshd are here, and sshd's privilege
# separation directory (made by its service, not its package) exists.
ssh_ready() {
	command -v ssh >/dev/null && command -v ssh-keygen >/dev/null &&
	    [[ -x /usr/sbin/sshd ]] || return 1
	[[ -d /run/sshd ]] || mkdir -m 755 /run/sshd 2>/dev/null
}

@test "as an ssh ProxyCommand, sockcat never reports the ssh that went away" {
	ssh_ready || skip "ssh, sshd or /run/sshd is missing"
	local i noisy=0
	ssh-keygen -q -t ed25519 -N '' -f "$T/hostkey"
	ssh-keygen -q -t ed25519 -N '' -f "$T/userkey"
	cat >"$T/sshd_config" <<-EOF
	HostKey $T/hostkey
	AuthorizedKeysFile $T/userkey.pub
	UsePAM no
	StrictModes no
	PidFile none
	LogLevel ERROR
	EOF
	# One sshd -i per client, behind a sockcat listener on a free port.
	bg lst "$SOCKCAT" -v -l -k 127.0.0.1 0 -e \
	    "/usr/sbin/sshd -i -f $T/sshd_config"
	PORT=$(listen_port lst)
	# About 2 of 5 sessions printed "write to stdout: Broken pipe" before.
	for ((i = 0; i < 20; i++)); do
		timeout 20 ssh -F none -o BatchMode=yes -o LogLevel=ERROR \
		    -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
		    -o ProxyCommand="$SOCKCAT %h %p" -i "$T/userkey" \
		    -p "$PORT" "$(id -un)@127.0.0.1" true 2>"$T/ssh.err" ||
		    noisy=$((noisy + 1))
		if [[ -s $T/ssh.err ]]; then
			noisy=$((noisy + 1))
			cat "$T/ssh.err"
		fi
	done
	[ "$noisy" -eq 0 ]
}

# --- datagram boundaries on a message socket -----------------------------------

# dgram_check TYPE ARGS...: 12 datagrams to `sockcat ARGS -u -l -v 127.0.0.1
# 0` whose stdout is a TYPE socketpair; each must arrive as its own message.
dgram_check() {
	local kind=$1 i
	shift
	run --separate-stderr timeout 40 python3 "$STDIO_SOCK" dgrams "$kind" \
	    12 "$SOCKCAT" "$@" -u -l -v 127.0.0.1 0
	[ "$status" -eq 0 ]
	for ((i = 0; i < 12; i++)); do
		[ "${lines[i]}" = "message $((i + 1)) ok" ]
	done
	[ "${lines[12]}" = done ]
	[ "${#lines[@]}" -eq 13 ]
}

@test "UDP to a SOCK_SEQPACKET stdout: each datagram is one message" {
	dgram_check seqpacket
}

@test "UDP to a SOCK_DGRAM stdout: each datagram is one message" {
	dgram_check dgram
}

@test "UDP with --no-splice to a SOCK_SEQPACKET stdout: each datagram is one message" {
	dgram_check seqpacket --no-splice
}
