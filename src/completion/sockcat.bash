# bash completion for sockcat(1)                          -*- shell-script -*-
#
# Installed as .../share/bash-completion/completions/sockcat, where the
# bash-completion package loads it on demand; without that package, source
# it from ~/.bashrc.  It needs nothing but bash 4: when bash-completion is
# loaded it also uses that package's helpers (known hosts from ssh's files,
# quoting-aware file names).
#
# Keep the option lists below in step with `sockcat -h`: tests/completion.bats
# fails when -h lists an option that is missing here.

# Options without a value, options with one, and --progress, whose value is
# optional and so only ever given as --progress=VALUE.
_sockcat_short_flags='4 6 b C D d F h k l N n r t U u v z'
_sockcat_short_args='c e I i M m O o P p q s T W w X x'
_sockcat_long_flags='ipv4 ipv6 broadcast crlf socket-debug no-stdin help
	keep-open listen half-close nodns randomize telnet unixsock udp verbose
	zero-io append-output broker chat keepalive no-shutdown no-splice
	recv-only send-only version tty json any fdpass'
_sockcat_long_args='sh-exec exec recv-buffer interval ttl min-ttl send-buffer
	hex-dump proxy-user source-port quit source tos recv-limit wait
	proxy-type proxy allow allowfile delay deny denyfile idle-timeout
	max-conns output proxy-auth retry retry-interval port-file expect
	to'
_sockcat_long_optional='progress'

_sockcat_tos='lowdelay throughput reliability lowcost critical inetcontrol
	netcontrol ef va af11 af12 af13 af21 af22 af23 af31 af32 af33 af41 af42
	af43 cs0 cs1 cs2 cs3 cs4 cs5 cs6 cs7 Minimize-Delay Maximize-Throughput
	Maximize-Reliability Minimize-Cost'
_sockcat_proxy_types='4 4a 5 connect socks4 socks4a socks5 http'

# _sockcat_long NAME: print the long option NAME (without --) stands for:
# itself, or the one option it is an unambiguous prefix of, as getopt_long
# takes it.  Fails when there is none.
_sockcat_long() {
	local o hit=""
	[[ -n $1 ]] || return 1
	for o in $_sockcat_long_flags $_sockcat_long_args \
	    $_sockcat_long_optional; do
		[[ $o == "$1" ]] && { printf '%s\n' "$o"; return 0; }
	done
	for o in $_sockcat_long_flags $_sockcat_long_args \
	    $_sockcat_long_optional; do
		if [[ $o == "$1"* ]]; then
			[[ -n $hit ]] && return 1
			hit=$o
		fi
	done
	[[ -n $hit ]] && printf '%s\n' "$hit"
}

# _sockcat_kind OPTION: what the value of OPTION (-X or --long) is: file,
# command (-c), program (-e), host, tos, proxy-type, progress, or none
# (nothing to offer).
_sockcat_kind() {
	case $1 in
	-o | --hex-dump | --output | --allowfile | --denyfile | --port-file)
		echo file ;;
	-c | --sh-exec) echo command ;;
	-e | --exec) echo program ;;
	-s | --source | -x | --proxy) echo host ;;
	-T | --tos) echo tos ;;
	-X | --proxy-type) echo proxy-type ;;
	--progress) echo progress ;;
	*) echo none ;;
	esac
}

# _sockcat_add PREFIX WORD...: add PREFIX+WORD to COMPREPLY for each WORD,
# less the start of the word that readline does not replace ($_rl_keep,
# which ends at the current word's last COMP_WORDBREAKS character).
_sockcat_add() {
	local prefix=$1 w
	shift
	for w; do
		w=$prefix$w
		COMPREPLY+=("${w#"$_rl_keep"}")
	done
}

