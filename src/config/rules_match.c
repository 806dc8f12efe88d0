/* The declarative rules of rules.toml applied to one group: the first rule
 * whose conditions all hold decides, and a condition that lists values
 * holds when any of them does. */
#include <fnmatch.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_internal.h"

/* Extensions are compared by length and bytes: a member's facts need not
 * be NUL-terminated. */
static bool listed(const struct carb_config_strings *l, const char *s,
		   size_t len)
{
	for (size_t i = 0; i < l->count; i++)
		if (strlen(l->items[i]) == len &&
		    (len == 0 || memcmp(l->items[i], s, len) == 0))
			return true;
	return false;
}

static bool some_extension(const struct carb_config_strings *exts,
			   const struct carb_group_facts *g)
{
	for (size_t i = 0; i < g->nmembers; i++)
		if (g->members[i].extension != NULL &&
		    listed(exts, g->members[i].extension, g->members[i].ext_len))
			return true;
	return false;
}

/* fnmatch wants a C string.  A name read from a folder is at most
 * NAME_MAX bytes and fits the stack buffer; a longer one, which only a
 * caller's own facts could hold, still gets a fair comparison. */
static bool name_matches(const struct carb_config_strings *globs,
			 const struct carb_member_facts *m)
{
	char small[NAME_MAX + 1];
	char *name = m->name_len < sizeof(small)
		? small : carb_xmalloc(m->name_len + 1);
	bool hit = false;

	if (m->name_len > 0)
		memcpy(name, m->name, m->name_len);
	name[m->name_len] = '\0';
	for (size_t i = 0; i < globs->count && !hit; i++)
		hit = fnmatch(globs->items[i], name, 0) == 0;
	if (name != small)
		free(name);
	return hit;
}

static bool some_name(const struct carb_config_strings *globs,
		      const struct carb_group_facts *g)
{
	for (size_t i = 0; i < g->nmembers; i++)
		if (name_matches(globs, &g->members[i]))
			return true;
	return false;
}

static bool value_is(const struct carb_plugin_value *v,
		     const struct carb_rule_value *want)
{
	switch (v->type) {
	case CARB_PLUGIN_TEXT:
		return want->type == CARB_TOML_STRING &&
		       v->text_len == want->text_len &&
		       memcmp(v->text, want->text, v->text_len) == 0;
	case CARB_PLUGIN_INTEGER:
	case CARB_PLUGIN_TIMESTAMP:
		return want->type == CARB_TOML_INTEGER && v->integer == want->integer;
	case CARB_PLUGIN_REAL:
		return (want->type == CARB_TOML_FLOAT && v->real == want->real) ||
		       (want->type == CARB_TOML_INTEGER &&
			v->real == (double)want->integer);
	case CARB_PLUGIN_BOOLEAN:
		return want->type == CARB_TOML_BOOL &&
		       (v->integer != 0) == want->boolean;
	}
	return false;
}

static bool columns_hold(const struct carb_rule *r,
			 const struct carb_group_facts *g)
{
	for (size_t i = 0; i < r->ncolumns; i++) {
		const struct carb_rule_column *c = &r->columns[i];
		const struct carb_plugin_value *v =
			g->column ? g->column(g->column_ctx, c->name) : NULL;
		bool hit = false;

		if (v == NULL || v->is_null)
			return false;
		for (size_t j = 0; j < c->nvalues && !hit; j++)
			hit = value_is(v, &c->values[j]);
		if (!hit)
			return false;
	}
	return true;
}

static bool holds(const struct carb_rule *r, const struct carb_group_facts *g)
{
	if (r->ncolumns > 0 && !columns_hold(r, g))
		return false;
	if (r->watch.count > 0 &&
	    (g->watch == NULL || !listed(&r->watch, g->watch, strlen(g->watch))))
		return false;
	if (r->extension.count > 0 && !some_extension(&r->extension, g))
		return false;
	if (r->glob.count > 0 && !some_name(&r->glob, g))
		return false;
	if (r->has_min_size && g->size < r->min_size)
		return false;
	if (r->has_max_size && g->size > r->max_size)
		return false;
	if (r->has_complete && g->complete != r->complete)
		return false;
	return true;
}

static const struct carb_rule *first_holding(const struct carb_rule *rules,
					     size_t n,
					     const struct carb_group_facts *g)
{
	for (size_t i = 0; i < n; i++)
		if (holds(&rules[i], g))
			return &rules[i];
	return NULL;
}

bool carb_rules_select(const struct carb_rules *r,
		       const struct carb_group_facts *g, const char **rule)
{
	const struct carb_rule *hit =
		first_holding(r->selection.rules, r->selection.nrules, g);
	enum carb_rule_action action =
		hit ? hit->action : r->selection.default_action;

	if (rule != NULL)
		*rule = hit ? hit->name : NULL;
	return action == CARB_RULE_ACCEPT;
}

const char *carb_rules_route(const struct carb_rules *r,
			     const struct carb_group_facts *g,
			     const char **rule)
{
	const struct carb_rule *hit =
		first_holding(r->routing.rules, r->routing.nrules, g);

	if (rule != NULL)
		*rule = hit ? hit->name : NULL;
	return hit ? hit->destination : r->routing.default_destination;
}
