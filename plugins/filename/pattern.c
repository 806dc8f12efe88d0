/* File name patterns: compiler and matcher (the language is described in
 * pattern.h).
 *
 * A pattern compiles to a flat list of elements: literals, wildcards,
 * value placeholders, and timestamp placeholders spelt out as a begin
 * marker, one element per format directive or literal, and an end marker
 * that checks the date and computes the value.  The matcher walks the
 * list depth first, trying each variable element's shortest run first,
 * and remembers which (element, position) pairs outside a timestamp
 * failed: what follows such a pair does not depend on how the name was
 * split before it, so each is tried once and the work stays polynomial
 * whatever the name. */
#include "pattern.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Longest run a real placeholder takes. */
#define REAL_MAX 100
/* Digits of %s and %f. */
#define EPOCH_DIGITS_MAX 12
#define FRAC_DIGITS_MAX 9

enum el_kind {
	EL_LIT,
	EL_STAR,
	EL_VALUE,       /* text, integer, real, boolean */
	EL_TS_BEGIN,
	EL_FIELD,       /* one directive of a timestamp's format */
	EL_TS_END,
};

struct el {
	enum el_kind kind;
	bool in_ts;           /* between EL_TS_BEGIN and EL_TS_END, inclusive
			       * of the end: the outcome depends on fields */
	size_t slot;          /* placeholder index: VALUE, TS_BEGIN, TS_END */
	const char *lit;      /* LIT: into fn_pattern.lits */
	size_t lit_len;
	char dir;             /* FIELD: the directive's letter */
};

/* Directives as bits, for the checks of a format. */
enum {
	D_Y = 1u << 0, D_y = 1u << 1, D_m = 1u << 2, D_d = 1u << 3,
	D_j = 1u << 4, D_H = 1u << 5, D_M = 1u << 6, D_S = 1u << 7,
	D_s = 1u << 8, D_f = 1u << 9,
};

struct placeholder {
	char name[FN_PATTERN_MAX_IDENT + 1];
	enum fn_type type;
	size_t off;           /* of its '{' */
	bool has_format;
	size_t fmt_off;       /* of the format's first byte */
	size_t fmt_len;
	unsigned dirs;        /* D_* of its format */
};

/* A token of the first pass: the pattern before types are known. */
struct token {
	enum { T_LIT, T_STAR, T_PH } kind;
	size_t off;
	size_t lit_start;     /* T_LIT: into lits */
	size_t lit_len;
	size_t ph;            /* T_PH */
};

struct fn_pattern {
	char *text;           /* a copy of the pattern */
	size_t text_len;
	char *lits;           /* literal bytes, unescaped */
	size_t lits_len;
	struct placeholder *ph;
	size_t nph;
	struct token *tok;
	size_t ntok;
	struct el *els;
	size_t nels;
	size_t ntop;          /* elements outside timestamps: memo rows */
	size_t *top_index;    /* els index -> memo row, or SIZE_MAX */
};

static const char directive_list[] = "%Y %y %m %d %j %H %M %S %s %f %%";

static const char *const type_names[] = {
	[FN_TEXT] = "text",
	[FN_INTEGER] = "integer",
	[FN_REAL] = "real",
	[FN_BOOLEAN] = "boolean",
	[FN_TIMESTAMP] = "timestamp",
};

const char *fn_type_name(enum fn_type t)
{
	if (t < FN_TEXT || t > FN_TIMESTAMP)
		return "?";
	return type_names[t];
}

enum fn_type fn_type_from_name(const char *name, size_t len)
{
	for (int t = FN_TEXT; t <= FN_TIMESTAMP; t++)
		if (strlen(type_names[t]) == len &&
		    memcmp(type_names[t], name, len) == 0)
			return (enum fn_type)t;
	return 0;
}

