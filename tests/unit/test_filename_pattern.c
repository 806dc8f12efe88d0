/* The filename plugin's pattern language (plugins/filename/pattern.c):
 * compile errors and where they point, matching, each type of value,
 * dates at their bounds, escapes, names that are not UTF-8, long names. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pattern.h"

#define NTYPES(a) (sizeof(a) / sizeof((a)[0]))

static struct fn_pattern *compile_ok(const char *text,
				     const struct fn_type_decl *types,
				     size_t ntypes)
{
	struct fn_pattern *p = NULL;
	struct fn_pattern_error err;
	int rc = fn_pattern_compile(text, strlen(text), types, ntypes, &p, &err);

	ck_assert_msg(rc == 0, "\"%s\" should compile: byte %zu: %s", text,
		      err.offset, err.msg);
	ck_assert_ptr_nonnull(p);
	return p;
}

/* A pattern error at byte offset (0-based) whose message has part. */
static void compile_bad(const char *text, size_t offset, const char *part)
{
	struct fn_pattern *p = (struct fn_pattern *)1;
	struct fn_pattern_error err;
	int rc = fn_pattern_compile(text, strlen(text), NULL, 0, &p, &err);

	ck_assert_msg(rc == -1, "\"%s\" should be refused", text);
	ck_assert_ptr_null(p);
	ck_assert_msg(err.at == FN_AT_PATTERN, "\"%s\": error not at the "
		      "pattern: %s", text, err.msg);
	ck_assert_msg(err.offset == offset, "\"%s\": error at byte %zu, "
		      "expected %zu: %s", text, err.offset, offset, err.msg);
	ck_assert_msg(strstr(err.msg, part) != NULL, "\"%s\": message lacks "
		      "\"%s\": %s", text, part, err.msg);
}

/* An error blamed on types[index]. */
static void types_bad(const char *text, const struct fn_type_decl *types,
		      size_t ntypes, size_t index, const char *part)
{
	struct fn_pattern *p = NULL;
	struct fn_pattern_error err;
	int rc = fn_pattern_compile(text, strlen(text), types, ntypes, &p, &err);

	ck_assert_msg(rc == -1, "\"%s\" with types should be refused", text);
	ck_assert_ptr_null(p);
	ck_assert_int_eq(err.at, FN_AT_TYPE);
	ck_assert_uint_eq(err.index, index);
	ck_assert_msg(strstr(err.msg, part) != NULL, "\"%s\": message lacks "
		      "\"%s\": %s", text, part, err.msg);
}

static int match(const struct fn_pattern *p, const char *name, size_t len,
		 struct fn_value *v)
{
	int rc = fn_pattern_match(p, name, len, v);

	ck_assert_int_ge(rc, 0);
	return rc;
}

static int matches(const struct fn_pattern *p, const char *name,
		   struct fn_value *v)
{
	return match(p, name, strlen(name), v);
}

static void text_is(const struct fn_value *v, const char *want)
{
	ck_assert_int_eq(v->type, FN_TEXT);
	ck_assert_uint_eq(v->len, strlen(want));
	ck_assert_msg(memcmp(v->text, want, v->len) == 0, "got \"%.*s\", "
		      "want \"%s\"", (int)v->len, v->text, want);
}

/* The timestamp text, as a one-placeholder pattern {t:fmt}, gives. */
static int64_t ts_of(const char *fmt, const char *name)
{
	char text[128];
	struct fn_pattern *p;
	struct fn_value v[1];

	snprintf(text, sizeof(text), "{t:%s}", fmt);
	p = compile_ok(text, NULL, 0);
	ck_assert_msg(matches(p, name, v) == 1, "\"%s\" should match %s",
		      name, text);
	ck_assert_int_eq(v[0].type, FN_TIMESTAMP);
	ck_assert_uint_eq(v[0].len, strlen(name));
	fn_pattern_free(&p);
	return v[0].integer;
}

static void ts_no(const char *fmt, const char *name)
{
	char text[128];
	struct fn_pattern *p;
	struct fn_value v[1];

	snprintf(text, sizeof(text), "{t:%s}", fmt);
	p = compile_ok(text, NULL, 0);
	ck_assert_msg(matches(p, name, v) == 0, "\"%s\" should not match %s",
		      name, text);
	fn_pattern_free(&p);
}

/* ---- compile errors ----------------------------------------------------- */

