/* The columns a query may name, and the values filters take: ISO 8601
 * times, times ago, numbers.  The core columns are listed here once, with
 * the SQL that reads each; a plugin's columns are added from its
 * declaration (query_build.c).  Column names reach SQL only from these
 * lists. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "catalog/query_internal.h"

/* Per column: name, type, doc, the SQL that reads it (NULL: the column
 * of that name), filterable. */
static const struct carb_qcore files_core[] = {
	{ "id", CARB_QTYPE_INTEGER, "the group's row id", NULL, true },
	{ "watch", CARB_QTYPE_TEXT, "the watch the group was delivered to", NULL, true },
	{ "group_key", CARB_QTYPE_BYTES, "the group's key (by default the stem of its files)", NULL, true },
	{ "generation", CARB_QTYPE_INTEGER, "1, or more for a re-delivery of a finished group", NULL, true },
	{ "status", CARB_QTYPE_TEXT, "WAITING, READY, ARCHIVING, ARCHIVED, NOT_SELECTED, TIMED_OUT, FAILED, CLEARED...", NULL, true },
	{ "complete", CARB_QTYPE_BOOLEAN, "every required component arrived", NULL, true },
	{ "missing", CARB_QTYPE_TEXT, "the required extensions a timed-out group lacked", NULL, true },
	{ "destination", CARB_QTYPE_TEXT, "the archive destination routing chose", NULL, true },
	{ "reason", CARB_QTYPE_TEXT, "why the group was not selected or failed", NULL, true },
	{ "created_at", CARB_QTYPE_TIMESTAMP, "when the group's first component was recorded", NULL, true },
	{ "completed_at", CARB_QTYPE_TIMESTAMP, "when the group was decided (complete or timed out)", NULL, true },
	{ "archived_at", CARB_QTYPE_TIMESTAMP, "when its last component was archived",
	  "(SELECT MAX(c.archived_at) FROM components c WHERE c.file_id = files.id)", true },
	{ "components", CARB_QTYPE_INTEGER, "how many components the group has",
	  "(SELECT COUNT(*) FROM components c WHERE c.file_id = files.id)", true },
	{ "size", CARB_QTYPE_INTEGER, "the bytes of its components",
	  "(SELECT COALESCE(SUM(c.size), 0) FROM components c WHERE c.file_id = files.id)", true },
	{ "deadline_at", CARB_QTYPE_TIMESTAMP, "when waiting for missing components ends", NULL, true },
	{ "updated_at", CARB_QTYPE_TIMESTAMP, "the row's last change", NULL, true },
};

static const struct carb_qcore components_core[] = {
	{ "id", CARB_QTYPE_INTEGER, "the component's row id", NULL, true },
	{ "watch", CARB_QTYPE_TEXT, "the watch it was delivered to", NULL, true },
	{ "rel_path", CARB_QTYPE_BYTES, "its path below the watch's folder", NULL, true },
	{ "extension", CARB_QTYPE_BYTES, "its extension (\".dat\", \".tar.gz\")", NULL, true },
	{ "generation", CARB_QTYPE_INTEGER, "1, or more for a re-delivery", NULL, true },
	{ "file_id", CARB_QTYPE_INTEGER, "the id of its group (query files --id)", NULL, true },
	{ "group_key", CARB_QTYPE_BYTES, "its group's key",
	  "(SELECT f.group_key FROM files f WHERE f.id = components.file_id)", true },
	{ "status", CARB_QTYPE_TEXT, "PENDING, INTEGRITY_FAILED, WAITING, READY, ARCHIVING, ARCHIVED, RETRY_PENDING, FAILED...", NULL, true },
	{ "reason", CARB_QTYPE_TEXT, "why it failed, was rejected or retried", NULL, true },
	{ "size", CARB_QTYPE_INTEGER, "bytes", NULL, true },
	{ "mtime", CARB_QTYPE_TIMESTAMP, "the file's modification time", NULL, true },
	{ "content_hash", CARB_QTYPE_TEXT, "its SHA-256, hex, once integrity passed", NULL, true },
	{ "xxh128", CARB_QTYPE_TEXT, "its xxh128 (32 hex digits, as xxhsum -H2 prints them) once integrity passed, when [integrity] hashes lists \"xxh128\"", NULL, true },
	{ "attempts", CARB_QTYPE_INTEGER, "archive attempts that failed", NULL, true },
	{ "next_retry_at", CARB_QTYPE_TIMESTAMP, "when a RETRY_PENDING component is tried again", NULL, true },
	{ "late", CARB_QTYPE_BOOLEAN, "it joined its group after the group was decided", NULL, true },
	{ "archive_destination", CARB_QTYPE_TEXT, "the destination it went to", NULL, true },
	{ "archive_path", CARB_QTYPE_BYTES, "where it was archived, below archive.base_path; for an http destination, the URL it was PUT to", NULL, true },
	{ "archive_version", CARB_QTYPE_INTEGER, "1, or N for a \"STEM.vN.EXT\" kept beside another content", NULL, true },
	{ "discovered_at", CARB_QTYPE_TIMESTAMP, "when it was first seen", NULL, true },
	{ "settled_at", CARB_QTYPE_TIMESTAMP, "when it stopped changing", NULL, true },
	{ "archived_at", CARB_QTYPE_TIMESTAMP, "when it was archived", NULL, true },
	{ "updated_at", CARB_QTYPE_TIMESTAMP, "the row's last change", NULL, true },
};