__attribute__((format(printf, 3, 4)))
static int fail_at(struct fn_pattern_error *err, size_t off,
		   const char *fmt, ...)
{
	va_list ap;

	err->at = FN_AT_PATTERN;
	err->offset = off;
	err->index = 0;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

__attribute__((format(printf, 3, 4)))
static int fail_type(struct fn_pattern_error *err, size_t index,
		     const char *fmt, ...)
{
	va_list ap;

	err->at = FN_AT_TYPE;
	err->offset = 0;
	err->index = index;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

void fn_pattern_free(struct fn_pattern **pp)
{
	struct fn_pattern *p = *pp;

	if (p == NULL)
		return;
	free(p->text);
	free(p->lits);
	free(p->ph);
	free(p->tok);
	free(p->els);
	free(p->top_index);
	free(p);
	*pp = NULL;
}

/* ---- first pass: tokens and placeholders ------------------------------- */

static bool ident_ok(const char *s, size_t len)
{
	if (len == 0 || len > FN_PATTERN_MAX_IDENT)
		return false;
	if (s[0] < 'a' || s[0] > 'z')
		return false;
	for (size_t i = 1; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '_'))
			return false;
	}
	return true;
}

/* What a message calls token t: `placeholder "x"` or `wildcard "*"`. */
static void token_label(const struct fn_pattern *p, const struct token *t,
			char *buf, size_t size)
{
	if (t->kind == T_STAR)
		snprintf(buf, size, "wildcard \"*\"");
	else
		snprintf(buf, size, "placeholder \"%s\"", p->ph[t->ph].name);
}

static int push_token(struct fn_pattern *p, const struct token *t,
		      struct fn_pattern_error *err)
{
	/* The token array is sized for the worst case up front. */
	if (t->kind != T_LIT && p->ntok > 0 &&
	    p->tok[p->ntok - 1].kind != T_LIT) {
		char a[96], b[96];

		token_label(p, &p->tok[p->ntok - 1], a, sizeof(a));
		token_label(p, t, b, sizeof(b));
		return fail_at(err, t->off,
			       "%s follows %s with nothing between them: put "
			       "literal text between the two", b, a);
	}
	p->tok[p->ntok++] = *t;
	return 0;
}

static void add_lit_byte(struct fn_pattern *p, size_t off, char c)
{
	struct token *last = p->ntok > 0 ? &p->tok[p->ntok - 1] : NULL;

	if (last == NULL || last->kind != T_LIT) {
		last = &p->tok[p->ntok++];
		last->kind = T_LIT;
		last->off = off;
		last->lit_start = p->lits_len;
		last->lit_len = 0;
	}
	p->lits[p->lits_len++] = c;
	last->lit_len++;
}

/* Reads the placeholder whose '{' is at s[*i]; leaves *i past its '}'. */
static int read_placeholder(struct fn_pattern *p, size_t *i,
			    struct fn_pattern_error *err)
{
	const char *s = p->text;
	size_t n = p->text_len;
	size_t open = *i;
	size_t j = open + 1;
	size_t name_end, close;
	struct placeholder *ph;
	struct token t;

	while (j < n && s[j] != '}' && s[j] != ':' && s[j] != '{')
		j++;
	name_end = j;
	close = j;
	if (j < n && s[j] == ':') {
		close = j + 1;
		while (close < n && s[close] != '}' && s[close] != '{')
			close++;
	}
	if (close >= n)
		return fail_at(err, open, "placeholder not closed: \"{\" "
			       "without a matching \"}\" (write \"{{\" for a "
			       "literal \"{\")");
	if (s[close] == '{')
		return fail_at(err, close, "\"{\" inside a placeholder (a "
			       "placeholder's name and format hold no braces)");
	if (name_end == open + 1)
		return fail_at(err, open, "placeholder without a name: write "
			       "{name}, or \"{{\" for a literal \"{\"");
	if (!ident_ok(s + open + 1, name_end - open - 1))
		return fail_at(err, open + 1, "placeholder name \"%.*s\" is not "
			       "valid: a lower-case letter, then lower-case "
			       "letters, digits or \"_\", at most %d bytes",
			       (int)(name_end - open - 1), s + open + 1,
			       FN_PATTERN_MAX_IDENT);
	for (size_t k = 0; k < p->nph; k++)
		if (strlen(p->ph[k].name) == name_end - open - 1 &&
		    memcmp(p->ph[k].name, s + open + 1,
			   name_end - open - 1) == 0)
			return fail_at(err, open, "placeholder \"%s\" appears "
				       "twice (first at byte %zu)",
				       p->ph[k].name, p->ph[k].off + 1);

