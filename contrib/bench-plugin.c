/* The driver of contrib/bench-plugin.sh: loads the plugin a config.toml
 * names and calls its extractor "noop" on one group N times through
 * carb_plugin_call, the pipeline's own door, then prints calls per
 * second.  [plugins] isolation in that config.toml picks the mode.  Like
 * the carbonation program, it serves as its own plugin helper.
 *
 *   bench-plugin CONFIG N */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config/config.h"
#include "plugin/plugin.h"
#include "util/util.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int calls(struct carb_plugin_rt *p, long n, int dirfd)
{
	struct carb_plugin_member m = { "a.dat", 5, ".dat", 4, 1, NULL };
	struct carb_plugin_group g = { "in", dirfd, "a", 1, &m, 1 };

	for (long i = 0; i < n; i++) {
		struct carb_plugin_outcome o;
		int rc;

		carb_plugin_outcome_init(p, &o);
		rc = carb_plugin_call(p, CARB_PLUGIN_EXTRACTOR, "noop", &g, &o);
		if (rc != 0)
			fprintf(stderr, "call %ld: %s\n", i, o.reason ? o.reason : "failed");
		carb_plugin_outcome_release(&o);
		if (rc != 0)
			return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct carb_config *cfg = NULL;
	struct carb_plugin_rt *p = NULL;
	struct carb_diags d;
	double t0;
	long n;
	int rc = 1, dirfd;

	if (argc > 1 && strcmp(argv[1], CARB_PLUGIN_HELPER_ARG) == 0)
		return carb_plugin_helper_main(argc, argv);
	if (argc != 3)
		return 2;
	n = strtol(argv[2], NULL, 10);
	carb_diags_init(&d);
	dirfd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (carb_config_load(argv[1], &cfg, &d) == 0 &&
	    carb_plugin_load(cfg, &p, &d) == 0 && p != NULL) {
		/* the first call starts a helper: not what is measured */
		calls(p, 1, dirfd);
		t0 = now_s();
		if (calls(p, n, dirfd) == 0) {
			printf("%.0f\n", (double)n / (now_s() - t0));
			rc = 0;
		}
	}
	for (size_t i = 0; i < d.count; i++) {
		char *line = carb_diag_format(&d.items[i]);

		fprintf(stderr, "%s\n", line);
		free(line);
	}
	carb_plugin_unload(&p);
	carb_config_free(&cfg);
	carb_diags_release(&d);
	close(dirfd);
	return rc;
}
