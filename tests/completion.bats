#!/usr/bin/env bats
# completion.bats -- the shell completions in src/completion/: bash's with
# and without the bash-completion package, zsh's through a real completion
# on a pty; both complete every option `sockcat -h` lists; make install and
# uninstall.  Nothing here touches the network.

bats_require_minimum_version 1.5.0
load helpers/common

ROOT=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
BASHCOMP=$ROOT/src/completion/sockcat.bash
ZSHCOMP=$ROOT/src/completion/_sockcat
BASH_COMPLETION_PKG=/usr/share/bash-completion/bash_completion

setup() {
	common_setup
	# Fixed host names (bash's compgen -A hostname reads HOSTFILE), no
	# ssh files of the user's, and a directory with known files.
	printf '%s\n' '192.0.2.1 sockcat-test-alpha' \
	    '192.0.2.2 sockcat-test-beta' >"$T/hosts"
	export HOSTFILE=$T/hosts HOME=$T/home
	mkdir -p "$T/home" "$T/cwd/subdir" "$T/empty"
	: >"$T/cwd/alpha.txt"
	: >"$T/cwd/beta.log"
}
teardown() { common_teardown; }

# --- what -h lists ------------------------------------------------------------

# options_in_help: the option names that open the option lines of the help
# text on stdin ("  -c, --sh-exec CMD", "      --allow LIST"), one a line.
# Lines indented further are continuations, never options.
options_in_help() {
	sed -nE 's/^ {2,6}(-[[:alnum:]], --[[:alnum:]][[:alnum:]-]*|-[[:alnum:]]|--[[:alnum:]][[:alnum:]-]*).*/\1/p' |
	    sed 's/, /\n/' | sort -u
}

# value_options_in_help: those of the options above that take a value (an
# upper-case placeholder follows: "-c, --sh-exec CMD", "--allow LIST").
value_options_in_help() {
	sed -nE 's/^ {2,6}(-[[:alnum:]], )?(--[[:alnum:]][[:alnum:]-]*) [A-Z].*/\1\2/p' |
	    sed 's/, /\n/' | sort -u
}

# help_options: options_in_help for `sockcat -h`, which must list plenty.
help_options() {
	local opts
	opts=$("$SOCKCAT" -h | options_in_help) || return 1
	if (($(wc -l <<<"$opts") < 40)); then
		echo "found only $(wc -l <<<"$opts") options in sockcat -h:" >&2
		echo "$opts" >&2
		return 1
	fi
	printf '%s\n' "$opts"
}

# words: the lines of stdin as one line.
words() { paste -sd ' ' -; }

# missing WANTED OFFERED: the lines of WANTED not among those of OFFERED.
missing() {
	comm -23 <(sort -u <<<"$1") <(tr ' ' '\n' <<<"$2" | sort -u)
}

# --- bash ---------------------------------------------------------------------

