/* Prints a metrics registry with every family filled in, and with label
 * values a watch or destination name may hold (a quote, a backslash, a
 * newline, bytes that are not UTF-8), for tests/integration/metrics.sh to
 * hand to `promtool check metrics`. */
#include <stdio.h>
#include <stdlib.h>

#include "util/util.h"

static const char *const hostile[] = {
	"plain", "quo\"te", "back\\slash", "new\nline", "not utf-8 \xff\xfe",
	"cut \xc3", "tab\there", "caf\xc3\xa9", "",
};
#define NHOSTILE (sizeof(hostile) / sizeof(hostile[0]))

int main(void)
{
	struct carb_metrics *m = carb_metrics_new();
	struct carb_buf out;
	int rc;

	carb_metrics_set_build(m, "1.2.3 \"dev\"", "sqlite");
	carb_metrics_set(m, CARB_METRIC_COMPONENTS, "ARCHIVED", 3);
	carb_metrics_add(m, CARB_METRIC_TRANSITIONS, "PENDING", 4);
	carb_metrics_observe(m, CARB_METRIC_CATALOG_TX, NULL, 1234);
	carb_metrics_set(m, CARB_METRIC_QUEUE_DEPTH, "settle", 2);
	carb_metrics_set(m, CARB_METRIC_RETRY_DEPTH, NULL, 1);
	for (size_t i = 0; i < NHOSTILE; i++) {
		const char *h = hostile[i];

		carb_metrics_add(m, CARB_METRIC_ARCHIVED_BYTES, h, 1024);
		carb_metrics_add(m, CARB_METRIC_ARCHIVED_FILES, h, 1);
		carb_metrics_observe(m, CARB_METRIC_ARCHIVE_DURATION, h, 25000);
		carb_metrics_set(m, CARB_METRIC_DESTINATION_PAUSED, h, i % 2);
		carb_metrics_add(m, CARB_METRIC_INOTIFY_OVERFLOWS, h, 1);
		carb_metrics_add(m, CARB_METRIC_RESCANS, h, 2);
		carb_metrics_set(m, CARB_METRIC_WATCH_LAST_EVENT, h,
				 (double)carb_now_us() / 1e6 - (double)i);
		carb_metrics_add2(m, CARB_METRIC_PLUGIN_CALLS,
				  "metadata.extract", h, 5);
		carb_metrics_add2(m, CARB_METRIC_PLUGIN_FAILURES,
				  "routing.function", h, 1);
		carb_metrics_add2(m, CARB_METRIC_PLUGIN_CRASHES,
				  "selection.function", h, 1);
	}
	carb_buf_init(&out);
	carb_metrics_render(m, &out);
	rc = fwrite(out.data, 1, out.len, stdout) == out.len ? 0 : 1;
	carb_buf_release(&out);
	carb_metrics_free(&m);
	return rc;
}
