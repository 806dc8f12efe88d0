/* `?` to $1..$n for PostgreSQL, so callers write one placeholder style.
 * Kept out of postgresql.c so it builds, and can be tested, without
 * libpq.  A `?` is a placeholder only where PostgreSQL's lexer would see
 * an operator character: not inside 'strings', E'strings', "identifiers",
 * $tag$dollar quotes$tag$, -- comments or (nested) block comments. */
#include <ctype.h>
#include <stdbool.h>
#include <string.h>

#include "catalog/driver.h"

static bool ident_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '$' ||
	       (unsigned char)c >= 0x80;
}

/* Length of the quoted text starting at s[0] == quote, through its end. */
static size_t skip_quoted(const char *s, char quote, bool backslashes)
{
	size_t i = 1;

	while (s[i] != '\0') {
		if (backslashes && s[i] == '\\' && s[i + 1] != '\0') {
			i += 2;
		} else if (s[i] == quote) {
			if (s[i + 1] != quote)
				return i + 1;
			i += 2;
		} else {
			i++;
		}
	}
	return i;
}

static size_t skip_block_comment(const char *s)
{
	size_t i = 2;
	int depth = 1;

	while (s[i] != '\0' && depth > 0) {
		if (s[i] == '/' && s[i + 1] == '*') {
			depth++;
			i += 2;
		} else if (s[i] == '*' && s[i + 1] == '/') {
			depth--;
			i += 2;
		} else {
			i++;
		}
	}
	return i;
}

/* s[0] == '$': the length of a dollar-quoted string, or 0 when this '$'
 * does not open one ($1, or part of an identifier). */
static size_t skip_dollar_quote(const char *s)
{
	size_t tag = 1;
	const char *end;

	if (isdigit((unsigned char)s[1]))
		return 0;
	while (s[tag] != '$') {
		if (s[tag] == '\0' || !ident_char(s[tag]))
			return 0;
		tag++;
	}
	tag++;   /* the tag with both dollars: "$x$" */
	end = s + tag;
	while ((end = strchr(end, '$')) != NULL) {
		if (strncmp(end, s, tag) == 0)
			return (size_t)(end - s) + tag;
		end++;
	}
	return strlen(s);
}

/* How much of sql at i is one token that cannot hold a placeholder. */
static size_t skip_token(const char *sql, size_t i)
{
	const char *s = sql + i;
	bool after_ident = i > 0 && ident_char(sql[i - 1]);

	if (s[0] == '\'') {
		bool e = i > 0 && (sql[i - 1] == 'E' || sql[i - 1] == 'e') &&
			 !(i > 1 && ident_char(sql[i - 2]));

		return skip_quoted(s, '\'', e);
	}
	if (s[0] == '"')
		return skip_quoted(s, '"', false);
	if (s[0] == '-' && s[1] == '-')
		return strcspn(s, "\n");
	if (s[0] == '/' && s[1] == '*')
		return skip_block_comment(s);
	if (s[0] == '$' && !after_ident)
		return skip_dollar_quote(s);
	return 0;
}

char *carb_sql_number_placeholders(const char *sql, int *nparams)
{
	struct carb_buf b;
	size_t i = 0;
	int n = 0;

	carb_buf_init(&b);
	while (sql[i] != '\0') {
		size_t skip = skip_token(sql, i);

		if (skip > 0) {
			carb_buf_add(&b, sql + i, skip);
			i += skip;
		} else if (sql[i] == '?') {
			carb_buf_addf(&b, "$%d", ++n);
			i++;
		} else {
			carb_buf_addc(&b, sql[i++]);
		}
	}
	*nparams = n;
	return carb_buf_detach(&b);
}
