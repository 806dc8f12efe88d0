/* What the files of src/plugin/ share; nothing outside includes it. */
#ifndef CARB_PLUGIN_INTERNAL_H
#define CARB_PLUGIN_INTERNAL_H

#include <pthread.h>

#include "plugin/plugin.h"

struct carb_plugin_rt {
	void *dl;
	char *path;                       /* the .so, absolute */
	const struct carb_plugin *desc;
	struct carb_plugin_column *columns;  /* static + declared; names owned */
	size_t ncolumns;
	char *migrations;                 /* absolute, or NULL */
	void *state;                      /* init's */
	struct carb_toml_value *empty;    /* [plugins.NAME] when absent */
	bool inited;
	uint64_t max_value_bytes;         /* [plugins] max_value_bytes */
	pthread_mutex_t serial;           /* held around calls unless concurrent */
};

/* init's view: where errors go and what it declared. */
struct carb_plugin_setup {
	struct carb_plugin_rt *p;
	const struct carb_config *cfg;
	const struct carb_toml_value *table;  /* [plugins.NAME] or rt's empty */
	struct carb_config_loc fallback;  /* where errors about it point */
	struct carb_diags *diags;
	const char *file;                 /* config.toml as shown */
	int errors;
};

/* One call in progress. */
struct carb_plugin_call {
	struct carb_plugin_rt *p;
	enum carb_plugin_kind kind;
	const char *fname;
	const struct carb_plugin_group *g;
	struct carb_plugin_outcome *o;
};

extern const struct carb_plugin_host carb_plugin_host_table;

/* Sets the name the host's log prefixes plugin lines with. */
void carb_plugin_host_set_name(const char *name);
/* Adds a column (copied) after checking its name and type; returns -1
 * with a message in err. */
int carb_plugin_add_column(struct carb_plugin_rt *p,
			   const struct carb_plugin_column *c,
			   struct carb_error *err);
/* The function array of kind k (may be NULL). */
const struct carb_plugin_function *carb_plugin_functions(
	const struct carb_plugin_rt *p, enum carb_plugin_kind k);

#endif