START_TEST(errors_structure)
{
	compile_bad("", 0, "the pattern is empty");
	compile_bad("abc.dat", 0, "no placeholder");
	compile_bad("*.dat", 0, "no placeholder");
	compile_bad("x_{a", 2, "not closed");
	compile_bad("x_{a:%Y", 2, "not closed");
	compile_bad("a}b{x}", 1, "a single \"}\"");
	compile_bad("{x}}", 3, "a single \"}\"");
	compile_bad("ab{}", 2, "without a name");
	compile_bad("ab{:%Y}", 2, "without a name");
	compile_bad("{Cat}", 1, "placeholder name \"Cat\" is not valid");
	compile_bad("{1a}", 1, "\"1a\" is not valid");
	compile_bad("{a-b}", 1, "\"a-b\" is not valid");
	compile_bad("{a b}", 1, "is not valid");
	compile_bad("{a{b}", 2, "\"{\" inside a placeholder");
	compile_bad("{a:%Y{m}", 5, "\"{\" inside a placeholder");
	compile_bad("{a}_{a}", 4, "placeholder \"a\" appears twice (first at "
		    "byte 1)");
	compile_bad("{a}{b}", 3, "placeholder \"b\" follows placeholder \"a\" "
		    "with nothing between them");
	compile_bad("{a:%Y}{b}", 6, "follows placeholder \"a\"");
	compile_bad("{a}*", 3, "wildcard \"*\" follows placeholder \"a\"");
	compile_bad("x*{a}", 2, "placeholder \"a\" follows wildcard \"*\"");
	compile_bad("{a}.*{b}", 5, "follows wildcard");
	compile_bad("{a:}", 2, "empty format");
}
END_TEST

START_TEST(errors_nul_and_length)
{
	struct fn_pattern *p = NULL;
	struct fn_pattern_error err;
	char *big = malloc(FN_PATTERN_MAX_TEXT + 2);

	ck_assert_int_eq(fn_pattern_compile("{a}\0b", 5, NULL, 0, &p, &err), -1);
	ck_assert_uint_eq(err.offset, 3);
	ck_assert_ptr_nonnull(strstr(err.msg, "NUL"));

	memset(big, 'x', FN_PATTERN_MAX_TEXT + 1);
	memcpy(big, "{a}", 3);
	ck_assert_int_eq(fn_pattern_compile(big, FN_PATTERN_MAX_TEXT + 1, NULL,
					    0, &p, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "longer than"));
	ck_assert_int_eq(fn_pattern_compile(big, FN_PATTERN_MAX_TEXT, NULL, 0,
					    &p, &err), 0);
	fn_pattern_free(&p);
	ck_assert_ptr_null(p);
	free(big);
}
END_TEST

START_TEST(errors_names_at_their_bounds)
{
	char name[80], text[90];
	struct fn_pattern *p;

	memset(name, 'a', FN_PATTERN_MAX_IDENT);
	name[FN_PATTERN_MAX_IDENT] = '\0';
	snprintf(text, sizeof(text), "{%s}", name);
	p = compile_ok(text, NULL, 0);
	ck_assert_str_eq(fn_pattern_name(p, 0), name);
	fn_pattern_free(&p);
	snprintf(text, sizeof(text), "{%sa}", name);
	compile_bad(text, 1, "at most 63 bytes");
	p = compile_ok("{a_1}-{z9}", NULL, 0);
	fn_pattern_free(&p);
}
END_TEST

START_TEST(errors_formats)
{
	compile_bad("{t:%Q}", 3, "unknown directive \"%Q\" in the format of "
		    "\"t\" (valid: %Y %y %m %d %j %H %M %S %s %f %%)");
	compile_bad("x{t:%Y%m%d%e}", 10, "unknown directive \"%e\"");
	compile_bad("{t:%Y\xc3\xa9%\xc3\xa9}", 7, "unknown directive after");
	compile_bad("{t:%Y%}", 5, "lone \"%\"");
	compile_bad("{t:%Y%m%Y}", 7, "\"%Y\" appears twice");
	compile_bad("{t:%Y%y}", 3, "both %Y and %y");
	compile_bad("{t:%m%d}", 3, "has no year");
	compile_bad("{t:%H%M%S}", 3, "has no year");
	compile_bad("{t:%Y%j%m}", 3, "%j with %m or %d");
	compile_bad("{t:%Y%j%d}", 3, "%j with %m or %d");
	compile_bad("{t:%Y%d}", 3, "%d without %m");
	compile_bad("{t:%Y%m%d%M}", 3, "%M without %H");
	compile_bad("{t:%Y%m%d%H%S}", 3, "%S without %M");
	compile_bad("{t:%Y%m%d%f}", 3, "%f without %S or %s");
	compile_bad("{t:%Y%m%d%H%M%f}", 3, "%f without %S or %s");
	compile_bad("{t:%s%Y}", 3, "%s (seconds since the epoch) takes no "
		    "other directive than %f");
	compile_bad("{t:%s%H}", 3, "takes no other directive");
	compile_bad("{t:%s%f}", 5, "%s and %f with nothing between them");
	compile_bad("{t:%f%s}", 5, "%f and %s with nothing between them");
}
END_TEST

