/* The TOML parser (src/config/toml_*.c) through its public door, toml.h.
 *
 * The toml-test suite (tests/toml/run.sh) covers the grammar broadly; these
 * cases pin down what the configuration layer relies on beyond it: where
 * errors point, what their messages say, the positions kept on keys and
 * values, and inputs that a fuzzer would try first. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/toml.h"
#include "util/util.h"

static struct carb_toml_value *parse_ok(const char *text)
{
	struct carb_toml_value *root = NULL;
	struct carb_error err;

	carb_error_clear(&err);
	ck_assert_msg(carb_toml_parse(text, strlen(text), &root, &err) == 0,
		      "should parse: %s\n%d:%d: %s", text, err.line,
		      err.column, err.msg);
	ck_assert_ptr_nonnull(root);
	return root;
}

/* Asserts a refusal at line:column whose message contains msg_part. */
static void parse_bad_n(const char *text, size_t len, int line, int column,
			const char *msg_part)
{
	struct carb_toml_value *root = (struct carb_toml_value *)1;
	struct carb_error err;

	carb_error_clear(&err);
	ck_assert_msg(carb_toml_parse(text, len, &root, &err) == -1,
		      "should be refused: %s", text);
	ck_assert_ptr_null(root);
	ck_assert_msg(err.line == line && err.column == column,
		      "%s: error at %d:%d, expected %d:%d (%s)", text,
		      err.line, err.column, line, column, err.msg);
	ck_assert_msg(strstr(err.msg, msg_part) != NULL,
		      "%s: message lacks \"%s\": %s", text, msg_part, err.msg);
}

static void parse_bad(const char *text, int line, int column,
		      const char *msg_part)
{
	parse_bad_n(text, strlen(text), line, column, msg_part);
}

/* Follows a dotted path of bare keys from the root. */
static const struct carb_toml_value *
get_path(const struct carb_toml_value *root, const char *path)
{
	char buf[256];
	char *save = NULL;
	const struct carb_toml_value *v = root;

	ck_assert_uint_lt(strlen(path), sizeof(buf));
	strcpy(buf, path);
	for (char *k = strtok_r(buf, ".", &save); k != NULL;
	     k = strtok_r(NULL, ".", &save)) {
		ck_assert_int_eq(carb_toml_type(v), CARB_TOML_TABLE);
		v = carb_toml_table_get(v, k);
		ck_assert_msg(v != NULL, "%s: no key %s", path, k);
	}
	return v;
}

START_TEST(scalars)
{
	struct carb_toml_value *root = parse_ok(
		"s = \"a\\tb\\u00e9\\U0001F600\"\n"
		"l = 'C:\\path'\n");

	ck_assert_str_eq(carb_toml_string(get_path(root, "s"), NULL),
			 "a\tb\xc3\xa9\xf0\x9f\x98\x80");
	ck_assert_str_eq(carb_toml_string(get_path(root, "l"), NULL),
			 "C:\\path");
	carb_toml_free(&root);
	ck_assert_ptr_null(root);
}
END_TEST

START_TEST(integers)
{
	struct carb_toml_value *root = parse_ok(
		"h = 0xDEAD_beef\n"
		"o = 0o755\n"
		"b = 0b1010\n"
		"big = 9_223_372_036_854_775_807\n"
		"neg = -9223372036854775808\n"
		"plus = +17\n");

	ck_assert_int_eq(carb_toml_int(get_path(root, "h")), 0xDEADBEEF);
	ck_assert_int_eq(carb_toml_int(get_path(root, "o")), 0755);
	ck_assert_int_eq(carb_toml_int(get_path(root, "b")), 10);
	ck_assert_int_eq(carb_toml_int(get_path(root, "big")), INT64_MAX);
	ck_assert_int_eq(carb_toml_int(get_path(root, "neg")), INT64_MIN);
	ck_assert_int_eq(carb_toml_int(get_path(root, "plus")), 17);
	carb_toml_free(&root);
}
END_TEST

START_TEST(floats_and_bools)
{
	struct carb_toml_value *root = parse_ok(
		"f = 6.626e-34\nz = -0.0\ni = -inf\nn = nan\nt = true\n"
		"e = 1e06\n");
	double z;

	ck_assert_double_eq_tol(carb_toml_float(get_path(root, "f")),
				6.626e-34, 1e-40);
	z = carb_toml_float(get_path(root, "z"));
	ck_assert(z == 0.0 && __builtin_signbit(z));
	ck_assert(__builtin_isinf(carb_toml_float(get_path(root, "i"))));
	ck_assert(carb_toml_float(get_path(root, "i")) < 0);
	ck_assert(__builtin_isnan(carb_toml_float(get_path(root, "n"))));
	ck_assert(carb_toml_bool(get_path(root, "t")));
	ck_assert_double_eq(carb_toml_float(get_path(root, "e")), 1e6);
	carb_toml_free(&root);
}
END_TEST