	ph = &p->ph[p->nph];
	memset(ph, 0, sizeof(*ph));
	memcpy(ph->name, s + open + 1, name_end - open - 1);
	ph->off = open;
	if (name_end < close) {
		ph->has_format = true;
		ph->fmt_off = name_end + 1;
		ph->fmt_len = close - name_end - 1;
		if (ph->fmt_len == 0)
			return fail_at(err, name_end, "placeholder \"%s\" has an "
				       "empty format after \":\"", ph->name);
	}
	t.kind = T_PH;
	t.off = open;
	t.ph = p->nph;
	t.lit_start = t.lit_len = 0;
	if (push_token(p, &t, err) < 0)
		return -1;
	p->nph++;
	*i = close + 1;
	return 0;
}

static int tokenize(struct fn_pattern *p, struct fn_pattern_error *err)
{
	const char *s = p->text;
	size_t n = p->text_len;
	size_t i = 0;

	while (i < n) {
		char c = s[i];

		if ((c == '{' || c == '}' || c == '*') && i + 1 < n &&
		    s[i + 1] == c) {
			add_lit_byte(p, i, c);
			i += 2;
		} else if (c == '{') {
			if (read_placeholder(p, &i, err) < 0)
				return -1;
		} else if (c == '}') {
			return fail_at(err, i, "a single \"}\" outside a "
				       "placeholder: write \"}}\" for a literal "
				       "\"}\"");
		} else if (c == '*') {
			struct token t = { .kind = T_STAR, .off = i };

			if (push_token(p, &t, err) < 0)
				return -1;
			i++;
		} else if (c == '\0') {
			return fail_at(err, i, "a NUL byte in the pattern");
		} else {
			add_lit_byte(p, i, c);
			i++;
		}
	}
	if (p->nph == 0)
		return fail_at(err, 0, "the pattern has no placeholder: write "
			       "one as {name}");
	return 0;
}

/* ---- types -------------------------------------------------------------- */

static int find_ph(const struct fn_pattern *p, const char *name)
{
	for (size_t i = 0; i < p->nph; i++)
		if (strcmp(p->ph[i].name, name) == 0)
			return (int)i;
	return -1;
}

static void list_names(const struct fn_pattern *p, char *buf, size_t size)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < p->nph && used < size; i++) {
		int w = snprintf(buf + used, size - used, "%s%s",
				 i > 0 ? ", " : "", p->ph[i].name);

		if (w < 0)
			break;
		used += (size_t)w;
	}
}

static int apply_types(struct fn_pattern *p, const struct fn_type_decl *types,
		       size_t ntypes, struct fn_pattern_error *err)
{
	int *declared = calloc(p->nph, sizeof(*declared));

	if (declared == NULL)
		return -2;
	for (size_t i = 0; i < ntypes; i++) {
		int k = find_ph(p, types[i].name);
		struct placeholder *ph;

		if (k < 0) {
			char names[256];

			list_names(p, names, sizeof(names));
			free(declared);
			return fail_type(err, i, "\"%s\" names no placeholder of "
					 "the pattern (placeholders: %s)",
					 types[i].name, names);
		}
		ph = &p->ph[k];
		if (declared[k]) {
			free(declared);
			return fail_type(err, i, "column \"%s\" has two types",
					 ph->name);
		}
		declared[k] = 1;
		if (types[i].type < FN_TEXT || types[i].type > FN_TIMESTAMP) {
			free(declared);
			return fail_type(err, i, "column \"%s\" has an unknown "
					 "type (valid: " FN_TYPE_NAMES ")",
					 ph->name);
		}
		if (ph->has_format && types[i].type != FN_TIMESTAMP) {
			free(declared);
			return fail_type(err, i, "column \"%s\" is declared %s "
					 "but its placeholder has a format "
					 "(\"%.*s\"); only timestamp "
					 "placeholders take one", ph->name,
					 fn_type_name(types[i].type),
					 (int)ph->fmt_len,
					 p->text + ph->fmt_off);
		}
		if (!ph->has_format && types[i].type == FN_TIMESTAMP) {
			free(declared);
			return fail_type(err, i, "column \"%s\" is a timestamp "
					 "but its placeholder has no format: "
					 "write {%s:FORMAT}, e.g. "
					 "{%s:%%Y%%m%%dT%%H%%M%%S}", ph->name,
					 ph->name, ph->name);
		}
		ph->type = types[i].type;
	}
	for (size_t k = 0; k < p->nph; k++)
		if (!declared[k])
			p->ph[k].type = p->ph[k].has_format ? FN_TIMESTAMP
							    : FN_TEXT;
	free(declared);
	return 0;
}

