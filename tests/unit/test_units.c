/* Durations and sizes as operators write them (src/util/units.c). */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "util/util.h"

static int64_t duration_ok(const char *text)
{
	struct carb_error err;
	int64_t ms = -1;

	carb_error_clear(&err);
	ck_assert_msg(carb_parse_duration(text, &ms, &err) == 0,
		      "\"%s\" should parse: %s", text, err.msg);
	return ms;
}

static void duration_bad(const char *text, const char *msg_part)
{
	struct carb_error err;
	int64_t ms = -7;

	carb_error_clear(&err);
	ck_assert_msg(carb_parse_duration(text, &ms, &err) == -1,
		      "\"%s\" should be refused", text);
	ck_assert_msg(strstr(err.msg, msg_part) != NULL,
		      "message for \"%s\" lacks \"%s\": %s", text, msg_part,
		      err.msg);
	ck_assert_int_eq(ms, -7);
}

static uint64_t size_ok(const char *text)
{
	struct carb_error err;
	uint64_t n = 12345;

	carb_error_clear(&err);
	ck_assert_msg(carb_parse_size(text, &n, &err) == 0,
		      "\"%s\" should parse: %s", text, err.msg);
	return n;
}

static void size_bad(const char *text, const char *msg_part)
{
	struct carb_error err;
	uint64_t n = 7;

	carb_error_clear(&err);
	ck_assert_msg(carb_parse_size(text, &n, &err) == -1,
		      "\"%s\" should be refused", text);
	ck_assert_msg(strstr(err.msg, msg_part) != NULL,
		      "message for \"%s\" lacks \"%s\": %s", text, msg_part,
		      err.msg);
	ck_assert_uint_eq(n, 7);
}

START_TEST(duration_units)
{
	ck_assert_int_eq(duration_ok("250ms"), 250);
	ck_assert_int_eq(duration_ok("30s"), 30000);
	ck_assert_int_eq(duration_ok("5m"), 300000);
	ck_assert_int_eq(duration_ok("1h"), 3600000);
	ck_assert_int_eq(duration_ok("7d"), 7 * 86400000LL);
	ck_assert_int_eq(duration_ok("2w"), 14 * 86400000LL);
	ck_assert_int_eq(duration_ok("0s"), 0);
}
END_TEST

START_TEST(duration_bare_number_is_seconds)
{
	ck_assert_int_eq(duration_ok("10"), 10000);
	ck_assert_int_eq(duration_ok("0"), 0);
}
END_TEST

START_TEST(duration_compound)
{
	ck_assert_int_eq(duration_ok("1h30m"), 5400000);
	ck_assert_int_eq(duration_ok("1m30s"), 90000);
	ck_assert_int_eq(duration_ok("1s500ms"), 1500);
}
END_TEST

START_TEST(duration_invalid)
{
	duration_bad("", "empty duration");
	duration_bad("5x", "\"5x\"");
	duration_bad("5x", "unknown unit \"x\"");
	duration_bad("abc", "\"abc\"");
	duration_bad("-5s", "\"-5s\"");
	duration_bad("1.5h", "\"1.5h\"");
	duration_bad("s", "\"s\"");
	duration_bad("5 s", "\"5 s\"");
	duration_bad("1h30", "\"1h30\"");
}
END_TEST

START_TEST(duration_overflow)
{
	/* more digits than 64 bits hold */
	duration_bad("99999999999999999999s", "99999999999999999999s");
	/* fits as a number, not once made milliseconds */
	duration_bad("9223372036854775807s", "too large");
	duration_bad("200000000000000d", "too large");
	/* the sum of parts overflows */
	duration_bad("9223372036854775s9223372036854775s", "too large");
	ck_assert_int_eq(duration_ok("9223372036854775807ms"), INT64_MAX);
}
END_TEST

START_TEST(size_units)
{
	ck_assert_uint_eq(size_ok("0"), 0);
	ck_assert_uint_eq(size_ok("512"), 512);
	ck_assert_uint_eq(size_ok("512B"), 512);
	ck_assert_uint_eq(size_ok("10KiB"), 10240);
	ck_assert_uint_eq(size_ok("3MiB"), 3ULL << 20);
	ck_assert_uint_eq(size_ok("1GiB"), 1ULL << 30);
	ck_assert_uint_eq(size_ok("2TiB"), 2ULL << 40);
	ck_assert_uint_eq(size_ok("5MB"), 5000000);
	ck_assert_uint_eq(size_ok("1KB"), 1000);
	ck_assert_uint_eq(size_ok("1GB"), 1000000000);
	ck_assert_uint_eq(size_ok("10 KiB"), 10240);
}
END_TEST

START_TEST(size_invalid)
{
	size_bad("", "\"\"");
	size_bad("KiB", "\"KiB\"");
	size_bad("-1", "\"-1\"");
	size_bad("10XB", "unknown unit \"XB\"");
	size_bad("1.5GiB", "\"1.5GiB\"");
	size_bad("ten", "\"ten\"");
}
END_TEST

START_TEST(size_overflow)
{
	size_bad("18446744073709551616", "18446744073709551616");
	size_bad("20000000TiB", "too large");
	ck_assert_uint_eq(size_ok("18446744073709551615"), UINT64_MAX);
	ck_assert_uint_eq(size_ok("16777215TiB"), 16777215ULL << 40);
}
END_TEST

/* The reverse direction, used in messages and summaries. */
START_TEST(duration_format)
{
	char buf[64];

	ck_assert_str_eq(carb_config_format_duration(0, buf, sizeof(buf)), "0s");
	ck_assert_str_eq(carb_config_format_duration(250, buf, sizeof(buf)), "250ms");
	ck_assert_str_eq(carb_config_format_duration(30000, buf, sizeof(buf)), "30s");
	ck_assert_str_eq(carb_config_format_duration(5400000, buf, sizeof(buf)), "1h30m");
	ck_assert_str_eq(carb_config_format_duration(86400000 + 1500, buf, sizeof(buf)),
			 "1d1s500ms");
	/* a short buffer truncates instead of overrunning */
	ck_assert_str_eq(carb_config_format_duration(5400000, buf, 3), "1h");
}
END_TEST

START_TEST(duration_round_trip)
{
	static const int64_t samples[] = {
		1, 999, 1000, 61000, 3600000, 86400000, 90061001, INT64_MAX,
	};
	char buf[64];

	for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		carb_config_format_duration(samples[i], buf, sizeof(buf));
		ck_assert_int_eq(duration_ok(buf), samples[i]);
	}
}
END_TEST

static Suite *units_suite(void)
{
	Suite *s = suite_create("units");
	TCase *d = tcase_create("duration");
	TCase *z = tcase_create("size");

	tcase_add_test(d, duration_units);
	tcase_add_test(d, duration_bare_number_is_seconds);
	tcase_add_test(d, duration_compound);
	tcase_add_test(d, duration_invalid);
	tcase_add_test(d, duration_overflow);
	tcase_add_test(d, duration_format);
	tcase_add_test(d, duration_round_trip);
	suite_add_tcase(s, d);
	tcase_add_test(z, size_units);
	tcase_add_test(z, size_invalid);
	tcase_add_test(z, size_overflow);
	suite_add_tcase(s, z);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(units_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