START_TEST(datetimes)
{
	struct carb_toml_value *root = parse_ok(
		"a = 1979-05-27T07:32:00.999999-07:00\n"
		"b = 1979-05-27 07:32:00Z\n"
		"c = 1979-05-27T00:32:00.1234567891\n"
		"d = 2000-02-29\n"
		"e = 07:32:00\n");
	const struct carb_toml_datetime *dt;
	char buf[64];

	dt = carb_toml_datetime(get_path(root, "a"));
	ck_assert_int_eq(dt->year, 1979);
	ck_assert_int_eq(dt->nanosecond, 999999000);
	ck_assert_int_eq(dt->offset_minutes, -420);
	ck_assert_str_eq(carb_toml_datetime_format(get_path(root, "a"), buf,
						   sizeof(buf)),
			 "1979-05-27T07:32:00.999999-07:00");
	ck_assert(carb_toml_datetime(get_path(root, "b"))->offset_z);
	ck_assert_int_eq(carb_toml_type(get_path(root, "c")),
			 CARB_TOML_LOCAL_DATETIME);
	ck_assert_int_eq(carb_toml_datetime(get_path(root, "c"))->nanosecond,
			 123456789);
	ck_assert_int_eq(carb_toml_type(get_path(root, "d")),
			 CARB_TOML_LOCAL_DATE);
	ck_assert_int_eq(carb_toml_type(get_path(root, "e")),
			 CARB_TOML_LOCAL_TIME);
	ck_assert_str_eq(carb_toml_datetime_format(get_path(root, "e"), buf,
						   sizeof(buf)),
			 "07:32:00");
	carb_toml_free(&root);
}
END_TEST

START_TEST(multiline_strings)
{
	struct carb_toml_value *root = parse_ok(
		"a = \"\"\"\nfirst\\\n   second\"\"\"\n"
		"b = '''\n  raw \\n ''quoted'' '''\n"
		"c = \"\"\"two quotes at the end\"\"\"\"\"\n");

	ck_assert_str_eq(carb_toml_string(get_path(root, "a"), NULL),
			 "firstsecond");
	ck_assert_str_eq(carb_toml_string(get_path(root, "b"), NULL),
			 "  raw \\n ''quoted'' ");
	ck_assert_str_eq(carb_toml_string(get_path(root, "c"), NULL),
			 "two quotes at the end\"\"");
	carb_toml_free(&root);
}
END_TEST

START_TEST(embedded_nul_key)
{
	struct carb_toml_value *root = parse_ok("\"a\\u0000b\" = 1\n");
	size_t len;
	const char *k = carb_toml_table_key(root, 0);

	len = carb_toml_table_key_len(root, 0);
	ck_assert_uint_eq(len, 3);
	ck_assert(memcmp(k, "a\0b", 3) == 0);
	carb_toml_free(&root);
}
END_TEST

START_TEST(tables_keep_order_and_positions)
{
	struct carb_toml_value *root = parse_ok(
		"top = 1\n"
		"[server]\n"
		"  zeta = \"z\"\n"
		"  alpha.beta = 2\n"
		"[[watch]]\n"
		"name = \"one\"\n"
		"[[watch]]\n"
		"name = \"two\"\n");
	const struct carb_toml_value *server = get_path(root, "server");
	const struct carb_toml_value *watch = get_path(root, "watch");

	ck_assert_str_eq(carb_toml_table_key(root, 0), "top");
	ck_assert_str_eq(carb_toml_table_key(root, 1), "server");
	ck_assert_str_eq(carb_toml_table_key(server, 0), "zeta");
	ck_assert_int_eq(carb_toml_table_key_line(server, 0), 3);
	ck_assert_int_eq(carb_toml_table_key_column(server, 0), 3);
	ck_assert_int_eq(carb_toml_line(carb_toml_table_value(server, 0)), 3);
	ck_assert_int_eq(carb_toml_column(carb_toml_table_value(server, 0)),
			 10);
	ck_assert_int_eq(carb_toml_int(get_path(root, "server.alpha.beta")),
			 2);
	ck_assert_int_eq(carb_toml_type(watch), CARB_TOML_ARRAY);
	ck_assert_uint_eq(carb_toml_array_count(watch), 2);
	ck_assert_str_eq(
		carb_toml_string(carb_toml_table_get(
					 carb_toml_array_get(watch, 1), "name"),
				 NULL),
		"two");
	ck_assert_ptr_null(carb_toml_table_get(root, "absent"));
	carb_toml_free(&root);
}
END_TEST

START_TEST(columns_count_characters)
{
	/* "é" is two bytes but one column. */
	parse_bad("k = \"\xc3\xa9\" x\n", 1, 9, "found 'x'");
}
END_TEST

