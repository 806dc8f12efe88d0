/* Loading rules.toml and checking it against the config it serves: the
 * watches and destinations it names and the plugin its functions come
 * from. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_internal.h"

static const struct {
	const struct carb_cfg_section *sec;
	size_t off;
	size_t loc_off;
} rules_sections[] = {
#define SECTION(s, f) { &s, offsetof(struct carb_rules, f), \
			offsetof(struct carb_rules, f.loc.table) }
	SECTION(carb_cfg_integrity_section, integrity),
	SECTION(carb_cfg_completeness_section, completeness),
	SECTION(carb_cfg_metadata_section, metadata),
	SECTION(carb_cfg_selection_section, selection),
	SECTION(carb_cfg_routing_section, routing),
#undef SECTION
};
#define NRULES_SECTIONS (sizeof(rules_sections) / sizeof(rules_sections[0]))

void carb_cfg_check_extensions(struct carb_cfg_ctx *ctx, const char *label,
			       const void *field,
			       const struct carb_toml_value *v)
{
	const struct carb_config_strings *l = field;

	for (size_t i = 0; i < l->count; i++) {
		const char *e = l->items[i];
		const struct carb_toml_value *item = carb_toml_array_get(v, i);

		if (e[0] != '.' || e[1] == '\0')
			carb_cfg_error_at(ctx, item, "%s[%zu]: \"%s\" is not an extension (write it with its dot: \".dat\")",
					  label, i, e);
		else if (strchr(e, '/') != NULL)
			carb_cfg_error_at(ctx, item, "%s[%zu]: \"%s\" is not an extension (it contains \"/\")",
					  label, i, e);
	}
}

/* "LABEL: "NAME" is not a WHAT (did you mean ...? valid: ...)", the valid
 * names being names[0..n). */
static void report_unknown_name(struct carb_cfg_ctx *ctx, int line, int column,
				const char *label, const char *name,
				const char *what, const char *const *names,
				size_t n)
{
	const char *hint = carb_suggest(name, names, n);
	struct carb_buf b;

	carb_buf_init(&b);
	carb_buf_adds(&b, "");
	for (size_t i = 0; i < n; i++)
		carb_buf_addf(&b, "%s\"%s\"", i ? ", " : "", names[i]);
	if (n == 0)
		carb_cfg_error(ctx, line, column, "%s: \"%s\" is not a %s (none is configured)",
			       label, name, what);
	else if (hint != NULL)
		carb_cfg_error(ctx, line, column, "%s: \"%s\" is not a %s (did you mean \"%s\"? valid: %s)",
			       label, name, what, hint, b.data);
	else
		carb_cfg_error(ctx, line, column, "%s: \"%s\" is not a %s (valid: %s)",
			       label, name, what, b.data);
	carb_buf_release(&b);
}

static void check_destination(struct carb_cfg_ctx *ctx, const char *label,
			      const char *name,
			      const struct carb_config_loc *at)
{
	size_t n = carb_config_destination_count(ctx->cfg);
	const char **names;

	if (name == NULL || carb_config_destination_find(ctx->cfg, name) != NULL)
		return;
	names = carb_xcalloc(n, sizeof(*names));
	for (size_t i = 0; i < n; i++)
		names[i] = carb_config_destination(ctx->cfg, i)->name;
	report_unknown_name(ctx, at->line, at->column, label, name,
			    "destination", names, n);
	free(names);
}

/* SHA-256 is what content_hash, sidecars and duplicates rest on, so a
 * list without it would not drop it silently: it is refused. */
