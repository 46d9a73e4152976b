bats_require_minimum_version 1.5.0
load helpers/common

# spawn.bats -- the two ways a -e/-c program is started: posix_spawn(3)
# where the C library can close every descriptor but stdio (glibc 2.34 and
# later), else fork(2) and exec; SOCKCAT_SPAWN=fork forces the second.
# Each test runs once per way: the program must not tell them apart.

# start_listener HOW NAME ARGS...: `sockcat -n -v ARGS...` as job NAME,
# started the HOW way (spawn or fork); PORT from its listening line.
start_listener() {
	local how=$1 name=$2
	shift 2
	if [[ $how == fork ]]; then
		BG_STDIN=/dev/null SOCKCAT_SPAWN=fork bg "$name" "$SOCKCAT" \
		    -n -v "$@"
	else
		bg "$name" env -u SOCKCAT_SPAWN "$SOCKCAT" -n -v "$@"
	fi
	PORT=$(listen_port "$name")
}

# ask: one client sends nothing, half-closes and saves the reply in
# $T/cli.save.
ask() {
	run --separate-stderr timeout 20 python3 "$PEER" client-halfclose \
	    --port "$PORT" --send '' --save "$T/cli.save"
	[ "$status" -eq 0 ]
}

# same_bytes TEXT FILE: FILE holds exactly TEXT.
same_bytes() {
	printf '%s' "$1" | cmp - "$2"
}

check_environment() {
	SOCKCAT_PROTO=bogus NCAT_REMOTE_PORT=0 KEEP_ME=kept \
	    start_listener "$1" lst -k -l 0 -c \
	    'echo "$SOCKCAT_PROTO $NCAT_REMOTE_PORT $KEEP_ME"; env | grep -c "^SOCKCAT_PROTO="'
	ask
	local port
	port=$(sed -n 's/^connect to .* \([0-9]*\)$/\1/p' "$T/lst.err")
	same_bytes "TCP $port kept"$'\n1\n' "$T/cli.save"
}

@test "the program's SOCKCAT_* and NCAT_* variables replace inherited ones, the rest is kept (spawn)" {
	check_environment spawn
}

@test "the program's SOCKCAT_* and NCAT_* variables replace inherited ones, the rest is kept (fork)" {
	check_environment fork
}

check_descriptors() {
	# fd 7 open without close-on-exec: the listener's, not the program's.
	# The shell tests each number: a pipeline or an ls would open its own.
	if [[ $1 == fork ]]; then
		export SOCKCAT_SPAWN=fork
	fi
	bg lst bash -c 'exec 7<"$0"; exec "$@"' /dev/null "$SOCKCAT" -n -v -k \
	    -l 0 -c 'for n in $(seq 3 64); do
	    [ -e /proc/$$/fd/$n ] && printf "%s " $n; done; echo end'
	unset SOCKCAT_SPAWN
	PORT=$(listen_port lst)
	ask
	same_bytes $'end\n' "$T/cli.save"
}

@test "the program holds stdin, stdout and stderr only (spawn)" {
	check_descriptors spawn
}

@test "the program holds stdin, stdout and stderr only (fork)" {
	check_descriptors fork
}

check_group_and_signals() {
	# Its own group; SIGHUP, SIGINT, SIGPIPE, SIGTERM not ignored; no
	# signal blocked (the listener blocks four outside its waits).  The
	# program reads its own /proc entries: no shell, whose waits block
	# signals of their own.
	start_listener "$1" lst -k -l 0 -e 'awk NR==1{print($5==$1?"group":"none")}/^Sig(Ign|Blk):/{print($1,$2)} /proc/self/stat /proc/self/status'
	ask
	local lines
	mapfile -t lines <"$T/cli.save"
	[ "${lines[0]}" = group ]
	[ "${lines[1]}" = "SigBlk: 0000000000000000" ]
	[[ ${lines[2]} == "SigIgn: "* ]]
	[ $(( 0x${lines[2]#SigIgn: } & 0x5003 )) -eq 0 ]
}

@test "the program leads its own process group, with default signals and none blocked (spawn)" {
	check_group_and_signals spawn
}

@test "the program leads its own process group, with default signals and none blocked (fork)" {
	check_group_and_signals fork
}

check_missing() {
	start_listener "$1" lst -l 0 -e "$T/no-such-program arg"
	ask
	bg_wait lst
	[ "$BG_STATUS" -eq 127 ]
	grep -qFx "sockcat: run $T/no-such-program: No such file or directory" "$T/lst.err"
}

@test "a missing program exits 127 and says so (spawn)" {
	check_missing spawn
}

@test "a missing program exits 127 and says so (fork)" {
	check_missing fork
}

check_not_executable() {
	printf 'echo hi\n' >"$T/plain"
	chmod 644 "$T/plain"
	start_listener "$1" lst -l 0 -e "$T/plain"
	ask
	bg_wait lst
	[ "$BG_STATUS" -eq 126 ]
	grep -qFx "sockcat: run $T/plain: Permission denied" "$T/lst.err"
}

@test "a program that is not executable exits 126 and says so (spawn)" {
	check_not_executable spawn
}

@test "a program that is not executable exits 126 and says so (fork)" {
	check_not_executable fork
}

check_no_shebang() {
	# execvp(3) runs a file the kernel cannot with /bin/sh; so must -e.
	printf 'echo "hi $1"\n' >"$T/noshebang"
	chmod 755 "$T/noshebang"
	start_listener "$1" lst -k -l 0 -e "$T/noshebang there"
	ask
	same_bytes $'hi there\n' "$T/cli.save"
}

@test "-e runs a script without #! through /bin/sh (spawn)" {
	check_no_shebang spawn
}

@test "-e runs a script without #! through /bin/sh (fork)" {
	check_no_shebang fork
}

check_path() {
	mkdir "$T/bin"
	printf '#!/bin/sh\necho "found $1"\n' >"$T/bin/sockcat-spawn-test"
	chmod 755 "$T/bin/sockcat-spawn-test"
	PATH=$T/bin:$PATH start_listener "$1" lst -k -l 0 \
	    -e 'sockcat-spawn-test  one'
	ask
	same_bytes $'found one\n' "$T/cli.save"
}

@test "-e splits on blanks and searches PATH (spawn)" {
	check_path spawn
}

@test "-e splits on blanks and searches PATH (fork)" {
	check_path fork
}
