/* The archive layer on a real temporary tree: path templates that try to
 * leave base_path, version names, and placing files by each mode with
 * conflicts and retries (src/archive/). */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "archive/archive.h"

static const char *vars(void *ctx, const char *name, size_t len)
{
	const char *const *kv = ctx;

	for (size_t i = 0; kv[i] != NULL; i += 2)
		if (strlen(kv[i]) == len && memcmp(kv[i], name, len) == 0)
			return kv[i + 1];
	return NULL;
}

static char *render(const char *tmpl, const char *const *kv, char *msg,
		    size_t msg_size)
{
	struct carb_error err;
	struct carb_buf out;

	carb_error_clear(&err);
	carb_buf_init(&out);
	if (carb_template_render(tmpl, vars, (void *)kv, &out, &err) < 0) {
		snprintf(msg, msg_size, "%s", err.msg);
		carb_buf_release(&out);
		return NULL;
	}
	return carb_buf_detach(&out);
}

START_TEST(template_renders)
{
	const char *const kv[] = { "watch", "in", "yyyy", "2026", "dir", "",
				   "group", "a b", NULL };
	char msg[CARB_ERROR_MAX];
	char *p = render("{watch}/{yyyy}/{dir}/{group}", kv, msg, sizeof(msg));

	ck_assert_str_eq(p, "in/2026/a b");
	free(p);
	p = render("x{{y}}/{watch}//", kv, msg, sizeof(msg));
	ck_assert_str_eq(p, "x{y}/in");
	free(p);
}
END_TEST

START_TEST(template_refuses_escapes)
{
	static const char *const bad[] = { "..", ".", "a/..", "../etc",
					   "a/./b" };
	char msg[CARB_ERROR_MAX];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *const kv[] = { "group", bad[i], NULL };
		char *p = render("archive/{group}/x", kv, msg, sizeof(msg));

		ck_assert_msg(p == NULL, "value \"%s\" gave \"%s\"", bad[i],
			      p ? p : "");
		ck_assert_msg(strstr(msg, "would leave") != NULL, "%s", msg);
	}
}
END_TEST

START_TEST(template_refuses_unknown_and_empty)
{
	const char *const kv[] = { "empty", "", NULL };
	char msg[CARB_ERROR_MAX];

	ck_assert_ptr_null(render("{nope}", kv, msg, sizeof(msg)));
	ck_assert_msg(strstr(msg, "unknown variable \"nope\"") != NULL, "%s", msg);
	ck_assert_ptr_null(render("{empty}/", kv, msg, sizeof(msg)));
	ck_assert_msg(strstr(msg, "empty path") != NULL, "%s", msg);
	ck_assert_ptr_null(render("a/{empty", kv, msg, sizeof(msg)));
}
END_TEST

/* A URL's values stay one piece of one path segment, whatever they hold;
 * the template's own text is left as written. */
START_TEST(url_template_escapes_values)
{
	const char *const kv[] = { "watch", "in", "name", "a b/../c%?#&.dat",
				   "dir", "x/y", NULL };
	struct carb_error err;
	struct carb_buf out;

	carb_error_clear(&err);
	carb_buf_init(&out);
	ck_assert_int_eq(carb_template_render_url(
		"http://h:1/upload/{watch}/{dir}-{name}?q={{1}}", vars,
		(void *)kv, &out, &err), 0);
	ck_assert_str_eq(out.data, "http://h:1/upload/in/x%2Fy-"
			 "a%20b%2F..%2Fc%25%3F%23%26.dat?q={1}");
	carb_buf_release(&out);
	carb_buf_init(&out);
	ck_assert_int_lt(carb_template_render_url("http://h/{nope}", vars,
						  (void *)kv, &out, &err), 0);
	ck_assert_msg(strstr(err.msg, "unknown variable \"nope\"") != NULL,
		      "%s", err.msg);
	carb_buf_release(&out);
	ck_assert(carb_archive_path_is_url("https://h/x", 11));
	ck_assert(!carb_archive_path_is_url("in/2026/http:", 13));
}
END_TEST

START_TEST(version_names)
{
	char *n;

	n = carb_archive_version_name("a.dat", 1);
	ck_assert_str_eq(n, "a.dat");
	free(n);
	n = carb_archive_version_name("a.tar.gz", 3);
	ck_assert_str_eq(n, "a.tar.v3.gz");
	free(n);
	n = carb_archive_version_name(".profile", 2);
	ck_assert_str_eq(n, ".profile.v2");
	free(n);
	n = carb_archive_version_name("README", 2);
	ck_assert_str_eq(n, "README.v2");
	free(n);
}
END_TEST

