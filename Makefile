# sockcat -- build, test, install.  See README.md.

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR ?= $(PREFIX)/share/zsh/site-functions
CC ?= cc
CFLAGS ?= -O2 -g
BATS ?= bats
MANDOC ?= mandoc
SAN_CC ?= $(CC)
SAN_FLAGS = -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
	-fno-sanitize-recover=all

FUZZ_CC ?= clang
FUZZ_CFLAGS ?= -O1 -g
FUZZ_SECONDS ?= 60
FUZZ_FLAGS = -fno-omit-frame-pointer -fsanitize=address,undefined \
	-fno-sanitize-recover=all
VALGRIND ?= valgrind

# Required flags come first; the user's CFLAGS can add, not remove.
REQ_CFLAGS = -std=c11 -Wall -Wextra -Wpedantic
REQ_CPPFLAGS = -D_POSIX_C_SOURCE=200809L

OBJS = src/main.o src/cli.o src/parse.o src/addr.o src/sock.o src/stdio_link.o src/link.o \
	src/telnet.o src/log.o src/session.o src/sig.o src/clock.o src/acl.o \
	src/hexdump.o src/tlog.o src/proxy.o \
	src/fdflags.o src/unixsock.o src/exec.o src/broker.o src/scan.o src/zerocopy.o src/text.o src/tty.o src/progress.o \
	src/udppeers.o src/lowat.o src/admit.o src/expect.o src/activation.o src/fdpass.o src/replay.o \
	src/loop.o src/buf.o src/relay.o
HDRS = src/cli.h src/parse.h src/addr.h src/sock.h src/pump.h src/link.h src/telnet.h \
	src/log.h src/session.h src/sig.h src/clock.h src/acl.h src/hexdump.h \
	src/tlog.h src/proxy.h \
	src/fdflags.h src/unixsock.h src/exec.h src/broker.h src/scan.h src/zerocopy.h src/text.h src/tty.h src/progress.h \
	src/udppeers.h src/lowat.h src/admit.h src/expect.h src/activation.h src/fdpass.h src/replay.h \
	src/loop.h src/buf.h src/relay.h
# The UDP relay (-u --to), kept apart from the lists above for merging.
OBJS += src/udprelay.o
HDRS += src/udprelay.h

# libFuzzer harnesses, tests/fuzz/NAME.c, each linked with every module
# but main.c; binaries and scratch corpora go in build-fuzz/.
FUZZ_NAMES = parse acl proxy telnet chat hexdump cli
FUZZ_BINS = build-fuzz/parse build-fuzz/acl build-fuzz/proxy \
	build-fuzz/telnet build-fuzz/chat build-fuzz/hexdump build-fuzz/cli
FUZZ_HARNESSES = tests/fuzz/parse.c tests/fuzz/acl.c tests/fuzz/proxy.c \
	tests/fuzz/telnet.c tests/fuzz/chat.c tests/fuzz/hexdump.c \
	tests/fuzz/cli.c
FUZZ_LIBOBJS = $(OBJS:src/main.o=)
FUZZ_SRCS = $(FUZZ_LIBOBJS:.o=.c)

# The valgrind subset (about 4 minutes): TCP and UDP transfers, -e/-c,
# proxy handshakes, traffic logs.  The filter leaves out tests named
# "-k with ...": three clients served within 1.8 s, a bound that
# valgrind's slow start breaks.
VG_TESTS = tests/tcp.bats tests/udp.bats tests/exec.bats tests/proxy.bats \
	tests/logs.bats
VG_FILTER = ^([^-]|-[^k]|-k[^ ]|-k [^w])

.PHONY: all check check-sanitize check-valgrind fuzz lint-man lint-poll \
	install uninstall clean bench
.SUFFIXES: .c .o

all: sockcat

