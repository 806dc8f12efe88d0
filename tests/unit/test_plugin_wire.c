/* The plugin helper protocol (src/plugin/wire.c, wire_call.c): a call
 * and an outcome survive the trip, and an outcome a helper sends is
 * checked again by the service as the host table checks it in process:
 * an undeclared column, text that is not UTF-8 or is over
 * max_value_bytes, a number that is not finite, a group key with "/",
 * and a truncated frame are refused. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "plugin/plugin_internal.h"
#include "plugin/wire.h"

static struct carb_plugin_column cols[] = {
	{ "label", CARB_PLUGIN_TEXT, 1, 0, 0, NULL },
	{ "ratio", CARB_PLUGIN_REAL, 1, 0, 0, NULL },
};

static struct carb_plugin_rt rt = {
	.columns = cols, .ncolumns = 2, .max_value_bytes = 8,
};

/* An outcome with label set to (text, len) and ratio to r. */
static void put(struct carb_buf *b, const char *text, size_t len, double r,
		const char *key)
{
	struct carb_plugin_outcome o;

	carb_plugin_outcome_init(&rt, &o);
	o.set[0] = o.set[1] = true;
	o.values[0].is_null = 0;
	o.values[0].text = carb_xstrndup(text, len);
	o.values[0].text_len = len;
	o.values[1].is_null = 0;
	o.values[1].real = r;
	if (key != NULL) {
		o.group_key = carb_xstrdup(key);
		o.group_key_len = strlen(key);
	}
	carb_buf_init(b);
	carb_wire_put_outcome(b, &o);
	carb_plugin_outcome_release(&o);
}

/* Decodes b; 0 or -1, with the reason checked against want. */
static int get(const struct carb_buf *b, size_t len, const char *want)
{
	struct carb_wire_in in = { (const unsigned char *)b->data, len, false };
	struct carb_plugin_outcome o;
	char *why = NULL;
	int rc;

	carb_plugin_outcome_init(&rt, &o);
	rc = carb_wire_get_outcome(&in, &rt, &o, &why);
	if (rc == 0) {
		ck_assert(o.set[0]);
		ck_assert_str_eq(o.values[0].text, "ok");
	} else {
		ck_assert_ptr_nonnull(why);
		ck_assert_msg(strstr(why, want) != NULL, "%s", why);
	}
	free(why);
	carb_plugin_outcome_release(&o);
	return rc;
}

START_TEST(outcome_round_trip)
{
	struct carb_buf b;

	put(&b, "ok", 2, 0.5, "stem");
	ck_assert_int_eq(get(&b, b.len, ""), 0);
	carb_buf_release(&b);
}
END_TEST

START_TEST(outcome_checked_again)
{
	struct carb_buf b;

	put(&b, "\xff\xfe", 2, 0.5, NULL);
	ck_assert_int_eq(get(&b, b.len, "not UTF-8"), -1);
	carb_buf_release(&b);
	put(&b, "a\0b", 3, 0.5, NULL);
	ck_assert_int_eq(get(&b, b.len, "not UTF-8"), -1);
	carb_buf_release(&b);
	put(&b, "123456789", 9, 0.5, NULL);
	ck_assert_int_eq(get(&b, b.len, "max_value_bytes (8)"), -1);
	carb_buf_release(&b);
	put(&b, "ok", 2, NAN, NULL);
	ck_assert_int_eq(get(&b, b.len, "not a finite number"), -1);
	carb_buf_release(&b);
	put(&b, "ok", 2, 0.5, "../etc");
	ck_assert_int_eq(get(&b, b.len, "holds \"/\""), -1);
	carb_buf_release(&b);
	put(&b, "ok", 2, 0.5, NULL);
	ck_assert_int_eq(get(&b, b.len - 1, "malformed"), -1);
	carb_buf_release(&b);
}
END_TEST

START_TEST(undeclared_column_refused)
{
	struct carb_buf b;

	carb_buf_init(&b);
	carb_wire_u32(&b, 1);
	carb_wire_u32(&b, 7);     /* column 7 of 2 */
	carb_wire_u8(&b, 0);
	carb_wire_i64(&b, 1);
	carb_wire_f64(&b, 0);
	carb_wire_bytes(&b, NULL, 0);
	carb_wire_str(&b, NULL);
	carb_wire_bytes(&b, NULL, 0);
	carb_wire_str(&b, NULL);
	ck_assert_int_eq(get(&b, b.len, "column number 7 of 2"), -1);
	carb_buf_release(&b);
}
END_TEST

START_TEST(frames_and_a_descriptor)
{
	struct carb_plugin_member m = { "a/b.dat", 7, ".dat", 4, 42, NULL };
	struct carb_plugin_group g = { "in", -1, "a/b", 3, &m, 1 };
	struct carb_plugin_outcome o;
	struct carb_wire_call c;
	struct carb_wire_in in;
	enum carb_wire_type t;
	struct carb_buf b, r;
	char *why = NULL;
	int sv[2], fd = -1;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	carb_plugin_outcome_init(&rt, &o);
	carb_buf_init(&b);
	carb_buf_init(&r);
	carb_wire_put_call(&b, CARB_PLUGIN_EXTRACTOR, "count", &g, &o);
	ck_assert_int_eq(carb_wire_send(sv[0], CARB_WIRE_CALL, &b, 0, -1), 0);
	ck_assert_int_eq(carb_wire_recv(sv[1], &t, &r, &fd, 1000), 1);
	ck_assert_int_eq(t, CARB_WIRE_CALL);
	ck_assert_int_ge(fd, 0);
	in = (struct carb_wire_in){ (const unsigned char *)r.data, r.len, false };
	ck_assert_int_eq(carb_wire_get_call(&in, &rt, &c, &why), 0);
	ck_assert_str_eq(c.fname, "count");
	ck_assert_uint_eq(c.g.nmembers, 1);
	ck_assert_int_eq(c.members[0].size, 42);
	ck_assert_mem_eq(c.members[0].rel_path, "a/b.dat", 7);
	carb_wire_call_release(&c);
	close(fd);
	/* the peer gone: the end of the stream, then nothing more */
	close(sv[0]);
	ck_assert_int_eq(carb_wire_recv(sv[1], &t, &r, NULL, 1000), 0);
	close(sv[1]);
	carb_plugin_outcome_release(&o);
	carb_buf_release(&b);
	carb_buf_release(&r);
}
END_TEST

static Suite *wire_suite(void)
{
	Suite *s = suite_create("plugin_wire");
	TCase *t = tcase_create("wire");

	tcase_add_test(t, outcome_round_trip);
	tcase_add_test(t, outcome_checked_again);
	tcase_add_test(t, undeclared_column_refused);
	tcase_add_test(t, frames_and_a_descriptor);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(wire_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
