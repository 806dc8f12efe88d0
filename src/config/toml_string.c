/* The four string forms: basic "…", literal '…', and their multi-line
 * """…""" and '''…''' versions. */
#include <stdlib.h>
#include <string.h>

#include "config/toml_internal.h"

/* Tab is the only control character allowed inside any string; the
 * multi-line forms also allow newlines, which are handled before this. */
static bool is_forbidden(int c)
{
	return (c < 0x20 && c != '\t') || c == 0x7F;
}

static int forbidden_char(struct carb_toml_parser *p, int c)
{
	if (c == '\n' || c == '\r')
		return carb_toml_error_at(p, carb_toml_here(p),
			"newline in a single-line string (use \"\"\" or ''' "
			"for multi-line strings)");
	return carb_toml_error_at(p, carb_toml_here(p),
		"control character U+%04X in a string (write it as an "
		"escape such as \\u%04X)", c, c);
}

static void put_utf8(struct carb_buf *b, uint32_t cp)
{
	if (cp < 0x80) {
		carb_buf_addc(b, (char)cp);
	} else if (cp < 0x800) {
		carb_buf_addc(b, (char)(0xC0 | (cp >> 6)));
		carb_buf_addc(b, (char)(0x80 | (cp & 0x3F)));
	} else if (cp < 0x10000) {
		carb_buf_addc(b, (char)(0xE0 | (cp >> 12)));
		carb_buf_addc(b, (char)(0x80 | ((cp >> 6) & 0x3F)));
		carb_buf_addc(b, (char)(0x80 | (cp & 0x3F)));
	} else {
		carb_buf_addc(b, (char)(0xF0 | (cp >> 18)));
		carb_buf_addc(b, (char)(0x80 | ((cp >> 12) & 0x3F)));
		carb_buf_addc(b, (char)(0x80 | ((cp >> 6) & 0x3F)));
		carb_buf_addc(b, (char)(0x80 | (cp & 0x3F)));
	}
}

static int hex_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* \uXXXX or \UXXXXXXXX, the backslash and letter already consumed. */
static int unicode_escape(struct carb_toml_parser *p, struct carb_toml_pos at,
			  int ndigits, struct carb_buf *b)
{
	uint32_t cp = 0;
	int i, h;

	for (i = 0; i < ndigits; i++) {
		h = hex_value(carb_toml_peek(p));
		if (h < 0)
			return carb_toml_error_at(p, at,
				"\\%c escape needs %d hexadecimal digits",
				ndigits == 4 ? 'u' : 'U', ndigits);
		cp = (cp << 4) | (uint32_t)h;
		carb_toml_advance(p);
	}
	if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return carb_toml_error_at(p, at,
			"escape names U+%04X, which is not a Unicode scalar "
			"value", cp);
	put_utf8(b, cp);
	return 0;
}

/* In a multi-line basic string, a backslash at the end of a line joins
 * it to the next: every newline and blank up to the next character goes. */
static bool line_ending_backslash(struct carb_toml_parser *p)
{
	size_t off = 0;
	int c;

	while ((c = carb_toml_peek_at(p, off)) == ' ' || c == '\t')
		off++;
	if (c != '\n' && !(c == '\r' && carb_toml_peek_at(p, off + 1) == '\n'))
		return false;
	for (;;) {
		c = carb_toml_peek(p);
		if (c == ' ' || c == '\t')
			carb_toml_advance(p);
		else if (!carb_toml_eat_newline(p))
			return true;
	}
}

