bats_require_minimum_version 1.5.0
load helpers/common
setup() { common_setup; }
teardown() { common_teardown; }

# cli.bats -- the command line: help and version, every kind of bad value
# and conflicting option (exit 2, nothing on stdout, one exact line on
# stderr), the letters sockcat refuses, and values that must be accepted.
# Most tests never touch the network; those that must stay on loopback.

# usage_error MESSAGE ARGS...: `sockcat ARGS...` exits 2, prints nothing on
# stdout and exactly "sockcat: MESSAGE" on stderr.
usage_error() {
	local want=$1
	shift
	run --separate-stderr timeout 10 "$SOCKCAT" "$@" </dev/null
	if [[ $status -ne 2 || -n $output || $stderr != "sockcat: $want" ]]; then
		printf 'sockcat %s\n  status %s\n  stdout %q\n  stderr %q\n  wanted %q\n' \
		    "$*" "$status" "$output" "$stderr" "sockcat: $want" >&2
		return 1
	fi
}

# refused_letter LETTER TEXT: -LETTER is refused (exit 2, nothing on stdout)
# with one line that names the option and contains TEXT.
refused_letter() {
	run --separate-stderr timeout 10 "$SOCKCAT" "-$1" 127.0.0.1 9 </dev/null
	if [[ $status -ne 2 || -n $output || ${#stderr_lines[@]} -ne 1 ||
	    $stderr != "sockcat: option -$1 "*"$2"* ]]; then
		printf 'sockcat -%s\n  status %s\n  stdout %q\n  stderr %q\n  wanted text %q\n' \
		    "$1" "$status" "$output" "$stderr" "$2" >&2
		return 1
	fi
}

# accept_timeout_ok MS ARGS...: `sockcat -l ARGS... -w ... 0` got past option
# parsing: it listened, waited at least MS milliseconds (a timer never fires
# early), and gave up with status 1 and the message echoing the -w value as
# typed (ARGS must include the -w being tested, as "-w VALUE").
accept_timeout_ok() {
	local ms=$1 typed= prev= a start
	shift
	for a in "$@"; do
		[[ $prev == -w ]] && typed=$a
		prev=$a
	done
	_now
	start=$_NOW
	run --separate-stderr timeout 10 "$SOCKCAT" -l "$@" 0 </dev/null
	_now
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[[ $stderr =~ ^sockcat:\ no\ connection\ on\ port\ [0-9]+\ within\ -w\ (.*)$ ]]
	[ "${BASH_REMATCH[1]}" = "$typed" ]
	(( _NOW - start >= ms * 1000 ))
}

# --- help and version ---------------------------------------------------------

@test "-h prints the usage on stdout and exits 0 with nothing on stderr" {
	run --separate-stderr timeout 10 "$SOCKCAT" -h
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[[ ${lines[0]} == "usage: sockcat "* ]]
	[[ $output == *"sockcat -l [options] [address] port"* ]]
	[[ $output == *"-w, --wait SECS"* ]]
	[[ $output == *"Exit status: 0 session completed, 1 network failure, 2 usage error,"$'\n'"3 no match for --expect."* ]]
}

@test "--help prints the same text as -h" {
	run --separate-stderr timeout 10 "$SOCKCAT" -h
	[ "$status" -eq 0 ]
	local short=$output
	run --separate-stderr timeout 10 "$SOCKCAT" --help
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ -n "$output" ]
	[ "$output" = "$short" ]
}

@test "--version prints one line with the version and exits 0" {
	run --separate-stderr timeout 10 "$SOCKCAT" --version
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "${#lines[@]}" -eq 1 ]
	[[ $output =~ ^sockcat\ [0-9]+\.[0-9]+\.[0-9]+$ ]]
}

# --- ports ----------------------------------------------------------------------

@test "a connect port above 65535 is a usage error, never wrapped" {
	usage_error 'invalid port "99999": must be 1-65535' 127.0.0.1 99999
	usage_error 'invalid port "65536": must be 1-65535' 127.0.0.1 65536
}

@test "port 0 is a usage error when connecting" {
	usage_error 'invalid port "0": must be 1-65535' 127.0.0.1 0
}

