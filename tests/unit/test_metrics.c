/* The metrics registry behind GET /metrics (src/util/metrics.c): counts
 * from several threads add up exactly, histograms are cumulative and
 * agree with their count, label values are escaped as the exposition
 * format wants whatever their bytes, and a NULL registry counts nothing
 * without failing. */
#include <check.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

#define THREADS 4
#define ROUNDS 20000

static char *render(struct carb_metrics *m)
{
	struct carb_buf b;

	carb_buf_init(&b);
	carb_metrics_render(m, &b);
	return carb_buf_detach(&b);
}

static void assert_has(const char *text, const char *line)
{
	if (strstr(text, line) == NULL)
		ck_abort_msg("render lacks \"%s\" in:\n%s", line, text);
}

START_TEST(metrics_empty_names_every_family)
{
	struct carb_metrics *m = carb_metrics_new();
	char *text = render(m);

	assert_has(text, "# TYPE carbonation_components gauge\n");
	assert_has(text, "# TYPE carbonation_transitions_total counter\n");
	assert_has(text, "# TYPE carbonation_archive_duration_seconds histogram\n");
	assert_has(text, "# TYPE carbonation_catalog_transaction_duration_seconds histogram\n");
	assert_has(text, "# HELP carbonation_build_info ");
	/* no series yet: only HELP and TYPE lines */
	for (const char *l = text; *l; l = strchr(l, '\n') + 1)
		ck_assert_int_eq(l[0], '#');
	free(text);
	carb_metrics_free(&m);
	ck_assert_ptr_null(m);
	carb_metrics_free(&m);  /* twice is harmless */
}
END_TEST

static void *hammer(void *arg)
{
	struct carb_metrics *m = arg;
	char label[32];

	for (int i = 0; i < ROUNDS; i++) {
		/* new series made while others count into existing ones */
		snprintf(label, sizeof(label), "w%d", i % 50);
		carb_metrics_add(m, CARB_METRIC_TRANSITIONS, "ARCHIVED", 1);
		carb_metrics_add(m, CARB_METRIC_ARCHIVED_BYTES, label, 3);
		carb_metrics_add2(m, CARB_METRIC_PLUGIN_CALLS,
				  "metadata.extract", "ex", 1);
		carb_metrics_observe(m, CARB_METRIC_CATALOG_TX, NULL,
				     i % 2 ? 700 : 20000000);
		carb_metrics_set(m, CARB_METRIC_QUEUE_DEPTH, "archive", 7);
		if (i % 1000 == 0) {
			char *text = render(m);

			free(text);
		}
	}
	return NULL;
}

START_TEST(metrics_threads_add_up)
{
	struct carb_metrics *m = carb_metrics_new();
	pthread_t t[THREADS];
	char line[128];
	char *text;

	for (int i = 0; i < THREADS; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, hammer, m), 0);
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	text = render(m);
	snprintf(line, sizeof(line),
		 "carbonation_transitions_total{status=\"ARCHIVED\"} %d\n",
		 THREADS * ROUNDS);
	assert_has(text, line);
	snprintf(line, sizeof(line),
		 "carbonation_archived_bytes_total{destination=\"w7\"} %d\n",
		 THREADS * ROUNDS / 50 * 3);
	assert_has(text, line);
	snprintf(line, sizeof(line), "carbonation_plugin_calls_total{kind="
		 "\"metadata.extract\",function=\"ex\"} %d\n", THREADS * ROUNDS);
	assert_has(text, line);
	assert_has(text, "carbonation_queue_depth{queue=\"archive\"} 7\n");
	/* half at 0.7 ms, half past every bound (20 s) */
	assert_has(text, "carbonation_catalog_transaction_duration_seconds"
		   "_bucket{le=\"0.0005\"} 0\n");
	snprintf(line, sizeof(line), "carbonation_catalog_transaction_duration"
		 "_seconds_bucket{le=\"0.001\"} %d\n", THREADS * ROUNDS / 2);
	assert_has(text, line);
	snprintf(line, sizeof(line), "carbonation_catalog_transaction_duration"
		 "_seconds_bucket{le=\"10\"} %d\n", THREADS * ROUNDS / 2);
	assert_has(text, line);
	snprintf(line, sizeof(line), "carbonation_catalog_transaction_duration"
		 "_seconds_bucket{le=\"+Inf\"} %d\n", THREADS * ROUNDS);
	assert_has(text, line);
	snprintf(line, sizeof(line), "carbonation_catalog_transaction_duration"
		 "_seconds_count %d\n", THREADS * ROUNDS);
	assert_has(text, line);
	/* 40,000 x 0.0007 s + 40,000 x 20 s, exactly */
	assert_has(text, "carbonation_catalog_transaction_duration_seconds_sum"
		   " 800028.000000\n");
	free(text);
	carb_metrics_free(&m);
}
END_TEST