void carb_cfg_check_hashes(struct carb_cfg_ctx *ctx, const char *label,
			   const void *field, const struct carb_toml_value *v)
{
	static const char *const known[] = { "sha256", "xxh128" };
	const size_t n_known = sizeof(known) / sizeof(known[0]);
	const struct carb_config_strings *l = field;
	bool has_sha256 = false;

	for (size_t i = 0; i < l->count; i++) {
		const struct carb_toml_value *item = carb_toml_array_get(v, i);
		const char *h = l->items[i];
		bool known_name = false, twice = false;
		char *item_label;

		for (size_t k = 0; k < n_known; k++)
			known_name = known_name || strcmp(h, known[k]) == 0;
		for (size_t j = 0; j < i; j++)
			twice = twice || strcmp(l->items[j], h) == 0;
		has_sha256 = has_sha256 || strcmp(h, "sha256") == 0;
		if (known_name && twice)
			carb_cfg_error_at(ctx, item, "%s[%zu]: \"%s\" is listed twice",
					  label, i, h);
		if (known_name)
			continue;
		item_label = carb_xasprintf("%s[%zu]", label, i);
		report_unknown_name(ctx, carb_toml_line(item),
				    carb_toml_column(item), item_label, h,
				    "hash", known, n_known);
		free(item_label);
	}
	if (!has_sha256)
		carb_cfg_error_at(ctx, v, "%s: \"sha256\" is missing (it is the hash verification uses and must be listed; valid: \"sha256\", \"xxh128\")",
				  label);
}

void carb_cfg_check_rule_name(struct carb_cfg_ctx *ctx, const char *label,
			      const void *field,
			      const struct carb_toml_value *v)
{
	const char *name;

	memcpy(&name, field, sizeof(name));
	if (*name == '\0')
		carb_cfg_error_at(ctx, v, "%s: empty name", label);
}

/* An empty list would make a rule that can never match, which is never
 * what was meant. */
static bool check_nonempty(struct carb_cfg_ctx *ctx, const char *label,
			   const struct carb_config_strings *l,
			   const struct carb_toml_value *v)
{
	if (l->count > 0)
		return true;
	carb_cfg_error_at(ctx, v, "%s: empty list (no group could match; leave the key out to match any)",
			  label);
	return false;
}

void carb_cfg_check_rule_watches(struct carb_cfg_ctx *ctx, const char *label,
				 const void *field,
				 const struct carb_toml_value *v)
{
	const struct carb_config_strings *l = field;
	size_t n = carb_config_watch_count(ctx->cfg);
	const char **names;

	if (!check_nonempty(ctx, label, l, v))
		return;
	names = carb_xcalloc(n ? n : 1, sizeof(*names));
	for (size_t i = 0; i < n; i++)
		names[i] = carb_config_watch(ctx->cfg, i)->name;
	for (size_t i = 0; i < l->count; i++) {
		const struct carb_toml_value *item = carb_toml_array_get(v, i);
		char *item_label;

		if (carb_config_watch_find(ctx->cfg, l->items[i]) != NULL)
			continue;
		item_label = carb_xasprintf("%s[%zu]", label, i);
		report_unknown_name(ctx, carb_toml_line(item),
				    carb_toml_column(item), item_label,
				    l->items[i], "watch", names, n);
		free(item_label);
	}
	free(names);
}

void carb_cfg_check_rule_extensions(struct carb_cfg_ctx *ctx,
				    const char *label, const void *field,
				    const struct carb_toml_value *v)
{
	if (check_nonempty(ctx, label, field, v))
		carb_cfg_check_extensions(ctx, label, field, v);
}

/* Globs match a base name, which never holds a "/". */
void carb_cfg_check_rule_globs(struct carb_cfg_ctx *ctx, const char *label,
			       const void *field,
			       const struct carb_toml_value *v)
{
	const struct carb_config_strings *l = field;

	if (!check_nonempty(ctx, label, l, v))
		return;
	carb_cfg_check_globs(ctx, label, field, v);
	for (size_t i = 0; i < l->count; i++)
		if (strchr(l->items[i], '/') != NULL)
			carb_cfg_error_at(ctx, carb_toml_array_get(v, i),
					  "%s[%zu]: \"%s\" can never match a file name (it contains \"/\")",
					  label, i, l->items[i]);
}

/* Plugin functions are only resolved once the plugin is loaded, which this
 * layer does not do: with a plugin configured any name is accepted here and
 * the loader reports an unknown one at the position kept in loc.  Without a
 * plugin no name can ever resolve, so that is reported now. */