/* ---- placing files on a real tree --------------------------------------- */

static char root[] = "/tmp/carb-archive-unit.XXXXXX";
static int src_fd = -1, base_fd = -1;

/* SHA-256 of "hello\n". */
#define HELLO_HASH "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03"

static void setup(void)
{
	char path[512];

	ck_assert_ptr_nonnull(mkdtemp(root));
	snprintf(path, sizeof(path), "%s/in", root);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/arch", root);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/in/a.dat", root);
	FILE *f = fopen(path, "w");
	fputs("hello\n", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/in", root);
	src_fd = open(path, O_PATH | O_DIRECTORY);
	snprintf(path, sizeof(path), "%s/arch", root);
	base_fd = open(path, O_PATH | O_DIRECTORY);
}

static void teardown(void)
{
	char cmd[600];

	close(src_fd);
	close(base_fd);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	ck_assert_int_eq(system(cmd), 0);
	strcpy(root, "/tmp/carb-archive-unit.XXXXXX");
}

static enum carb_archive_outcome place(enum carb_archive_mode mode,
				       enum carb_on_conflict oc,
				       char **final)
{
	char abs[512];
	struct carb_archive_item it = {
		.id = 7, .src_root = src_fd, .src_rel = strdup("a.dat"),
		.size = 6, .hash = strdup(HELLO_HASH), .dir = strdup("w/x"),
		.name = strdup("a.dat"),
	};
	struct carb_archive_batch b = {
		.base_fd = base_fd, .mode = mode, .verify = CARB_VERIFY_SHA256,
		.on_conflict = oc, .n = 1, .items = &it,
	};
	enum carb_archive_outcome o;

	snprintf(abs, sizeof(abs), "%s/in/a.dat", root);
	it.src_abs = strdup(abs);
	carb_archive_run(&b);
	o = it.outcome;
	*final = it.final_rel ? strdup(it.final_rel) : NULL;
	carb_archive_item_release(&it);
	return o;
}

static bool arch_holds(const char *rel, const char *content)
{
	char path[600], buf[64] = "";
	FILE *f;

	snprintf(path, sizeof(path), "%s/arch/%s", root, rel);
	f = fopen(path, "r");
	if (f == NULL)
		return false;
	if (fgets(buf, sizeof(buf), f) == NULL)
		buf[0] = '\0';
	fclose(f);
	return strcmp(buf, content) == 0;
}

static void put(const char *rel, const char *content)
{
	char path[600];
	FILE *f;

	snprintf(path, sizeof(path), "%s/arch/w", root);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/arch/w/x", root);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/arch/%s", root, rel);
	f = fopen(path, "w");
	fputs(content, f);
	fclose(f);
}

START_TEST(copy_then_again_is_a_no_op)
{
	char *final;

	ck_assert_int_eq(place(CARB_ARCHIVE_COPY, CARB_CONFLICT_VERSION, &final),
			 CARB_PLACED);
	ck_assert_str_eq(final, "w/x/a.dat");
	ck_assert(arch_holds("w/x/a.dat", "hello\n"));
	free(final);
	ck_assert_int_eq(place(CARB_ARCHIVE_COPY, CARB_CONFLICT_VERSION, &final),
			 CARB_PLACED_ALREADY);
	ck_assert_str_eq(final, "w/x/a.dat");
	free(final);
}
END_TEST

START_TEST(conflicts_follow_the_policy)
{
	char *final;

	put("w/x/a.dat", "other\n");
	ck_assert_int_eq(place(CARB_ARCHIVE_COPY, CARB_CONFLICT_FAIL, &final),
			 CARB_PLACE_FAIL);
	free(final);
	ck_assert(arch_holds("w/x/a.dat", "other\n"));
	ck_assert_int_eq(place(CARB_ARCHIVE_COPY, CARB_CONFLICT_VERSION, &final),
			 CARB_PLACED);
	ck_assert_str_eq(final, "w/x/a.v2.dat");
	ck_assert(arch_holds("w/x/a.dat", "other\n"));
	ck_assert(arch_holds("w/x/a.v2.dat", "hello\n"));
	free(final);
	ck_assert_int_eq(place(CARB_ARCHIVE_COPY, CARB_CONFLICT_OVERWRITE, &final),
			 CARB_PLACED);
	ck_assert_str_eq(final, "w/x/a.dat");
	ck_assert(arch_holds("w/x/a.dat", "hello\n"));
	free(final);
}
END_TEST

