bats_require_minimum_version 1.5.0
load helpers/common
setup() { common_setup; }
teardown() { common_teardown; }

# scan.bats -- port probing (-z): open and closed ports, the -v and -vv
# lines, ranges, comma lists and several arguments in the order given,
# service names, -r, the speed of a 1,000-port range, -w per probe, -i
# between probes, UDP probes, and the usage errors.
#
# Closed ports are held: a helper process binds a block of consecutive
# loopback ports without listening on them, so connecting is refused and no
# other process can take them while the test runs; the "open" ports of the
# block listen (and never accept: a probe needs only the handshake).

# hold_ports NAME COUNT [OFFSET...]: job NAME holds COUNT consecutive ports
# on 127.0.0.1, listening on those at the given offsets. Sets BASE to the
# first port.
HOLD_PY='
import os, random, resource, signal, socket, sys
path, count = sys.argv[1], int(sys.argv[2])
opens = [int(a) for a in sys.argv[3:]]
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
if soft != resource.RLIM_INFINITY and soft < count + 64:
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

def grab(base):
    socks = []
    try:
        for port in range(base, base + count):
            s = socket.socket()
            socks.append(s)
            s.bind(("127.0.0.1", port))
    except OSError:
        for s in socks:
            s.close()
        return None
    return socks

for _ in range(200):
    socks = grab(random.randrange(10000, 32000 - count))
    if socks:
        break
else:
    sys.exit("no free block of %d ports" % count)
for i in opens:
    socks[i].listen(16)
with open(path + ".tmp", "w") as f:
    f.write("%d\n" % socks[0].getsockname()[1])
os.replace(path + ".tmp", path)
signal.pause()
'
hold_ports() {
	local name=$1
	shift
	bg "$name" python3 -c "$HOLD_PY" "$T/$name.port" "$@"
	BASE=$(peer_port "$name")
}

# black_hole NAME: job NAME listens on 127.0.0.1 with a full accept queue
# that it never drains, so a new connect gets no answer at all. Sets HOLE.
HOLE_PY='
import os, signal, socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(0)
port = s.getsockname()[1]
fill = []
for _ in range(3):
    c = socket.socket()
    c.setblocking(False)
    try:
        c.connect(("127.0.0.1", port))
    except BlockingIOError:
        pass
    fill.append(c)
time.sleep(0.2)
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write("%d\n" % port)
os.replace(sys.argv[1] + ".tmp", sys.argv[1])
signal.pause()
'
black_hole() {
	bg "$1" python3 -c "$HOLE_PY" "$T/$1.port"
	HOLE=$(peer_port "$1")
}

# closed_udp_port: a UDP port on 127.0.0.1 that nothing is bound to (bound
# to port 0 by the kernel, then released).
closed_udp_port() {
	python3 -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# svc PORT [PROTO]: the service name sockcat shows for a port, "?" if none.
svc() {
	local name
	name=$(getent services "$1/${2:-tcp}" | awk '{ print $1; exit }') || true
	printf '%s\n' "${name:-?}"
}

# open_line PORT / refused_line PORT: sockcat's -v lines for 127.0.0.1,
# named localhost (HOSTNAME overrides, e.g. "(UNKNOWN)" with -n).
open_line() {
	printf '%s [127.0.0.1] %s (%s) open\n' "${HOSTNAME_:-localhost}" "$1" "$(svc "$1")"
}
refused_line() {
	printf '%s [127.0.0.1] %s (%s) : Connection refused\n' "${HOSTNAME_:-localhost}" "$1" "$(svc "$1")"
}

# elapsed_since T0: microseconds since _now set T0.
elapsed_since() {
	_now
	printf '%s\n' "$((_NOW - $1))"
}

@test "-z on an open port exits 0 and prints nothing without -v" {
	hold_ports hold 1 0
	run --separate-stderr sc -z 127.0.0.1 "$BASE"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ -z "$stderr" ]
}

@test "-zv on an open port prints the open line on stderr" {
	hold_ports hold 1 0
	run --separate-stderr sc -zv 127.0.0.1 "$BASE"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ "$stderr" = "$(open_line "$BASE")" ]
}

@test "-z on a single closed port exits 1, silently without -v and with the refused line with -v" {
	hold_ports hold 1
	run --separate-stderr sc -z 127.0.0.1 "$BASE"
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ -z "$stderr" ]
	run --separate-stderr sc -zv 127.0.0.1 "$BASE"
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ "$stderr" = "$(refused_line "$BASE")" ]
}

@test "-zv over a range prints only the open port's line" {
	hold_ports hold 5 2
	run --separate-stderr sc -zv 127.0.0.1 "$BASE-$((BASE + 4))"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ "$stderr" = "$(open_line $((BASE + 2)))" ]
}

