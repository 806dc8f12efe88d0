/* The hash map under the catalog's statement cache and the watches'
 * known files (src/util/map.c): keys are bytes of any length and
 * content, and nothing is lost as it grows, shrinks or is walked. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

#define N 20000

/* Key i: a long common prefix (as statement texts and paths have), a
 * differing part at a varying offset, so that keys differ only in the
 * high bytes of some word, and lengths of every remainder mod 8. */
static size_t key_of(size_t i, char *buf)
{
	size_t len = 40 + i % 23;

	memset(buf, 'k', len);
	buf[len - 1 - i % 8] = (char)(i & 0xff);
	buf[len - 9 - i % 8] = (char)((i >> 8) & 0xff);
	buf[len - 17] = (char)((i >> 16) & 0xff);
	return len;
}

START_TEST(map_put_get_remove)
{
	struct carb_map *m = carb_map_new();
	char k[64];

	for (size_t i = 0; i < N; i++) {
		size_t len = key_of(i, k);

		ck_assert_ptr_null(carb_map_put(m, k, len, (void *)(i + 1)));
	}
	ck_assert_uint_eq(carb_map_count(m), N);
	for (size_t i = 0; i < N; i++) {
		size_t len = key_of(i, k);

		ck_assert_ptr_eq(carb_map_get(m, k, len), (void *)(i + 1));
		/* A prefix of a key is another key, absent. */
		ck_assert_ptr_null(carb_map_get(m, k, len - 1));
	}
	for (size_t i = 0; i < N; i += 2) {
		size_t len = key_of(i, k);

		ck_assert_ptr_eq(carb_map_remove(m, k, len), (void *)(i + 1));
	}
	ck_assert_uint_eq(carb_map_count(m), N / 2);
	for (size_t i = 0; i < N; i++) {
		size_t len = key_of(i, k);

		ck_assert_ptr_eq(carb_map_get(m, k, len),
				 i % 2 ? (void *)(i + 1) : NULL);
	}
	carb_map_free(&m);
}
END_TEST

START_TEST(map_replace_and_binary_keys)
{
	struct carb_map *m = carb_map_new();
	const char a[] = { 'x', '\0', 'y' }, b[] = { 'x', '\0', 'z' };

	ck_assert_ptr_null(carb_map_put(m, a, sizeof(a), (void *)1));
	ck_assert_ptr_null(carb_map_put(m, b, sizeof(b), (void *)2));
	ck_assert_ptr_eq(carb_map_put(m, a, sizeof(a), (void *)3), (void *)1);
	ck_assert_ptr_eq(carb_map_get(m, a, sizeof(a)), (void *)3);
	ck_assert_ptr_eq(carb_map_get(m, b, sizeof(b)), (void *)2);
	ck_assert_ptr_null(carb_map_get(m, "x", 1));
	ck_assert_ptr_null(carb_map_put(m, "", 0, (void *)4));
	ck_assert_ptr_eq(carb_map_get(m, "", 0), (void *)4);
	ck_assert_uint_eq(carb_map_count(m), 3);
	carb_map_free(&m);
}
END_TEST

START_TEST(map_iterate_and_remove)
{
	struct carb_map *m = carb_map_new();
	struct carb_map_iter it;
	unsigned char *seen = calloc(N, 1);
	const char *key;
	size_t klen, n = 0;
	void *v;
	char k[64];

	for (size_t i = 0; i < N; i++)
		carb_map_put(m, k, key_of(i, k), (void *)(i + 1));
	carb_map_iter_init(&it, m);
	while (carb_map_iter_next(&it, &key, &klen, &v)) {
		size_t i = (size_t)v - 1;

		ck_assert_uint_lt(i, N);
		ck_assert_uint_eq(seen[i], 0);
		ck_assert_uint_eq(klen, key_of(i, k));
		ck_assert_mem_eq(key, k, klen);
		seen[i] = 1;
		n++;
		carb_map_remove(m, key, klen);
	}
	ck_assert_uint_eq(n, N);
	ck_assert_uint_eq(carb_map_count(m), 0);
	free(seen);
	carb_map_free(&m);
}
END_TEST

static Suite *map_suite(void)
{
	Suite *s = suite_create("map");
	TCase *t = tcase_create("map");

	tcase_add_test(t, map_put_get_remove);
	tcase_add_test(t, map_replace_and_binary_keys);
	tcase_add_test(t, map_iterate_and_remove);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(map_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