const struct carb_qcore *carb_query_core_columns(enum carb_qtable t, size_t *n)
{
	if (t == CARB_QUERY_COMPONENTS) {
		*n = sizeof(components_core) / sizeof(components_core[0]);
		return components_core;
	}
	*n = sizeof(files_core) / sizeof(files_core[0]);
	return files_core;
}

const char *carb_qtype_name(enum carb_qtype t)
{
	switch (t) {
	case CARB_QTYPE_TEXT:
		return "text";
	case CARB_QTYPE_BYTES:
		return "name";
	case CARB_QTYPE_INTEGER:
		return "integer";
	case CARB_QTYPE_REAL:
		return "real";
	case CARB_QTYPE_BOOLEAN:
		return "boolean";
	case CARB_QTYPE_TIMESTAMP:
		return "timestamp";
	}
	return "?";
}

enum carb_qtype carb_qtype_of_plugin(enum carb_plugin_type t)
{
	switch (t) {
	case CARB_PLUGIN_INTEGER:
		return CARB_QTYPE_INTEGER;
	case CARB_PLUGIN_REAL:
		return CARB_QTYPE_REAL;
	case CARB_PLUGIN_BOOLEAN:
		return CARB_QTYPE_BOOLEAN;
	case CARB_PLUGIN_TIMESTAMP:
		return CARB_QTYPE_TIMESTAMP;
	case CARB_PLUGIN_TEXT:
		break;
	}
	return CARB_QTYPE_TEXT;
}

/* ---- times -------------------------------------------------------------- */

/* Days from 0000-01-01 to the first of January of year y (y >= 0),
 * proleptic Gregorian: a leap day in every fourth year, but not in
 * centuries unless they divide by 400. */
static int64_t days_before_year(int64_t y)
{
	return 365 * y + (y + 3) / 4 - (y + 99) / 100 + (y + 399) / 400;
}

/* Year, month and day of d days after 0000-01-01.  An export formats a
 * time per row, and gmtime_r with a printf cost more than the query. */
static void civil_date(int64_t d, int *year, int *month, int *day)
{
	static const int before[] = { 0, 31, 59, 90, 120, 151, 181, 212, 243,
				      273, 304, 334, 365 };
	/* 400 years hold 146097 days: a guess within one year of the truth. */
	int64_t y = d * 400 / 146097, doy;
	int m = 1, leap_day;

	while (days_before_year(y + 1) <= d)
		y++;
	while (days_before_year(y) > d)
		y--;
	doy = d - days_before_year(y);
	leap_day = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	while (m < 12 && doy >= before[m] + (m >= 2 ? leap_day : 0))
		m++;
	*year = (int)y;
	*month = m;
	*day = (int)(doy - before[m - 1] - (m > 2 ? leap_day : 0)) + 1;
}

/* n decimal digits of v, zero-padded, at p. */
static void put_digits(char *p, int n, int64_t v)
{
	while (n-- > 0) {
		p[n] = (char)('0' + v % 10);
		v /= 10;
	}
}

