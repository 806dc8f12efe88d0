/* What a loaded plugin offers, and whether rules.toml asks only for that:
 * function names per kind and column conditions, with the names that
 * would do when one is wrong. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugin/plugin_internal.h"

const char *carb_plugin_name(const struct carb_plugin_rt *p) { return p->desc->name; }
const char *carb_plugin_version(const struct carb_plugin_rt *p)
{
	return p->desc->version ? p->desc->version : "";
}
const char *carb_plugin_path(const struct carb_plugin_rt *p) { return p->path; }
const char *carb_plugin_migrations(const struct carb_plugin_rt *p) { return p->migrations; }
const char *carb_plugin_default_order(const struct carb_plugin_rt *p)
{
	return p->desc->default_order;
}
bool carb_plugin_concurrent(const struct carb_plugin_rt *p)
{
	return (p->desc->flags & CARB_PLUGIN_CONCURRENT) != 0;
}
size_t carb_plugin_ncolumns(const struct carb_plugin_rt *p)
{
	return p != NULL ? p->ncolumns : 0;
}

const struct carb_plugin_column *carb_plugin_column(const struct carb_plugin_rt *p,
						   size_t i)
{
	return &p->columns[i];
}

const struct carb_plugin_column *carb_plugin_columns(const struct carb_plugin_rt *p)
{
	return p != NULL ? p->columns : NULL;
}

int carb_plugin_column_index(const struct carb_plugin_rt *p, const char *name,
			     size_t len)
{
	for (size_t i = 0; i < p->ncolumns; i++)
		if (strlen(p->columns[i].name) == len &&
		    memcmp(p->columns[i].name, name, len) == 0)
			return (int)i;
	return -1;
}

const char *carb_plugin_type_name(enum carb_plugin_type t)
{
	switch (t) {
	case CARB_PLUGIN_TEXT: return "text";
	case CARB_PLUGIN_INTEGER: return "integer";
	case CARB_PLUGIN_REAL: return "real";
	case CARB_PLUGIN_BOOLEAN: return "boolean";
	case CARB_PLUGIN_TIMESTAMP: return "timestamp";
	}
	return "?";
}

const char *carb_plugin_kind_key(enum carb_plugin_kind k)
{
	switch (k) {
	case CARB_PLUGIN_GROUPER: return "completeness.function";
	case CARB_PLUGIN_EXTRACTOR: return "metadata.extract";
	case CARB_PLUGIN_SELECTOR: return "selection.function";
	case CARB_PLUGIN_ROUTER: return "routing.function";
	}
	return "?";
}

const struct carb_plugin_function *carb_plugin_functions(
	const struct carb_plugin_rt *p, enum carb_plugin_kind k)
{
	switch (k) {
	case CARB_PLUGIN_GROUPER: return p->desc->groupers;
	case CARB_PLUGIN_EXTRACTOR: return p->desc->extractors;
	case CARB_PLUGIN_SELECTOR: return p->desc->selectors;
	case CARB_PLUGIN_ROUTER: return p->desc->routers;
	}
	return NULL;
}

/* ---- rules against the plugin --------------------------------------- */

static void available(const struct carb_plugin_function *f, struct carb_buf *b)
{
	size_t n = 0;

	for (; f != NULL && f[n].name != NULL; n++) {
		carb_buf_adds(b, n ? ", " : "");
		carb_buf_adds(b, f[n].name);
	}
	if (n == 0)
		carb_buf_adds(b, "none");
}

static int check_function(const struct carb_plugin_rt *p,
			  enum carb_plugin_kind k, const char *name,
			  const struct carb_config_loc *at,
			  const char *file, struct carb_diags *diags)
{
	const struct carb_plugin_function *f;
	struct carb_buf b;

	if (name == NULL)
		return 0;
	if (p == NULL) {
		carb_diags_add(diags, file, at->line, at->column,
			       "%s names \"%s\" but no plugin is loaded",
			       carb_plugin_kind_key(k), name);
		return -1;
	}
	f = carb_plugin_functions(p, k);
	for (size_t i = 0; f != NULL && f[i].name != NULL; i++)
		if (strcmp(f[i].name, name) == 0)
			return 0;
	carb_buf_init(&b);
	available(f, &b);
	carb_diags_add(diags, file, at->line, at->column,
		       "%s: plugin %s has no function \"%s\" of that kind (available: %s)",
		       carb_plugin_kind_key(k), p->desc->name, name, b.data);
	carb_buf_release(&b);
	return -1;
}

static bool value_fits(enum carb_plugin_type t, const struct carb_rule_value *v)
{
	switch (t) {
	case CARB_PLUGIN_TEXT: return v->type == CARB_TOML_STRING;
	case CARB_PLUGIN_INTEGER: return v->type == CARB_TOML_INTEGER;
	case CARB_PLUGIN_REAL:
		return v->type == CARB_TOML_FLOAT || v->type == CARB_TOML_INTEGER;
	case CARB_PLUGIN_BOOLEAN: return v->type == CARB_TOML_BOOL;
	case CARB_PLUGIN_TIMESTAMP: return false;
	}
	return false;
}