sockcat: $(OBJS)
	$(CC) $(REQ_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $(OBJS) $(LDLIBS)

$(OBJS): $(HDRS)

.c.o:
	$(CC) $(REQ_CFLAGS) $(CFLAGS) $(REQ_CPPFLAGS) $(CPPFLAGS) -c -o $@ $<

check: sockcat lint-man lint-poll
	$(BATS) tests

# The same suite against an ASan+UBSan build, kept apart from ./sockcat.
sockcat-san: $(OBJS:.o=.c) $(HDRS)
	$(SAN_CC) $(REQ_CFLAGS) $(SAN_FLAGS) $(REQ_CPPFLAGS) $(CPPFLAGS) \
	    $(LDFLAGS) -o $@ $(OBJS:.o=.c) $(LDLIBS)

check-sanitize: sockcat-san
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=99 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=99 \
	SOCKCAT=$(CURDIR)/sockcat-san $(BATS) tests

# The suite's subset under valgrind, through a wrapper that SOCKCAT names.
# --error-exitcode fails the tests that check the status; the logs catch
# the rest: the summaries, and the errors of a process a signal ended.
VG_ERRORS = ERROR SUMMARY: [1-9]|(definitely|indirectly) lost: [1-9]|== \
	(Invalid |Conditional jump|Use of\
	uninitialised|Syscall param|Mismatched|Source and destination overlap)

# Its own build: valgrind 3.19 cannot read the DWARF 5 that clang (and a
# newer gcc) write by default, so ./sockcat may be unreadable to it.
# Programs start by fork here (SOCKCAT_SPAWN=fork): valgrind runs
# posix_spawn's CLONE_VFORK child as a fork, so a program that cannot run
# is not reported back to the parent; the other runs test posix_spawn.
check-valgrind: $(OBJS:.o=.c) $(HDRS)
	rm -rf build-valgrind
	mkdir -p build-valgrind
	$(CC) $(REQ_CFLAGS) -O1 -gdwarf-4 $(REQ_CPPFLAGS) $(CPPFLAGS) \
	    $(LDFLAGS) -o build-valgrind/sockcat.bin $(OBJS:.o=.c) $(LDLIBS)
	dir=`pwd`; { \
	    echo '#!/bin/sh'; \
	    echo 'SOCKCAT_SPAWN=fork; export SOCKCAT_SPAWN'; \
	    echo "exec $(VALGRIND) --error-exitcode=1 --leak-check=full" \
	        "--errors-for-leak-kinds=definite,indirect" \
	        "--show-leak-kinds=definite,indirect --track-fds=no" \
	        "--trace-children=no" \
	        "--log-file=$$dir/build-valgrind/vg.%p.log" \
	        "$$dir/build-valgrind/sockcat.bin \"\$$@\""; \
	} >build-valgrind/sockcat
	chmod 755 build-valgrind/sockcat
	@status=0; \
	echo "SOCKCAT=build-valgrind/sockcat $(BATS) --filter '$(VG_FILTER)'" \
	    "$(VG_TESTS)"; \
	SOCKCAT=`pwd`/build-valgrind/sockcat $(BATS) --filter '$(VG_FILTER)' \
	    $(VG_TESTS) || status=1; \
	for f in build-valgrind/vg.*.log; do \
	    if grep -qsE '$(VG_ERRORS)' "$$f"; then cat "$$f"; status=1; fi; \
	done; \
	[ $$status -eq 0 ] || echo 'check-valgrind: failed (see above)'; \
	exit $$status

build-fuzz/libsockcat.a: $(FUZZ_SRCS) $(HDRS)
	rm -rf build-fuzz/obj
	mkdir -p build-fuzz/obj
	for f in $(FUZZ_SRCS); do \
	    o=build-fuzz/obj/$${f##*/}; \
	    $(FUZZ_CC) $(REQ_CFLAGS) $(FUZZ_CFLAGS) $(FUZZ_FLAGS) \
	    -fsanitize=fuzzer-no-link $(REQ_CPPFLAGS) $(CPPFLAGS) \
	    -c -o $${o%.c}.o $$f || exit 1; \
	done
	rm -f $@
	$(AR) rc $@ build-fuzz/obj/*.o

$(FUZZ_BINS): build-fuzz/libsockcat.a $(FUZZ_HARNESSES) $(HDRS)
	$(FUZZ_CC) $(REQ_CFLAGS) $(FUZZ_CFLAGS) $(FUZZ_FLAGS) \
	    -fsanitize=fuzzer $(REQ_CPPFLAGS) -Isrc $(CPPFLAGS) $(LDFLAGS) -o $@ \
	    tests/fuzz/$(@F).c build-fuzz/libsockcat.a $(LDLIBS)

# Each harness for FUZZ_SECONDS on its seed corpus; fails on any crash.
fuzz: $(FUZZ_BINS)
	sh tests/fuzz/run.sh build-fuzz $(FUZZ_SECONDS) $(FUZZ_NAMES)

# sockcat against the netcats installed here, on loopback; prints a markdown
# table.  Not part of check: timing is not a test.  See tests/bench/bench.sh.
bench: sockcat
	@bash tests/bench/bench.sh

# mandoc's default lint level, STYLE included: any line it prints fails.
# Except two that describe this machine, not the page: whether each .Xr
# target is installed here, and whether makewhatis has indexed it.
LINT_XR = referenced manual not found: Xr |outdated mandoc.db lacks
MAN_PAGE = man/sockcat.1
lint-man:
	@out=`$(MANDOC) -Tlint $(MAN_PAGE) 2>&1`; status=$$?; \
	out=`printf '%s\n' "$$out" | grep -vE '$(LINT_XR)'`; \
	if [ $$status -gt 1 ] || [ -n "$$out" ]; then \
	    printf '%s\n' "$$out"; \
	    echo "lint-man: mandoc -Tlint $(MAN_PAGE) is not clean"; exit 1; \
	fi

# One module calls poll(2): src/loop.c, whose wait a terminating signal
# always ends (the loop's, loop_wait_fd(), loop_pause()).  A call anywhere
# else would be a wait a signal can sleep through.  A call is the name
# followed by "(" and an argument: "poll(2)" and "poll()" in prose pass.
POLL_CALL = (^|[^[:alnum:]_])p?poll[[:space:]]*\(([^)2]|2[^)]|$$)
lint-poll:
	@out=`grep -nE '$(POLL_CALL)' src/*.c | grep -v '^src/loop\.c:'`; \
	if [ -n "$$out" ]; then \
	    printf '%s\n' "$$out"; \
	    echo "lint-poll: only src/loop.c may call poll or ppoll" \
	        "(use loop_wait_fd or loop_pause)"; exit 1; \
	fi

install: sockcat
	mkdir -p $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1
	cp sockcat $(DESTDIR)$(BINDIR)/sockcat
	chmod 755 $(DESTDIR)$(BINDIR)/sockcat
	cp man/sockcat.1 $(DESTDIR)$(MANDIR)/man1/sockcat.1
	chmod 644 $(DESTDIR)$(MANDIR)/man1/sockcat.1
	mkdir -p $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR)
	cp src/completion/sockcat.bash $(DESTDIR)$(BASHCOMPDIR)/sockcat
	chmod 644 $(DESTDIR)$(BASHCOMPDIR)/sockcat
	cp src/completion/_sockcat $(DESTDIR)$(ZSHCOMPDIR)/_sockcat
	chmod 644 $(DESTDIR)$(ZSHCOMPDIR)/_sockcat

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/sockcat $(DESTDIR)$(MANDIR)/man1/sockcat.1
	rm -f $(DESTDIR)$(BASHCOMPDIR)/sockcat $(DESTDIR)$(ZSHCOMPDIR)/_sockcat

clean:
	rm -f sockcat sockcat-san $(OBJS)
	rm -rf build-fuzz build-valgrind
