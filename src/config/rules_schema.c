/* The keys of rules.toml, one table per section: what makes a delivered
 * file acceptable, complete, worth keeping, and where it goes. */
#include <stdint.h>

#include "config/config_internal.h"

#define NKEYS(a) (sizeof(a) / sizeof((a)[0]))
#define AT(T, f) .off = offsetof(T, f), .loc_off = offsetof(T, loc.f)
#define AT_MS(T, f) .off = offsetof(T, f##_ms), .loc_off = offsetof(T, loc.f)

const char *const carb_cfg_checksum_policies[] = {
	"auto", "required", "off", NULL,
};
const char *const carb_cfg_on_timeouts[] = { "skip", "process", NULL };

static const char *const empty_list[] = { NULL };

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
	  AT(struct carb_selection_rules, function), .def_doc = "none (keep every group)",
	  .doc = "plugin function that decides whether a group is archived" },
};

static const struct carb_cfg_key routing_keys[] = {
	{ .name = "function", .type = CARB_CFG_STRING,
	  AT(struct carb_routing_rules, function), .def_doc = "none (routing.default applies)",
	  .doc = "plugin function that names a group's destination" },
	{ .name = "default", .type = CARB_CFG_STRING,
	  AT(struct carb_routing_rules, default_destination), .def = "default",
	  .doc = "destination used when no function names one: \"default\" or an [archive.destinations.NAME]" },
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

const char *carb_checksum_policy_name(enum carb_checksum_policy v)
{
	return carb_cfg_checksum_policies[v];
}

const char *carb_on_timeout_name(enum carb_on_timeout v)
{
	return carb_cfg_on_timeouts[v];
}