# _sockcat_compgen PREFIX COMPGEN-ARGS...: _sockcat_add what compgen finds.
_sockcat_compgen() {
	local prefix=$1 line
	local -a found=()
	shift
	while IFS= read -r line; do
		found+=("$line")
	done < <(compgen "$@" 2>/dev/null | LC_ALL=C sort -u)
	((${#found[@]})) && _sockcat_add "$prefix" "${found[@]}"
	return 0
}

# _sockcat_value KIND PREFIX VALUE: complete VALUE, the value of an option
# (KIND from _sockcat_kind), typed as PREFIX VALUE in the current word:
# PREFIX is "" (a separate word), "--opt=" or "-o" (attached).
_sockcat_value() {
	local kind=$1 prefix=$2 value=$3
	# bash-completion's helpers complete the value alone: fine when readline
	# replaces exactly the value (files), or no part of PREFIX (hosts, whose
	# helper drops what precedes a colon itself).
	local whole=0 exact=0
	[[ $_rl_keep == "$prefix"* ]] && whole=1
	[[ $_rl_keep == "$prefix" ]] && exact=1
	case $kind in
	tos) _sockcat_compgen "$prefix" -W "$_sockcat_tos" -- "$value" ;;
	proxy-type) _sockcat_compgen "$prefix" -W "$_sockcat_proxy_types" -- "$value" ;;
	progress) _sockcat_compgen "$prefix" -W always -- "$value" ;;
	file)
		if ((exact)) && declare -F _filedir >/dev/null; then
			local cur=$value
			_filedir
		else
			compopt -o filenames 2>/dev/null
			_sockcat_compgen "$prefix" -f -- "$value"
		fi
		;;
	command | program)
		# -c: a shell command line, starting with any command name;
		# -e: a program, run without a shell: one on PATH, or a path.
		if [[ $value == */* ]]; then
			_sockcat_value file "$prefix" "$value"
		elif [[ $kind == command ]]; then
			_sockcat_compgen "$prefix" -c -- "$value"
		else
			local dir f
			local -a found=()
			local IFS=:
			for dir in ${PATH-}; do
				[[ -n $dir && -d $dir ]] || continue
				while IFS= read -r f; do
					[[ -f $f && -x $f ]] && found+=("${f##*/}")
				done < <(compgen -f -- "$dir/$value" 2>/dev/null)
			done
			IFS=$' \t\n'
			((${#found[@]})) && _sockcat_compgen "$prefix" \
			    -W "${found[*]}" -- "$value"
		fi
		;;
	host)
		if ((whole)) && declare -F _known_hosts_real >/dev/null; then
			_known_hosts_real -- "$value"
		else
			_sockcat_compgen "$prefix" -A hostname -- "$value"
		fi
		;;
	service)
		# Ports may be given by service name (/etc/services).
		local proto=$4 names
		[[ -r /etc/services ]] || return 0
		names=$(awk -v p="$proto" '
		    $0 !~ /^[[:space:]]*#/ && $2 ~ ("/" p "$") {
			for (i = 1; i <= NF; i++) {
				if (i == 2) continue
				if ($i ~ /^#/) break
				print $i
			}
		    }' /etc/services 2>/dev/null)
		_sockcat_compgen "$prefix" -W "$names" -- "$value"
		;;
	esac
	return 0
}

# _sockcat_words: set words and cword like COMP_WORDS and COMP_CWORD, but
# with the pieces that COMP_WORDBREAKS split off a shell word (= and :, as
# in --tos=ef or -x proxy:1080) joined to it again; set _rl_keep to the part
# of the current word that readline keeps.
_sockcat_words() {
	local i w line=$COMP_LINE j=-1 glued
	words=()
	cword=0
	for ((i = 0; i < ${#COMP_WORDS[@]}; i++)); do
		w=${COMP_WORDS[i]}
		glued=1
		[[ $line == [[:blank:]]* || $i -le 1 ]] && glued=0
		line=${line#"${line%%[![:blank:]]*}"}
		line=${line#"$w"}
		if ((glued && j >= 1)); then
			words[j]+=$w
		else
			words[++j]=$w
		fi
		((i == COMP_CWORD)) && cword=$j
	done
	# A cursor after a blank at the end: a new, empty word.
	((cword >= ${#words[@]})) && words[cword]=
	# readline completes the text after the current word's last word break.
	local cur=${words[cword]} breaks=${COMP_WORDBREAKS-}
	breaks=${breaks//[[:blank:]]/}
	_rl_keep=
	if [[ -n $breaks ]]; then
		local k
		for ((k = ${#cur} - 1; k >= 0; k--)); do
			if [[ $breaks == *"${cur:k:1}"* ]]; then
				_rl_keep=${cur:0:k+1}
				break
			fi
		done
	fi
}

_sockcat() {
	local words cword _rl_keep
	COMPREPLY=()
	_sockcat_words
	local cur=${words[cword]}

	# One pass over the words: options that await a value, positional
	# arguments, the end of options, redirections, the mode (-U, -l, -u),
	# the -- that starts the command of -z HOST:PORT... -- COMMAND.
	local i w o c rest expect="" ends=0 npos=0 unix=0 listen=0 udp=0 cmd=0
	local at_expect="" at_ends=0 at_npos=0
	for ((i = 1; i < ${#words[@]}; i++)); do
		w=${words[i]}
		if ((i == cword)); then
			at_expect=$expect at_ends=$ends at_npos=$npos
			expect=
			continue
		fi
		if [[ -n $expect ]]; then
			expect=
			continue
		fi
		if [[ $w == -- ]] && ((npos > 0)); then
			cmd=$i
			break
		fi
		case $w in
		[0-9]\>* | [0-9]\<* | \>* | \<* | \&\>*)
			# A redirection; a bare one takes the next word.
			[[ $w =~ ^[0-9]?(\>\>?|\<|\>\&)$|^\&\>\>?$ ]] && expect=redirect
			continue ;;
		esac
		if ((ends)) || [[ $w != -?* ]]; then
			((npos++))
			continue
		fi
		case $w in
		--) ends=1 ;;
		--*=*) ;;
		--*)
			o=$(_sockcat_long "${w#--}") || continue
			case " $_sockcat_long_args " in
			*[[:space:]]"$o"[[:space:]]*) expect=--$o ;;
			esac
			case $o in
			unixsock) unix=1 ;;
			listen) listen=1 ;;
			udp) udp=1 ;;
			esac
			;;
		*)
			rest=${w#-}
			while [[ -n $rest ]]; do
				c=${rest:0:1}
				rest=${rest:1}
				case $c in
				U) unix=1 ;;
				l) listen=1 ;;
				u) udp=1 ;;
				esac
				if [[ " $_sockcat_short_args " == *" $c "* ]]; then
					[[ -z $rest ]] && expect=-$c
					break
				fi
			done
			;;
		esac
	done

	# After that --: a command, then its arguments (files).
	if ((cmd && cword > cmd)); then
		if ((cword == cmd + 1)); then
			_sockcat_compgen "" -c -- "$cur"
		else
			_sockcat_value file "" "$cur"
		fi
		return 0
	fi

	# A file after a redirection: "> file" or ">file".
	if [[ $at_expect == redirect ]]; then
		_sockcat_value file "" "$cur"
		return 0
	fi
	if [[ $cur =~ ^([0-9]?(\>\>?|\<|\>\&)|\&\>\>?)(.*)$ ]]; then
		local r=${BASH_REMATCH[1]}
		_sockcat_value file "$r" "${cur#"$r"}"
		return 0
	fi

	# The value of the previous word's option.
	if [[ -n $at_expect ]]; then
		_sockcat_value "$(_sockcat_kind "$at_expect")" "" "$cur"
		return 0
	fi

	if ((!at_ends)) && [[ $cur == -* ]]; then
		case $cur in
		--*=*)
			# --opt=VALUE
			o=${cur%%=*}
			o=$(_sockcat_long "${o#--}") || return 0
			_sockcat_value "$(_sockcat_kind "--$o")" "${cur%%=*}=" \
			    "${cur#*=}"
			;;
		- | --*)
			local -a all=()
			[[ $cur == - ]] && for o in $_sockcat_short_flags \
			    $_sockcat_short_args; do all+=("-$o"); done
			for o in $_sockcat_long_flags $_sockcat_long_args \
			    $_sockcat_long_optional; do all+=("--$o"); done
			_sockcat_compgen "" -W "${all[*]}" -- "$cur"
			;;
		*)
			# A cluster of short options, maybe ending in a value:
			# -nvTef.
			rest=${cur#-}
			while [[ -n $rest ]]; do
				c=${rest:0:1}
				rest=${rest:1}
				if [[ " $_sockcat_short_args " == *" $c "* ]]; then
					if [[ -n $rest ]]; then
						_sockcat_value "$(_sockcat_kind "-$c")" \
						    "${cur%"$rest"}" "$rest"
					else
						_sockcat_add "" "$cur"
					fi
					return 0
				fi
				[[ " $_sockcat_short_flags " == *" $c "* ]] || return 0
			done
			_sockcat_add "" "$cur"
			;;
		esac
		return 0
	fi

	# Positional arguments: a socket path with -U; with -l, an address
	# and a port, nothing to offer; else a host, then ports.
	if ((unix)); then
		_sockcat_value file "" "$cur"
	elif ((listen)); then
		:
	elif ((at_npos == 0)); then
		_sockcat_value host "" "$cur"
	else
		local proto=tcp
		((udp)) && proto=udp
		_sockcat_value service "" "$cur" "$proto"
	fi
	return 0
}

complete -F _sockcat sockcat
