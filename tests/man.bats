#!/usr/bin/env bats
# The man page, --help and the usage line never disagree.

bats_require_minimum_version 1.5.0
load helpers/common

MAN="$BATS_TEST_DIRNAME/../man/sockcat.1"

# Option names -h lists: the -x and --long tokens that open an option line.
help_options() {
	"$SOCKCAT" -h | sed -n 's/^  *\(-[^ ]*\)/\1/p' |
	    grep -oE '^(-[A-Za-z0-9], )?--?[a-z0-9-]+' | tr ',' '\n' |
	    tr -d ' ' | grep -v '^$' | sort -u
}

# Option names the man page's option list documents with .It Fl.
man_options() {
	sed -n 's/^\.It Fl //p' "$MAN" |
	    grep -oE '(^|Fl )\\?-?[A-Za-z0-9][a-z0-9-]*' |
	    sed -e 's/^Fl //' -e 's/^\\-/--/' -e 's/^\([A-Za-z0-9]\)$/-\1/' |
	    sort -u
}

@test "mandoc -Tlint finds nothing to complain about in the man page" {
	command -v mandoc || skip "mandoc is not installed"
	run --separate-stderr mandoc -Tlint -W warning "$MAN"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ -z "$stderr" ]
}

@test "every option --help lists is documented in the man page" {
	help_options > "$T/help"
	man_options > "$T/man"
	[ "$(wc -l < "$T/help")" -ge 30 ]
	run comm -23 "$T/help" "$T/man"
	[ "$status" -eq 0 ]
	[ -z "$output" ] || { echo "missing from the man page: $output"; false; }
}

@test "every option the man page documents is listed by --help" {
	help_options > "$T/help"
	man_options > "$T/man"
	[ "$(wc -l < "$T/man")" -ge 30 ]
	run comm -13 "$T/help" "$T/man"
	[ "$status" -eq 0 ]
	[ -z "$output" ] || { echo "missing from --help: $output"; false; }
}

@test "every option --help lists is accepted by the parser" {
	help_options > "$T/help"
	while read -r opt; do
		run --separate-stderr "$SOCKCAT" "$opt" 2>&1
		if [[ "$stderr" == *"unknown option"* ]]; then
			echo "rejected as unknown: $opt"
			false
		fi
	done < "$T/help"
}

@test "the usage line of --help and the man page SYNOPSIS name the same flags" {
	help_flags=$("$SOCKCAT" -h | sed -n 's/.*\[-\([0-9A-Za-z]*\)\].*/\1/p' | head -1)
	man_flags=$(sed -n 's/^\.Op Fl \([0-9A-Za-z]*\)$/\1/p' "$MAN" | head -1)
	[ -n "$help_flags" ]
	[ "$help_flags" = "$man_flags" ]
	# The options with values, in order.
	"$SOCKCAT" -h | grep -oE '\[-[A-Za-z] [a-z]+\]' | tr -d '[]' > "$T/help_args"
	sed -n 's/^\.Op Fl \([A-Za-z]\) Ar \([a-z]*\)$/-\1 \2/p' "$MAN" > "$T/man_args"
	[ -s "$T/help_args" ]
	diff "$T/help_args" "$T/man_args"
}

@test "the man page lists every exit status" {
	sed -n '/^\.Sh EXIT STATUS/,/^\.Sh /p' "$MAN" > "$T/exit"
	for code in 0 1 2 3; do
		grep -qE "^\.It (Li )?$code\$|^\.It $code " "$T/exit" ||
		    { echo "exit status $code not listed"; cat "$T/exit"; false; }
	done
}

@test "the man page has the sections the house style asks for" {
	for s in NAME SYNOPSIS DESCRIPTION "EXIT STATUS" EXAMPLES "SEE ALSO" \
	    AUTHORS CAVEATS; do
		grep -q "^\.Sh $s\$" "$MAN" || { echo "no section $s"; false; }
	done
}

@test "--version prints the version that -h does not contradict" {
	run --separate-stderr "$SOCKCAT" --version
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^sockcat\ [0-9]+\.[0-9]+\.[0-9]+$ ]]
	[ -z "$stderr" ]
}

@test "make install and uninstall honour DESTDIR and PREFIX" {
	top="$BATS_TEST_DIRNAME/.."
	[ -x "$top/sockcat" ] || skip "no ./sockcat built"
	run make -C "$top" -s install DESTDIR="$T/root" PREFIX=/opt/sc
	[ "$status" -eq 0 ]
	[ -x "$T/root/opt/sc/bin/sockcat" ]
	[ -f "$T/root/opt/sc/share/man/man1/sockcat.1" ]
	cmp "$top/man/sockcat.1" "$T/root/opt/sc/share/man/man1/sockcat.1"
	run "$T/root/opt/sc/bin/sockcat" --version
	[ "$status" -eq 0 ]
	run make -C "$top" -s uninstall DESTDIR="$T/root" PREFIX=/opt/sc
	[ "$status" -eq 0 ]
	[ ! -e "$T/root/opt/sc/bin/sockcat" ]
	[ ! -e "$T/root/opt/sc/share/man/man1/sockcat.1" ]
}