START_TEST(errors_types)
{
	static const struct fn_type_decl unknown_col[] = {
		{ "a", FN_TEXT }, { "nope", FN_INTEGER },
	};
	static const struct fn_type_decl fmt_not_ts[] = {
		{ "t", FN_INTEGER },
	};
	static const struct fn_type_decl ts_no_fmt[] = {
		{ "a", FN_TIMESTAMP },
	};
	static const struct fn_type_decl bad_type[] = {
		{ "a", 0 },
	};
	static const struct fn_type_decl twice[] = {
		{ "a", FN_TEXT }, { "a", FN_INTEGER },
	};

	types_bad("{a}_{b}", unknown_col, NTYPES(unknown_col), 1,
		  "\"nope\" names no placeholder of the pattern (placeholders: "
		  "a, b)");
	types_bad("{t:%Y}", fmt_not_ts, NTYPES(fmt_not_ts), 0,
		  "column \"t\" is declared integer but its placeholder has a "
		  "format (\"%Y\")");
	types_bad("{a}", ts_no_fmt, NTYPES(ts_no_fmt), 0,
		  "is a timestamp but its placeholder has no format");
	types_bad("{a}", bad_type, NTYPES(bad_type), 0, "unknown type");
	types_bad("{a}", twice, NTYPES(twice), 1, "has two types");
}
END_TEST

START_TEST(type_names)
{
	ck_assert_int_eq(fn_type_from_name("text", 4), FN_TEXT);
	ck_assert_int_eq(fn_type_from_name("integer", 7), FN_INTEGER);
	ck_assert_int_eq(fn_type_from_name("real", 4), FN_REAL);
	ck_assert_int_eq(fn_type_from_name("boolean", 7), FN_BOOLEAN);
	ck_assert_int_eq(fn_type_from_name("timestamp", 9), FN_TIMESTAMP);
	ck_assert_int_eq(fn_type_from_name("int", 3), 0);
	ck_assert_int_eq(fn_type_from_name("textx", 5), 0);
	ck_assert_int_eq(fn_type_from_name("tex", 3), 0);
	ck_assert_str_eq(fn_type_name(FN_REAL), "real");
	ck_assert_str_eq(fn_type_name(0), "?");
}
END_TEST

/* ---- matching ----------------------------------------------------------- */