# The driver: load the completion (after bash-completion with "bc"; with
# "plain", none of bash-completion's helpers exist), then for each LINE set
# COMP_WORDS, COMP_CWORD, COMP_LINE and COMP_POINT as bash does for a TAB at
# the end of LINE (words split at blanks and at runs of = : < >, an empty
# word after a final blank), call _sockcat and print COMPREPLY sorted on one
# line.  Runs in $T/cwd.
write_driver() {
	cat >"$T/driver.bash" <<'EOF'
mode=$1 comp=$2
shift 2
if [[ $mode == bc ]]; then
	source /usr/share/bash-completion/bash_completion || exit 3
else
	unset -f _init_completion _filedir _known_hosts_real 2>/dev/null
fi
source "$comp" || exit 3
for line; do
	COMP_WORDS=()
	rest=$line
	while [[ -n $rest ]]; do
		if [[ $rest =~ ^[[:blank:]]+ ]]; then
			:
		elif [[ $rest =~ ^[=:\<\>]+ || $rest =~ ^[^=:\<\>[:blank:]]+ ]]; then
			COMP_WORDS+=("${BASH_REMATCH[0]}")
		fi
		rest=${rest:${#BASH_REMATCH[0]}}
	done
	[[ $line == *[[:blank:]] ]] && COMP_WORDS+=("")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMP_LINE=$line
	COMP_POINT=${#line}
	COMPREPLY=()
	_sockcat sockcat "${COMP_WORDS[COMP_CWORD]}" \
	    "${COMP_WORDS[COMP_CWORD - 1]}" || exit 4
	printf '%s\n' "${COMPREPLY[@]}" | LC_ALL=C sort -u | paste -sd ' ' -
done
EOF
}

# bash_modes: "plain", and "bc" when the bash-completion package is here.
bash_modes() {
	echo plain
	[[ -r $BASH_COMPLETION_PKG ]] && echo bc
	return 0
}

# bcomp MODE LINE...: one line of completions for each LINE, completed in
# ${BCOMP_DIR:-$T/cwd}.
bcomp() {
	local mode=$1
	shift
	[[ -f $T/driver.bash ]] || write_driver
	(cd "${BCOMP_DIR:-$T/cwd}" && timeout 30 bash --norc --noprofile \
	    "$T/driver.bash" "$mode" "$BASHCOMP" "$@")
}

# bash_offers LINE WORD...: in every mode, a TAB after LINE offers exactly
# the WORDs (none: nothing at all).
bash_offers() {
	local line=$1 mode got want
	shift
	want=$(printf '%s\n' "$@" | LC_ALL=C sort -u | paste -sd ' ' -)
	for mode in $(bash_modes); do
		got=$(bcomp "$mode" "$line") || {
			echo "$mode: the completion failed for '$line'" >&2
			return 1
		}
		if [[ $got != "$want" ]]; then
			printf '%s: sockcat completion of %q\n  offered %s\n  wanted  %s\n' \
			    "$mode" "$line" "$got" "$want" >&2
			return 1
		fi
	done
}

@test "bash: --pro offers the options that start so" {
	bash_offers 'sockcat --pro' --progress --proxy --proxy-auth \
	    --proxy-type --proxy-user
	bash_offers 'sockcat -n --proxy-t' --proxy-type
	bash_offers 'sockcat --no-s' --no-shutdown --no-splice --no-stdin
	bash_offers 'sockcat --re' --recv-buffer --recv-limit --recv-only \
	    --retry --retry-interval
}

@test "bash: -X and --proxy-type offer the proxy protocols" {
	local all=(4 4a 5 connect socks4 socks4a socks5 http)
	bash_offers 'sockcat -X ' "${all[@]}"
	bash_offers 'sockcat -x proxy -X ' "${all[@]}"
	bash_offers 'sockcat --proxy-type ' "${all[@]}"
	bash_offers 'sockcat --proxy-type=' "${all[@]}"
	bash_offers 'sockcat --proxy-type=so' socks4 socks4a socks5
	bash_offers 'sockcat --proxy-ty s' socks4 socks4a socks5
	bash_offers 'sockcat -X 4' 4 4a
	# Attached to its letter, in a cluster: the whole word.
	bash_offers 'sockcat -nX4' -nX4 -nX4a
}

@test "bash: -T and --tos offer the TOS keywords" {
	bash_offers 'sockcat -T af4' af41 af42 af43
	bash_offers 'sockcat --tos=af4' af41 af42 af43
	bash_offers 'sockcat -T cs' cs0 cs1 cs2 cs3 cs4 cs5 cs6 cs7
	bash_offers 'sockcat --tos M' Maximize-Reliability Maximize-Throughput \
	    Minimize-Cost Minimize-Delay
	bash_offers 'sockcat -vTaf4' -vTaf41 -vTaf42 -vTaf43
	local got
	got=$(bcomp plain 'sockcat -T ')
	local kw
	for kw in lowdelay throughput reliability lowcost critical inetcontrol \
	    netcontrol ef va af11 af12 af13 af21 af22 af23 af31 af32 af33 af41 \
	    af42 af43 cs0 cs7 Minimize-Delay Maximize-Throughput \
	    Maximize-Reliability Minimize-Cost; do
		[[ " $got " == *" $kw "* ]] || {
			echo "-T does not offer $kw: $got" >&2
			return 1
		}
	done
	(($(wc -w <<<"$got") == 33))
}

@test "bash: file options, -U and redirections offer files" {
	local opt
	bash_offers 'sockcat --output ' alpha.txt beta.log subdir
	for opt in -o --hex-dump --output --allowfile --denyfile --port-file; do
		bash_offers "sockcat $opt al" alpha.txt
		[[ $opt == --* ]] && bash_offers "sockcat -l -p 1 $opt=b" beta.log
	done
	bash_offers 'sockcat -o=b'
	bash_offers 'sockcat -U ' alpha.txt beta.log subdir
	bash_offers 'sockcat -lU s' subdir
	bash_offers 'sockcat --unixsock -l b' beta.log
	bash_offers 'sockcat host 1 > al' alpha.txt
	bash_offers 'sockcat host 1 >>b' beta.log
	bash_offers 'sockcat host 1 2>s' subdir
}

@test "bash: -e offers programs, -c commands, a path files" {
	mkdir -p "$T/bin"
	printf '#!/bin/sh\n' >"$T/bin/sockcat-prog-one"
	printf '#!/bin/sh\n' >"$T/bin/sockcat-prog-two"
	: >"$T/bin/sockcat-prog-data"
	chmod 755 "$T/bin/sockcat-prog-one" "$T/bin/sockcat-prog-two"
	PATH=$T/bin:$PATH bash_offers 'sockcat -e sockcat-prog-' \
	    sockcat-prog-one sockcat-prog-two
	PATH=$T/bin:$PATH bash_offers 'sockcat --exec=sockcat-prog-' \
	    sockcat-prog-one sockcat-prog-two
	PATH=$T/bin:$PATH bash_offers 'sockcat -c sockcat-prog-' \
	    sockcat-prog-one sockcat-prog-two
	PATH=$T/bin:$PATH bash_offers 'sockcat -l 1 --sh-exec sockcat-prog-t' \
	    sockcat-prog-two
	bash_offers 'sockcat -e ./al' ./alpha.txt
	# -c, unlike -e, takes shell words: builtins too.
	local got
	got=$(bcomp plain 'sockcat -c ulimi')
	[[ $got == *ulimit* ]]
	got=$(bcomp plain 'sockcat -e ulimi')
	[[ $got != *ulimit* ]]
}

@test "bash: the host, then ports; -s and -x hosts; nothing with -l" {
	bash_offers 'sockcat sockcat-test-' sockcat-test-alpha sockcat-test-beta
	bash_offers 'sockcat -nv sockcat-test-a' sockcat-test-alpha
	bash_offers 'sockcat -w 1 sockcat-test-b' sockcat-test-beta
	bash_offers 'sockcat -x sockcat-test-a' sockcat-test-alpha
	bash_offers 'sockcat --proxy=sockcat-test-b' sockcat-test-beta
	bash_offers 'sockcat -s sockcat-test-' sockcat-test-alpha sockcat-test-beta
	bash_offers 'sockcat -- sockcat-test-a' sockcat-test-alpha
	bash_offers 'sockcat -l ' 
	bash_offers 'sockcat -l -p 1 ' 
	if grep -qE '^ssh[[:space:]]+22/tcp' /etc/services 2>/dev/null; then
		local got
		got=$(bcomp plain 'sockcat sockcat-test-alpha ss')
		[[ " $got " == *" ssh "* ]]
		got=$(bcomp plain 'sockcat -z sockcat-test-alpha 21 ss')
		[[ " $got " == *" ssh "* ]]
	fi
}

@test "bash: after -z HOST:PORT... --, a command, then files" {
	mkdir -p "$T/bin"
	printf '#!/bin/sh\n' >"$T/bin/sockcat-prog-one"
	chmod 755 "$T/bin/sockcat-prog-one"
	PATH=$T/bin:$PATH bash_offers 'sockcat -z db:5432 -- sockcat-prog-' \
	    sockcat-prog-one
	PATH=$T/bin:$PATH bash_offers 'sockcat -z -v db 5432 -- sockcat-prog-' \
	    sockcat-prog-one
	bash_offers 'sockcat -z --any db:5432 -- true ./al' ./alpha.txt
	# A -- before any argument only ends the options: still a host.
	bash_offers 'sockcat -z -- sockcat-test-a' sockcat-test-alpha
}

@test "bash: an option's value is never offered an option" {
	local opts opt lines=() flags=() mode
	opts=$("$SOCKCAT" -h | value_options_in_help)
	(($(wc -l <<<"$opts") >= 20))
	for opt in $opts -x -X -T -o; do
		lines+=("sockcat $opt -" "sockcat $opt --" "sockcat -n $opt --p")
	done
	# And after an option without a value, options again.
	for opt in $(missing "$(help_options)" "$opts"); do
		flags+=("sockcat $opt --p")
	done
	((${#flags[@]} >= 20))
	for mode in $(bash_modes); do
		BCOMP_DIR=$T/empty bcomp "$mode" "${flags[@]}" >"$T/flags"
		(($(wc -l <"$T/flags") == ${#flags[@]}))
		if grep -qvx -- '--port-file --progress --proxy --proxy-auth --proxy-type --proxy-user' "$T/flags"; then
			echo "$mode: after an option without a value:" >&2
			paste <(printf '%s\n' "${flags[@]}") "$T/flags" >&2
			return 1
		fi
		BCOMP_DIR=$T/empty bcomp "$mode" "${lines[@]}" >"$T/values"
		(($(wc -l <"$T/values") == ${#lines[@]}))
		if grep -q . "$T/values"; then
			echo "$mode: options offered as values:" >&2
			paste <(printf '%s\n' "${lines[@]}") "$T/values" |
			    awk -F '\t' '$2 != ""' >&2
			return 1
		fi
	done
}

@test "bash: every option of sockcat -h is offered" {
	local opts longs mode got
	opts=$(help_options)
	longs=$(grep -- '^--' <<<"$opts")
	for mode in $(bash_modes); do
		got=$(bcomp "$mode" 'sockcat -')
		if [[ -n $(missing "$opts" "$got") ]]; then
			echo "$mode: sockcat -<TAB> lacks: $(missing "$opts" "$got" | words)" >&2
			return 1
		fi
		got=$(bcomp "$mode" 'sockcat --')
		if [[ -n $(missing "$longs" "$got") ]]; then
			echo "$mode: sockcat --<TAB> lacks: $(missing "$longs" "$got" | words)" >&2
			return 1
		fi
		# --<TAB> offers long options only.
		if grep -qE '(^| )-[^-]' <<<"$got"; then
			echo "$mode: sockcat --<TAB> offers $got" >&2
			return 1
		fi
	done
}

@test "the -h check catches an option the completions lack" {
	local fake
	fake=$("$SOCKCAT" -h; printf '%s\n' \
	    '  -Y, --frobnicate N      a new option' \
	    '      --twiddle           another' \
	    '                          -Q --in-a-continuation-line')
	run missing "$(options_in_help <<<"$fake")" "$(bcomp plain 'sockcat -')"
	[[ $output == $'--frobnicate\n--twiddle\n-Y' ]]
	run zsh_lacks "$(options_in_help <<<"$fake")"
	[[ $output == $'--frobnicate\n--twiddle\n-Y' ]]
}

@test "bash: plain complete -F, loaded without bash-completion" {
	run bash --norc --noprofile -c '
	    before=$(shopt -p; set +o)
	    source "$1" || exit 1
	    [[ $before == "$(shopt -p; set +o)" ]] || { echo options changed; exit 1; }
	    complete -p sockcat' _ "$BASHCOMP"
	[ "$status" -eq 0 ]
	[ "$output" = 'complete -F _sockcat sockcat' ]
	run bash --norc --noprofile -n "$BASHCOMP"
	[ "$status" -eq 0 ]
}

# rl_lines MODE KEYS...: an interactive bash on a pty (script(1)) with the
# completion loaded types each KEYS, a TAB, then ^T, bound to print the
# edited line as <LINE> to $T/rl.lines and clear it.  Not in $(...).
rl_lines() {
	local mode=$1 keys
	shift
	command -v script >/dev/null || skip 'no script(1)'
	cat >"$T/rc.bash" <<EOF
PS1='\$ '
HISTFILE=/dev/null
bind 'set bell-style none'
$( [[ $mode == bc ]] && echo "source $BASH_COMPLETION_PKG" )
$( [[ $mode == plain ]] && echo 'unset -f _init_completion _filedir _known_hosts_real' )
source '$BASHCOMP'
bind -x '"\\C-t": printf "<%s>\\n" "\$READLINE_LINE" >>"$T/rl.lines"; READLINE_LINE='
: >"$T/rl.ready"
EOF
	rm -f "$T/rl.lines" "$T/rl.ready"
	pipe_open rl
	TERM=dumb BG_TIMEOUT=60 bg rl script -qfec \
	    "cd $T/cwd && exec bash --noprofile --rcfile $T/rc.bash -i" /dev/null
	wait_for 20 test -e "$T/rl.ready"
	for keys; do
		pipe_write rl "$keys"$'\t\x14'
	done
	wait_for 20 rl_done $#
	pipe_write rl $'exit\n'
	pipe_close rl
	bg_wait rl 20 || true
}
rl_done() { [[ -f $T/rl.lines ]] && (($(wc -l <"$T/rl.lines") >= $1)); }

@test "bash: readline inserts what the completion offers" {
	local mode want got
	want='<sockcat --tos=lowdelay >
<sockcat -T Minimize-Delay >
<sockcat -nTlowdelay >
<sockcat --proxy-type >
<sockcat -X connect >
<sockcat --proxy-type=socks4a >
<sockcat --output=alpha.txt >
<sockcat --hex-dump subdir/>
<sockcat --progress=always >
<sockcat -x sockcat-test-alpha >
<sockcat sockcat-test-beta >
<sockcat -U beta.log >'
	for mode in $(bash_modes); do
		rl_lines "$mode" 'sockcat --tos=lowd' 'sockcat -T Minimize-D' \
		    'sockcat -nTlowd' 'sockcat --proxy-ty' 'sockcat -X conn' \
		    'sockcat --proxy-type=socks4a' 'sockcat --output=al' \
		    'sockcat --hex-dump su' 'sockcat --progress=al' \
		    'sockcat -x sockcat-test-al' 'sockcat sockcat-test-b' \
		    'sockcat -U be'
		got=$(cat "$T/rl.lines")
		if [[ $got != "$want" ]]; then
			echo "$mode: got" >&2
			diff <(echo "$want") <(echo "$got") >&2
			return 1
		fi
	done
}

@test "bash: bash-completion loads the installed file on demand" {
	[[ -r $BASH_COMPLETION_PKG ]] || skip 'no bash-completion package'
	make_install "$T/root"
	XDG_DATA_DIRS=$T/root/usr/share run bash --norc --noprofile -c '
	    source "$1"
	    _completion_loader sockcat
	    complete -p sockcat' _ "$BASH_COMPLETION_PKG"
	[ "$status" -eq 0 ]
	[ "$output" = 'complete -F _sockcat sockcat' ]
}

# --- zsh ----------------------------------------------------------------------

need_zsh() {
	command -v zsh >/dev/null || skip 'no zsh'
	zsh -fc 'zmodload zsh/zpty' 2>/dev/null || skip 'no zsh/zpty'
}

# zcomp LINE: the matches zsh's completion system offers after LINE, one a
# line, sorted: an interactive zsh on a pty (zsh/zpty) with fpath holding
# src/completion, compinit and a compadd that also writes every match it
# adds to a file; TAB runs complete-word.
zcomp() {
	cat >"$T/zcap.zsh" <<'EOF'
zmodload zsh/zpty || exit 3
compdir=$1 out=$2 line=$3
: >$out
zpty z zsh -f -i
zpty -w z "PROMPT= RPROMPT=; fpath=(${(q)compdir} \$fpath); autoload -U compinit; compinit -u -D"
zpty -w z "zstyle ':completion:*' insert-tab false; bindkey '^I' complete-word"
zpty -w z "compadd() { local -a __h; builtin compadd -A __h \"\$@\"; (( \$#__h )) && print -rl -- \$__h >>${(q)out}; builtin compadd \"\$@\"; }"
zpty -w z "_zcap_done() { print -r -- '<done>' >>${(q)out}; }; comppostfuncs=(_zcap_done)"
zpty -w -n z "$line"$'\t'
integer i
for (( i = 0; i < 400; i++ )); do
	[[ -s $out && "$(tail -n 1 $out)" == '<done>' ]] && break
	zpty -r -t z junk 2>/dev/null
	sleep 0.05
done
zpty -d z
[[ "$(tail -n 1 $out)" == '<done>' ]] || exit 2
EOF
	(cd "$T/cwd" && timeout 40 zsh -f "$T/zcap.zsh" "$ROOT/src/completion" \
	    "$T/zcap.out" "$1") || {
		echo "zsh completion of '$1' did not finish" >&2
		return 1
	}
	grep -vx '<done>' "$T/zcap.out" | LC_ALL=C sort -u
}

# zsh_offers LINE WORD...: zsh offers exactly the WORDs after LINE.
zsh_offers() {
	local line=$1 got want
	shift
	want=$(printf '%s\n' "$@" | grep . | LC_ALL=C sort -u)
	got=$(zcomp "$line") || return 1
	if [[ $got != "$want" ]]; then
		printf 'zsh: sockcat completion of %q\n  offered %s\n  wanted  %s\n' \
		    "$line" "$(words <<<"$got")" "$(words <<<"$want")" >&2
		return 1
	fi
}

@test "zsh: _sockcat parses and loads with compinit" {
	command -v zsh >/dev/null || skip 'no zsh'
	run zsh -n "$ZSHCOMP"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	run zsh -fc 'fpath=($1 $fpath); autoload -U compinit; compinit -u -D
	    print -r -- $_comps[sockcat]
	    autoload +X _sockcat && whence -w _sockcat' _ "$ROOT/src/completion"
	[ "$status" -eq 0 ]
	[ "$output" = $'_sockcat\n_sockcat: function' ]
}

# zsh_lacks OPTIONS: those of the OPTIONS (lines) that _sockcat does not
# name as an option: -X+, {-X, --long=, --long[ ...
zsh_lacks() {
	local o
	for o in $1; do
		grep -qE -- "(^|[{,'()*])$o([]+,=[}]|\$)" "$ZSHCOMP" || echo "$o"
	done
}

@test "zsh: every option of sockcat -h is in _sockcat and offered" {
	local opts got
	opts=$(help_options)
	run zsh_lacks "$opts"
	if [[ -n $output ]]; then
		echo "_sockcat lacks: $(words <<<"$output")" >&2
		return 1
	fi
	# Options with a value are specs -X+ or --long=, the others not.
	local vals o
	vals=$("$SOCKCAT" -h | value_options_in_help)
	for o in $opts; do
		if grep -qx -- "$o" <<<"$vals"; then
			grep -qE -- "(^|[{,'()*])${o}[+=]" "$ZSHCOMP" || {
				echo "_sockcat: $o takes no value" >&2
				return 1
			}
		elif [[ $o != --progress ]]; then
			! grep -qE -- "(^|[{,'()*])${o}[+=]" "$ZSHCOMP" || {
				echo "_sockcat: $o takes a value" >&2
				return 1
			}
		fi
	done
	need_zsh
	got=$(zcomp 'sockcat -')
	if [[ -n $(missing "$opts" "$got") ]]; then
		echo "zsh: sockcat -<TAB> lacks: $(missing "$opts" "$got" | words)" >&2
		return 1
	fi
}

@test "zsh: option values, files, hosts" {
	need_zsh
	zsh_offers 'sockcat --pro' --progress --proxy --proxy-auth --proxy-type \
	    --proxy-user
	zsh_offers 'sockcat -X ' 4 4a 5 connect socks4 socks4a socks5 http
	zsh_offers 'sockcat --proxy-type=so' socks4 socks4a socks5
	zsh_offers 'sockcat -T af4' af41 af42 af43
	zsh_offers 'sockcat --tos=cs' cs0 cs1 cs2 cs3 cs4 cs5 cs6 cs7
	zsh_offers 'sockcat --progress=' always
	zsh_offers 'sockcat --output ' alpha.txt beta.log subdir
	zsh_offers 'sockcat --port-file=b' beta.log
	zsh_offers 'sockcat -U ' alpha.txt beta.log subdir
	zsh_offers 'sockcat -X -'
	zsh_offers 'sockcat -T --'
	zsh_offers 'sockcat -l '
	local got
	got=$(zcomp 'sockcat sockcat-test-')
	# zsh's _hosts reads /etc/hosts, not HOSTFILE: just no options.
	run ! grep -q '^-' <<<"$got"
}

# --- make install -------------------------------------------------------------

# make_install DESTDIR [VAR=VALUE...]: make install with PREFIX=/usr, not
# rebuilding ./sockcat if it exists (others may be editing the sources).
make_install() {
	local dest=$1 keep=()
	shift
	[[ -x $ROOT/sockcat ]] && keep=(-o sockcat)
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
	    make -s -C "$ROOT" "${keep[@]}" install DESTDIR="$dest" \
	    PREFIX=/usr "$@" >&2
}

@test "make install puts both files in place; make uninstall removes them" {
	local root=$T/root
	local b=$root/usr/share/bash-completion/completions/sockcat
	local z=$root/usr/share/zsh/site-functions/_sockcat
	make_install "$root"
	cmp "$BASHCOMP" "$b"
	cmp "$ZSHCOMP" "$z"
	[ "$(stat -c %a "$b")" = 644 ]
	[ "$(stat -c %a "$z")" = 644 ]
	[ -x "$root/usr/bin/sockcat" ]
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
	    make -s -C "$ROOT" uninstall DESTDIR="$root" PREFIX=/usr
	[ ! -e "$b" ]
	[ ! -e "$z" ]
	[ ! -e "$root/usr/bin/sockcat" ]

	# BASHCOMPDIR and ZSHCOMPDIR choose the directories.
	make_install "$T/r2" BASHCOMPDIR=/etc/bash_completion.d \
	    ZSHCOMPDIR=/usr/share/zsh/vendor-completions
	cmp "$BASHCOMP" "$T/r2/etc/bash_completion.d/sockcat"
	cmp "$ZSHCOMP" "$T/r2/usr/share/zsh/vendor-completions/_sockcat"
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
	    make -s -C "$ROOT" uninstall DESTDIR="$T/r2" PREFIX=/usr \
	    BASHCOMPDIR=/etc/bash_completion.d \
	    ZSHCOMPDIR=/usr/share/zsh/vendor-completions
	[ ! -e "$T/r2/etc/bash_completion.d/sockcat" ]
	[ ! -e "$T/r2/usr/share/zsh/vendor-completions/_sockcat" ]

	# zsh finds the installed file through fpath.
	if command -v zsh >/dev/null; then
		make_install "$root"
		run zsh -fc 'fpath=($1 $fpath); autoload -U compinit
		    compinit -u -D; print -r -- $_comps[sockcat]' _ \
		    "$root/usr/share/zsh/site-functions"
		[ "$output" = _sockcat ]
	fi
}
