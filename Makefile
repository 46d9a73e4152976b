# sockcat -- build, test, install.  See README.md.

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
CC ?= cc
CFLAGS ?= -O2 -g
BATS ?= bats
MANDOC ?= mandoc
SAN_CC ?= $(CC)
SAN_FLAGS = -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
	-fno-sanitize-recover=all

# Required flags come first; the user's CFLAGS can add, not remove.
REQ_CFLAGS = -std=c11 -Wall -Wextra -Wpedantic
REQ_CPPFLAGS = -D_POSIX_C_SOURCE=200809L

OBJS = src/main.o src/cli.o src/parse.o src/addr.o src/sock.o src/pump.o \
	src/telnet.o src/log.o src/session.o src/sig.o src/clock.o src/acl.o \
	src/hexdump.o src/tlog.o src/proxy.o \
	src/fdflags.o src/unixsock.o src/exec.o src/broker.o src/scan.o
HDRS = src/cli.h src/parse.h src/addr.h src/sock.h src/pump.h src/telnet.h \
	src/log.h src/session.h src/sig.h src/clock.h src/acl.h src/hexdump.h \
	src/tlog.h src/proxy.h \
	src/fdflags.h src/unixsock.h src/exec.h src/broker.h src/scan.h

.PHONY: all check check-sanitize lint-man install uninstall clean
.SUFFIXES: .c .o

all: sockcat

sockcat: $(OBJS)
	$(CC) $(REQ_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $(OBJS) $(LDLIBS)

$(OBJS): $(HDRS)

.c.o:
	$(CC) $(REQ_CFLAGS) $(CFLAGS) $(REQ_CPPFLAGS) $(CPPFLAGS) -c -o $@ $<

check: sockcat lint-man
	$(BATS) tests

# The same suite against an ASan+UBSan build, kept apart from ./sockcat.
sockcat-san: $(OBJS:.o=.c) $(HDRS)
	$(SAN_CC) $(REQ_CFLAGS) $(SAN_FLAGS) $(REQ_CPPFLAGS) $(CPPFLAGS) \
	    $(LDFLAGS) -o $@ $(OBJS:.o=.c) $(LDLIBS)

check-sanitize: sockcat-san
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=99 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=99 \
	SOCKCAT=$(CURDIR)/sockcat-san $(BATS) tests

lint-man:
	$(MANDOC) -Tlint -W warning man/sockcat.1

install: sockcat
	mkdir -p $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1
	cp sockcat $(DESTDIR)$(BINDIR)/sockcat
	chmod 755 $(DESTDIR)$(BINDIR)/sockcat
	cp man/sockcat.1 $(DESTDIR)$(MANDIR)/man1/sockcat.1
	chmod 644 $(DESTDIR)$(MANDIR)/man1/sockcat.1

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/sockcat $(DESTDIR)$(MANDIR)/man1/sockcat.1

clean:
	rm -f sockcat sockcat-san $(OBJS)
