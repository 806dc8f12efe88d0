/* Offset date-times, local date-times, local dates and local times, in
 * the RFC 3339 forms TOML 1.0 allows (seconds required, 'T', 't' or a
 * space between date and time). */
#include <string.h>

#include "config/toml_internal.h"

static bool digits_at(const struct carb_toml_parser *p, size_t off, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!carb_toml_is_digit(carb_toml_peek_at(p, off + i)))
			return false;
	return true;
}

bool carb_toml_looks_like_datetime(const struct carb_toml_parser *p)
{
	return (digits_at(p, 0, 4) && carb_toml_peek_at(p, 4) == '-') ||
	       (digits_at(p, 0, 2) && carb_toml_peek_at(p, 2) == ':');
}

/* Reads exactly n digits; -1 when they are not there. */
static int fixed_digits(struct carb_toml_parser *p, size_t n)
{
	int v = 0;

	if (!digits_at(p, 0, n))
		return -1;
	for (size_t i = 0; i < n; i++) {
		v = v * 10 + (carb_toml_peek(p) - '0');
		carb_toml_advance(p);
	}
	return v;
}

static bool expect(struct carb_toml_parser *p, char c)
{
	if (carb_toml_peek(p) != c)
		return false;
	carb_toml_advance(p);
	return true;
}

static int days_in_month(int year, int month)
{
	static const int days[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};
	bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

	return month == 2 && leap ? 29 : days[month - 1];
}

static int bad(struct carb_toml_parser *p, struct carb_toml_pos at,
	       const char *why)
{
	return carb_toml_error_at(p, at, "invalid date or time: %s", why);
}

static int parse_date(struct carb_toml_parser *p, struct carb_toml_pos at,
		      struct carb_toml_datetime *dt)
{
	dt->year = fixed_digits(p, 4);
	if (dt->year < 0 || !expect(p, '-') ||
	    (dt->month = fixed_digits(p, 2)) < 0 || !expect(p, '-') ||
	    (dt->day = fixed_digits(p, 2)) < 0)
		return bad(p, at, "expected YYYY-MM-DD");
	if (dt->month < 1 || dt->month > 12)
		return bad(p, at, "month must be 01 to 12");
	if (dt->day < 1 || dt->day > days_in_month(dt->year, dt->month))
		return bad(p, at, "no such day in that month");
	return 0;
}

/* Fractional seconds: at least one digit; digits past nanoseconds are
 * read and dropped. */
static int parse_fraction(struct carb_toml_parser *p, struct carb_toml_pos at,
			  struct carb_toml_value *v)
{
	int n = 0;

	if (!carb_toml_is_digit(carb_toml_peek(p)))
		return bad(p, at, "a decimal point in the seconds needs digits");
	while (carb_toml_is_digit(carb_toml_peek(p))) {
		if (n < 9) {
			v->u.dt.dt.nanosecond = v->u.dt.dt.nanosecond * 10 +
						(carb_toml_peek(p) - '0');
			n++;
		}
		carb_toml_advance(p);
	}
	v->u.dt.frac_digits = n;
	for (; n < 9; n++)
		v->u.dt.dt.nanosecond *= 10;
	return 0;
}

static int parse_time(struct carb_toml_parser *p, struct carb_toml_pos at,
		      struct carb_toml_value *v)
{
	struct carb_toml_datetime *dt = &v->u.dt.dt;

	dt->hour = fixed_digits(p, 2);
	if (dt->hour < 0 || !expect(p, ':') ||
	    (dt->minute = fixed_digits(p, 2)) < 0 || !expect(p, ':') ||
	    (dt->second = fixed_digits(p, 2)) < 0)
		return bad(p, at, "expected HH:MM:SS");
	if (dt->hour > 23 || dt->minute > 59 || dt->second > 60)
		return bad(p, at, "hour, minute or second out of range");
	if (expect(p, '.'))
		return parse_fraction(p, at, v);
	return 0;
}

static int parse_offset(struct carb_toml_parser *p, struct carb_toml_pos at,
			struct carb_toml_datetime *dt)
{
	int sign, h, m;

	if (expect(p, 'Z') || expect(p, 'z')) {
		dt->offset_z = true;
		return 0;
	}
	sign = carb_toml_peek(p) == '-' ? -1 : 1;
	carb_toml_advance(p);
	h = fixed_digits(p, 2);
	if (h < 0 || !expect(p, ':') || (m = fixed_digits(p, 2)) < 0)
		return bad(p, at, "expected an offset like +01:00 or Z");
	if (h > 23 || m > 59)
		return bad(p, at, "offset out of range");
	dt->offset_minutes = sign * (h * 60 + m);
	return 0;
}

static bool time_follows(const struct carb_toml_parser *p)
{
	int c = carb_toml_peek(p);

	if (c == 'T' || c == 't')
		return true;
	/* A space separates date and time only when a time follows;
	 * otherwise it ends a local date. */
	return c == ' ' && digits_at(p, 1, 2) && carb_toml_peek_at(p, 3) == ':';
}

static int parse_datetime_into(struct carb_toml_parser *p,
			       struct carb_toml_pos at,
			       struct carb_toml_value *v)
{
	int c;

	if (carb_toml_peek_at(p, 2) == ':') {
		v->type = CARB_TOML_LOCAL_TIME;
		return parse_time(p, at, v);
	}
	v->type = CARB_TOML_LOCAL_DATE;
	if (parse_date(p, at, &v->u.dt.dt) < 0)
		return -1;
	if (!time_follows(p))
		return 0;
	carb_toml_advance(p);
	v->type = CARB_TOML_LOCAL_DATETIME;
	if (parse_time(p, at, v) < 0)
		return -1;
	c = carb_toml_peek(p);
	if (c == 'Z' || c == 'z' || c == '+' || c == '-') {
		v->type = CARB_TOML_DATETIME;
		return parse_offset(p, at, &v->u.dt.dt);
	}
	return 0;
}

int carb_toml_parse_datetime(struct carb_toml_parser *p,
			     struct carb_toml_value **out)
{
	struct carb_toml_pos at = carb_toml_here(p);
	struct carb_toml_value *v;

	v = carb_toml_value_new(CARB_TOML_LOCAL_DATE, at.line, at.column);
	if (parse_datetime_into(p, at, v) < 0) {
		carb_toml_value_free(v);
		return -1;
	}
	*out = v;
	return 0;
}