static int escape(struct carb_toml_parser *p, bool multi, struct carb_buf *b)
{
	struct carb_toml_pos at = carb_toml_here(p);
	int c;

	carb_toml_advance(p);
	if (multi && line_ending_backslash(p))
		return 0;
	c = carb_toml_peek(p);
	switch (c) {
	case 'b': carb_buf_addc(b, '\b'); break;
	case 't': carb_buf_addc(b, '\t'); break;
	case 'n': carb_buf_addc(b, '\n'); break;
	case 'f': carb_buf_addc(b, '\f'); break;
	case 'r': carb_buf_addc(b, '\r'); break;
	case '"': carb_buf_addc(b, '"'); break;
	case '\\': carb_buf_addc(b, '\\'); break;
	case 'u':
	case 'U':
		carb_toml_advance(p);
		return unicode_escape(p, at, c == 'u' ? 4 : 8, b);
	default:
		if (c > 0x20 && c < 0x7F)
			return carb_toml_error_at(p, at,
				"invalid escape \"\\%c\" (valid: \\b \\t \\n "
				"\\f \\r \\\" \\\\ \\uXXXX \\UXXXXXXXX)", c);
		return carb_toml_error_at(p, at,
			"a backslash must start an escape");
	}
	carb_toml_advance(p);
	return 0;
}

/* At a run of quote characters inside a multi-line string: up to two of
 * them may belong to the content right before the closing three.
 * Returns 1 when the string closed, 0 to go on, -1 on error. */
static int quote_run(struct carb_toml_parser *p, char q, struct carb_buf *b)
{
	size_t n = 0;

	while (carb_toml_peek_at(p, n) == q)
		n++;
	if (n < 3) {
		carb_buf_add(b, p->src + p->pos, n);
		carb_toml_advance_n(p, n);
		return 0;
	}
	if (n > 5)
		return carb_toml_error_at(p, carb_toml_here(p),
			"too many quotes at the end of a multi-line string");
	carb_buf_add(b, p->src + p->pos, n - 3);
	carb_toml_advance_n(p, n);
	return 1;
}

/* The body of any form, after the opening quote(s). */
static int string_body(struct carb_toml_parser *p, char q, bool multi,
		       struct carb_toml_pos at, struct carb_buf *b)
{
	int c, r;

	/* A newline right after the opening delimiter is trimmed. */
	if (multi)
		carb_toml_eat_newline(p);
	for (;;) {
		c = carb_toml_peek(p);
		if (c < 0)
			return carb_toml_error_at(p, at,
				"string is not closed before the end of file");
		if (c == q) {
			if (!multi) {
				carb_toml_advance(p);
				return 0;
			}
			r = quote_run(p, q, b);
			if (r != 0)
				return r < 0 ? -1 : 0;
			continue;
		}
		if (c == '\\' && q == '"') {
			if (escape(p, multi, b) < 0)
				return -1;
			continue;
		}
		if (multi && c == '\n') {
			carb_buf_addc(b, '\n');
			carb_toml_advance(p);
			continue;
		}
		if (multi && c == '\r' && carb_toml_peek_at(p, 1) == '\n') {
			carb_buf_add(b, "\r\n", 2);
			carb_toml_advance_n(p, 2);
			continue;
		}
		if (is_forbidden(c))
			return forbidden_char(p, c);
		carb_buf_addc(b, (char)c);
		carb_toml_advance(p);
	}
}

int carb_toml_parse_string(struct carb_toml_parser *p, bool is_key,
			   char **out, size_t *len_out)
{
	struct carb_toml_pos at = carb_toml_here(p);
	char q = (char)carb_toml_peek(p);
	bool multi = carb_toml_peek_at(p, 1) == q &&
		     carb_toml_peek_at(p, 2) == q;
	struct carb_buf b;

	*out = NULL;
	*len_out = 0;
	if (multi && is_key)
		return carb_toml_error_at(p, at,
			"a key cannot be a multi-line string");
	carb_toml_advance_n(p, multi ? 3 : 1);
	carb_buf_init(&b);
	if (string_body(p, q, multi, at, &b) < 0) {
		carb_buf_release(&b);
		return -1;
	}
	*len_out = b.len;
	if (b.data == NULL)
		carb_buf_addc(&b, '\0');
	*out = carb_buf_detach(&b);
	return 0;
}