START_TEST(match_example)
{
	static const struct fn_type_decl types[] = {
		{ "category", FN_TEXT }, { "start", FN_TIMESTAMP },
	};
	struct fn_pattern *p = compile_ok(
		"{category}_{start:%Y%m%dT%H%M%S}_{stop:%Y%m%dT%H%M%S}.{ext}",
		types, NTYPES(types));
	struct fn_value v[4];

	ck_assert_uint_eq(fn_pattern_count(p), 4);
	ck_assert_str_eq(fn_pattern_name(p, 0), "category");
	ck_assert_str_eq(fn_pattern_name(p, 3), "ext");
	ck_assert_int_eq(fn_pattern_type(p, 1), FN_TIMESTAMP);
	ck_assert_int_eq(fn_pattern_type(p, 2), FN_TIMESTAMP);
	ck_assert_int_eq(fn_pattern_type(p, 3), FN_TEXT);
	ck_assert_int_eq(fn_pattern_find(p, "stop"), 2);
	ck_assert_int_eq(fn_pattern_find(p, "nope"), -1);

	ck_assert_int_eq(matches(p, "obs_20240229T235959_20240301T000000.dat",
				 v), 1);
	text_is(&v[0], "obs");
	ck_assert_int_eq(v[1].integer, INT64_C(1709251199000000));
	ck_assert_uint_eq(v[1].len, 15);
	ck_assert_int_eq(v[2].integer, INT64_C(1709251200000000));
	text_is(&v[3], "dat");

	/* a category holding "_" and an extension holding "." */
	ck_assert_int_eq(matches(p, "sea_ice_20240101T000000_20240101T000001"
				 ".tar.gz", v), 1);
	text_is(&v[0], "sea_ice");
	text_is(&v[3], "tar.gz");

	/* the whole name, or nothing */
	ck_assert_int_eq(matches(p, "obs_20240229T235959_20240301T000000.", v),
			 0);
	ck_assert_int_eq(matches(p, "_20240229T235959_20240301T000000.dat", v),
			 0);
	ck_assert_int_eq(matches(p, "obs_20240229T235959_20240301T00000.dat",
				 v), 0);
	ck_assert_int_eq(matches(p, "obs_20230229T235959_20240301T000000.dat",
				 v), 0);
	ck_assert_int_eq(v[0].len, 0);  /* cleared on no match */
	fn_pattern_free(&p);
}
END_TEST

START_TEST(match_shortest_first)
{
	struct fn_pattern *p = compile_ok("{a}_{b}", NULL, 0);
	struct fn_value v[2];

	ck_assert_int_eq(matches(p, "x_y_z", v), 1);
	text_is(&v[0], "x");
	text_is(&v[1], "y_z");
	ck_assert_int_eq(matches(p, "_y", v), 0);
	ck_assert_int_eq(matches(p, "x_", v), 0);
	ck_assert_int_eq(matches(p, "xy", v), 0);
	fn_pattern_free(&p);

	p = compile_ok("{a}.dat", NULL, 0);
	ck_assert_int_eq(matches(p, "x.y.dat", v), 1);
	text_is(&v[0], "x.y");
	ck_assert_int_eq(matches(p, "x.dat.bak", v), 0);
	ck_assert_int_eq(matches(p, ".dat", v), 0);
	ck_assert_int_eq(matches(p, "..dat", v), 1);
	text_is(&v[0], ".");
	fn_pattern_free(&p);

	/* case matters in literals */
	p = compile_ok("{a}.DAT", NULL, 0);
	ck_assert_int_eq(matches(p, "x.dat", v), 0);
	fn_pattern_free(&p);
}
END_TEST

START_TEST(match_wildcards_and_escapes)
{
	struct fn_pattern *p = compile_ok("*_{a}.dat", NULL, 0);
	struct fn_value v[2];

	ck_assert_int_eq(matches(p, "foo_bar_x.dat", v), 1);
	text_is(&v[0], "bar_x");
	ck_assert_int_eq(matches(p, "_x.dat", v), 1);
	text_is(&v[0], "x");
	ck_assert_int_eq(matches(p, "x.dat", v), 0);
	fn_pattern_free(&p);

	p = compile_ok("{a}.*", NULL, 0);
	ck_assert_int_eq(matches(p, "x.", v), 1);
	ck_assert_int_eq(matches(p, "x.y.z", v), 1);
	text_is(&v[0], "x");
	fn_pattern_free(&p);

	p = compile_ok("{{{a}}}", NULL, 0);
	ck_assert_int_eq(matches(p, "{x}", v), 1);
	text_is(&v[0], "x");
	ck_assert_int_eq(matches(p, "x", v), 0);
	fn_pattern_free(&p);

	p = compile_ok("a**b_{x}", NULL, 0);
	ck_assert_int_eq(matches(p, "a*b_1", v), 1);
	text_is(&v[0], "1");
	ck_assert_int_eq(matches(p, "azzb_1", v), 0);
	fn_pattern_free(&p);

	/* read left to right: "***" is a literal "*", then a wildcard */
	p = compile_ok("{x}_***", NULL, 0);
	ck_assert_int_eq(matches(p, "1_*", v), 1);
	ck_assert_int_eq(matches(p, "1_*abc", v), 1);
	ck_assert_int_eq(matches(p, "1_abc", v), 0);
	fn_pattern_free(&p);

	/* escapes and % inside a format */
	p = compile_ok("{t:%Y%%%m}_{{", NULL, 0);
	ck_assert_int_eq(matches(p, "2024%05_{", v), 1);
	ck_assert_int_eq(v[0].integer, INT64_C(1714521600000000));
	fn_pattern_free(&p);
}
END_TEST