/* ---- formats ------------------------------------------------------------ */

static unsigned dir_bit(char d)
{
	switch (d) {
	case 'Y': return D_Y;
	case 'y': return D_y;
	case 'm': return D_m;
	case 'd': return D_d;
	case 'j': return D_j;
	case 'H': return D_H;
	case 'M': return D_M;
	case 'S': return D_S;
	case 's': return D_s;
	case 'f': return D_f;
	default: return 0;
	}
}

static bool dir_variable(char d)
{
	return d == 's' || d == 'f';
}

static void push_el(struct fn_pattern *p, const struct el *e)
{
	p->els[p->nels++] = *e;
}

/* Literal bytes inside a format go to lits like the others. */
static void push_ts_lit(struct fn_pattern *p, char c)
{
	struct el *last = p->nels > 0 ? &p->els[p->nels - 1] : NULL;

	if (last == NULL || last->kind != EL_LIT || !last->in_ts ||
	    last->lit + last->lit_len != p->lits + p->lits_len) {
		struct el e = { .kind = EL_LIT, .in_ts = true,
				.lit = p->lits + p->lits_len, .lit_len = 0 };

		push_el(p, &e);
		last = &p->els[p->nels - 1];
	}
	p->lits[p->lits_len++] = c;
	last->lit_len++;
}

/* Checks that the directives of a format make one instant. */
static int check_dirs(const struct placeholder *ph, struct fn_pattern_error *err)
{
	unsigned d = ph->dirs;
	const char *n = ph->name;
	size_t at = ph->fmt_off;

	if (d & D_s) {
		if (d & ~(D_s | D_f))
			return fail_at(err, at, "format of \"%s\": %%s (seconds "
				       "since the epoch) takes no other "
				       "directive than %%f", n);
		return 0;
	}
	if ((d & D_Y) && (d & D_y))
		return fail_at(err, at, "format of \"%s\" has both %%Y and "
			       "%%y: give the year once", n);
	if (!(d & (D_Y | D_y)))
		return fail_at(err, at, "format of \"%s\" has no year: use %%Y "
			       "or %%y (or %%s for seconds since the epoch)", n);
	if ((d & D_j) && (d & (D_m | D_d)))
		return fail_at(err, at, "format of \"%s\" has %%j with %%m or "
			       "%%d: give the day of the year, or the month "
			       "and day, not both", n);
	if ((d & D_d) && !(d & D_m))
		return fail_at(err, at, "format of \"%s\" has %%d without %%m",
			       n);
	if ((d & D_M) && !(d & D_H))
		return fail_at(err, at, "format of \"%s\" has %%M without %%H",
			       n);
	if ((d & D_S) && !(d & D_M))
		return fail_at(err, at, "format of \"%s\" has %%S without %%M",
			       n);
	if ((d & D_f) && !(d & D_S))
		return fail_at(err, at, "format of \"%s\" has %%f without %%S "
			       "or %%s", n);
	return 0;
}