START_TEST(metrics_labels_escaped)
{
	struct carb_metrics *m = carb_metrics_new();
	char *text;

	carb_metrics_add(m, CARB_METRIC_RESCANS, "a\"b\\c\nd", 2);
	/* 0xff is never UTF-8; é is, and stays as it is */
	carb_metrics_add(m, CARB_METRIC_RESCANS, "x\xff" "y\xc3\xa9", 1);
	carb_metrics_add(m, CARB_METRIC_RESCANS, "", 1);
	text = render(m);
	assert_has(text, "carbonation_rescans_total{watch=\"a\\\"b\\\\c\\nd\"} 2\n");
	assert_has(text, "carbonation_rescans_total{watch=\"x\\\\xffy\xc3\xa9\"} 1\n");
	assert_has(text, "carbonation_rescans_total{watch=\"\"} 1\n");
	free(text);
	carb_metrics_free(&m);
}
END_TEST

START_TEST(metrics_gauges_and_build)
{
	struct carb_metrics *m = carb_metrics_new();
	char *text;

	carb_metrics_set(m, CARB_METRIC_DESTINATION_PAUSED, "main", 1);
	carb_metrics_set(m, CARB_METRIC_DESTINATION_PAUSED, "main", 0);
	carb_metrics_set(m, CARB_METRIC_RETRY_DEPTH, NULL, 12);
	carb_metrics_set(m, CARB_METRIC_WATCH_LAST_EVENT, "idle", 0);
	carb_metrics_set(m, CARB_METRIC_WATCH_LAST_EVENT, "busy",
			 (double)carb_now_us() / 1e6 - 30);
	carb_metrics_set_build(m, "0.1", "sqlite");
	carb_metrics_set_build(m, "0.2", "postgresql");
	text = render(m);
	assert_has(text, "carbonation_destination_paused{destination=\"main\"} 0\n");
	assert_has(text, "carbonation_retry_queue_depth 12\n");
	assert_has(text, "carbonation_watch_last_event_timestamp_seconds{watch=\"idle\"} 0\n");
	assert_has(text, "carbonation_watch_last_event_age_seconds{watch=\"busy\"} 3");
	ck_assert_ptr_null(strstr(text, "age_seconds{watch=\"idle\"}"));
	assert_has(text, "carbonation_build_info{version=\"0.2\",backend=\"postgresql\"} 1\n");
	ck_assert_ptr_null(strstr(text, "backend=\"sqlite\""));
	free(text);
	carb_metrics_free(&m);
}
END_TEST

START_TEST(metrics_misuse_changes_nothing)
{
	struct carb_metrics *m = carb_metrics_new();
	char *text;

	/* NULL registry: every call is a no-op */
	carb_metrics_add(NULL, CARB_METRIC_TRANSITIONS, "PENDING", 1);
	carb_metrics_set(NULL, CARB_METRIC_RETRY_DEPTH, NULL, 1);
	carb_metrics_observe(NULL, CARB_METRIC_CATALOG_TX, NULL, 1);
	carb_metrics_set_build(NULL, "1", "sqlite");
	carb_metrics_render(NULL, NULL);
	/* a counter set, a gauge added to, wrong label counts, the derived
	 * age and build info through the generic calls */
	carb_metrics_set(m, CARB_METRIC_TRANSITIONS, "PENDING", 5);
	carb_metrics_add(m, CARB_METRIC_RETRY_DEPTH, NULL, 5);
	carb_metrics_add(m, CARB_METRIC_TRANSITIONS, NULL, 5);
	carb_metrics_add(m, CARB_METRIC_PLUGIN_CALLS, "x", 5);
	carb_metrics_set(m, CARB_METRIC_WATCH_EVENT_AGE, "w", 5);
	carb_metrics_add2(m, CARB_METRIC_BUILD_INFO, "a", "b", 5);
	carb_metrics_add(m, CARB_METRIC_COUNT, "x", 1);
	text = render(m);
	for (const char *l = text; *l; l = strchr(l, '\n') + 1)
		ck_assert_int_eq(l[0], '#');
	free(text);
	carb_metrics_free(&m);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("metrics");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, metrics_empty_names_every_family);
	tcase_add_test(tc, metrics_threads_add_up);
	tcase_add_test(tc, metrics_labels_escaped);
	tcase_add_test(tc, metrics_gauges_and_build);
	tcase_add_test(tc, metrics_misuse_changes_nothing);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