START_TEST(match_integers)
{
	static const struct fn_type_decl types[] = { { "n", FN_INTEGER } };
	struct fn_pattern *p = compile_ok("run{n}.txt", types, NTYPES(types));
	struct fn_value v[1];

	ck_assert_int_eq(matches(p, "run007.txt", v), 1);
	ck_assert_int_eq(v[0].type, FN_INTEGER);
	ck_assert_int_eq(v[0].integer, 7);
	ck_assert_uint_eq(v[0].len, 3);
	ck_assert_int_eq(matches(p, "run-12.txt", v), 1);
	ck_assert_int_eq(v[0].integer, -12);
	ck_assert_int_eq(matches(p, "run+5.txt", v), 1);
	ck_assert_int_eq(v[0].integer, 5);
	ck_assert_int_eq(matches(p, "run9223372036854775807.txt", v), 1);
	ck_assert_int_eq(v[0].integer, INT64_MAX);
	ck_assert_int_eq(matches(p, "run-9223372036854775808.txt", v), 1);
	ck_assert_int_eq(v[0].integer, INT64_MIN);
	ck_assert_int_eq(matches(p, "run9223372036854775808.txt", v), 0);
	ck_assert_int_eq(matches(p, "run-9223372036854775809.txt", v), 0);
	ck_assert_int_eq(matches(p, "run99999999999999999999999.txt", v), 0);
	ck_assert_int_eq(matches(p, "run1a.txt", v), 0);
	ck_assert_int_eq(matches(p, "run.txt", v), 0);
	ck_assert_int_eq(matches(p, "run-.txt", v), 0);
	ck_assert_int_eq(matches(p, "run1.5.txt", v), 0);
	ck_assert_int_eq(matches(p, "run\xd9\xa3.txt", v), 0);  /* Arabic 3 */
	fn_pattern_free(&p);

	/* a digit literal after the number: the shortest split */
	p = compile_ok("{n}5", types, NTYPES(types));
	ck_assert_int_eq(matches(p, "1235", v), 1);
	ck_assert_int_eq(v[0].integer, 123);
	ck_assert_int_eq(matches(p, "5", v), 0);
	fn_pattern_free(&p);
}
END_TEST

START_TEST(match_reals)
{
	static const struct fn_type_decl types[] = { { "v", FN_REAL } };
	struct fn_pattern *p = compile_ok("{v}.csv", types, NTYPES(types));
	struct fn_value v[1];
	char big[200];

	ck_assert_int_eq(matches(p, "1.5.csv", v), 1);
	ck_assert_int_eq(v[0].type, FN_REAL);
	ck_assert(v[0].real == 1.5);
	ck_assert_int_eq(matches(p, "-2e3.csv", v), 1);
	ck_assert(v[0].real == -2000.0);
	ck_assert_int_eq(matches(p, ".5.csv", v), 1);
	ck_assert(v[0].real == 0.5);
	ck_assert_int_eq(matches(p, "+1E-2.csv", v), 1);
	ck_assert(v[0].real == 0.01);
	ck_assert_int_eq(matches(p, "42.csv", v), 1);
	ck_assert(v[0].real == 42.0);
	ck_assert_int_eq(matches(p, "1e999.csv", v), 0);
	ck_assert_int_eq(matches(p, "nan.csv", v), 0);
	ck_assert_int_eq(matches(p, "inf.csv", v), 0);
	ck_assert_int_eq(matches(p, "0x10.csv", v), 0);
	ck_assert_int_eq(matches(p, "1e.csv", v), 0);
	ck_assert_int_eq(matches(p, "..csv", v), 0);
	ck_assert_int_eq(matches(p, "-.csv", v), 0);
	ck_assert_int_eq(matches(p, "abc.csv", v), 0);
	/* longer than 100 bytes */
	memset(big, '1', 101);
	memcpy(big + 101, ".csv", 5);
	ck_assert_int_eq(matches(p, big, v), 0);
	memcpy(big + 100, ".csv", 5);
	ck_assert_int_eq(matches(p, big, v), 1);
	fn_pattern_free(&p);
}
END_TEST

