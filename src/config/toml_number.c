/* Integers (decimal, 0x, 0o, 0b, with underscores) and floats (fraction,
 * exponent, inf, nan).  The token is taken whole first and then checked
 * character by character, so every malformed number gets one message. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "config/toml_internal.h"

static bool is_token_char(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	       (c >= 'A' && c <= 'Z') || c == '_' || c == '+' || c == '-' ||
	       c == '.';
}

static int digit_in(int c, int base)
{
	int d;

	if (c >= '0' && c <= '9')
		d = c - '0';
	else if (c >= 'a' && c <= 'f')
		d = c - 'a' + 10;
	else if (c >= 'A' && c <= 'F')
		d = c - 'A' + 10;
	else
		return -1;
	return d < base ? d : -1;
}

/* Digits of base with single underscores between them, from s[*i]; the
 * digits without underscores are appended to clean.  Returns the count
 * of digits, or -1 when an underscore is misplaced. */
static int digit_run(const char *s, size_t n, size_t *i, int base,
		     struct carb_buf *clean)
{
	int count = 0;

	while (*i < n) {
		if (digit_in(s[*i], base) >= 0) {
			carb_buf_addc(clean, s[*i]);
			count++;
			(*i)++;
		} else if (s[*i] == '_') {
			if (count == 0 || *i + 1 >= n ||
			    digit_in(s[*i + 1], base) < 0)
				return -1;
			(*i)++;
		} else {
			break;
		}
	}
	return count;
}

struct number {
	const char *s;	/* the token */
	size_t n;
	struct carb_toml_pos at;
};

static int bad(struct carb_toml_parser *p, const struct number *num,
	       const char *why)
{
	return carb_toml_error_at(p, num->at, "invalid number \"%.*s\": %s",
				  (int)(num->n > 64 ? 64 : num->n), num->s,
				  why);
}

/* 0x, 0o, 0b: no sign, no leading underscore, 64-bit signed range. */
static int prefixed_int(struct carb_toml_parser *p, const struct number *num,
			int64_t *out)
{
	int base = num->s[1] == 'x' ? 16 : num->s[1] == 'o' ? 8 : 2;
	struct carb_buf clean;
	uint64_t v = 0;
	size_t i = 2;
	int count, rc = 0;

	carb_buf_init(&clean);
	count = digit_run(num->s, num->n, &i, base, &clean);
	if (count <= 0 || i != num->n) {
		rc = bad(p, num, count < 0 ? "misplaced underscore" :
			 "not a digit of its base");
		goto out;
	}
	for (i = 0; i < clean.len; i++) {
		if (v > (uint64_t)INT64_MAX / (uint64_t)base ||
		    v * (uint64_t)base + (uint64_t)digit_in(clean.data[i], base) >
		    (uint64_t)INT64_MAX) {
			rc = bad(p, num, "out of the 64-bit integer range");
			goto out;
		}
		v = v * (uint64_t)base + (uint64_t)digit_in(clean.data[i], base);
	}
	*out = (int64_t)v;
out:
	carb_buf_release(&clean);
	return rc;
}

static int decimal_int(struct carb_toml_parser *p, const struct number *num,
		       const char *digits, bool neg, int64_t *out)
{
	uint64_t v = 0, limit = neg ? (uint64_t)INT64_MAX + 1 : INT64_MAX;
	int d;

	for (; *digits; digits++) {
		d = *digits - '0';
		if (v > (limit - (uint64_t)d) / 10)
			return bad(p, num, "out of the 64-bit integer range");
		v = v * 10 + (uint64_t)d;
	}
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return 0;
}

static double c_strtod(struct carb_toml_parser *p, const char *s, char **end)
{
	if (!p->c_locale_tried) {
		p->c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
		p->c_locale_tried = true;
	}
	if (p->c_locale != (locale_t)0)
		return strtod_l(s, end, p->c_locale);
	return strtod(s, end);
}

/* Sign, integer part, optional fraction, optional exponent. */
static int decimal(struct carb_toml_parser *p, const struct number *num,
		   struct carb_toml_value *v)
{
	const char *s = num->s;
	size_t i = 0, n = num->n, int_start;
	struct carb_buf clean;
	bool is_float = false;
	int count, rc = -1;
	char *end;

	carb_buf_init(&clean);
	if (s[i] == '+' || s[i] == '-')
		carb_buf_addc(&clean, s[i++]);
	int_start = clean.len;
	count = digit_run(s, n, &i, 10, &clean);
	if (count <= 0) {
		bad(p, num, count < 0 ? "misplaced underscore" :
		    "expected a digit");
		goto out;
	}
	if (count > 1 && clean.data[int_start] == '0') {
		bad(p, num, "leading zeros are not allowed");
		goto out;
	}
	if (i < n && s[i] == '.') {
		is_float = true;
		carb_buf_addc(&clean, s[i++]);
		if (digit_run(s, n, &i, 10, &clean) <= 0) {
			bad(p, num, "a decimal point must have digits on "
			    "both sides");
			goto out;
		}
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		is_float = true;
		carb_buf_addc(&clean, s[i++]);
		if (i < n && (s[i] == '+' || s[i] == '-'))
			carb_buf_addc(&clean, s[i++]);
		if (digit_run(s, n, &i, 10, &clean) <= 0) {
			bad(p, num, "the exponent needs digits");
			goto out;
		}
	}
	if (i != n) {
		bad(p, num, "unexpected character in a number");
		goto out;
	}
	if (!is_float) {
		v->type = CARB_TOML_INTEGER;
		rc = decimal_int(p, num, clean.data + int_start,
				 clean.data[0] == '-', &v->u.i);
		goto out;
	}
	v->type = CARB_TOML_FLOAT;
	errno = 0;
	v->u.f = c_strtod(p, clean.data, &end);
	if (errno == ERANGE && isinf(v->u.f)) {
		bad(p, num, "out of the range of a 64-bit float");
		goto out;
	}
	rc = 0;
out:
	carb_buf_release(&clean);
	return rc;
}

static bool special_float(const struct number *num, double *out)
{
	const char *s = num->s;
	size_t n = num->n;
	double sign = 1.0;

	if (n > 0 && (s[0] == '+' || s[0] == '-')) {
		sign = s[0] == '-' ? -1.0 : 1.0;
		s++;
		n--;
	}
	if (n == 3 && memcmp(s, "inf", 3) == 0) {
		*out = sign * INFINITY;
		return true;
	}
	if (n == 3 && memcmp(s, "nan", 3) == 0) {
		*out = copysign(NAN, sign);
		return true;
	}
	return false;
}

int carb_toml_parse_number(struct carb_toml_parser *p,
			   struct carb_toml_value **out)
{
	struct number num = { p->src + p->pos, 0, carb_toml_here(p) };
	struct carb_toml_value *v;
	double f;
	int rc;

	while (is_token_char(carb_toml_peek_at(p, num.n)))
		num.n++;
	v = carb_toml_value_new(CARB_TOML_INTEGER, num.at.line, num.at.column);
	if (special_float(&num, &f)) {
		v->type = CARB_TOML_FLOAT;
		v->u.f = f;
		rc = 0;
	} else if (num.n > 2 && num.s[0] == '0' &&
		   (num.s[1] == 'x' || num.s[1] == 'o' || num.s[1] == 'b')) {
		rc = prefixed_int(p, &num, &v->u.i);
	} else {
		rc = decimal(p, &num, v);
	}
	if (rc < 0) {
		carb_toml_value_free(v);
		return -1;
	}
	carb_toml_advance_n(p, num.n);
	*out = v;
	return 0;
}