static int compile_format(struct fn_pattern *p, struct placeholder *ph,
			  size_t slot, struct fn_pattern_error *err)
{
	const char *f = p->text + ph->fmt_off;
	size_t n = ph->fmt_len;
	struct el e = { .kind = EL_TS_BEGIN, .slot = slot };
	char prev_dir = 0;    /* the element before was this directive */

	push_el(p, &e);
	for (size_t i = 0; i < n; i++) {
		unsigned bit;

		if (f[i] != '%') {
			push_ts_lit(p, f[i]);
			prev_dir = 0;
			continue;
		}
		if (i + 1 >= n)
			return fail_at(err, ph->fmt_off + i, "format of \"%s\" "
				       "ends with a lone \"%%\" (write \"%%%%\" "
				       "for a literal \"%%\")", ph->name);
		i++;
		if (f[i] == '%') {
			push_ts_lit(p, '%');
			prev_dir = 0;
			continue;
		}
		bit = dir_bit(f[i]);
		if (bit == 0) {
			if ((unsigned char)f[i] < 0x80)
				return fail_at(err, ph->fmt_off + i - 1,
					       "unknown directive \"%%%c\" in the "
					       "format of \"%s\" (valid: %s)",
					       f[i], ph->name, directive_list);
			return fail_at(err, ph->fmt_off + i - 1, "unknown "
				       "directive after \"%%\" in the format "
				       "of \"%s\" (valid: %s)", ph->name,
				       directive_list);
		}
		if (ph->dirs & bit)
			return fail_at(err, ph->fmt_off + i - 1, "directive "
				       "\"%%%c\" appears twice in the format of "
				       "\"%s\"", f[i], ph->name);
		if (prev_dir != 0 && dir_variable(prev_dir) &&
		    dir_variable(f[i]))
			return fail_at(err, ph->fmt_off + i - 1, "format of "
				       "\"%s\": %%%c and %%%c with nothing "
				       "between them (their digits could be "
				       "split anywhere); write e.g. %%s.%%f",
				       ph->name, prev_dir, f[i]);
		ph->dirs |= bit;
		e = (struct el){ .kind = EL_FIELD, .in_ts = true, .slot = slot,
				 .dir = f[i] };
		push_el(p, &e);
		prev_dir = f[i];
	}
	if (check_dirs(ph, err) < 0)
		return -1;
	e = (struct el){ .kind = EL_TS_END, .in_ts = true, .slot = slot };
	push_el(p, &e);
	return 0;
}

static int build_elements(struct fn_pattern *p, struct fn_pattern_error *err)
{
	for (size_t i = 0; i < p->ntok; i++) {
		const struct token *t = &p->tok[i];
		struct el e = { .kind = EL_LIT };

		switch (t->kind) {
		case T_LIT:
			e.lit = p->lits + t->lit_start;
			e.lit_len = t->lit_len;
			push_el(p, &e);
			break;
		case T_STAR:
			e.kind = EL_STAR;
			push_el(p, &e);
			break;
		case T_PH:
			if (p->ph[t->ph].type == FN_TIMESTAMP) {
				if (compile_format(p, &p->ph[t->ph], t->ph,
						   err) < 0)
					return -1;
			} else {
				e.kind = EL_VALUE;
				e.slot = t->ph;
				push_el(p, &e);
			}
			break;
		}
	}
	p->top_index = malloc((p->nels + 1) * sizeof(*p->top_index));
	if (p->top_index == NULL)
		return -2;
	for (size_t i = 0; i <= p->nels; i++) {
		if (i < p->nels && p->els[i].in_ts)
			p->top_index[i] = SIZE_MAX;
		else
			p->top_index[i] = p->ntop++;
	}
	return 0;
}

int fn_pattern_compile(const char *text, size_t len,
		       const struct fn_type_decl *types, size_t ntypes,
		       struct fn_pattern **out, struct fn_pattern_error *err)
{
	struct fn_pattern *p;
	int rc;

	*out = NULL;
	memset(err, 0, sizeof(*err));
	if (len == 0)
		return fail_at(err, 0, "the pattern is empty");
	if (len > FN_PATTERN_MAX_TEXT)
		return fail_at(err, FN_PATTERN_MAX_TEXT, "the pattern is longer "
			       "than %d bytes", FN_PATTERN_MAX_TEXT);
	/* Names are matched without their folder: a "/" never matches. */
	if (memchr(text, '/', len) != NULL)
		return fail_at(err, (size_t)((const char *)memchr(text, '/', len) - text),
			       "a file name holds no \"/\" (the pattern is matched"
			       " against names without their folder), so this"
			       " pattern can never match");
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return -2;
	/* Every count is bounded by the pattern's length: one token, one
	 * placeholder, one literal byte and at most two elements (a
	 * timestamp's begin and end share its braces) per pattern byte. */
	p->text = malloc(len + 1);
	p->lits = malloc(len + 1);
	p->ph = calloc(len / 2 + 1, sizeof(*p->ph));
	p->tok = calloc(len + 1, sizeof(*p->tok));
	p->els = calloc(2 * len + 2, sizeof(*p->els));
	if (p->text == NULL || p->lits == NULL || p->ph == NULL ||
	    p->tok == NULL || p->els == NULL) {
		fn_pattern_free(&p);
		return -2;
	}
	memcpy(p->text, text, len);
	p->text[len] = '\0';
	p->text_len = len;