START_TEST(match_booleans)
{
	static const struct fn_type_decl types[] = { { "ok", FN_BOOLEAN } };
	struct fn_pattern *p = compile_ok("{ok}_x", types, NTYPES(types));
	struct fn_value v[1];
	static const char *const yes[] = { "1_x", "on_x", "yes_x", "TRUE_x",
					   "True_x", "YES_x" };
	static const char *const no[] = { "0_x", "OFF_x", "no_x", "false_x" };

	for (size_t i = 0; i < NTYPES(yes); i++) {
		ck_assert_int_eq(matches(p, yes[i], v), 1);
		ck_assert_int_eq(v[0].type, FN_BOOLEAN);
		ck_assert_int_eq(v[0].integer, 1);
	}
	for (size_t i = 0; i < NTYPES(no); i++) {
		ck_assert_int_eq(matches(p, no[i], v), 1);
		ck_assert_int_eq(v[0].integer, 0);
	}
	ck_assert_int_eq(matches(p, "maybe_x", v), 0);
	ck_assert_int_eq(matches(p, "2_x", v), 0);
	ck_assert_int_eq(matches(p, "truex_x", v), 0);
	fn_pattern_free(&p);
}
END_TEST

/* ---- timestamps --------------------------------------------------------- */

START_TEST(ts_leap_years)
{
	ck_assert_int_eq(ts_of("%Y%m%d", "20240229"), INT64_C(1709164800000000));
	ck_assert_int_eq(ts_of("%Y%m%d", "20000229"), INT64_C(951782400000000));
	ts_no("%Y%m%d", "20230229");
	ts_no("%Y%m%d", "19000229");   /* a century, not a leap year */
	ts_no("%Y%m%d", "21000229");
	ck_assert_int_eq(ts_of("%Y-%m-%d", "2024-03-01"),
			 INT64_C(1709251200000000));
	ts_no("%Y%m%d", "20240431");
	ts_no("%Y%m%d", "20240631");
	ck_assert_int_eq(ts_of("%Y%m%d", "20241231"),
			 INT64_C(1735603200000000));
}
END_TEST

START_TEST(ts_bounds)
{
	ts_no("%Y%m%d", "20241301");
	ts_no("%Y%m%d", "20240001");
	ts_no("%Y%m%d", "20240100");
	ts_no("%Y%m%d", "20240132");
	ts_no("%Y%m%dT%H%M%S", "20240101T240000");
	ts_no("%Y%m%dT%H%M%S", "20240101T236000");
	ts_no("%Y%m%dT%H%M%S", "20240101T235960");
	ts_no("%Y%m%d", "2024011");
	ts_no("%Y%m%d", "202401011");
	ts_no("%Y%m%d", "2024O101");
	ts_no("%Y%m%d", "2024-1-1");
	ck_assert_int_eq(ts_of("%Y%m%dT%H%M%S", "20240229T235959"),
			 INT64_C(1709251199000000));
	ck_assert_int_eq(ts_of("%Y%m%dT%H%M%S", "19691231T235959"),
			 INT64_C(-1000000));
	ck_assert_int_eq(ts_of("%Y%m%dT%H%M%S", "99991231T235959"),
			 INT64_C(253402300799000000));
	ck_assert_int_eq(ts_of("%Y%m%d", "00010101"),
			 INT64_C(-62135596800000000));
	/* year 0 of the proleptic calendar was a leap year */
	ck_assert_int_eq(ts_of("%Y%m%d", "00000301"),
			 INT64_C(-719468) * 86400 * 1000000);
	ck_assert_int_eq(ts_of("%Y%m%d", "00000229"),
			 INT64_C(-719469) * 86400 * 1000000);
	/* the year alone, year and month */
	ck_assert_int_eq(ts_of("%Y", "2024"), INT64_C(1704067200000000));
	ck_assert_int_eq(ts_of("%Y%m", "202403"), INT64_C(1709251200000000));
	ck_assert_int_eq(ts_of("%Y%m%d%H", "2024030101"),
			 INT64_C(1709251200000000) + INT64_C(3600000000));
}
END_TEST

START_TEST(ts_two_digit_years)
{
	ck_assert_int_eq(ts_of("%y%m%d", "690101"), INT64_C(-31536000000000));
	ck_assert_int_eq(ts_of("%y%m%d", "680101"), INT64_C(3092601600000000));
	ck_assert_int_eq(ts_of("%y%m%d", "000229"), INT64_C(951782400000000));
	ck_assert_int_eq(ts_of("%y%m%d", "700101"), 0);
}
END_TEST