static void column_names(const struct carb_plugin_rt *p, struct carb_buf *b)
{
	for (size_t i = 0; i < p->ncolumns; i++) {
		carb_buf_adds(b, i ? ", " : "");
		carb_buf_adds(b, p->columns[i].name);
	}
	if (p->ncolumns == 0)
		carb_buf_adds(b, "none");
}

static int check_column(const struct carb_plugin_rt *p, const char *rule,
			const struct carb_rule_column *c, const char *file,
			struct carb_diags *diags)
{
	const struct carb_plugin_column *col;
	struct carb_buf b;
	int rc = 0, i;

	if (p == NULL)
		return 0;  /* reported by the rules' own check */
	i = carb_plugin_column_index(p, c->name, strlen(c->name));
	if (i < 0) {
		carb_buf_init(&b);
		column_names(p, &b);
		carb_diags_add(diags, file, c->loc.line, c->loc.column,
			       "%s.columns: plugin %s has no column \"%s\" (columns: %s)",
			       rule, p->desc->name, c->name, b.data);
		carb_buf_release(&b);
		return -1;
	}
	col = &p->columns[i];
	for (size_t j = 0; j < c->nvalues; j++) {
		if (value_fits(col->type, &c->values[j]))
			continue;
		carb_diags_add(diags, file, c->values[j].loc.line, c->values[j].loc.column,
			       col->type == CARB_PLUGIN_TIMESTAMP
			       ? "%s.columns.%s: %s column \"%s\" cannot be compared with a %s value"
			       : "%s.columns.%s: %s column \"%s\" needs values of that type, not %s",
			       rule, c->name, carb_plugin_type_name(col->type), c->name,
			       carb_toml_type_name(c->values[j].type));
		rc = -1;
	}
	return rc;
}

static int check_rule_list(const struct carb_plugin_rt *p,
			   const struct carb_rule *rules, size_t n,
			   const char *file, struct carb_diags *diags)
{
	int rc = 0;

	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < rules[i].ncolumns; j++)
			if (check_column(p, rules[i].name, &rules[i].columns[j],
					 file, diags) < 0)
				rc = -1;
	return rc;
}

/* Variable name[0..len) of a template: built in or a column. */
static bool template_var_known(const struct carb_plugin_rt *p,
			       const char *name, size_t len)
{
	for (size_t i = 0; carb_template_vars[i] != NULL; i++)
		if (strlen(carb_template_vars[i]) == len &&
		    memcmp(carb_template_vars[i], name, len) == 0)
			return true;
	return carb_plugin_column_index(p, name, len) >= 0;
}

static void template_vars_text(const struct carb_plugin_rt *p, struct carb_buf *b)
{
	for (size_t i = 0; carb_template_vars[i] != NULL; i++)
		carb_buf_addf(b, "%s{%s}", i ? " " : "", carb_template_vars[i]);
	for (size_t i = 0; i < p->ncolumns; i++)
		carb_buf_addf(b, " {%s}", p->columns[i].name);
}

int carb_plugin_check_templates(const struct carb_plugin_rt *p,
				const struct carb_config *cfg,
				struct carb_diags *diags)
{
	int rc = 0;

	for (size_t d = 0; d < carb_config_destination_count(cfg); d++) {
		const struct carb_destination_config *dc = carb_config_destination(cfg, d);
		const char *s = dc->destination, *end;

		for (; s != NULL && (s = strchr(s, '{')) != NULL; s = end + 1) {
			struct carb_buf b;

			if (s[1] == '{') {
				end = s + 1;
				continue;
			}
			if ((end = strchr(s, '}')) == NULL)
				break;
			if (template_var_known(p, s + 1, (size_t)(end - s - 1)))
				continue;
			carb_buf_init(&b);
			template_vars_text(p, &b);
			carb_diags_add(diags, carb_config_display_path(cfg),
				       dc->loc.destination.line, dc->loc.destination.column,
				       "destination \"%s\": template \"%s\" uses unknown variable \"%.*s\" (valid: %s)",
				       dc->name, dc->destination, (int)(end - s - 1), s + 1, b.data);
			carb_buf_release(&b);
			rc = -1;
		}
	}
	return rc;
}

int carb_plugin_check_rules(const struct carb_plugin_rt *p,
			    const struct carb_rules *r,
			    struct carb_diags *diags)
{
	const char *file = r->display_path;
	int rc = 0;

	rc |= check_function(p, CARB_PLUGIN_GROUPER, r->completeness.function,
			     &r->completeness.loc.function, file, diags);
	rc |= check_function(p, CARB_PLUGIN_EXTRACTOR, r->metadata.extract,
			     &r->metadata.loc.extract, file, diags);
	rc |= check_function(p, CARB_PLUGIN_SELECTOR, r->selection.function,
			     &r->selection.loc.function, file, diags);
	rc |= check_function(p, CARB_PLUGIN_ROUTER, r->routing.function,
			     &r->routing.loc.function, file, diags);
	rc |= check_rule_list(p, r->selection.rules, r->selection.nrules, file, diags);
	rc |= check_rule_list(p, r->routing.rules, r->routing.nrules, file, diags);
	return rc < 0 ? -1 : 0;
}
