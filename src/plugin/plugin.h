/* The plugin layer: finds and loads the plugin config.toml names, checks
 * it against the contract (include/carbonation/plugin.h) and the rules,
 * and calls its functions on groups through the host table.  The only
 * door of src/plugin/. */
#ifndef CARB_PLUGIN_LAYER_H
#define CARB_PLUGIN_LAYER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <carbonation/plugin.h>

#include "config/config.h"
#include "util/util.h"

/* A loaded plugin: its description, the columns it declared, its state. */
struct carb_plugin_rt;

/* Loads the plugin cfg names: [plugins] path, else package NAME found as
 * NAME.so in the installed plugin folder (the build tree's plugins/ when
 * running from it) then each search_path folder, else, when [plugins]
 * names neither, the single plugin found there.  Runs its init with
 * [plugins.NAME] and checks every function cfg's rules name.  Returns 0
 * with *out NULL when config.toml has no [plugins] table; 0 with *out a
 * plugin the caller frees with carb_plugin_unload; -1 with *out NULL and
 * every problem appended to diags (file:line:column of the key at fault,
 * and the names that would do). */
int carb_plugin_load(const struct carb_config *cfg,
		     struct carb_plugin_rt **out, struct carb_diags *diags);
void carb_plugin_unload(struct carb_plugin_rt **p);

/* Checks that every plugin function rules names exists, and that the
 * column conditions of its rules name declared columns; appends each
 * problem, with the available names, to diags.  Returns -1 on any.  A
 * NULL plugin accepts rules that name no function and no column. */
int carb_plugin_check_rules(const struct carb_plugin_rt *p,
			    const struct carb_rules *rules,
			    struct carb_diags *diags);

/* Checks that every variable of cfg's destination templates is built in
 * or one of the plugin's columns; appends each unknown one to diags. */
int carb_plugin_check_templates(const struct carb_plugin_rt *p,
				const struct carb_config *cfg,
				struct carb_diags *diags);

const char *carb_plugin_name(const struct carb_plugin_rt *p);
const char *carb_plugin_version(const struct carb_plugin_rt *p);
const char *carb_plugin_path(const struct carb_plugin_rt *p);  /* the .so */
/* Absolute folder of the plugin's migration branch, or NULL for none. */
const char *carb_plugin_migrations(const struct carb_plugin_rt *p);
const char *carb_plugin_default_order(const struct carb_plugin_rt *p);
bool carb_plugin_concurrent(const struct carb_plugin_rt *p);

/* Declared columns, static ones first, then those init declared (0 for
 * no plugin). */
size_t carb_plugin_ncolumns(const struct carb_plugin_rt *p);
const struct carb_plugin_column *carb_plugin_column(
	const struct carb_plugin_rt *p, size_t i);
/* All of them, an array of carb_plugin_ncolumns (NULL for no plugin):
 * what carb_query_new takes.  Borrowed for the plugin's life. */
const struct carb_plugin_column *carb_plugin_columns(const struct carb_plugin_rt *p);
/* Index of the column called name (len bytes), or -1. */
int carb_plugin_column_index(const struct carb_plugin_rt *p,
			     const char *name, size_t len);

/* "text", "integer", "real", "boolean", "timestamp". */
const char *carb_plugin_type_name(enum carb_plugin_type t);

/* ---- calls ---------------------------------------------------------- */

enum carb_plugin_kind {
	CARB_PLUGIN_GROUPER,
	CARB_PLUGIN_EXTRACTOR,
	CARB_PLUGIN_SELECTOR,
	CARB_PLUGIN_ROUTER,
};

/* "completeness.function", "metadata.extract", "selection.function",
 * "routing.function": the rules.toml key of a kind. */
const char *carb_plugin_kind_key(enum carb_plugin_kind k);

/* What a call is about.  dirfd is the watch's folder, opened by the
 * caller; members are relative to it. */
struct carb_plugin_group {
	const char *watch;
	int dirfd;
	const char *key;
	size_t key_len;
	const struct carb_plugin_member *members;
	size_t nmembers;
};

/* What calls on one group produced.  values[i] belongs to column i and
 * counts only when set[i]; text is owned by the outcome. */
struct carb_plugin_outcome {
	size_t ncolumns;
	struct carb_plugin_value *values;
	bool *set;
	char *destination;        /* a router's choice, or NULL */
	char *group_key;          /* a grouper's choice, or NULL */
	size_t group_key_len;
	char *reason;             /* the message of host->fail, or NULL */
};

void carb_plugin_outcome_init(const struct carb_plugin_rt *p,
			      struct carb_plugin_outcome *o);
void carb_plugin_outcome_release(struct carb_plugin_outcome *o);

/* Calls function fname of kind k on g, one call at a time unless the
 * plugin is concurrent; safe from any thread.  Values set accumulate in
 * o, so an extractor's are visible to the selector and router called
 * next with the same o.  Returns what the function returned (see
 * carb_plugin_fn); -2 when no function has that name. */
int carb_plugin_call(struct carb_plugin_rt *p, enum carb_plugin_kind k,
		     const char *fname, const struct carb_plugin_group *g,
		     struct carb_plugin_outcome *o);

/* ---- isolation ([plugins] isolation) ----------------------------------- */

/* With "process", carb_plugin_call runs the function in a helper process
 * and waits for it at most [plugins] timeout: a crash, an abort or a
 * timeout fails that call alone (-1, the reason naming the signal or the
 * timeout), and the next call gets a new helper.  With "thread" it runs
 * in the calling thread, as fast as a function call, and a crash takes
 * the process with it. */

/* argv[1] of a helper: the program hands such a run to
 * carb_plugin_helper_main before anything else. */
#define CARB_PLUGIN_HELPER_ARG "--plugin-helper-for-the-service"
/* A helper's whole life: returns main's exit status, 2 (having printed
 * nothing) when it was not started by a service. */
int carb_plugin_helper_main(int argc, char **argv);

/* The registry carb_plugin_call counts into, by the function's rules
 * key and name: every call (carbonation_plugin_calls_total), those that
 * failed (_failures_total, a stop's cancelled calls included) and those
 * whose helper process crashed, hung or spoke nonsense
 * (_crashes_total).  In thread isolation a crash ends the process, and
 * the registry with it.  m: NULL counts nothing; borrowed, it must
 * outlive the calls.  p may be NULL (nothing happens).  Safe from any
 * thread. */
void carb_plugin_set_metrics(struct carb_plugin_rt *p, struct carb_metrics *m);

/* [plugins] timeout changed by a reload; safe from any thread. */
void carb_plugin_set_timeout(struct carb_plugin_rt *p, int64_t ms);
/* How long a job of up to three calls may take before a watchdog may
 * call it hung: the timeout itself in thread isolation, where nothing
 * else bounds a call; past the calls' own bounds in process isolation. */
int64_t carb_plugin_job_limit_ms(const struct carb_plugin_rt *p);
/* The service is stopping: calls in helpers end now (-1, "the service
 * is stopping") and no new one starts.  A no-op in thread isolation or
 * for NULL. */
void carb_plugin_cancel(struct carb_plugin_rt *p);

/* Text of value v for a path template or a message: text as is, numbers
 * in decimal, booleans "true"/"false", timestamps as UTC
 * "YYYY-MM-DDTHH:MM:SSZ"; "" for NULL.  Appends to b. */
void carb_plugin_value_text(const struct carb_plugin_value *v,
			    struct carb_buf *b);

#endif