START_TEST(ts_day_of_year)
{
	ck_assert_int_eq(ts_of("%Y%j", "2024001"), INT64_C(1704067200000000));
	ck_assert_int_eq(ts_of("%Y%j", "2024060"), INT64_C(1709164800000000));
	ck_assert_int_eq(ts_of("%Y%j", "2024366"), INT64_C(1735603200000000));
	ck_assert_int_eq(ts_of("%Y%j", "2023365"),
			 INT64_C(1704067200000000) - INT64_C(86400000000));
	ts_no("%Y%j", "2023366");
	ts_no("%Y%j", "2024367");
	ts_no("%Y%j", "2024000");
	ts_no("%Y%j", "202401");
	ck_assert_int_eq(ts_of("%Y.%j.%H%M", "2024.366.2359"),
			 INT64_C(1735603200000000) + INT64_C(86340000000));
}
END_TEST

START_TEST(ts_epoch_and_fractions)
{
	ck_assert_int_eq(ts_of("%s", "0"), 0);
	ck_assert_int_eq(ts_of("%s", "1700000000"),
			 INT64_C(1700000000000000));
	ck_assert_int_eq(ts_of("%s", "999999999999"),
			 INT64_C(999999999999000000));
	ts_no("%s", "1000000000000");    /* 13 digits */
	ts_no("%s", "-1");
	ts_no("%s", "");
	ck_assert_int_eq(ts_of("%s.%f", "1700000000.5"),
			 INT64_C(1700000000500000));
	ck_assert_int_eq(ts_of("%s.%f", "1700000000.000001"),
			 INT64_C(1700000000000001));
	/* past the sixth digit, dropped */
	ck_assert_int_eq(ts_of("%s.%f", "1.123456789"), INT64_C(1123456));
	ts_no("%s.%f", "1.1234567890");
	ts_no("%s.%f", "1.");
	ck_assert_int_eq(ts_of("%Y%m%dT%H%M%S.%f", "20240101T000001.25"),
			 INT64_C(1704067201250000));
	ck_assert_int_eq(ts_of("%Y%m%dT%H%M%S%f", "20240101T00000107"),
			 INT64_C(1704067201070000));
}
END_TEST

START_TEST(ts_variable_then_literal)
{
	struct fn_pattern *p = compile_ok("{t:%s}_{n}.log", NULL, 0);
	struct fn_value v[2];

	ck_assert_int_eq(matches(p, "1700000000_1_2.log", v), 1);
	ck_assert_int_eq(v[0].integer, INT64_C(1700000000000000));
	ck_assert_uint_eq(v[0].len, 10);
	text_is(&v[1], "1_2");
	ck_assert_int_eq(matches(p, "_1.log", v), 0);
	fn_pattern_free(&p);

	/* a timestamp in the middle, literal text on both sides */
	p = compile_ok("a{t:<%Y>}b_{x}", NULL, 0);
	ck_assert_int_eq(matches(p, "a<1970>b_z", v), 1);
	ck_assert_int_eq(v[0].integer, 0);
	ck_assert_uint_eq(v[0].len, 6);
	ck_assert_int_eq(memcmp(v[0].text, "<1970>", 6), 0);
	fn_pattern_free(&p);
}
END_TEST

/* ---- bytes that are not UTF-8 ------------------------------------------- */

