/* Calling a plugin function on a group: in a helper process (isolate.c)
 * or here: find it by name, serialise the call unless the plugin says it
 * may run concurrently, and keep what it set in the outcome. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "plugin/plugin_internal.h"

void carb_plugin_outcome_init(const struct carb_plugin_rt *p,
			      struct carb_plugin_outcome *o)
{
	size_t n = p ? p->ncolumns : 0;

	memset(o, 0, sizeof(*o));
	o->ncolumns = n;
	o->values = carb_xcalloc(n ? n : 1, sizeof(*o->values));
	o->set = carb_xcalloc(n ? n : 1, sizeof(*o->set));
	for (size_t i = 0; i < n; i++) {
		o->values[i].type = p->columns[i].type;
		o->values[i].is_null = 1;
	}
}

void carb_plugin_outcome_release(struct carb_plugin_outcome *o)
{
	for (size_t i = 0; i < o->ncolumns; i++)
		free((char *)o->values[i].text);
	free(o->values);
	free(o->set);
	free(o->destination);
	free(o->group_key);
	free(o->reason);
	memset(o, 0, sizeof(*o));
}

static carb_plugin_fn lookup(const struct carb_plugin_rt *p,
			     enum carb_plugin_kind k, const char *fname)
{
	const struct carb_plugin_function *f = carb_plugin_functions(p, k);

	for (size_t i = 0; f != NULL && fname != NULL && f[i].name != NULL; i++)
		if (strcmp(f[i].name, fname) == 0)
			return f[i].fn;
	return NULL;
}

void carb_plugin_set_metrics(struct carb_plugin_rt *p, struct carb_metrics *m)
{
	if (p != NULL)
		__atomic_store_n(&p->metrics, m, __ATOMIC_RELEASE);
}

int carb_plugin_call(struct carb_plugin_rt *p, enum carb_plugin_kind k,
		     const char *fname, const struct carb_plugin_group *g,
		     struct carb_plugin_outcome *o)
{
	struct carb_metrics *m = __atomic_load_n(&p->metrics, __ATOMIC_ACQUIRE);
	int rc;

	if (p->isolation == CARB_ISOLATION_PROCESS)
		rc = carb_plugin_call_isolated(p, k, fname, g, o);
	else
		rc = carb_plugin_call_here(p, k, fname, g, o);
	/* -2: no such function, nothing was called */
	if (rc != -2)
		carb_metrics_add2(m, CARB_METRIC_PLUGIN_CALLS,
				  carb_plugin_kind_key(k), fname, 1);
	if (rc == -1)
		carb_metrics_add2(m, CARB_METRIC_PLUGIN_FAILURES,
				  carb_plugin_kind_key(k), fname, 1);
	return rc;
}

int carb_plugin_call_here(struct carb_plugin_rt *p, enum carb_plugin_kind k,
			  const char *fname, const struct carb_plugin_group *g,
			  struct carb_plugin_outcome *o)
{
	struct carb_plugin_call call = { p, k, fname, g, o };
	carb_plugin_fn fn = lookup(p, k, fname);
	bool serial = !carb_plugin_concurrent(p);
	int rc;

	if (fn == NULL)
		return -2;
	if (serial)
		pthread_mutex_lock(&p->serial);
	rc = fn(&carb_plugin_host_table, &call, p->state);
	if (serial)
		pthread_mutex_unlock(&p->serial);
	/* a value outside the contract is a failure, not a guess */
	if (k == CARB_PLUGIN_SELECTOR && rc != 0 && rc != 1 && rc != -1)
		rc = -1;
	else if (k != CARB_PLUGIN_SELECTOR && rc != 0)
		rc = -1;
	if (rc == -1 && o->reason == NULL)
		o->reason = carb_xasprintf("%s %s failed without saying why",
					   carb_plugin_kind_key(k), fname);
	return rc;
}

void carb_plugin_value_text(const struct carb_plugin_value *v,
			    struct carb_buf *b)
{
	char tmp[64];
	struct tm tm;
	time_t t;

	if (v->is_null)
		return;
	switch (v->type) {
	case CARB_PLUGIN_TEXT:
		carb_buf_add(b, v->text, v->text_len);
		return;
	case CARB_PLUGIN_INTEGER:
		snprintf(tmp, sizeof(tmp), "%" PRId64, v->integer);
		break;
	case CARB_PLUGIN_REAL:
		snprintf(tmp, sizeof(tmp), "%.17g", v->real);
		break;
	case CARB_PLUGIN_BOOLEAN:
		snprintf(tmp, sizeof(tmp), "%s", v->integer ? "true" : "false");
		break;
	case CARB_PLUGIN_TIMESTAMP:
		t = (time_t)(v->integer / 1000000 - (v->integer % 1000000 < 0));
		if (gmtime_r(&t, &tm) == NULL)
			snprintf(tmp, sizeof(tmp), "%" PRId64, v->integer);
		else
			strftime(tmp, sizeof(tmp), "%Y-%m-%dT%H:%M:%SZ", &tm);
		break;
	default:
		return;
	}
	carb_buf_adds(b, tmp);
}