@test "-zvv over a range prints every port in port order, then ' sent 0, rcvd 0'" {
	hold_ports hold 5 2
	run --separate-stderr sc -zvv 127.0.0.1 "$BASE-$((BASE + 4))"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	local want
	want=$(
		refused_line "$BASE"
		refused_line $((BASE + 1))
		open_line $((BASE + 2))
		refused_line $((BASE + 3))
		refused_line $((BASE + 4))
		echo " sent 0, rcvd 0"
	)
	[ "$stderr" = "$want" ]
}

@test "a comma list and several arguments are probed and reported in the order given" {
	hold_ports hold 6 1 4
	local HOSTNAME_="(UNKNOWN)" want
	run --separate-stderr sc -zvv -n 127.0.0.1 \
	    "$((BASE + 5)),$((BASE + 1))" "$BASE" "$((BASE + 3))-$((BASE + 4))" "$((BASE + 2))"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	want=$(
		refused_line $((BASE + 5))
		open_line $((BASE + 1))
		refused_line "$BASE"
		refused_line $((BASE + 3))
		open_line $((BASE + 4))
		refused_line $((BASE + 2))
		echo " sent 0, rcvd 0"
	)
	[ "$stderr" = "$want" ]
}

@test "a service name is probed on its port: -z -n 127.0.0.1 http shows 80 (http)" {
	getent services http/tcp | grep -qw 80 || skip "no http/tcp in /etc/services"
	run --separate-stderr sc -zv -n 127.0.0.1 http
	[ -z "$output" ]
	local re='^\(UNKNOWN\) \[127\.0\.0\.1\] 80 \(http\) (open|: Connection refused)$'
	[[ $stderr =~ $re ]]
	# Whatever listens on port 80 here, the status agrees with the line.
	if [[ $stderr == *open ]]; then
		[ "$status" -eq 0 ]
	else
		[ "$status" -eq 1 ]
	fi
}

@test "-r probes every port of a range exactly once" {
	hold_ports hold 20 3 15
	run --separate-stderr sc -zvv -r -n 127.0.0.1 "$BASE-$((BASE + 19))"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	local HOSTNAME_="(UNKNOWN)" want got p
	want=$(
		for ((p = BASE; p < BASE + 20; p++)); do
			if ((p == BASE + 3 || p == BASE + 15)); then
				open_line "$p"
			else
				refused_line "$p"
			fi
		done | sort
	)
	mapfile -t E <<<"$stderr"
	[ "${#E[@]}" -eq 21 ]
	[ "${E[20]}" = " sent 0, rcvd 0" ]
	got=$(printf '%s\n' "${E[@]:0:20}" | sort)
	[ "$got" = "$want" ]
}

@test "a range of 1000 closed loopback ports is probed in well under a second" {
	hold_ports hold 1000
	local t0 us
	_now
	t0=$_NOW
	run --separate-stderr sc -z 127.0.0.1 "$BASE-$((BASE + 999))"
	us=$(elapsed_since "$t0")
	echo "# 1000 closed ports probed in $((us / 1000)) ms" >&3
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ -z "$stderr" ]
	((us < 3000000))
}

@test "-zvv over 1000 closed ports reports each one, in port order" {
	hold_ports hold 1000 500
	run --separate-stderr sc -zvv -n 127.0.0.1 "$BASE-$((BASE + 999))"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	# Service names aside, the lines must be exactly these, in this order.
	local want
	want=$(awk -v base="$BASE" 'BEGIN {
		for (i = 0; i < 1000; i++)
			printf "(UNKNOWN) [127.0.0.1] %d %s\n", base + i,
			    i == 500 ? "open" : ": Connection refused"
		print " sent 0, rcvd 0"
	}')
	[ "$(sed -E 's/^(\(UNKNOWN\) \[127\.0\.0\.1\] [0-9]+) \([^)]*\)/\1/' <<<"$stderr")" = "$want" ]
}

@test "-w bounds a probe that gets no answer, and the other probes do not wait for it" {
	black_hole hole
	hold_ports hold 3 1
	local t0 us
	_now
	t0=$_NOW
	run --separate-stderr sc -zvv -n -w 1 127.0.0.1 "$HOLE" "$BASE-$((BASE + 2))"
	us=$(elapsed_since "$t0")
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	mapfile -t E <<<"$stderr"
	[ "${#E[@]}" -eq 5 ]
	[[ ${E[0]} == "(UNKNOWN) [127.0.0.1] $HOLE ($(svc "$HOLE")) : "?* ]]
	[[ ${E[0]} != *"Connection refused" ]]
	local HOSTNAME_="(UNKNOWN)"
	[ "${E[1]}" = "$(refused_line "$BASE")" ]
	[ "${E[2]}" = "$(open_line $((BASE + 1)))" ]
	[ "${E[3]}" = "$(refused_line $((BASE + 2)))" ]
	[ "${E[4]}" = " sent 0, rcvd 0" ]
	((us >= 900000 && us < 2500000))
}