START_TEST(utf8_text)
{
	struct fn_pattern *p = compile_ok("{a}.dat", NULL, 0);
	struct fn_value v[1];

	ck_assert_int_eq(matches(p, "caf\xc3\xa9.dat", v), 1);
	text_is(&v[0], "caf\xc3\xa9");
	ck_assert_int_eq(matches(p, "\xf0\x9f\x99\x82.dat", v), 1);
	ck_assert_int_eq(matches(p, "\xff.dat", v), 0);          /* not UTF-8 */
	ck_assert_int_eq(matches(p, "ab\xe9.dat", v), 0);       /* Latin-1 */
	ck_assert_int_eq(matches(p, "\xc0\xaf.dat", v), 0);     /* overlong */
	ck_assert_int_eq(matches(p, "\xe0\x80\xaf.dat", v), 0); /* overlong */
	ck_assert_int_eq(matches(p, "\xed\xa0\x80.dat", v), 0); /* surrogate */
	ck_assert_int_eq(matches(p, "\xf4\x90\x80\x80.dat", v), 0); /* > max */
	ck_assert_int_eq(matches(p, "\xc3.dat", v), 0);         /* cut short */
	ck_assert_int_eq(matches(p, "\xe2\x82.dat", v), 0);
	ck_assert_int_eq(matches(p, "\x80.dat", v), 0);
	fn_pattern_free(&p);

	/* only a wildcard takes such bytes */
	p = compile_ok("*_{a}", NULL, 0);
	ck_assert_int_eq(matches(p, "\xff\xfe_ok", v), 1);
	text_is(&v[0], "ok");
	ck_assert_int_eq(matches(p, "x_\xff", v), 0);
	fn_pattern_free(&p);

	/* a literal of the pattern in UTF-8 against the name's bytes */
	p = compile_ok("\xc3\xa9t\xc3\xa9_{a}", NULL, 0);
	ck_assert_int_eq(matches(p, "\xc3\xa9t\xc3\xa9_x", v), 1);
	ck_assert_int_eq(matches(p, "\xe9t\xe9_x", v), 0);
	fn_pattern_free(&p);
}
END_TEST

/* ---- long names --------------------------------------------------------- */

START_TEST(long_names)
{
	struct fn_pattern *p = compile_ok("{a}_{b}.dat", NULL, 0);
	struct fn_value v[6];
	size_t max = FN_PATTERN_MAX_NAME;
	char *name = malloc(max + 2);

	/* 255 bytes, the most Linux allows */
	memset(name, 'x', 255);
	name[100] = '_';
	memcpy(name + 251, ".dat", 4);
	ck_assert_int_eq(match(p, name, 255, v), 1);
	ck_assert_uint_eq(v[0].len, 100);
	ck_assert_uint_eq(v[1].len, 150);

	memset(name, 'x', max + 1);
	name[1] = '_';
	memcpy(name + max - 4, ".dat", 4);
	ck_assert_int_eq(match(p, name, max, v), 1);
	ck_assert_uint_eq(v[1].len, max - 6);
	memcpy(name + max - 3, ".dat", 4);
	ck_assert_int_eq(match(p, name, max + 1, v), 0);
	fn_pattern_free(&p);

	/* many ways to split, none right: the failures are remembered, so
	 * this ends at once instead of trying every split */
	p = compile_ok("{a}x{b}x{c}x{d}x{e}x{f}.dat", NULL, 0);
	memset(name, 'x', max);
	ck_assert_int_eq(match(p, name, max, v), 0);
	fn_pattern_free(&p);

	p = compile_ok("*x*x*x*x*x*x{a}.dat", NULL, 0);
	ck_assert_int_eq(match(p, name, max, v), 0);
	fn_pattern_free(&p);
	free(name);
}
END_TEST

static Suite *pattern_suite(void)
{
	Suite *s = suite_create("filename_pattern");
	TCase *c = tcase_create("compile");
	TCase *m = tcase_create("match");
	TCase *t = tcase_create("timestamps");
	TCase *b = tcase_create("bytes");

	tcase_add_test(c, errors_structure);
	tcase_add_test(c, errors_nul_and_length);
	tcase_add_test(c, errors_names_at_their_bounds);
	tcase_add_test(c, errors_formats);
	tcase_add_test(c, errors_types);
	tcase_add_test(c, type_names);
	suite_add_tcase(s, c);
	tcase_add_test(m, match_example);
	tcase_add_test(m, match_shortest_first);
	tcase_add_test(m, match_wildcards_and_escapes);
	tcase_add_test(m, match_integers);
	tcase_add_test(m, match_reals);
	tcase_add_test(m, match_booleans);
	suite_add_tcase(s, m);
	tcase_add_test(t, ts_leap_years);
	tcase_add_test(t, ts_bounds);
	tcase_add_test(t, ts_two_digit_years);
	tcase_add_test(t, ts_day_of_year);
	tcase_add_test(t, ts_epoch_and_fractions);
	tcase_add_test(t, ts_variable_then_literal);
	suite_add_tcase(s, t);
	tcase_add_test(b, utf8_text);
	tcase_add_test(b, long_names);
	tcase_set_timeout(b, 30);
	suite_add_tcase(s, b);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(pattern_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