	rc = tokenize(p, err);
	if (rc == 0)
		rc = apply_types(p, types, ntypes, err);
	if (rc == 0)
		rc = build_elements(p, err);
	if (rc != 0) {
		fn_pattern_free(&p);
		return rc;
	}
	*out = p;
	return 0;
}

size_t fn_pattern_count(const struct fn_pattern *p)
{
	return p->nph;
}

const char *fn_pattern_name(const struct fn_pattern *p, size_t i)
{
	return i < p->nph ? p->ph[i].name : NULL;
}

enum fn_type fn_pattern_type(const struct fn_pattern *p, size_t i)
{
	return i < p->nph ? p->ph[i].type : 0;
}

int fn_pattern_find(const struct fn_pattern *p, const char *name)
{
	return find_ph(p, name);
}

/* ---- values ------------------------------------------------------------- */

/* Length of the valid UTF-8 character at s (n bytes left), or 0. */
static size_t utf8_char(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	size_t len;
	unsigned cp;

	if (c < 0x80)
		return c == 0 ? 0 : 1;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

static bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* Whether s (n bytes) is a real as the language writes one. */
static bool real_syntax(const unsigned char *s, size_t n)
{
	size_t i = 0, int_digits = 0, frac_digits = 0;

	if (i < n && (s[i] == '+' || s[i] == '-'))
		i++;
	while (i < n && is_digit(s[i])) {
		i++;
		int_digits++;
	}
	if (i < n && s[i] == '.') {
		i++;
		while (i < n && is_digit(s[i])) {
			i++;
			frac_digits++;
		}
	}
	if (int_digits == 0 && frac_digits == 0)
		return false;
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		size_t exp_digits = 0;

		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		while (i < n && is_digit(s[i])) {
			i++;
			exp_digits++;
		}
		if (exp_digits == 0)
			return false;
	}
	return i == n;
}

static bool real_char(unsigned char c)
{
	return is_digit(c) || c == '+' || c == '-' || c == '.' || c == 'e' ||
	       c == 'E';
}

static const char *const bool_words[] = {
	"1", "0", "on", "no", "yes", "off", "true", "false",
};

static int bool_value(const char *w)
{
	return strcmp(w, "1") == 0 || strcmp(w, "on") == 0 ||
	       strcmp(w, "yes") == 0 || strcmp(w, "true") == 0;
}

static bool same_ascii_nocase(const unsigned char *s, const char *w, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = s[i];

		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		if (c != (unsigned char)w[i])
			return false;
	}
	return true;
}

/* ---- dates -------------------------------------------------------------- */

static bool leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(int64_t y, int m)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
				    30, 31 };

	return m == 2 && leap(y) ? 29 : days[m - 1];
}

/* Days from 1970-01-01 to y-m-d of the proleptic Gregorian calendar:
 * whole 400-year eras from March 1st of year 0, then the day within the
 * era, counting years from March so that February's length comes last. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	if (m <= 2)
		y--;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* The fields of the timestamp being matched. */
struct ts_fields {
	int64_t year, epoch;
	int mon, mday, yday, hour, min, sec;
	int64_t usec;
};

static int field_width(char d)
{
	switch (d) {
	case 'Y': return 4;
	case 'j': return 3;
	default: return 2;
	}
}

/* Stores fixed-width field d with value v; false when out of range. */
static bool store_field(struct ts_fields *f, char d, int64_t v)
{
	switch (d) {
	case 'Y': f->year = v; return true;
	case 'y': f->year = v < 69 ? 2000 + v : 1900 + v; return true;
	case 'm': f->mon = (int)v; return v >= 1 && v <= 12;
	case 'd': f->mday = (int)v; return v >= 1 && v <= 31;
	case 'j': f->yday = (int)v; return v >= 1 && v <= 366;
	case 'H': f->hour = (int)v; return v <= 23;
	case 'M': f->min = (int)v; return v <= 59;
	case 'S': f->sec = (int)v; return v <= 59;
	default: return false;
	}
}

/* The instant the fields name, or false for a date that does not exist. */
static bool ts_value(const struct ts_fields *f, unsigned dirs, int64_t *usec)
{
	int64_t days;

	if (dirs & D_s) {
		*usec = f->epoch * 1000000 + f->usec;
		return true;
	}
	if (dirs & D_j) {
		if (f->yday > (leap(f->year) ? 366 : 365))
			return false;
		days = days_from_civil(f->year, 1, 1) + f->yday - 1;
	} else {
		if (f->mday > month_days(f->year, f->mon))
			return false;
		days = days_from_civil(f->year, f->mon, f->mday);
	}
	*usec = ((days * 24 + f->hour) * 60 + f->min) * 60 + f->sec;
	*usec = *usec * 1000000 + f->usec;
	return true;
}

