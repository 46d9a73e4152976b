bats_require_minimum_version 1.5.0
load helpers/common
setup() { common_setup; }
teardown() { common_teardown; }

# limits.bats -- a listener at its descriptor limit refuses clients and goes
# on.  The loop watches a socket for reading and for writing (a link's two
# lanes): poll(2) must get one entry per descriptor, or more watchers than
# RLIMIT_NOFILE made it fail with EINVAL and end the listener.

RPEER=$BATS_TEST_DIRNAME/helpers/relay_peer.py

# crowd PORT N: N clients connect at once, each sends a line and holds its
# connection a second; then they all go.  Prints how many got their echo.
crowd() {
	timeout 30 python3 - "$1" "$2" <<'PY'
import socket, sys, time
port, n = int(sys.argv[1]), int(sys.argv[2])
cs = []
for i in range(n):
    try:
        c = socket.create_connection(("127.0.0.1", port), timeout=5)
        c.sendall(b"x%d\n" % i)
        cs.append(c)
    except OSError:
        pass
time.sleep(1)
got = 0
for c in cs:
    try:
        c.settimeout(0.5)
        if c.recv(64).startswith(b"x"):
            got += 1
    except OSError:
        pass
    c.close()
print(got)
PY
}

# one_echo PORT: a client afterwards is served whole.
one_echo() {
	[ "$(printf 'after\n' | timeout 10 "$SOCKCAT" -n -q 2 127.0.0.1 "$1")" = after ]
}

@test "a relay at its descriptor limit refuses the clients it cannot take and goes on relaying" {
	bg be python3 "$RPEER" serve --mode echo --timeout 60 \
	    --port-file "$T/be.port"
	bport=$(peer_port be)
	bg relay bash -c 'ulimit -n 40 && exec "$0" -v -n -l -k 127.0.0.1 0 --max-conns 500 --to "127.0.0.1:$1"' \
	    "$SOCKCAT" "$bport"
	port=$(listen_port relay)
	got=$(crowd "$port" 30)
	running relay || { cat "$T/relay.err"; false; }
	# Refused at accept, or closed when its upstream socket cannot be had.
	grep -q 'out of file descriptors\|Too many open files; closing the client' \
	    "$T/relay.err"
	! grep -q 'wait for events\|poll descriptors' "$T/relay.err"
	[ "$got" -gt 0 ]
	one_echo "$port"
}

@test "a -k -e listener at its descriptor limit refuses the clients it cannot take and goes on" {
	bg srv bash -c 'ulimit -n 40 && exec "$0" -v -n -l -k 127.0.0.1 0 --max-conns 500 -e /bin/cat' \
	    "$SOCKCAT"
	port=$(listen_port srv)
	got=$(crowd "$port" 30)
	running srv || { cat "$T/srv.err"; false; }
	grep -q 'out of file descriptors' "$T/srv.err"
	! grep -q 'wait for events\|poll descriptors' "$T/srv.err"
	[ "$got" -gt 0 ]
	one_echo "$port"
}