@test "-w alone on a port that gets no answer exits 1 after about that time" {
	black_hole hole
	local t0 us
	_now
	t0=$_NOW
	run --separate-stderr sc -z -w 1 127.0.0.1 "$HOLE"
	us=$(elapsed_since "$t0")
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ -z "$stderr" ]
	((us >= 900000 && us < 2500000))
}

@test "-i spaces the probes: 3 ports with -i 0.2 take at least 0.4 s" {
	hold_ports hold 3 1
	local t0 us
	_now
	t0=$_NOW
	run --separate-stderr sc -zvv -n -i 0.2 127.0.0.1 "$BASE-$((BASE + 2))"
	us=$(elapsed_since "$t0")
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	local HOSTNAME_="(UNKNOWN)" want
	want=$(
		refused_line "$BASE"
		open_line $((BASE + 1))
		refused_line $((BASE + 2))
		echo " sent 0, rcvd 0"
	)
	[ "$stderr" = "$want" ]
	((us >= 400000))
}

@test "-zu on a bound UDP port sends one X and counts the port open" {
	bg rcv python3 "$PEER" udp-recv --count 1 --payload "$T/rcv.got" \
	    --port-file "$T/rcv.port"
	PORT=$(peer_port rcv)
	run --separate-stderr sc -zuv -w 1 127.0.0.1 "$PORT"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ "$stderr" = "localhost [127.0.0.1] $PORT ($(svc "$PORT" udp)) open" ]
	bg_wait rcv
	[ "$BG_STATUS" -eq 0 ]
	[ "$(<"$T/rcv.got")" = X ]
}

@test "-zu on a closed UDP port exits 1, and -v says Connection refused" {
	local port
	port=$(closed_udp_port)
	run --separate-stderr sc -zu -w 1 127.0.0.1 "$port"
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ -z "$stderr" ]
	run --separate-stderr sc -zuv -w 1 127.0.0.1 "$port"
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ "$stderr" = "localhost [127.0.0.1] $port ($(svc "$port" udp)) : Connection refused" ]
}

@test "-z with -l is a usage error (exit 2)" {
	run --separate-stderr sc -z -l 127.0.0.1 80
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	[ "$stderr" = "sockcat: options -z and -l conflict: -z probes remote ports" ]
}

@test "-z with -e is a usage error (exit 2) and runs nothing" {
	hold_ports hold 1 0
	run --separate-stderr sc -z -c "echo ran >'$T/ran'" 127.0.0.1 "$BASE"
	[ "$status" -eq 2 ]
	run --separate-stderr sc -z -e /bin/true 127.0.0.1 "$BASE"
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	[[ $stderr == "sockcat: option -z "*"-e"* ]]
	[ ! -e "$T/ran" ]
}

@test "a range whose low end is above its high end is a usage error (exit 2)" {
	run --separate-stderr sc -z 127.0.0.1 90-80
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	[ "$stderr" = 'sockcat: invalid port range "90-80": 90 is above 80' ]
}

@test "connect mode without -z refuses a second port argument (exit 2)" {
	run --separate-stderr sc 127.0.0.1 80 81 </dev/null
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	[[ $stderr == "sockcat: "*'"81"'* ]]
}

# recorder NAME COUNT: job NAME listens on COUNT ports of 127.0.0.1 and
# accepts one connection on each, writing "PORT PEER-ADDRESS PEER-PORT"
# lines to $T/NAME.peers (the whole file at once, when all have come). It
# also holds a port with SO_REUSEADDR without listening, free for sockcat
# (which sets SO_REUSEADDR for -p) to bind as its source port. Sets PORTS
# to the listening ports and SRC to the held one.
RECORDER_PY='
import os, select, socket, sys
path, count = sys.argv[1], int(sys.argv[2])
held = socket.socket()
held.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
held.bind(("127.0.0.1", 0))
ls = []
for _ in range(count):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(8)
    ls.append(s)
ports = [s.getsockname()[1] for s in ls]
with open(path + ".ports.tmp", "w") as f:
    f.write(" ".join(str(p) for p in ports + [held.getsockname()[1]]) + "\n")
os.replace(path + ".ports.tmp", path + ".ports")
lines = []
while ls:
    ready, _, _ = select.select(ls, [], [])
    for s in ready:
        c, peer = s.accept()
        lines.append("%d %s %d\n" % (s.getsockname()[1], peer[0], peer[1]))
        c.close()
        ls.remove(s)
with open(path + ".peers.tmp", "w") as f:
    f.write("".join(sorted(lines)))
