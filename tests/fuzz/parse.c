/* parse.c -- libFuzzer harness for the option-value parsers of parse.h. */

/*
 * Input: the text of one option value (cut at the first NUL byte).  Every
 * parser sees it: parse_port (tcp and udp, with and without 0),
 * parse_port_list, parse_number, parse_time (with and without negatives)
 * and parse_tos.  Inputs over 256 bytes are skipped: an option value is
 * short, and a list of many full ranges only measures realloc.
 *
 * Beyond "no crash", it checks each contract: results in range, a message
 * on every failure, and that the parsers agree with each other and with a
 * plain decimal reading of digit-only text.
 *
 * Build and run with `make fuzz` (seeds in tests/fuzz/corpus/parse/).
 */

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"

#define TEXT_MAX	256

/* Fails the run: a parser broke its contract on this input. */
#define CHECK(cond)	do { if (!(cond)) abort(); } while (0)

/* A failing parser wrote a one-line, non-empty reason. */
static void
check_err(const char *err)
{
	size_t len = strnlen(err, PARSE_ERRLEN);

	CHECK(len > 0 && len < PARSE_ERRLEN);
}

/* The value of digit-only text, or -1 above max (never overflows). */
static long
decimal(const char *s, long max)
{
	long v = 0;

	for (; *s != '\0'; s++) {
		if (v > (max - (*s - '0')) / 10)
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v;
}

static void
fuzz_port(const char *s)
{
	static const char *const protos[] = { "tcp", "udp" };
	char err[PARSE_ERRLEN];
	size_t i;
	int port, port0;

	for (i = 0; i < 2; i++) {
		int rc = parse_port(s, protos[i], false, &port, err,
		    sizeof(err));
		int rc0 = parse_port(s, protos[i], true, &port0, err,
		    sizeof(err));

		if (rc == 0)
			CHECK(port >= 1 && port <= 65535);
		else
			check_err(err);
		if (rc0 == 0)
			CHECK(port0 >= 0 && port0 <= 65535);
		else
			check_err(err);
		/* Allowing 0 only adds 0. */
		if (rc == 0)
			CHECK(rc0 == 0 && port0 == port);
		else if (rc0 == 0)
			CHECK(port0 == 0);
		if (parse_is_digits(s)) {
			long v = decimal(s, 100000);

			CHECK((rc0 == 0) == (v >= 0 && v <= 65535));
			if (rc0 == 0)
				CHECK(port0 == v);
		}
	}
}

static void
fuzz_port_list(const char *s)
{
	struct port_list list = { NULL, 0, 0 };
	char err[PARSE_ERRLEN];
	int port;
	size_t i;

	if (parse_port_list(s, "tcp", &list, err, sizeof(err)) == 0) {
		CHECK(list.count > 0 && list.count <= list.cap);
		for (i = 0; i < list.count; i++)
			CHECK(list.ports[i] >= 1 && list.ports[i] <= 65535);
		/* A lone port is a list of one. */
		if (parse_port(s, "tcp", false, &port, err, sizeof(err)) == 0)
			CHECK(list.count == 1 && list.ports[0] == port);
	} else {
		check_err(err);
		/*
		 * Every single port is a valid list (no ',' in a port), up
		 * to the list's 63-byte items: "000...020" is a port, but
		 * not a list item (seed port-zeros-67).
		 */
		if (strchr(s, ',') == NULL && strlen(s) < 64)
			CHECK(parse_port(s, "tcp", false, &port, err,
			    sizeof(err)) == -1);
	}
	free(list.ports);
}

static void
fuzz_number(const char *s)
{
	static const struct {
		long	min, max;
	} ranges[] = {
		{ 1, 255 }, { 0, 65535 }, { 1, 0x7fffffffL },
		{ LONG_MIN, LONG_MAX }, { -5, 5 },
	};
	char err[PARSE_ERRLEN];
	size_t i;
	long v;

	for (i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++) {
		if (parse_number(s, "value", ranges[i].min, ranges[i].max,
		    &v, err, sizeof(err)) == 0) {
			CHECK(v >= ranges[i].min && v <= ranges[i].max);
			if (parse_is_digits(s))
				CHECK(v == decimal(s, LONG_MAX));
		} else {
			check_err(err);
			if (parse_is_digits(s)) {
				long d = decimal(s, LONG_MAX);

				CHECK(d == -1 || d < ranges[i].min ||
				    d > ranges[i].max);
			}
		}
	}
}

/* The longest time accepted: 24 days, as the message and the man page say. */
#define TIME_MAX_MS	(24L * 24 * 60 * 60 * 1000)

static void
fuzz_time(const char *s)
{
	char err[PARSE_ERRLEN], *unit;
	long ms, neg, n;

	if (parse_time(s, "-w", false, &ms, err, sizeof(err)) == 0)
		CHECK(ms >= 0 && ms <= TIME_MAX_MS);
	else
		check_err(err);
	if (parse_time(s, "-q", true, &neg, err, sizeof(err)) == 0) {
		/* A leading '-' means "no limit", whatever follows. */
		if (s[0] == '-')
			CHECK(neg == -1);
		else
			CHECK(neg >= 0 && neg <= TIME_MAX_MS);
	} else
		check_err(err);
	/* Without a '-', allowing negatives changes nothing. */
	if (s[0] != '-') {
		long again;
		int rc = parse_time(s, "-w", false, &again, err, sizeof(err));
		int rcn = parse_time(s, "-q", true, &neg, err, sizeof(err));

		CHECK(rc == rcn);
		if (rc == 0)
			CHECK(again == neg && again == ms);
	}
	/* Digits alone are seconds; digits and "ms", milliseconds. */
	if (parse_is_digits(s)) {
		n = decimal(s, TIME_MAX_MS / 1000);
		if (n >= 0)
			CHECK(parse_time(s, "-w", false, &ms, err,
			    sizeof(err)) == 0 && ms == n * 1000);
	}
	unit = strstr(s, "ms");
	if (unit != NULL && unit != s && unit[2] == '\0' &&
	    strspn(s, "0123456789") == (size_t)(unit - s)) {
		char digits[TEXT_MAX + 1];

		memcpy(digits, s, (size_t)(unit - s));
		digits[unit - s] = '\0';
		n = decimal(digits, TIME_MAX_MS);
		if (n >= 0)
			CHECK(parse_time(s, "-w", false, &ms, err,
			    sizeof(err)) == 0 && ms == n);
	}
}

static void
fuzz_tos(const char *s)
{
	char err[PARSE_ERRLEN];
	int tos;

	if (parse_tos(s, &tos, err, sizeof(err)) == 0)
		CHECK(tos >= 0 && tos <= 255);
	else
		check_err(err);
	/* Decimal is decimal, never octal: "010" is ten. */
	if (parse_is_digits(s)) {
		long v = decimal(s, 1000);

		if (v >= 0 && v <= 255)
			CHECK(parse_tos(s, &tos, err, sizeof(err)) == 0 &&
			    tos == v);
		else
			CHECK(parse_tos(s, &tos, err, sizeof(err)) == -1);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;

	if (size > TEXT_MAX)
		return 0;
	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	fuzz_port(s);
	fuzz_port_list(s);
	fuzz_number(s);
	fuzz_time(s);
	fuzz_tos(s);
	free(s);
	return 0;
}