/* ---- matching ----------------------------------------------------------- */

struct mctx {
	const struct fn_pattern *p;
	const unsigned char *s;
	size_t n;
	struct fn_value *v;
	unsigned char *failed;   /* bit (row, pos): known not to match */
	struct ts_fields f;
};

static int match_at(struct mctx *c, size_t i, size_t pos);

static void set_value(struct mctx *c, size_t slot, size_t pos, size_t end)
{
	struct fn_value *v = &c->v[slot];

	v->type = c->p->ph[slot].type;
	v->text = (const char *)c->s + pos;
	v->len = end - pos;
}

static int match_text(struct mctx *c, size_t i, size_t pos)
{
	const struct el *e = &c->p->els[i];
	size_t end = pos;

	while (end < c->n) {
		size_t k = utf8_char(c->s + end, c->n - end);

		if (k == 0)
			return 0;
		end += k;
		set_value(c, e->slot, pos, end);
		if (match_at(c, i + 1, end))
			return 1;
	}
	return 0;
}

static int match_integer(struct mctx *c, size_t i, size_t pos)
{
	const struct el *e = &c->p->els[i];
	size_t end = pos;
	bool neg = false;
	uint64_t mag = 0;

	if (end < c->n && (c->s[end] == '+' || c->s[end] == '-')) {
		neg = c->s[end] == '-';
		end++;
	}
	while (end < c->n && is_digit(c->s[end])) {
		unsigned d = c->s[end] - '0';

		if (mag > (UINT64_MAX - d) / 10)
			return 0;
		mag = mag * 10 + d;
		if (mag > (uint64_t)INT64_MAX + (neg ? 1 : 0))
			return 0;
		end++;
		set_value(c, e->slot, pos, end);
		if (!neg)
			c->v[e->slot].integer = (int64_t)mag;
		else if (mag == (uint64_t)INT64_MAX + 1)
			c->v[e->slot].integer = INT64_MIN;
		else
			c->v[e->slot].integer = -(int64_t)mag;
		if (match_at(c, i + 1, end))
			return 1;
	}
	return 0;
}

static int match_real(struct mctx *c, size_t i, size_t pos)
{
	const struct el *e = &c->p->els[i];
	char buf[REAL_MAX + 1];

	for (size_t end = pos + 1; end <= c->n && end - pos <= REAL_MAX;
	     end++) {
		double d;
		char *stop;

		if (!real_char(c->s[end - 1]))
			return 0;
		if (!real_syntax(c->s + pos, end - pos))
			continue;
		memcpy(buf, c->s + pos, end - pos);
		buf[end - pos] = '\0';
		errno = 0;
		d = strtod(buf, &stop);
		if (*stop != '\0' || !isfinite(d))
			continue;
		set_value(c, e->slot, pos, end);
		c->v[e->slot].real = d;
		if (match_at(c, i + 1, end))
			return 1;
	}
	return 0;
}

static int match_boolean(struct mctx *c, size_t i, size_t pos)
{
	const struct el *e = &c->p->els[i];

	for (size_t w = 0; w < sizeof(bool_words) / sizeof(bool_words[0]);
	     w++) {
		size_t len = strlen(bool_words[w]);

		if (c->n - pos < len ||
		    !same_ascii_nocase(c->s + pos, bool_words[w], len))
			continue;
		set_value(c, e->slot, pos, pos + len);
		c->v[e->slot].integer = bool_value(bool_words[w]);
		if (match_at(c, i + 1, pos + len))
			return 1;
	}
	return 0;
}