@test "a negative port is a usage error in both modes" {
	usage_error 'invalid port "-1": must be 1-65535' -- 127.0.0.1 -1
	usage_error 'invalid port "-1": must be 0-65535' -l -p -1
}

@test "a listen port above 65535 is a usage error that allows 0" {
	usage_error 'invalid port "65536": must be 0-65535' -l 65536
	usage_error 'invalid port "99999": must be 0-65535' -l -p 99999
}

@test "a port that is neither a number nor a service is a usage error naming it" {
	usage_error 'invalid port "abc": not a number or a known tcp service' \
	    127.0.0.1 abc
	usage_error 'invalid port "nosuchsvc": not a number or a known tcp service' \
	    -l -p nosuchsvc
	usage_error 'invalid port "nosuchsvc": not a number or a known udp service' \
	    -u 127.0.0.1 nosuchsvc
}

@test "a bad source port is a usage error when connecting" {
	usage_error 'invalid port "0": must be 1-65535' -p 0 127.0.0.1 9
	usage_error 'invalid port "70000": must be 1-65535' -p 70000 127.0.0.1 9
	# -z reads -p the same way, in its classic and its HOST:PORT form,
	# after the arguments (a bad argument is named first).
	usage_error 'invalid port "70000": must be 1-65535' -z -p 70000 \
	    127.0.0.1 9
	usage_error 'invalid port "70000": must be 1-65535' -z -p 70000 \
	    127.0.0.1:9
	usage_error 'invalid port "nosuchsvc": not a number or a known udp service' \
	    -u -z -p nosuchsvc 127.0.0.1:9
	usage_error 'invalid target "[::1": expected [ADDRESS]:PORT' \
	    -z -p 70000 '[::1'
}

@test "a service name is accepted as a port: -p http binds source port 80" {
	((EUID == 0)) || skip "binding source port 80 needs root"
	bg lst "$SOCKCAT" -nvl 127.0.0.1 0
	local port
	port=$(listen_port lst)
	run --separate-stderr timeout 10 "$SOCKCAT" -p http 127.0.0.1 "$port" \
	    <<<"from http"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	bg_wait lst
	[ "$BG_STATUS" -eq 0 ]
	mapfile -t E <"$T/lst.err"
	[ "${E[1]}" = "connect to [127.0.0.1] from (UNKNOWN) [127.0.0.1] 80" ]
}

@test "a service name is accepted as the connect port and shown by number" {
	run --separate-stderr timeout 10 "$SOCKCAT" -nv -q 0 -w 2 127.0.0.1 http \
	    </dev/null
	# Refused or open: whatever port 80 of loopback does, it was port 80.
	[ "$status" -ne 2 ]
	[[ ${stderr_lines[0]} == "(UNKNOWN) [127.0.0.1] 80 (http) "* ]]
}

# --- times ------------------------------------------------------------------------

@test "a -w that is not a time is a usage error naming the value" {
	usage_error 'invalid time "abc" for -w: expected a number of seconds, optionally ending in ms, s, m or h' \
	    -w abc 127.0.0.1 9
	usage_error 'invalid time "1x" for -w: expected a number of seconds, optionally ending in ms, s, m or h' \
	    -w 1x 127.0.0.1 9
}

@test "-w 0 is a usage error" {
	usage_error 'invalid time "0" for -w: must be greater than 0' \
	    -w 0 127.0.0.1 9
}

@test "a -q that is not a time is a usage error naming the value" {
	usage_error 'invalid time "abc" for -q: expected a number of seconds, optionally ending in ms, s, m or h' \
	    -q abc 127.0.0.1 9
}

@test "times are accepted up to 24 days, as the message and the man page say, and not beyond" {
	usage_error 'invalid time "577h" for -w: longer than 24 days' \
	    -w 577h 127.0.0.1 9
	usage_error 'invalid time "2073600.001" for -q: longer than 24 days' \
	    -q 2073600.001 127.0.0.1 9
	# 24 days exactly is accepted: the parse passes and --help runs.
	run --separate-stderr sc -w 576h -q 2073600 -h
	[ "$status" -eq 0 ]
}

