/* The keys of rules.toml, one table per section: what makes a delivered
 * file acceptable, complete, worth keeping, and where it goes. */
#include <stdint.h>
#include <string.h>

#include "config/config_internal.h"

#define NKEYS(a) (sizeof(a) / sizeof((a)[0]))
#define AT(T, f) .off = offsetof(T, f), .loc_off = offsetof(T, loc.f)
#define AT_MS(T, f) .off = offsetof(T, f##_ms), .loc_off = offsetof(T, loc.f)

const char *const carb_cfg_checksum_policies[] = {
	"auto", "required", "off", NULL,
};
const char *const carb_cfg_on_timeouts[] = { "skip", "process", NULL };
const char *const carb_cfg_rule_actions[] = { "accept", "reject", NULL };

static const char *const empty_list[] = { NULL };
static const char *const default_hashes[] = { "sha256", NULL };

/* min_size defaults to 1: an empty delivery is almost always a transfer
 * that failed before its first byte, and archiving it would hide that. */
static const struct carb_cfg_key integrity_keys[] = {
	{ .name = "min_size", .type = CARB_CFG_SIZE,
	  AT(struct carb_integrity_rules, min_size), .def = "1",
	  .doc = "smallest acceptable file; the default 1 refuses empty files, which are almost always failed transfers" },
	{ .name = "checksum", .type = CARB_CFG_ENUM,
	  AT(struct carb_integrity_rules, checksum), .def = "auto",
	  .choices = carb_cfg_checksum_policies,
	  .doc = "auto: verify a checksum sidecar when present; required: a missing sidecar fails the file; off: ignore sidecars" },
	{ .name = "hashes", .type = CARB_CFG_STRINGS,
	  AT(struct carb_integrity_rules, hashes), .def_list = default_hashes,
	  .check = carb_cfg_check_hashes,
	  .doc = "content hashes recorded per component, all in one read: \"sha256\" (always; the one verification and duplicate detection use) and \"xxh128\" (recorded for queries and downstream systems)" },
};

static const struct carb_cfg_key completeness_keys[] = {
	{ .name = "required", .type = CARB_CFG_STRINGS,
	  AT(struct carb_completeness_rules, required), .def_list = empty_list,
	  .check = carb_cfg_check_extensions,
	  .doc = "extensions every group must have before it goes on (\".dat\")" },
	{ .name = "optional", .type = CARB_CFG_STRINGS,
	  AT(struct carb_completeness_rules, optional), .def_list = empty_list,
	  .check = carb_cfg_check_extensions,
	  .doc = "extensions a group may have; they travel with it" },
	{ .name = "timeout", .type = CARB_CFG_DURATION,
	  AT_MS(struct carb_completeness_rules, timeout), .def = "1h",
	  .doc = "how long a group may wait for its required files" },
	{ .name = "on_timeout", .type = CARB_CFG_ENUM,
	  AT(struct carb_completeness_rules, on_timeout), .def = "skip",
	  .choices = carb_cfg_on_timeouts,
	  .doc = "an incomplete group after timeout: leave it (skip) or take it as it is (process)" },
	{ .name = "function", .type = CARB_CFG_STRING,
	  AT(struct carb_completeness_rules, function),
	  .def_doc = "none (group by file stem)",
	  .doc = "plugin function that puts files into groups" },
};

static const struct carb_cfg_key metadata_keys[] = {
	{ .name = "extract", .type = CARB_CFG_STRING,
	  AT(struct carb_metadata_rules, extract),
	  .doc = "plugin extractor that fills a group's columns" },
};

static const struct carb_cfg_key selection_keys[] = {
	{ .name = "function", .type = CARB_CFG_STRING,
	  AT(struct carb_selection_rules, function),
	  .def_doc = "none (the rules and selection.default decide)",
	  .doc = "plugin function that decides whether a group is archived" },
	{ .name = "default", .type = CARB_CFG_ENUM,
	  AT(struct carb_selection_rules, default_action), .def = "accept",
	  .choices = carb_cfg_rule_actions,
	  .doc = "what becomes of a group that no [[selection.rule]] matches" },
	{ .name = "rule", .type = CARB_CFG_TABLES,
	  .loc_off = offsetof(struct carb_selection_rules, loc.rules),
	  .def_doc = "none (no rules)",
	  .doc = "declarative rules, tried in order: [[selection.rule]]" },
};

static const struct carb_cfg_key routing_keys[] = {
	{ .name = "function", .type = CARB_CFG_STRING,
	  AT(struct carb_routing_rules, function),
	  .def_doc = "none (the rules and routing.default decide)",
	  .doc = "plugin function that names a group's destination" },
	{ .name = "default", .type = CARB_CFG_STRING,
	  AT(struct carb_routing_rules, default_destination), .def = "default",
	  .doc = "destination used when no function or [[routing.rule]] names one: \"default\" or an [archive.destinations.NAME]" },
	{ .name = "rule", .type = CARB_CFG_TABLES,
	  .loc_off = offsetof(struct carb_routing_rules, loc.rules),
	  .def_doc = "none (no rules)",
	  .doc = "declarative rules, tried in order: [[routing.rule]]" },
};

/* The conditions both kinds of rule share; a rule holds when all it gives
 * hold.  Sizes are the group's total, because a rule decides for a whole
 * group: its members are archived together or not at all. */
