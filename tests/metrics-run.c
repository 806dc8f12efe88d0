/* `run --once` with a metrics registry, then the registry rendered on
 * stdout: what GET /metrics would show after that run, for
 * tests/integration/metrics.sh, until the HTTP layer lets a test scrape
 * a running service.  Usage: metrics-run CONFIG.  No plugin. */
#include <stdio.h>
#include <stdlib.h>

#include "carbonation/carbonation.h"
#include "pipeline/pipeline.h"

int main(int argc, char **argv)
{
	struct carb_metrics *m = carb_metrics_new();
	struct carb_run_options ro = { .once = true, .metrics = m };
	struct carb_catalog_options co = { 0 };
	struct carb_diags diags;
	struct carb_config *cfg = NULL;
	struct carb_catalog *cat = NULL;
	struct carb_intake *in = NULL;
	struct carb_error err = { 0 };
	struct carb_buf out;
	int rc = 1;

	if (argc != 2) {
		fprintf(stderr, "usage: metrics-run CONFIG\n");
		return 2;
	}
	carb_diags_init(&diags);
	if (carb_config_load(argv[1], &cfg, &diags) != 0) {
		for (size_t i = 0; i < diags.count; i++)
			fprintf(stderr, "%s\n", diags.items[i].message);
		goto out;
	}
	co.url = carb_config_database_url(cfg);
	co.base_dir = carb_config_dir(cfg);
	if (carb_catalog_open(&co, &cat, &err) < 0 ||
	    carb_intake_open(cfg, cat, &ro, &in, &err) < 0 ||
	    carb_intake_run(in, NULL, &err) < 0) {
		fprintf(stderr, "metrics-run: %s\n", err.msg);
		goto out;
	}
	carb_metrics_set_build(m, carbonation_version(),
			       carb_catalog_dialect(cat));
	carb_buf_init(&out);
	carb_metrics_render(m, &out);
	rc = fwrite(out.data, 1, out.len, stdout) == out.len ? 0 : 1;
	carb_buf_release(&out);
out:
	if (in != NULL)
		carb_intake_close(&in);
	carb_catalog_close(&cat);
	carb_config_free(&cfg);
	carb_diags_release(&diags);
	carb_metrics_free(&m);
	return rc;
}
