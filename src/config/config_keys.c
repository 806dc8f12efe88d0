/* The key reference, written from the tables that drive loading, so the
 * documentation cannot drift from what the loader accepts. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "config/config_internal.h"

static void type_text(const struct carb_cfg_key *k, struct carb_buf *b)
{
	char lo[32];

	switch (k->type) {
	case CARB_CFG_STRING:
		carb_buf_adds(b, "string");
		break;
	case CARB_CFG_PATH:
		carb_buf_adds(b, "path");
		break;
	case CARB_CFG_TEMPLATE:
		carb_buf_adds(b, "path template");
		break;
	case CARB_CFG_INT:
		carb_buf_addf(b, "integer %lld..%lld", (long long)k->min,
			      (long long)k->max);
		break;
	case CARB_CFG_BOOL:
		carb_buf_adds(b, "boolean");
		break;
	case CARB_CFG_DURATION:
		carb_buf_adds(b, "duration");
		if (k->min > 0)
			carb_buf_addf(b, ", at least %s",
				      carb_config_format_duration(k->min, lo, sizeof(lo)));
		break;
	case CARB_CFG_SIZE:
		carb_buf_adds(b, "size");
		break;
	case CARB_CFG_ENUM:
		carb_buf_adds(b, "one of ");
		for (size_t i = 0; k->choices[i] != NULL; i++)
			carb_buf_addf(b, "%s\"%s\"", i ? ", " : "", k->choices[i]);
		break;
	case CARB_CFG_STRINGS:
		carb_buf_adds(b, "array of strings");
		break;
	case CARB_CFG_PATHS:
		carb_buf_adds(b, "array of paths");
		break;
	case CARB_CFG_TABLE:
		carb_buf_adds(b, "tables");
		break;
	case CARB_CFG_TABLES:
		carb_buf_adds(b, "array of tables");
		break;
	}
}

/* The default as it would be written in the file. */
static void default_text(const struct carb_cfg_key *k, struct carb_buf *b)
{
	if (k->required) {
		carb_buf_adds(b, "required");
	} else if (k->def_doc != NULL) {
		carb_buf_adds(b, k->def_doc);
	} else if (k->def_list != NULL) {
		carb_buf_addc(b, '[');
		for (size_t i = 0; k->def_list[i] != NULL; i++)
			carb_buf_addf(b, "%s\"%s\"", i ? ", " : "", k->def_list[i]);
		carb_buf_addc(b, ']');
	} else if (k->def == NULL) {
		carb_buf_adds(b, "none");
	} else if (k->type == CARB_CFG_INT || k->type == CARB_CFG_BOOL ||
		   k->type == CARB_CFG_SIZE) {
		carb_buf_adds(b, k->def);
	} else {
		carb_buf_addf(b, "\"%s\"", k->def);
	}
}

static void describe_text(struct carb_buf *out,
			  const struct carb_cfg_section *sec)
{
	struct carb_buf type, def;

	carb_buf_init(&type);
	carb_buf_init(&def);
	carb_buf_addf(out, "%s in %s: %s\n", sec->header, sec->file, sec->doc);
	for (size_t i = 0; i < sec->nkeys; i++) {
		const struct carb_cfg_key *k = &sec->keys[i];

		type.len = 0;
		def.len = 0;
		type_text(k, &type);
		default_text(k, &def);
		carb_buf_addf(out, "  %-20s %s; %s%s\n      %s%s\n", k->name,
			      type.data, k->required ? "" : "default ",
			      def.data, k->doc,
			      k->live ? " (a reload applies it)" : "");
	}
	carb_buf_release(&type);
	carb_buf_release(&def);
}

static void describe_markdown(struct carb_buf *out,
			      const struct carb_cfg_section *sec)
{
	struct carb_buf type, def;

	carb_buf_init(&type);
	carb_buf_init(&def);
	/* docs/configuration.md prose: the doc line as a sentence */
	carb_buf_addf(out, "### `%s` (%s)\n\n%c%s.\n\n", sec->header, sec->file,
		      (char)toupper((unsigned char)sec->doc[0]), sec->doc + 1);
	carb_buf_adds(out, "| key | type | default | description |\n");
	carb_buf_adds(out, "| --- | --- | --- | --- |\n");
	for (size_t i = 0; i < sec->nkeys; i++) {
		const struct carb_cfg_key *k = &sec->keys[i];
		bool literal = !k->required && k->def_doc == NULL &&
			       (k->def != NULL || k->def_list != NULL);

		type.len = 0;
		def.len = 0;
		type_text(k, &type);
		default_text(k, &def);
		carb_buf_addf(out, "| `%s` | %s | %s%s%s | %s%s |\n", k->name,
			      type.data, literal ? "`" : "", def.data,
			      literal ? "`" : "", k->doc,
			      k->live ? " (a reload applies it)" : "");
	}
	carb_buf_release(&type);
	carb_buf_release(&def);
}

/* s as roff text: a backslash is the escape character, and a line
 * starting with "." or "'" would be a request. */
static void roff_text(struct carb_buf *out, const char *s)
{
	if (*s == '.' || *s == '\'')
		carb_buf_adds(out, "\\&");
	for (; *s != '\0'; s++) {
		if (*s == '\\')
			carb_buf_adds(out, "\\e");
		else if (*s == '-')
			carb_buf_adds(out, "\\-");
		else
			carb_buf_addc(out, *s);
	}
}

/* One .SS per section, one .TP per key: the type and default, then the
 * doc line, as in the text form. */
static void describe_man(struct carb_buf *out,
			 const struct carb_cfg_section *sec)
{
	struct carb_buf type, def;

	carb_buf_init(&type);
	carb_buf_init(&def);
	carb_buf_addf(out, ".SS \"%s (%s)\"\n", sec->header, sec->file);
	carb_buf_addc(out, (char)toupper((unsigned char)sec->doc[0]));
	roff_text(out, sec->doc + 1);
	carb_buf_adds(out, ".\n");
	for (size_t i = 0; i < sec->nkeys; i++) {
		const struct carb_cfg_key *k = &sec->keys[i];

		type.len = 0;
		def.len = 0;
		type_text(k, &type);
		default_text(k, &def);
		carb_buf_addf(out, ".TP\n.B %s\n", k->name);
		roff_text(out, type.data);
		carb_buf_adds(out, k->required ? "; " : "; default ");
		roff_text(out, def.data);
		carb_buf_adds(out, ".\n.br\n");
		carb_buf_addc(out, (char)toupper((unsigned char)k->doc[0]));
		roff_text(out, k->doc + 1);
		if (k->live)
			roff_text(out, " (a reload applies it)");
		carb_buf_adds(out, ".\n");
	}
	carb_buf_release(&type);
	carb_buf_release(&def);
}

void carb_config_describe_keys(struct carb_buf *out,
			       enum carb_config_keys_format format)
{
	for (size_t i = 0; i < carb_cfg_all_sections_count; i++) {
		if (i > 0 && format != CARB_CONFIG_KEYS_MAN)
			carb_buf_addc(out, '\n');
		if (format == CARB_CONFIG_KEYS_MAN)
			describe_man(out, carb_cfg_all_sections[i]);
		else if (format == CARB_CONFIG_KEYS_MARKDOWN)
			describe_markdown(out, carb_cfg_all_sections[i]);
		else
			describe_text(out, carb_cfg_all_sections[i]);
	}
}