@test "-w accepts milliseconds and fractional seconds" {
	accept_timeout_ok 300 -w 300ms
	accept_timeout_ok 200 -w 0.2
	accept_timeout_ok 250 -w 0.25s
}

@test "-q -1 (wait for the peer) is accepted" {
	accept_timeout_ok 100 -q -1 -w 100ms
}

# --- numeric option ranges ------------------------------------------------------

@test "-I and -O take buffer lengths from 1 to 2147483647" {
	usage_error 'invalid receive buffer length "0": must be 1-2147483647' \
	    -I 0 127.0.0.1 9
	usage_error 'invalid send buffer length "abc": not a number' \
	    -O abc 127.0.0.1 9
	usage_error 'invalid send buffer length "2147483648": must be 1-2147483647' \
	    -O 2147483648 127.0.0.1 9
}

@test "-M and -m take a TTL from 1 to 255" {
	usage_error 'invalid TTL "0": must be 1-255' -M 0 127.0.0.1 9
	usage_error 'invalid TTL "256": must be 1-255' -M 256 127.0.0.1 9
	usage_error 'invalid minimum TTL "256": must be 1-255' -m 256 127.0.0.1 9
	usage_error 'invalid minimum TTL "x": not a number' -m x 127.0.0.1 9
}

@test "-W takes a packet count of at least 1" {
	usage_error 'invalid packet count "0": must be 1-2147483647' \
	    -W 0 127.0.0.1 9
}

@test "-T rejects an unknown keyword and accepts keywords, names and numbers" {
	usage_error 'invalid TOS "bogus": expected 0-255 or a keyword such as lowdelay, throughput, ef, af11-af43, cs0-cs7' \
	    -T bogus 127.0.0.1 9
	usage_error 'invalid TOS "256": expected 0-255 or a keyword such as lowdelay, throughput, ef, af11-af43, cs0-cs7' \
	    -T 256 127.0.0.1 9
	accept_timeout_ok 100 -T lowdelay -w 100ms
	accept_timeout_ok 100 -T minimize-delay -w 100ms
	accept_timeout_ok 100 -T 0x10 -w 100ms
}

# --- letters sockcat refuses --------------------------------------------------------

@test "the OpenBSD TLS letters -H -K -R are refused: sockcat has no TLS" {
	refused_letter H "TLS"
	refused_letter K "TLS"
	refused_letter R "TLS"
}

@test "the source-routing letters -g and -G are refused" {
	refused_letter g "source-routing"
	refused_letter G "source-routing"
}

@test "-S -V -Z are refused with what they mean in other netcats" {
	refused_letter S "TCP MD5 signatures"
	refused_letter V "routing table"
	refused_letter Z "DCCP"
}

# --- unknown options and missing values ------------------------------------------

@test "an unknown short option is a usage error naming it" {
	usage_error 'unknown option -Q (see sockcat -h)' -Q 127.0.0.1 9
}

@test "an unknown long option is a usage error naming it" {
	usage_error 'unknown option --bogus (see sockcat -h)' --bogus 127.0.0.1 9
}

@test "an option without its value is a usage error" {
	usage_error 'option -w needs a value' 127.0.0.1 9 -w
	usage_error 'option -p needs a value' -l -p
}

@test "a long-only option without its value is named in the message" {
	usage_error 'option --idle-timeout needs a value' 127.0.0.1 9 --idle-timeout
}

@test "a value given to a flag-only long option is a usage error naming that option" {
	run --separate-stderr timeout 10 "$SOCKCAT" --version=3 </dev/null
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	[ "${#stderr_lines[@]}" -eq 1 ]
	[[ $stderr == "sockcat: "*"--version"* ]]
	# Nothing but printable text in the message.
	[[ $stderr != *[![:print:]]* ]]
}

# --- conflicting options -----------------------------------------------------------

@test "-4 with -6 is a usage error" {
	usage_error 'options -4 and -6 conflict: give at most one' -4 -6 127.0.0.1 9
}

@test "-N with --no-shutdown is a usage error" {
	usage_error 'options -N and --no-shutdown conflict' \
	    -N --no-shutdown 127.0.0.1 9
}