/* gmtime_r and printf, for the years the four-digit form cannot hold. */
static void add_timestamp_slow(struct carb_buf *out, int64_t secs)
{
	struct tm tm;
	time_t t = (time_t)secs;

	gmtime_r(&t, &tm);
	carb_buf_addf(out, "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900,
		      tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

void carb_buf_add_timestamp(struct carb_buf *out, int64_t us)
{
	/* Days from 0000-01-01 to 1970-01-01, and to 10000-01-01. */
	const int64_t epoch = 719528, end = 3652425;
	int64_t secs = us / 1000000, frac = us % 1000000, days, sod;
	char text[27];
	int y, mo, d;

	if (frac < 0) {
		frac += 1000000;
		secs--;
	}
	days = secs / 86400 + epoch;
	sod = secs % 86400;
	if (sod < 0) {
		sod += 86400;
		days--;
	}
	if (days < 0 || days >= end) {
		add_timestamp_slow(out, secs);
	} else {
		civil_date(days, &y, &mo, &d);
		memcpy(text, "0000-00-00T00:00:00", 19);
		put_digits(text, 4, y);
		put_digits(text + 5, 2, mo);
		put_digits(text + 8, 2, d);
		put_digits(text + 11, 2, sod / 3600);
		put_digits(text + 14, 2, sod / 60 % 60);
		put_digits(text + 17, 2, sod % 60);
		carb_buf_add(out, text, 19);
	}
	if (frac != 0) {
		text[0] = '.';
		put_digits(text + 1, 6, frac);
		carb_buf_add(out, text, 7);
	}
	carb_buf_addc(out, 'Z');
}

/* n digits at *p into *v; advances *p. */
static bool digits(const char **p, int n, int *v)
{
	*v = 0;
	for (int i = 0; i < n; i++) {
		if ((*p)[i] < '0' || (*p)[i] > '9')
			return false;
		*v = *v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	return true;
}

static bool leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in(int y, int m)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return m == 2 && leap(y) ? 29 : days[m - 1];
}

/* The time zone suffix at p: "Z", "+HH:MM", "+HHMM", "+HH" or nothing;
 * *off in seconds east of UTC. */
static bool zone(const char *p, int64_t *off)
{
	int h, m = 0, sign;

	*off = 0;
	if (*p == '\0')
		return true;
	if ((*p == 'Z' || *p == 'z') && p[1] == '\0')
		return true;
	if (*p != '+' && *p != '-')
		return false;
	sign = *p++ == '-' ? -1 : 1;
	if (!digits(&p, 2, &h))
		return false;
	if (*p == ':')
		p++;
	if (*p != '\0' && !digits(&p, 2, &m))
		return false;
	if (*p != '\0' || h > 23 || m > 59)
		return false;
	*off = sign * (h * 3600 + m * 60);
	return true;
}

/* YYYY-MM-DD[(T| )HH:MM[:SS[.f+]]][zone]. */
static bool iso_time(const char *text, int64_t *lo, int64_t *hi)
{
	const char *p = text;
	int y, mo, d, h = 0, mi = 0, s = 0;
	int64_t unit = 86400LL * 1000000, frac = 0, off = 0;
	struct tm tm = { 0 };

	if (!digits(&p, 4, &y) || *p++ != '-' || !digits(&p, 2, &mo) ||
	    *p++ != '-' || !digits(&p, 2, &d))
		return false;
	if (mo < 1 || mo > 12 || d < 1 || d > days_in(y, mo))
		return false;
	if (*p == 'T' || *p == 't' || *p == ' ') {
		p++;
		if (!digits(&p, 2, &h) || *p++ != ':' || !digits(&p, 2, &mi))
			return false;
		unit = 60LL * 1000000;
		if (*p == ':') {
			p++;
			if (!digits(&p, 2, &s))
				return false;
			unit = 1000000;
			if (*p == '.' || *p == ',') {
				int64_t scale = 100000;

				p++;
				if (*p < '0' || *p > '9')
					return false;
				for (; *p >= '0' && *p <= '9'; p++) {
					frac += (*p - '0') * scale;
					scale /= 10;
				}
				unit = 1;
			}
		}
		if (h > 23 || mi > 59 || s > 60)
			return false;
	}
	if (!zone(p, &off))
		return false;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	*lo = ((int64_t)timegm(&tm) - off) * 1000000 + frac;
	*hi = *lo + unit;
	return true;
}

int carb_parse_time_range(const char *text, int64_t now_us, int64_t *lo,
			  int64_t *hi, struct carb_error *err)
{
	int64_t ms;

	if (iso_time(text, lo, hi))
		return 0;
	/* A time ago: "7d", "12h", "30m", "90s". */
	if (text[0] >= '0' && text[0] <= '9' &&
	    strchr("smhd", text[strlen(text) - 1]) != NULL &&
	    carb_parse_duration(text, &ms, NULL) == 0) {
		*lo = now_us - ms * 1000;
		*hi = *lo + 1;
		return 0;
	}
	return carb_error_set(err, "\"%s\" is not a time: an ISO 8601 date or"
			      " date-time (2024-03-15, 2024-03-15T06:00:00Z)"
			      " or a time ago (7d, 12h, 30m)", text);
}

int carb_query_parse_int(const char *text, int64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoll(text, &end, 10);
	return errno == 0 && end != text && *end == '\0' ? 0 : -1;
}

int carb_query_parse_real(const char *text, double *v)
{
	char *end;

	errno = 0;
	*v = strtod(text, &end);
	return errno == 0 && end != text && *end == '\0' ? 0 : -1;
}
