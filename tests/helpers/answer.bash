# answer.bash -- the scripted server of the --expect tests (answer.py), for
# the files that load it after helpers/common.

_answer_py=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/answer.py

# server NAME ARGS...: start answer.py (see its options) as job NAME on
# $T/NAME; PORT is its port (0 with --unix).
server() {
	local name=$1
	shift
	bg "$name" python3 "$_answer_py" "$T/$name" "$@"
	PORT=$(peer_port "$name")
}

# served NAME: how many clients NAME has served so far (counted as each
# answer starts).
served() {
	cat "$T/$1.n" 2>/dev/null || echo 0
}

# at_least NAME N: NAME has served N clients or more.
at_least() {
	(($(served "$1") >= $2))
}