static void check_plugin_names(struct carb_cfg_ctx *ctx,
			       const struct carb_rules *rules,
			       const struct carb_config *cfg)
{
	const struct {
		const char *label;
		const char *name;
		const struct carb_config_loc *at;
	} uses[] = {
		{ "completeness.function", rules->completeness.function,
		  &rules->completeness.loc.function },
		{ "metadata.extract", rules->metadata.extract,
		  &rules->metadata.loc.extract },
		{ "selection.function", rules->selection.function,
		  &rules->selection.loc.function },
		{ "routing.function", rules->routing.function,
		  &rules->routing.loc.function },
	};

	const struct carb_rule *lists[2] = { rules->selection.rules,
					     rules->routing.rules };
	size_t counts[2] = { rules->selection.nrules, rules->routing.nrules };

	if (carb_config_has_plugin(cfg))
		return;
	for (size_t i = 0; i < sizeof(uses) / sizeof(uses[0]); i++)
		if (uses[i].name != NULL)
			carb_cfg_error(ctx, uses[i].at->line, uses[i].at->column,
				       "%s names \"%s\" but no plugin is configured ([plugins] package or path)",
				       uses[i].label, uses[i].name);
	for (size_t k = 0; k < 2; k++)
		for (size_t i = 0; i < counts[k]; i++)
			if (lists[k][i].ncolumns > 0)
				carb_cfg_error(ctx, lists[k][i].loc.columns.line,
					       lists[k][i].loc.columns.column,
					       "%s.columns: plugin columns need a plugin ([plugins] package or path)",
					       lists[k][i].name);
}

static void check_extension_overlap(struct carb_cfg_ctx *ctx,
				    const struct carb_completeness_rules *c)
{
	for (size_t i = 0; i < c->optional.count; i++)
		for (size_t j = 0; j < c->required.count; j++)
			if (strcmp(c->optional.items[i], c->required.items[j]) == 0)
				carb_cfg_error(ctx, c->loc.optional.line,
					       c->loc.optional.column,
					       "completeness.optional: \"%s\" is also in completeness.required",
					       c->optional.items[i]);
}

/* The written form of a size, for messages. */
static void size_text(const struct carb_toml_value *v, char *buf, size_t size)
{
	if (carb_toml_type(v) == CARB_TOML_STRING)
		snprintf(buf, size, "\"%s\"", carb_toml_string(v, NULL));
	else
		snprintf(buf, size, "%lld", (long long)carb_toml_int(v));
}

static void check_size_range(struct carb_cfg_ctx *ctx, const char *label,
			     const struct carb_rule *r,
			     const struct carb_toml_value *t)
{
	char lo[64], hi[64];

	if (!r->has_min_size || !r->has_max_size || r->min_size <= r->max_size)
		return;
	size_text(carb_toml_table_get(t, "min_size"), lo, sizeof(lo));
	size_text(carb_toml_table_get(t, "max_size"), hi, sizeof(hi));
	carb_cfg_error(ctx, r->loc.max_size.line, r->loc.max_size.column,
		       "%s.max_size: %s is less than min_size %s", label, hi, lo);
}

static bool rule_value(struct carb_cfg_ctx *ctx, const char *label,
		       const struct carb_toml_value *v, struct carb_rule_value *out)
{
	memset(out, 0, sizeof(*out));
	out->type = carb_toml_type(v);
	out->loc = carb_cfg_loc(ctx, v);
	switch (out->type) {
	case CARB_TOML_STRING:
		out->text = carb_toml_string(v, &out->text_len);
		out->text = carb_xstrndup(out->text, out->text_len);
		return true;
	case CARB_TOML_INTEGER:
		out->integer = carb_toml_int(v);
		return true;
	case CARB_TOML_FLOAT:
		out->real = carb_toml_float(v);
		return true;
	case CARB_TOML_BOOL:
		out->boolean = carb_toml_bool(v);
		return true;
	default:
		carb_cfg_error(ctx, out->loc.line, out->loc.column,
			       "%s: expected a string, an integer, a float or a boolean, not %s",
			       label, carb_toml_type_name(out->type));
		return false;
	}
}

/* columns = { name = value or [values] }: kept as values, since what the
 * columns are is known only once the plugin is loaded. */
static void load_rule_columns(struct carb_cfg_ctx *ctx, const char *label,
			      const struct carb_toml_value *t,
			      struct carb_rule *r)
{
	const struct carb_toml_value *cols = carb_toml_table_get(t, "columns");
	size_t n = cols ? carb_toml_table_count(cols) : 0;