START_TEST(redefinitions)
{
	parse_bad("a = 1\na = 2\n", 2, 1, "defined");
	parse_bad("[t]\n[t]\n", 2, 2, "defined");
	parse_bad("[t]\nx.y = 1\n[t.x]\n", 3, 4, "");
	parse_bad("a = {x = 1}\na.y = 2\n", 2, 1, "");
	parse_bad("a = [1]\n[[a]]\n", 2, 3, "");
	parse_bad("[[a]]\n[a]\n", 2, 2, "");
	parse_bad("a.b = 1\na.b.c = 2\n", 2, 3, "already defined");
}
END_TEST

START_TEST(syntax_errors_point_at_the_text)
{
	parse_bad("key = \n", 1, 7, "");
	parse_bad("x = \"unterminated\n", 1, 18, "");
	parse_bad("x = 1979-02-29\n", 1, 5, "");
	parse_bad("x = 0123\n", 1, 5, "");
	parse_bad("x = 9223372036854775808\n", 1, 5, "");
	parse_bad("x = \"\\q\"\n", 1, 6, "");
	parse_bad("x = [1, 2\n", 2, 1, "");
	parse_bad("x = 1 y = 2\n", 1, 7, "");
	parse_bad("# ok\n= 1\n", 2, 1, "");
}
END_TEST

START_TEST(utf8_is_validated)
{
	parse_bad("k = \"\xff\"\n", 1, 6, "UTF-8");
	parse_bad("# \xc0\xaf overlong\n", 1, 3, "UTF-8");
	parse_bad("k = 'surrogate \xed\xa0\x80'\n", 1, 16, "UTF-8");
	parse_bad("k = \"\\uD800\"\n", 1, 6, "");
	parse_bad_n("k = 1\0\n", 7, 1, 6, "");
	parse_bad("k = \"a\x01\"\n", 1, 7, "");
	parse_bad("# bell \x07\n", 1, 8, "");
}
END_TEST

START_TEST(empty_and_bom)
{
	struct carb_toml_value *root = parse_ok("");

	ck_assert_uint_eq(carb_toml_table_count(root), 0);
	carb_toml_free(&root);
	root = parse_ok("\xef\xbb\xbfk = 1\n");
	ck_assert_int_eq(carb_toml_int(get_path(root, "k")), 1);
	carb_toml_free(&root);
}
END_TEST

/* Deep nesting must be refused, not exhaust the stack. */
START_TEST(deep_nesting_is_bounded)
{
	size_t depth = 100000, i;
	char *text = malloc(depth * 2 + 8);
	struct carb_toml_value *root = NULL;
	struct carb_error err;

	ck_assert_ptr_nonnull(text);
	memcpy(text, "k = ", 4);
	for (i = 0; i < depth; i++)
		text[4 + i] = '[';
	for (i = 0; i < depth; i++)
		text[4 + depth + i] = ']';
	carb_error_clear(&err);
	ck_assert_int_eq(carb_toml_parse(text, 4 + 2 * depth, &root, &err),
			 -1);
	ck_assert_int_eq(err.line, 1);
	ck_assert_ptr_null(root);
	free(text);
}
END_TEST

/* Every prefix of a valid document is parsed or refused cleanly: under
 * AddressSanitizer a read past the end fails here. */
START_TEST(every_prefix_is_safe)
{
	static const char doc[] =
		"title = \"T\\u00e9\"\n[a.b]\nc = [1, {d = 'x'}, 1979-05-27T07:32:00Z]\n"
		"[[e]]\nf = \"\"\"\nml\\\n\"\"\"\ng = 0x1F\nh = 1e-3\n";
	size_t n = sizeof(doc) - 1;

	for (size_t len = 0; len <= n; len++) {
		char *copy = malloc(len ? len : 1);
		struct carb_toml_value *root = NULL;
		struct carb_error err;

		ck_assert_ptr_nonnull(copy);
		memcpy(copy, doc, len);
		carb_error_clear(&err);
		if (carb_toml_parse(copy, len, &root, &err) == 0)
			carb_toml_free(&root);
		else
			ck_assert_int_gt(err.line, 0);
		free(copy);
	}
}
END_TEST

static Suite *toml_suite(void)
{
	Suite *s = suite_create("toml");
	TCase *v = tcase_create("values");
	TCase *e = tcase_create("errors");

	tcase_add_test(v, scalars);
	tcase_add_test(v, integers);
	tcase_add_test(v, floats_and_bools);
	tcase_add_test(v, datetimes);
	tcase_add_test(v, multiline_strings);
	tcase_add_test(v, embedded_nul_key);
	tcase_add_test(v, tables_keep_order_and_positions);
	tcase_add_test(v, empty_and_bom);
	suite_add_tcase(s, v);
	tcase_add_test(e, columns_count_characters);
	tcase_add_test(e, redefinitions);
	tcase_add_test(e, syntax_errors_point_at_the_text);
	tcase_add_test(e, utf8_is_validated);
	tcase_add_test(e, deep_nesting_is_bounded);
	tcase_add_test(e, every_prefix_is_safe);
	suite_add_tcase(s, e);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(toml_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
