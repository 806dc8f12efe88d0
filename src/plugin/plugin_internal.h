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
	enum carb_plugin_isolation isolation;
	int64_t timeout_ms;               /* [plugins] timeout; atomic */
	char *config_path;                /* what a helper loads, absolute */
	struct carb_plugin_pool *pool;    /* helpers (isolate.c), or NULL */
	struct carb_metrics *metrics;     /* may be NULL; atomic */
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
/* Whether s holds n bytes of UTF-8 without NUL. */
bool carb_plugin_utf8_valid(const unsigned char *s, size_t n);
/* Where host->log sends a call's lines: the service's log unless set (a
 * helper sends them to the service).  NULL: the log again. */
void carb_plugin_host_set_log(void (*sink)(int level, const char *line));

/* Calls fname of kind k in this process, as carb_plugin_call describes:
 * the thread isolation's call, and a helper's. */
int carb_plugin_call_here(struct carb_plugin_rt *p, enum carb_plugin_kind k,
			  const char *fname, const struct carb_plugin_group *g,
			  struct carb_plugin_outcome *o);
/* The same in a helper process (isolate.c). */
int carb_plugin_call_isolated(struct carb_plugin_rt *p,
			      enum carb_plugin_kind k, const char *fname,
			      const struct carb_plugin_group *g,
			      struct carb_plugin_outcome *o);
/* The helpers of a plugin, none started yet (isolate.c). */
struct carb_plugin_pool *carb_plugin_pool_new(void);
/* Ends every helper (isolate.c); pool may be NULL. */
void carb_plugin_pool_free(struct carb_plugin_pool **pool);

/* Loads the .so at path with cfg's [plugins.NAME] and runs its init,
 * without the checks against rules and templates: a helper's load,
 * whose rules are the service's business. */
int carb_plugin_load_path(const struct carb_config *cfg, const char *path,
			  struct carb_plugin_rt **out, struct carb_diags *diags);

/* ---- the helper protocol's calls (wire_call.c) ------------------------ */

struct carb_buf;
struct carb_wire_in;

/* A call as a helper receives it; the group's fields point into it. */
struct carb_wire_call {
	enum carb_plugin_kind kind;
	char *fname, *watch, *key;
	struct carb_plugin_member *members;
	struct carb_plugin_group g;
	struct carb_plugin_outcome o;
};

void carb_wire_put_call(struct carb_buf *b, enum carb_plugin_kind k,
			const char *fname, const struct carb_plugin_group *g,
			const struct carb_plugin_outcome *o);
/* 0, or -1 with *why (owned; may be NULL) for a malformed or refused
 * call; c is to be released either way. */
int carb_wire_get_call(struct carb_wire_in *in, const struct carb_plugin_rt *p,
		       struct carb_wire_call *c, char **why);
void carb_wire_call_release(struct carb_wire_call *c);
void carb_wire_put_outcome(struct carb_buf *b,
			   const struct carb_plugin_outcome *o);
/* Reads an outcome into o (initialised for p), checking every value as
 * the host table does; 0, or -1 with *why (owned; may be NULL). */
int carb_wire_get_outcome(struct carb_wire_in *in,
			  const struct carb_plugin_rt *p,
			  struct carb_plugin_outcome *o, char **why);

/* The function array of kind k (may be NULL). */
const struct carb_plugin_function *carb_plugin_functions(
	const struct carb_plugin_rt *p, enum carb_plugin_kind k);

#endif