	if (cols == NULL || carb_toml_type(cols) != CARB_TOML_TABLE)
		return;
	r->columns = carb_xcalloc(n ? n : 1, sizeof(*r->columns));
	for (size_t i = 0; i < n; i++) {
		struct carb_rule_column *c = &r->columns[r->ncolumns++];
		const struct carb_toml_value *v = carb_toml_table_value(cols, i);
		bool list = carb_toml_type(v) == CARB_TOML_ARRAY;
		size_t nv = list ? carb_toml_array_count(v) : 1;
		char *vlabel;

		c->name = carb_xstrdup(carb_toml_table_key(cols, i));
		c->loc.file = ctx->file;
		c->loc.line = carb_toml_table_key_line(cols, i);
		c->loc.column = carb_toml_table_key_column(cols, i);
		vlabel = carb_xasprintf("%s.columns.%s", label, c->name);
		if (nv == 0)
			carb_cfg_error(ctx, c->loc.line, c->loc.column,
				       "%s: the list is empty; give at least one value",
				       vlabel);
		c->values = carb_xcalloc(nv ? nv : 1, sizeof(*c->values));
		for (size_t j = 0; j < nv; j++)
			if (rule_value(ctx, vlabel, list ? carb_toml_array_get(v, j) : v,
				       &c->values[c->nvalues]))
				c->nvalues++;
		free(vlabel);
	}
}

static void release_rule_columns(struct carb_rule *r)
{
	for (size_t i = 0; i < r->ncolumns; i++) {
		for (size_t j = 0; j < r->columns[i].nvalues; j++)
			free((char *)r->columns[i].values[j].text);
		free(r->columns[i].values);
		free((char *)r->columns[i].name);
	}
	free(r->columns);
	r->columns = NULL;
	r->ncolumns = 0;
}

/* One [[selection.rule]] or [[routing.rule]]; label is "selection.rule[N]",
 * also the name of a rule that has none. */
static void load_rule(struct carb_cfg_ctx *ctx,
		      const struct carb_cfg_section *sec,
		      const struct carb_toml_value *t, const char *label,
		      struct carb_rule *r)
{
	char *prefix = carb_xasprintf("%s.", label);
	char *dest_label = carb_xasprintf("%sdestination", prefix);

	carb_cfg_parse_section(ctx, sec, t, prefix, label, r);
	r->loc.table = carb_cfg_loc(ctx, t);
	if (r->name == NULL)
		r->name = carb_xstrdup(label);
	r->has_min_size = r->loc.min_size.line > 0;
	r->has_max_size = r->loc.max_size.line > 0;
	r->has_complete = r->loc.complete.line > 0;
	check_size_range(ctx, label, r, t);
	load_rule_columns(ctx, label, t, r);
	check_destination(ctx, dest_label, r->destination, &r->loc.destination);
	free(dest_label);
	free(prefix);
}

/* Names tell in a reason which rule decided, so two rules may not share
 * one. */
static void check_rule_names(struct carb_cfg_ctx *ctx,
			     const struct carb_cfg_section *sec,
			     const struct carb_rule *rules, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		const struct carb_config_loc *at = rules[i].loc.name.line > 0
			? &rules[i].loc.name : &rules[i].loc.table;

		for (size_t j = 0; j < i; j++) {
			const struct carb_config_loc *first =
				rules[j].loc.name.line > 0
				? &rules[j].loc.name : &rules[j].loc.table;

			if (strcmp(rules[i].name, rules[j].name) != 0)
				continue;
			carb_cfg_error(ctx, at->line, at->column,
				       "%s[%zu].name: duplicate name \"%s\" (first defined at %s:%d:%d)",
				       sec->name, i, rules[i].name, ctx->file,
				       first->line, first->column);
			break;
		}
	}
}

/* The [[TABLE.rule]] array of root; a value of another type was reported
 * with its section. */
static const struct carb_toml_value *rule_array(
	const struct carb_toml_value *root, const char *table)
{
	const struct carb_toml_value *t = carb_toml_table_get(root, table);
	const struct carb_toml_value *arr;

	if (t == NULL || carb_toml_type(t) != CARB_TOML_TABLE)
		return NULL;
	arr = carb_toml_table_get(t, "rule");
	if (arr == NULL || carb_toml_type(arr) != CARB_TOML_ARRAY)
		return NULL;
	return arr;
}