#define RULE_CONDITIONS \
	{ .name = "watch", .type = CARB_CFG_STRINGS, \
	  AT(struct carb_rule, watch), .def_doc = "none (any watch)", \
	  .check = carb_cfg_check_rule_watches, \
	  .doc = "the group's watch is one of these [[watch]] names" }, \
	{ .name = "extension", .type = CARB_CFG_STRINGS, \
	  AT(struct carb_rule, extension), .def_doc = "none (any extension)", \
	  .check = carb_cfg_check_rule_extensions, \
	  .doc = "some member's extension is one of these (\".bak\")" }, \
	{ .name = "glob", .type = CARB_CFG_STRINGS, \
	  AT(struct carb_rule, glob), .def_doc = "none (any name)", \
	  .check = carb_cfg_check_rule_globs, \
	  .doc = "some member's file name, without its folder, matches one of these fnmatch(3) patterns" }, \
	{ .name = "min_size", .type = CARB_CFG_SIZE, \
	  AT(struct carb_rule, min_size), .def_doc = "none (no lower bound)", \
	  .doc = "the group's size (the sum of its members') is at least this" }, \
	{ .name = "max_size", .type = CARB_CFG_SIZE, \
	  AT(struct carb_rule, max_size), .def_doc = "none (no upper bound)", \
	  .doc = "the group's size is at most this; not below min_size" }, \
	{ .name = "complete", .type = CARB_CFG_BOOL, \
	  AT(struct carb_rule, complete), .def_doc = "none (either)", \
	  .doc = "true: the group had all its required files; false: it was taken after its timeout (on_timeout = \"process\")" }, \
	{ .name = "columns", .type = CARB_CFG_TABLE, \
	  AT(struct carb_rule, columns), .def_doc = "none (any values)", \
	  .doc = "plugin columns and the values they may have: { category = [\"a\", \"b\"], level = 2 }" }

static const struct carb_cfg_key selection_rule_keys[] = {
	{ .name = "name", .type = CARB_CFG_STRING,
	  AT(struct carb_rule, name),
	  .def_doc = "\"selection.rule[N]\", N its place from 0",
	  .check = carb_cfg_check_rule_name,
	  .doc = "the rule's name in reasons and logs; unique" },
	{ .name = "action", .type = CARB_CFG_ENUM,
	  AT(struct carb_rule, action), .required = true,
	  .choices = carb_cfg_rule_actions,
	  .doc = "what becomes of a group the rule matches" },
	RULE_CONDITIONS,
};

static const struct carb_cfg_key routing_rule_keys[] = {
	{ .name = "name", .type = CARB_CFG_STRING,
	  AT(struct carb_rule, name),
	  .def_doc = "\"routing.rule[N]\", N its place from 0",
	  .check = carb_cfg_check_rule_name,
	  .doc = "the rule's name in reasons and logs; unique" },
	{ .name = "destination", .type = CARB_CFG_STRING,
	  AT(struct carb_rule, destination), .required = true,
	  .doc = "where a group the rule matches goes: \"default\" or an [archive.destinations.NAME]" },
	RULE_CONDITIONS,
};

const struct carb_cfg_section carb_cfg_integrity_section = {
	"rules.toml", "integrity", "[integrity]",
	"when a single file is whole",
	integrity_keys, NKEYS(integrity_keys),
};
const struct carb_cfg_section carb_cfg_completeness_section = {
	"rules.toml", "completeness", "[completeness]",
	"when a group of files has all its parts",
	completeness_keys, NKEYS(completeness_keys),
};
const struct carb_cfg_section carb_cfg_metadata_section = {
	"rules.toml", "metadata", "[metadata]", "what a group is",
	metadata_keys, NKEYS(metadata_keys),
};
const struct carb_cfg_section carb_cfg_selection_section = {
	"rules.toml", "selection", "[selection]", "whether a group is kept",
	selection_keys, NKEYS(selection_keys),
};
const struct carb_cfg_section carb_cfg_routing_section = {
	"rules.toml", "routing", "[routing]", "where a group goes",
	routing_keys, NKEYS(routing_keys),
};
const struct carb_cfg_section carb_cfg_selection_rule_section = {
	"rules.toml", "selection.rule", "[[selection.rule]]",
	"one selection rule; the first whose conditions all hold decides",
	selection_rule_keys, NKEYS(selection_rule_keys),
};
const struct carb_cfg_section carb_cfg_routing_rule_section = {
	"rules.toml", "routing.rule", "[[routing.rule]]",
	"one routing rule; the first whose conditions all hold names the destination",
	routing_rule_keys, NKEYS(routing_rule_keys),
};

bool carb_integrity_wants_xxh128(const struct carb_integrity_rules *r)
{
	for (size_t i = 0; i < r->hashes.count; i++)
		if (strcmp(r->hashes.items[i], "xxh128") == 0)
			return true;
	return false;
}

const char *carb_checksum_policy_name(enum carb_checksum_policy v)
{
	return carb_cfg_checksum_policies[v];
}

const char *carb_on_timeout_name(enum carb_on_timeout v)
{
	return carb_cfg_on_timeouts[v];
}

const char *carb_rule_action_name(enum carb_rule_action v)
{
	return carb_cfg_rule_actions[v];
}