@test "-k without -l is a usage error that points to --keepalive" {
	usage_error 'option -k needs -l: it keeps a listener open (for SO_KEEPALIVE use --keepalive)' \
	    -k 127.0.0.1 9
}

@test "-u -l -k with -e or -c is accepted: a program per UDP peer (tests/udppeers.bats)" {
	# -w 0.2: no datagram comes, so it ends at once with status 1.
	run --separate-stderr timeout 10 "$SOCKCAT" -k -u -l 0 -w 0.2 -e cat </dev/null
	[ "$status" -eq 1 ]
	[[ $stderr =~ ^sockcat:\ no\ connection\ on\ port\ [0-9]+\ within\ -w\ 0\.2$ ]]
	run --separate-stderr timeout 10 "$SOCKCAT" -k -u -l 0 -w 0.2 -c cat </dev/null
	[ "$status" -eq 1 ]
	[[ $stderr =~ ^sockcat:\ no\ connection\ on\ port\ [0-9]+\ within\ -w\ 0\.2$ ]]
}

@test "-U -u -k with -e is a usage error (no program per Unix datagram peer)" {
	usage_error 'options -U -u -k and -e/-c conflict: a program per Unix datagram peer is not supported' \
	    -U -k -u -l "$T/sock" -e cat
}

@test "-C, -i, -q and -W are usage errors with -u -l -k -e: the programs get datagrams as they are" {
	local opt
	for opt in -C '-i 1' '-q 1' '-W 1'; do
		# shellcheck disable=SC2086  # the option and its value
		usage_error "options -C, -i, -q and -W do not apply to -u -l -k with -e/-c: each peer's program gets its datagrams as they are" \
		    -k -u -l 0 $opt -e cat
	done
}

@test "-t with -u is a usage error" {
	usage_error 'options -t and -u conflict: telnet negotiation needs TCP' \
	    -t -u 127.0.0.1 9
}

@test "-r with -p is a usage error" {
	usage_error 'options -r and -p conflict: give a source port or ask for a random one' \
	    -r -p 2000 127.0.0.1 9
}

@test "-r with -l is a usage error" {
	usage_error 'options -r and -l conflict: -r picks a random source port when connecting' \
	    -r -l 0
}

@test "-n with a host name is a usage error, found without any lookup" {
	usage_error 'invalid address "localhost": not numeric, and -n forbids name lookups' \
	    -n localhost 9
	usage_error 'invalid address "localhost": not numeric, and -n forbids name lookups' \
	    -n -s localhost 127.0.0.1 9
	usage_error 'invalid address "localhost": not numeric, and -n forbids name lookups' \
	    -n -l localhost 0
}

# --- arguments ---------------------------------------------------------------------

@test "connect without host and port is a usage error" {
	usage_error 'missing host and port to connect to (see sockcat -h)'
}

@test "connect without a port is a usage error naming the host" {
	usage_error 'missing port to connect to on "127.0.0.1"' 127.0.0.1
}

@test "connect with a third argument is a usage error naming it" {
	run --separate-stderr timeout 10 "$SOCKCAT" 127.0.0.1 80 81 </dev/null
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	[ "${#stderr_lines[@]}" -eq 1 ]
	# A hint may follow the sentence (e.g. about -z).
	[[ $stderr == 'sockcat: unexpected argument "81": connect takes a host and one port'* ]]
}

@test "listen without a port is a usage error that shows how to give one" {
	usage_error 'missing port to listen on (sockcat -l PORT, or -l 0 for any free port)' -l
	usage_error 'missing port to listen on (sockcat -l PORT, or -l 0 for any free port)' \
	    -l 127.0.0.1
}

@test "listen with a third argument is a usage error naming it" {
	usage_error 'unexpected argument "7": listen takes an address and a port' \
	    -l 127.0.0.1 5 7
}

@test "-p and a different positional listen port conflict" {
	usage_error 'conflicting ports to listen on: -p 5000 and "6000"' \
	    -l -p 5000 6000
	usage_error 'conflicting ports to listen on: -p 5000 and "6000"' \
	    -l -p 5000 127.0.0.1 6000
}

