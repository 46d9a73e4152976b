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

# What mandoc -Tlint says about this machine rather than the page: whether
# each .Xr target is installed here and indexed (the Makefile's LINT_XR).
LINT_XR='referenced manual not found: Xr |outdated mandoc.db lacks '

@test "mandoc -Tlint finds nothing to complain about in the man page, style included" {
	command -v mandoc || skip "mandoc is not installed"
	run --separate-stderr mandoc -Tlint "$MAN"
	[ "$status" -le 1 ]
	out=$(printf '%s\n' "$output" "$stderr" | grep -vE "$LINT_XR" || true)
	[ -z "$out" ] || { echo "$out"; false; }
}

@test "make lint-man fails on a page whose only complaint is a style message" {
	command -v mandoc || skip "mandoc is not installed"
	top="$BATS_TEST_DIRNAME/.."
	cat > "$T/style.1" <<'PAGE'
.Dd January 1, 2026
.Dt STYLE 1
.Os
.Sh NAME
.Nm style
.Nd a page with one style message
.Sh DESCRIPTION
This is OpenBSD nc's letter.
PAGE
	run --separate-stderr mandoc -Tlint -W warning "$T/style.1"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	run make -s -C "$top" lint-man MAN_PAGE="$T/style.1"
	[ "$status" -ne 0 ]
	[[ "$output" == *"STYLE: consider using OS macro: Ox"* ]]
	run make -s -C "$top" lint-man
	[ "$status" -eq 0 ] || { echo "$output"; false; }
}

@test "the man page renders without a quote inside another" {
	command -v mandoc || skip "mandoc is not installed"
	mandoc -Tutf8 "$MAN" > "$T/page"
	# Each opening quote closes before the next one opens, page-wide.
	run python3 - "$T/page" <<'PY'
import sys
import re
# Without col -b, whose multibyte handling depends on the locale.
text = re.sub(".\b", "", open(sys.argv[1], encoding="utf-8").read())
pairs = {"\u2018": "\u2019", "\u201c": "\u201d"}
want = None
for i, ch in enumerate(text):
    if ch in pairs or ch in pairs.values():
        if want is None and ch in pairs:
            want = pairs[ch]
        elif ch == want:
            want = None
        else:
            print("nested or stray quote:", repr(text[max(0, i - 60):i + 20]))
            sys.exit(1)
sys.exit(want is not None)
PY
	[ "$status" -eq 0 ] || { echo "$output"; false; }
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

@test "the man page lists the exit statuses 0, 1 and 2 first, in order" {
	sed -n '/^\.Sh EXIT STATUS/,/^\.Sh /p' "$MAN" |
	    sed -n 's/^\.It //p' > "$T/items"
	run head -3 "$T/items"
	[ "$output" = "$(printf '0\n1\n2')" ] || { cat "$T/items"; false; }
	[ "$(wc -l < "$T/items")" -ge 4 ]
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
	# The README says the completions come along.
	cmp "$top/src/completion/sockcat.bash" \
	    "$T/root/opt/sc/share/bash-completion/completions/sockcat"
	cmp "$top/src/completion/_sockcat" \
	    "$T/root/opt/sc/share/zsh/site-functions/_sockcat"
	run "$T/root/opt/sc/bin/sockcat" --version
	[ "$status" -eq 0 ]
	run make -C "$top" -s uninstall DESTDIR="$T/root" PREFIX=/opt/sc
	[ "$status" -eq 0 ]
	[ ! -e "$T/root/opt/sc/bin/sockcat" ]
	[ ! -e "$T/root/opt/sc/share/man/man1/sockcat.1" ]
	[ ! -e "$T/root/opt/sc/share/bash-completion/completions/sockcat" ]
	[ ! -e "$T/root/opt/sc/share/zsh/site-functions/_sockcat" ]
}
