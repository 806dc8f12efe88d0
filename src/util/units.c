/* Durations and sizes as operators write them in config files. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

struct unit {
	const char *name;
	uint64_t factor;
};

static const struct unit duration_units[] = {
	{ "ms", 1 }, { "s", 1000 }, { "m", 60 * 1000 },
	{ "h", 3600 * 1000 }, { "d", 86400 * 1000 }, { "w", 7 * 86400 * 1000 },
};

static const struct unit size_units[] = {
	{ "", 1 }, { "B", 1 },
	{ "KB", 1000ULL }, { "MB", 1000ULL * 1000 },
	{ "GB", 1000ULL * 1000 * 1000 }, { "TB", 1000ULL * 1000 * 1000 * 1000 },
	{ "KiB", 1ULL << 10 }, { "MiB", 1ULL << 20 }, { "GiB", 1ULL << 30 },
	{ "TiB", 1ULL << 40 },
	{ "K", 1ULL << 10 }, { "M", 1ULL << 20 }, { "G", 1ULL << 30 },
	{ "T", 1ULL << 40 },
};

static const struct unit *find_unit(const struct unit *units, size_t n,
				    const char *name, size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (strlen(units[i].name) == len &&
		    strncmp(units[i].name, name, len) == 0)
			return &units[i];
	return NULL;
}

/* Reads digits at *p into *out; fails on no digits or overflow. */
static int read_number(const char **p, uint64_t *out)
{
	uint64_t v = 0;
	const char *s = *p;

	if (!isdigit((unsigned char)*s))
		return -1;
	for (; isdigit((unsigned char)*s); s++) {
		unsigned d = (unsigned)(*s - '0');

		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*p = s;
	*out = v;
	return 0;
}

static int mul_ok(uint64_t a, uint64_t b, uint64_t *out)
{
	if (b != 0 && a > UINT64_MAX / b)
		return -1;
	*out = a * b;
	return 0;
}

/* A duration is one or more NUMBER UNIT pairs ("1h30m"), or a bare
 * number of seconds. */
int carb_parse_duration(const char *text, int64_t *ms_out,
			struct carb_error *err)
{
	const size_t nunits = sizeof(duration_units) / sizeof(duration_units[0]);
	const char *p = text;
	uint64_t total = 0;

	if (*p == '\0')
		return carb_error_set(err, "empty duration");
	while (*p != '\0') {
		uint64_t n, part;
		const char *u;
		const struct unit *unit;

		if (read_number(&p, &n) != 0)
			return carb_error_set(err, "invalid duration \"%s\" (expected e.g. 30s, 5m, 1h, 7d)", text);
		u = p;
		while (isalpha((unsigned char)*p))
			p++;
		if (u == p && u == text + strlen(text) && total == 0)
			unit = &duration_units[1];  /* bare number: seconds */
		else
			unit = find_unit(duration_units, nunits, u, (size_t)(p - u));
		if (unit == NULL)
			return carb_error_set(err, "invalid duration \"%s\": unknown unit \"%.*s\" (valid: ms, s, m, h, d, w)",
					      text, (int)(p - u), u);
		if (mul_ok(n, unit->factor, &part) != 0 || part > (uint64_t)INT64_MAX - total)
			return carb_error_set(err, "duration \"%s\" is too large", text);
		total += part;
	}
	*ms_out = (int64_t)total;
	return 0;
}

int carb_parse_size(const char *text, uint64_t *bytes_out,
		    struct carb_error *err)
{
	const size_t nunits = sizeof(size_units) / sizeof(size_units[0]);
	const char *p = text;
	const struct unit *unit;
	uint64_t n;

	if (read_number(&p, &n) != 0)
		return carb_error_set(err, "invalid size \"%s\" (expected e.g. 512, 10KiB, 1GiB)", text);
	while (*p == ' ')
		p++;
	unit = find_unit(size_units, nunits, p, strlen(p));
	if (unit == NULL)
		return carb_error_set(err, "invalid size \"%s\": unknown unit \"%s\" (valid: B, KB, MB, GB, TB, KiB, MiB, GiB, TiB)",
				      text, p);
	if (mul_ok(n, unit->factor, bytes_out) != 0)
		return carb_error_set(err, "size \"%s\" is too large", text);
	return 0;
}
