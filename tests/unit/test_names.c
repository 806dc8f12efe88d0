/* Names are bytes; every face must show one the same way.  The CLI's
 * JSON writes a byte that is not UTF-8 as \u00NN (carb_buf_add_json_string)
 * and the faces built on jansson (HTTP, events) hand it the character
 * U+00NN (carb_report_json_name): parsed back, the two must be equal for
 * any bytes at all. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "report/report.h"
#include "util/util.h"

/* What a consumer parsing the CLI's JSON gets for name. */
static char *cli_parsed(const char *name, size_t len, size_t *out_len)
{
	struct carb_buf b;
	json_t *j;
	char *s;

	carb_buf_init(&b);
	carb_buf_add_json_string(&b, name, len);
	j = json_loadb(b.data, b.len, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
	ck_assert_msg(j != NULL, "the CLI's JSON string does not parse");
	*out_len = json_string_length(j);
	s = malloc(*out_len + 1);
	memcpy(s, json_string_value(j), *out_len + 1);
	json_decref(j);
	carb_buf_release(&b);
	return s;
}

static void same_everywhere(const char *name, size_t len)
{
	size_t cli_len;
	char *cli = cli_parsed(name, len, &cli_len);
	json_t *lib = carb_report_json_name(name, len);
	char *dumped;

	ck_assert_ptr_nonnull(lib);
	ck_assert_uint_eq(json_string_length(lib), cli_len);
	ck_assert_mem_eq(json_string_value(lib), cli, cli_len);
	/* and what jansson writes of it is valid JSON again */
	dumped = json_dumps(lib, JSON_ENCODE_ANY);
	ck_assert_ptr_nonnull(dumped);
	free(dumped);
	json_decref(lib);
	free(cli);
}

START_TEST(names_fixed)
{
#define BYTES(lit) { lit, sizeof(lit) - 1 }
	static const struct { const char *s; size_t n; } cases[] = {
		BYTES("plain.dat"),
		BYTES("caf\xc3\xa9.dat"),        /* valid UTF-8 */
		BYTES("bad\xff\xfe.dat"),        /* not UTF-8 */
		BYTES("\xc3"),                   /* cut sequence */
		BYTES("\xed\xa0\x80"),           /* a surrogate */
		BYTES("\xc0\xaf"),               /* overlong */
		BYTES("new\nline\t\"q\"\\"),
		BYTES("nul\0in"),
		BYTES("\xf0\x9f\x93\x81"),       /* 4 bytes */
	};
#undef BYTES

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		same_everywhere(cases[i].s, cases[i].n);
}
END_TEST

START_TEST(names_random)
{
	unsigned seed = 12345;
	char buf[32];

	for (int round = 0; round < 20000; round++) {
		size_t n = (size_t)(rand_r(&seed) % sizeof(buf));

		for (size_t i = 0; i < n; i++)
			buf[i] = (char)(rand_r(&seed) & 0xFF);
		same_everywhere(buf, n);
	}
}
END_TEST

START_TEST(name_null_is_json_null)
{
	json_t *j = carb_report_json_name(NULL, 0);

	ck_assert(json_is_null(j));
	json_decref(j);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("names");
	TCase *tc = tcase_create("json");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, names_fixed);
	tcase_add_test(tc, names_random);
	tcase_add_test(tc, name_null_is_json_null);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