START_TEST(move_and_links)
{
	char *final, path[600], link[600];
	struct stat a, b;
	ssize_t n;

	ck_assert_int_eq(place(CARB_ARCHIVE_HARDLINK, CARB_CONFLICT_VERSION, &final),
			 CARB_PLACED);
	snprintf(path, sizeof(path), "%s/in/a.dat", root);
	stat(path, &a);
	snprintf(path, sizeof(path), "%s/arch/w/x/a.dat", root);
	stat(path, &b);
	ck_assert(a.st_ino == b.st_ino);
	free(final);
	unlink(path);
	ck_assert_int_eq(place(CARB_ARCHIVE_SYMLINK, CARB_CONFLICT_VERSION, &final),
			 CARB_PLACED);
	n = readlink(path, link, sizeof(link) - 1);
	ck_assert(n > 0);
	link[n] = '\0';
	ck_assert(strstr(link, "/in/a.dat") != NULL);
	free(final);
	unlink(path);
	ck_assert_int_eq(place(CARB_ARCHIVE_MOVE, CARB_CONFLICT_VERSION, &final),
			 CARB_PLACED);
	ck_assert(arch_holds("w/x/a.dat", "hello\n"));
	snprintf(path, sizeof(path), "%s/in/a.dat", root);
	ck_assert_int_eq(access(path, F_OK), -1);
	free(final);
	/* The source is gone and its copy is in place: a retry after a
	 * crash right after the move is a success. */
	ck_assert_int_eq(place(CARB_ARCHIVE_MOVE, CARB_CONFLICT_VERSION, &final),
			 CARB_PLACED_ALREADY);
	free(final);
}
END_TEST

START_TEST(no_temporary_file_stays)
{
	char *final, cmd[700];

	ck_assert_int_eq(place(CARB_ARCHIVE_COPY, CARB_CONFLICT_VERSION, &final),
			 CARB_PLACED);
	free(final);
	snprintf(cmd, sizeof(cmd), "test -z \"$(find '%s' -name '.carb-tmp-*')\"",
		 root);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

/* A restart cleans each folder once for every component it takes up:
 * only those components' temporary names go, another's stay. */
START_TEST(stale_names_of_the_ids_only)
{
	static const char *const names[] = {
		".carb-tmp-7-100-0", ".carb-tmp-9-100-3", ".carb-tmp-70-100-0",
		".carb-tmp-8x", "a.dat",
	};
	const int64_t ids[] = { 7, 9 };
	char rel[64];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(rel, sizeof(rel), "w/x/%s", names[i]);
		put(rel, "x\n");
	}
	ck_assert_int_eq(carb_archive_clean_stale(base_fd, "w/x", ids, 2), 2);
	ck_assert(!arch_holds("w/x/.carb-tmp-7-100-0", "x\n"));
	ck_assert(!arch_holds("w/x/.carb-tmp-9-100-3", "x\n"));
	ck_assert(arch_holds("w/x/.carb-tmp-70-100-0", "x\n"));
	ck_assert(arch_holds("w/x/.carb-tmp-8x", "x\n"));
	ck_assert(arch_holds("w/x/a.dat", "x\n"));
	ck_assert_int_eq(carb_archive_clean_stale(base_fd, "w/none", ids, 2), 0);
}
END_TEST

static Suite *archive_suite(void)
{
	Suite *s = suite_create("archive");
	TCase *t = tcase_create("template");
	TCase *p = tcase_create("place");

	tcase_add_test(t, template_renders);
	tcase_add_test(t, template_refuses_escapes);
	tcase_add_test(t, template_refuses_unknown_and_empty);
	tcase_add_test(t, url_template_escapes_values);
	tcase_add_test(t, version_names);
	suite_add_tcase(s, t);
	tcase_add_checked_fixture(p, setup, teardown);
	tcase_add_test(p, copy_then_again_is_a_no_op);
	tcase_add_test(p, conflicts_follow_the_policy);
	tcase_add_test(p, move_and_links);
	tcase_add_test(p, no_temporary_file_stays);
	tcase_add_test(p, stale_names_of_the_ids_only);
	suite_add_tcase(s, p);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(archive_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