os.replace(path + ".peers.tmp", path + ".peers")
'
recorder() {
	local ports
	bg "$1" python3 -c "$RECORDER_PY" "$T/$1" "$2"
	_wait_job "$1" 10 "writing $1.ports" test -s "$T/$1.ports"
	read -r -a ports <"$T/$1.ports"
	SRC=${ports[-1]}
	PORTS=("${ports[@]:0:$2}")
}

@test "-z -s ADDR probes from that address: the listener sees the probe come from 127.0.0.2" {
	recorder rec 1
	run --separate-stderr sc -zv -n -s 127.0.0.2 127.0.0.1 "${PORTS[0]}"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ "$stderr" = "$(HOSTNAME_="(UNKNOWN)" open_line "${PORTS[0]}")" ]
	bg_wait rec
	[ "$BG_STATUS" -eq 0 ]
	[[ $(<"$T/rec.peers") == "${PORTS[0]} 127.0.0.2 "* ]]
}

@test "-z -p PORT probes several ports, each from that source port" {
	recorder rec 2
	hold_ports hold 1
	run --separate-stderr sc -zvv -n -p "$SRC" 127.0.0.1 \
	    "${PORTS[0]}" "$BASE" "${PORTS[1]}"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	local HOSTNAME_="(UNKNOWN)" want
	want=$(
		open_line "${PORTS[0]}"
		refused_line "$BASE"
		open_line "${PORTS[1]}"
		echo " sent 0, rcvd 0"
	)
	[ "$stderr" = "$want" ]
	bg_wait rec
	[ "$BG_STATUS" -eq 0 ]
	want=$(printf '%s 127.0.0.1 %s\n' "${PORTS[0]}" "$SRC" "${PORTS[1]}" "$SRC" | sort)
	[ "$(<"$T/rec.peers")" = "$want" ]
}

@test "-z -s ADDR that is not local exits 1 with one bind message and probes nothing" {
	recorder rec 1
	run --separate-stderr sc -zv -n -s 192.0.2.1 127.0.0.1 "${PORTS[0]}" \
	    "${PORTS[0]}"
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ "$stderr" = "sockcat: bind to source 192.0.2.1 port 0: Cannot assign requested address" ]
	running rec
}

# need_strace: skip unless strace is installed and may trace here.
need_strace() {
	command -v strace >/dev/null || skip "strace is not installed"
	strace -o /dev/null true 2>/dev/null ||
	    skip "strace cannot trace processes here (ptrace not permitted)"
}

# no_leak_check: ASAN_OPTIONS for strace runs of a sanitizer build, whose
# LeakSanitizer cannot run under ptrace.
no_leak_check() {
	printf '%s' "${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
}

@test "-z applies the socket options to every probe: strace shows -T and --keepalive set, then the source bound" {
	need_strace
	recorder rec 2
	run --separate-stderr timeout 20 env "ASAN_OPTIONS=$(no_leak_check)" strace -f -o "$T/trace" \
	    -e trace=setsockopt,bind "$SOCKCAT" -z -n -T lowdelay \
	    --keepalive -s 127.0.0.1 127.0.0.1 "${PORTS[0]}" "${PORTS[1]}"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	bg_wait rec
	[ "$(grep -c 'IP_TOS, \[16\]' "$T/trace")" -eq 2 ]
	[ "$(grep -c 'SO_KEEPALIVE, \[1\]' "$T/trace")" -eq 2 ]
	[ "$(grep -c 'bind(.*inet_addr("127.0.0.1")' "$T/trace")" -eq 2 ]
}

@test "-z -p PORT probes one port at a time: strace shows each probe's socket closed before the next is bound" {
	need_strace
	recorder rec 2
	hold_ports hold 2
	run --separate-stderr timeout 20 env "ASAN_OPTIONS=$(no_leak_check)" strace -o "$T/trace" \
	    -e trace=socket,bind,close "$SOCKCAT" -z -n -p "$SRC" 127.0.0.1 \
	    "${PORTS[0]}" "$BASE" "${PORTS[1]}" $((BASE + 1))
	[ "$status" -eq 0 ]
	bg_wait rec
	# Each probe: socket, bind, close, on one descriptor number, in turn.
	local calls
	calls=$(grep -E '^(socket\(AF_INET|bind\(|close\()' "$T/trace" |
	    sed -E 's/^(socket)\(.*= ([0-9]+)$/\1 \2/; s/^(bind|close)\(([0-9]+),.*$/\1 \2/; s/^(close)\(([0-9]+)\).*$/\1 \2/' |
	    awk '$1 == "socket" { fd = $2 } $2 == fd' | awk '{ print $1 }' |
	    paste -sd' ')
	[ "$calls" = "socket bind close socket bind close socket bind close socket bind close" ]
}