/* %s and %f: 1 to max digits, fewest first. */
static int match_variable_field(struct mctx *c, size_t i, size_t pos)
{
	const struct el *e = &c->p->els[i];
	int max = e->dir == 's' ? EPOCH_DIGITS_MAX : FRAC_DIGITS_MAX;
	int64_t v = 0;

	for (int k = 0; k < max && pos + (size_t)k < c->n; k++) {
		unsigned char ch = c->s[pos + (size_t)k];

		if (!is_digit(ch))
			return 0;
		v = v * 10 + (ch - '0');
		if (e->dir == 's') {
			c->f.epoch = v;
		} else {
			int64_t us = v;

			/* scale to six digits, dropping those past them */
			for (int z = k + 1; z < 6; z++)
				us *= 10;
			for (int z = 6; z < k + 1; z++)
				us /= 10;
			c->f.usec = us;
		}
		if (match_at(c, i + 1, pos + (size_t)k + 1))
			return 1;
	}
	return 0;
}

static int match_field(struct mctx *c, size_t i, size_t pos)
{
	const struct el *e = &c->p->els[i];
	size_t w = (size_t)field_width(e->dir);
	int64_t v = 0;

	if (dir_variable(e->dir))
		return match_variable_field(c, i, pos);
	if (c->n - pos < w)
		return 0;
	for (size_t k = 0; k < w; k++) {
		if (!is_digit(c->s[pos + k]))
			return 0;
		v = v * 10 + (c->s[pos + k] - '0');
	}
	if (!store_field(&c->f, e->dir, v))
		return 0;
	return match_at(c, i + 1, pos + w);
}

static int match_ts_end(struct mctx *c, size_t i, size_t pos)
{
	const struct el *e = &c->p->els[i];
	size_t start = (size_t)((const unsigned char *)c->v[e->slot].text -
				c->s);
	int64_t usec;

	if (!ts_value(&c->f, c->p->ph[e->slot].dirs, &usec))
		return 0;
	set_value(c, e->slot, start, pos);
	c->v[e->slot].integer = usec;
	return match_at(c, i + 1, pos);
}

static int match_el(struct mctx *c, size_t i, size_t pos)
{
	const struct el *e = &c->p->els[i];

	switch (e->kind) {
	case EL_LIT:
		if (c->n - pos < e->lit_len ||
		    memcmp(c->s + pos, e->lit, e->lit_len) != 0)
			return 0;
		return match_at(c, i + 1, pos + e->lit_len);
	case EL_STAR:
		for (size_t end = pos; end <= c->n; end++)
			if (match_at(c, i + 1, end))
				return 1;
		return 0;
	case EL_VALUE:
		switch (c->p->ph[e->slot].type) {
		case FN_INTEGER: return match_integer(c, i, pos);
		case FN_REAL: return match_real(c, i, pos);
		case FN_BOOLEAN: return match_boolean(c, i, pos);
		default: return match_text(c, i, pos);
		}
	case EL_TS_BEGIN:
		memset(&c->f, 0, sizeof(c->f));
		c->f.mon = 1;
		c->f.mday = 1;
		/* where the value starts, read back by its end */
		c->v[e->slot].text = (const char *)c->s + pos;
		return match_at(c, i + 1, pos);
	case EL_FIELD:
		return match_field(c, i, pos);
	case EL_TS_END:
		return match_ts_end(c, i, pos);
	}
	return 0;
}

static int match_at(struct mctx *c, size_t i, size_t pos)
{
	size_t row = c->p->top_index[i];
	size_t bit;

	if (i == c->p->nels)
		return pos == c->n;
	if (row == SIZE_MAX)
		return match_el(c, i, pos);
	bit = row * (c->n + 1) + pos;
	if (c->failed[bit / 8] & (1u << (bit % 8)))
		return 0;
	if (match_el(c, i, pos))
		return 1;
	c->failed[bit / 8] |= (unsigned char)(1u << (bit % 8));
	return 0;
}

int fn_pattern_match(const struct fn_pattern *p, const char *name,
		     size_t len, struct fn_value *values)
{
	struct mctx c;
	size_t bits;
	int rc;

	if (len > FN_PATTERN_MAX_NAME)
		return 0;
	memset(&c, 0, sizeof(c));
	c.p = p;
	c.s = (const unsigned char *)name;
	c.n = len;
	c.v = values;
	bits = p->ntop * (len + 1);
	c.failed = calloc(bits / 8 + 1, 1);
	if (c.failed == NULL)
		return -1;
	memset(values, 0, p->nph * sizeof(*values));
	rc = match_at(&c, 0, 0);
	free(c.failed);
	if (rc == 0)
		memset(values, 0, p->nph * sizeof(*values));
	return rc;
}