@test "-s and a different positional listen address conflict" {
	usage_error 'conflicting addresses to listen on: -s 127.0.0.1 and "::1"' \
	    -l -s 127.0.0.1 ::1 0
	usage_error 'conflicting addresses to listen on: -s 127.0.0.1 and "::1"' \
	    -l -s 127.0.0.1 -p 0 ::1
}

@test "-p and the same positional listen port agree" {
	bg lst "$SOCKCAT" -v -l -p 0 127.0.0.1 0
	local port
	port=$(listen_port lst)
	mapfile -t E <"$T/lst.err"
	[ "${E[0]}" = "listening on [127.0.0.1] $port ..." ]
}

@test "an unknown host name exits 1: it is a network failure, not a usage error" {
	run --separate-stderr timeout 10 "$SOCKCAT" nosuch.invalid 80 </dev/null
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ "${#stderr_lines[@]}" -eq 1 ]
	[[ $stderr == 'sockcat: cannot resolve "nosuch.invalid": '?* ]]
}

# --- messages that say what the user typed ------------------------------------

@test "host:port in one argument is a usage error that shows the two arguments meant" {
	usage_error 'missing port to connect to on "127.0.0.1:8080" (host and port are two arguments: sockcat 127.0.0.1 8080)' \
	    127.0.0.1:8080
	usage_error 'missing port to connect to on "localhost:http" (host and port are two arguments: sockcat localhost http)' \
	    localhost:http
	usage_error 'missing port to connect to on "[::1]:8080" (host and port are two arguments: sockcat ::1 8080)' \
	    '[::1]:8080'
	usage_error 'missing port to connect to on "127.0.0.1:53" (host and port are two arguments: sockcat 127.0.0.1 53)' \
	    -u 127.0.0.1:53
	# No hint where none fits: a bare IPv6 address, or no port after the colon.
	usage_error 'missing port to connect to on "::1"' ::1
	usage_error 'missing port to connect to on "127.0.0.1:"' 127.0.0.1:
}

@test "-x with an empty or bad port says it is the proxy's port" {
	usage_error 'missing proxy port in -x "127.0.0.1:"' -x 127.0.0.1: 127.0.0.1 80
	usage_error 'missing proxy port in -x "[::1]:"' -x '[::1]:' 127.0.0.1 80
	usage_error 'invalid proxy port "abc" in -x "127.0.0.1:abc": not a number or a known tcp service' \
	    -x 127.0.0.1:abc 127.0.0.1 80
	usage_error 'invalid proxy port "99999" in -x "127.0.0.1:99999": must be 1-65535' \
	    -x 127.0.0.1:99999 127.0.0.1 80
}

@test "-w 1 is echoed as typed in the accept timeout message, not as 1000 ms" {
	run --separate-stderr timeout 10 "$SOCKCAT" -l -w 1 0 </dev/null
	[ "$status" -eq 1 ]
	[[ $stderr =~ ^sockcat:\ no\ connection\ on\ port\ [0-9]+\ within\ -w\ 1$ ]]
	run --separate-stderr timeout 10 "$SOCKCAT" -U -l -w 500ms "$T/s" </dev/null
	[ "$status" -eq 1 ]
	[ "$stderr" = "sockcat: no connection on $T/s within -w 500ms" ]
}

@test "--idle-timeout and --retry are echoed as typed in their messages" {
	run --separate-stderr timeout 10 "$SOCKCAT" -u -l -k --idle-timeout 300ms \
	    127.0.0.1 0 </dev/null
	[ "$status" -eq 1 ]
	[[ $stderr =~ ^sockcat:\ no\ connection\ on\ port\ [0-9]+\ within\ --idle-timeout\ 300ms$ ]]
	port=$(python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	run --separate-stderr timeout 10 "$SOCKCAT" -v -n --retry 0.3 \
	    --retry-interval 100ms 127.0.0.1 "$port" </dev/null
	[ "$status" -eq 1 ]
	[[ ${stderr_lines[-1]} =~ ^sockcat:\ gave\ up\ after\ [0-9]+\ attempts\ within\ --retry\ 0\.3$ ]]
}
