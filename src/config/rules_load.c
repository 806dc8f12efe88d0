/* Loading rules.toml and checking it against the config it serves: the
 * destinations it routes to and the plugin its functions come from. */
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

static void check_destination(struct carb_cfg_ctx *ctx,
			      const struct carb_rules *rules,
			      const struct carb_config *cfg)
{
	const struct carb_config_loc *at = &rules->routing.loc.default_destination;
	const char *name = rules->routing.default_destination;
	size_t n = carb_config_destination_count(cfg);
	const char **names;
	const char *hint;
	struct carb_buf b;

	if (name == NULL || carb_config_destination_find(cfg, name) != NULL)
		return;
	names = carb_xcalloc(n, sizeof(*names));
	carb_buf_init(&b);
	for (size_t i = 0; i < n; i++) {
		names[i] = carb_config_destination(cfg, i)->name;
		carb_buf_addf(&b, "%s\"%s\"", i ? ", " : "", names[i]);
	}
	hint = carb_suggest(name, names, n);
	if (hint != NULL)
		carb_cfg_error(ctx, at->line, at->column,
			       "routing.default: \"%s\" is not a destination (did you mean \"%s\"? valid: %s)",
			       name, hint, b.data);
	else
		carb_cfg_error(ctx, at->line, at->column,
			       "routing.default: \"%s\" is not a destination (valid: %s)",
			       name, b.data);
	carb_buf_release(&b);
	free(names);
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

	if (carb_config_has_plugin(cfg))
		return;
	for (size_t i = 0; i < sizeof(uses) / sizeof(uses[0]); i++)
		if (uses[i].name != NULL)
			carb_cfg_error(ctx, uses[i].at->line, uses[i].at->column,
				       "%s names \"%s\" but no plugin is configured ([plugins] package or path)",
				       uses[i].label, uses[i].name);
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
	carb_toml_free(&root);
	check_extension_overlap(&ctx, &rules->completeness);
	check_destination(&ctx, rules, cfg);
	check_plugin_names(&ctx, rules, cfg);
}

void carb_rules_release(struct carb_rules *rules)
{
	for (size_t i = 0; i < NRULES_SECTIONS; i++)
		carb_cfg_release_section(rules_sections[i].sec,
					 (char *)rules + rules_sections[i].off);
	free((char *)rules->path);
	free((char *)rules->display_path);
	rules->path = NULL;
	rules->display_path = NULL;
}