static void load_rule_list(struct carb_cfg_ctx *ctx,
			   const struct carb_toml_value *root,
			   const char *table,
			   const struct carb_cfg_section *sec,
			   size_t *nrules, struct carb_rule **rules)
{
	const struct carb_toml_value *arr = rule_array(root, table);
	size_t n;

	if (arr == NULL)
		return;
	n = carb_toml_array_count(arr);
	*rules = carb_xcalloc(n ? n : 1, sizeof(**rules));
	for (size_t i = 0; i < n; i++) {
		const struct carb_toml_value *t = carb_toml_array_get(arr, i);
		char *label = carb_xasprintf("%s[%zu]", sec->name, i);

		if (carb_toml_type(t) != CARB_TOML_TABLE)
			carb_cfg_type_error(ctx, label, "table", t);
		else
			load_rule(ctx, sec, t, label, &(*rules)[(*nrules)++]);
		free(label);
	}
	/* with an element skipped, indices in messages would be off */
	if (*nrules == n)
		check_rule_names(ctx, sec, *rules, n);
}

static void release_rule_list(const struct carb_cfg_section *sec,
			      size_t *nrules, struct carb_rule **rules)
{
	for (size_t i = 0; i < *nrules; i++) {
		release_rule_columns(&(*rules)[i]);
		carb_cfg_release_section(sec, &(*rules)[i]);
	}
	free(*rules);
	*rules = NULL;
	*nrules = 0;
}

void carb_rules_load(struct carb_rules *rules, const char *path,
		     const char *display, bool must_exist,
		     const struct carb_config *cfg, struct carb_diags *diags)
{
	struct carb_toml_value *root = NULL;
	struct carb_cfg_ctx ctx;
	const char *names[NRULES_SECTIONS];
	bool absent = false;

	memset(rules, 0, sizeof(*rules));
	rules->path = carb_xstrdup(path);
	rules->display_path = carb_xstrdup(display);
	ctx.diags = diags;
	ctx.file = rules->display_path;
	ctx.base_dir = carb_config_dir(cfg);
	ctx.cfg = cfg;
	ctx.lenient = false;
	if (carb_cfg_parse_file(path, display, diags, !must_exist, &absent,
				&root) != 0)
		return;
	rules->found = !absent;
	for (size_t i = 0; i < NRULES_SECTIONS; i++)
		names[i] = rules_sections[i].sec->name;
	if (root != NULL)
		carb_cfg_check_top(&ctx, "rules.toml", root, names, NRULES_SECTIONS);
	for (size_t i = 0; i < NRULES_SECTIONS; i++) {
		const struct carb_cfg_section *sec = rules_sections[i].sec;
		const struct carb_toml_value *t =
			root ? carb_cfg_table(&ctx, root, sec->name) : NULL;
		struct carb_config_loc loc = carb_cfg_loc(&ctx, t);
		char *prefix = carb_xasprintf("%s.", sec->name);

		carb_cfg_parse_section(&ctx, sec, t, prefix, sec->header,
				       (char *)rules + rules_sections[i].off);
		memcpy((char *)rules + rules_sections[i].loc_off, &loc, sizeof(loc));
		free(prefix);
	}
	if (root != NULL) {
		load_rule_list(&ctx, root, "selection",
			       &carb_cfg_selection_rule_section,
			       &rules->selection.nrules, &rules->selection.rules);
		load_rule_list(&ctx, root, "routing",
			       &carb_cfg_routing_rule_section,
			       &rules->routing.nrules, &rules->routing.rules);
	}
	carb_toml_free(&root);
	check_extension_overlap(&ctx, &rules->completeness);
	check_destination(&ctx, "routing.default",
			  rules->routing.default_destination,
			  &rules->routing.loc.default_destination);
	check_plugin_names(&ctx, rules, cfg);
}

void carb_rules_release(struct carb_rules *rules)
{
	release_rule_list(&carb_cfg_selection_rule_section,
			  &rules->selection.nrules, &rules->selection.rules);
	release_rule_list(&carb_cfg_routing_rule_section,
			  &rules->routing.nrules, &rules->routing.rules);
	for (size_t i = 0; i < NRULES_SECTIONS; i++)
		carb_cfg_release_section(rules_sections[i].sec,
					 (char *)rules + rules_sections[i].off);
	free((char *)rules->path);
	free((char *)rules->display_path);
	rules->path = NULL;
	rules->display_path = NULL;
}
