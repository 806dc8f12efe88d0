/* A call and its outcome on the wire (wire.h): what the service sends a
 * helper, and what comes back.  What comes back is the plugin's word
 * through a process that may be in any state, so decoding checks it all
 * again as the host table does in process: declared columns, types,
 * UTF-8 text within max_value_bytes, finite reals, a group key without
 * "/". */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugin/plugin_internal.h"
#include "plugin/wire.h"

/* What a reason may be: printable, as host->fail leaves it. */
#define REASON_MAX 1024

void carb_wire_put_outcome(struct carb_buf *b,
			   const struct carb_plugin_outcome *o)
{
	uint32_t nset = 0;

	for (size_t i = 0; i < o->ncolumns; i++)
		nset += o->set[i];
	carb_wire_u32(b, nset);
	for (size_t i = 0; i < o->ncolumns; i++) {
		const struct carb_plugin_value *v = &o->values[i];

		if (!o->set[i])
			continue;
		carb_wire_u32(b, (uint32_t)i);
		carb_wire_u8(b, v->is_null != 0);
		carb_wire_i64(b, v->integer);
		carb_wire_f64(b, v->real);
		carb_wire_bytes(b, v->text, v->text_len);
	}
	carb_wire_str(b, o->destination);
	carb_wire_bytes(b, o->group_key, o->group_key_len);
	carb_wire_str(b, o->reason);
}

static int bad(char **why, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int bad(char **why, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(why, fmt, ap) < 0)
		*why = NULL;
	va_end(ap);
	return -1;
}

static int get_value(struct carb_wire_in *in, const struct carb_plugin_rt *p,
		     struct carb_plugin_outcome *o, char **why)
{
	uint32_t i = carb_wire_get_u32(in);
	struct carb_plugin_value v = { .is_null = carb_wire_get_u8(in) };
	const char *text;

	v.integer = carb_wire_get_i64(in);
	v.real = carb_wire_get_f64(in);
	text = carb_wire_get_bytes(in, &v.text_len);
	if (in->bad)
		return -1;
	if (i >= o->ncolumns)
		return bad(why, "set column number %u of %zu", i, o->ncolumns);
	v.type = p->columns[i].type;
	if (v.is_null) {
		text = NULL;
		v.text_len = 0;
	} else if (v.type == CARB_PLUGIN_TEXT &&
		   (text == NULL || !carb_plugin_utf8_valid(
			(const unsigned char *)text, v.text_len))) {
		return bad(why, "set column \"%s\" to text that is not UTF-8"
			   " without NUL", p->columns[i].name);
	} else if (v.type == CARB_PLUGIN_TEXT && v.text_len > p->max_value_bytes) {
		return bad(why, "set column \"%s\" to %zu bytes of text, more"
			   " than [plugins] max_value_bytes (%llu)",
			   p->columns[i].name, v.text_len,
			   (unsigned long long)p->max_value_bytes);
	} else if (v.type == CARB_PLUGIN_REAL && !isfinite(v.real)) {
		return bad(why, "set column \"%s\" to a value that is not a"
			   " finite number", p->columns[i].name);
	}
	if (v.type == CARB_PLUGIN_BOOLEAN)
		v.integer = v.integer != 0;
	free((char *)o->values[i].text);
	o->values[i] = v;
	o->values[i].text = v.type == CARB_PLUGIN_TEXT && text != NULL
		? carb_xstrndup(text, v.text_len) : NULL;
	if (o->values[i].text == NULL)
		o->values[i].text_len = 0;
	o->set[i] = true;
	return 0;
}

static char *printable_reason(const char *s, size_t len)
{
	char *r = carb_xstrndup(s, len < REASON_MAX ? len : REASON_MAX);

	for (char *c = r; *c != '\0'; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = ' ';
	return r;
}

static int get_names(struct carb_wire_in *in, struct carb_plugin_outcome *o,
		     char **why)
{
	size_t dlen, klen, rlen;
	const char *dest = carb_wire_get_bytes(in, &dlen);
	const char *key = carb_wire_get_bytes(in, &klen);
	const char *reason = carb_wire_get_bytes(in, &rlen);

	if (in->bad)
		return -1;
	if (dest != NULL && (dlen == 0 || memchr(dest, '\0', dlen) != NULL))
		return bad(why, "named an empty destination or one with NUL");
	if (key != NULL && (klen == 0 || memchr(key, '/', klen) != NULL ||
			    memchr(key, '\0', klen) != NULL))
		return bad(why, "gave a group key that is empty or holds"
			   " \"/\" or NUL");
	o->destination = dest ? carb_xstrndup(dest, dlen) : NULL;
	o->group_key = key ? carb_xstrndup(key, klen) : NULL;
	o->group_key_len = key ? klen : 0;
	o->reason = reason ? printable_reason(reason, rlen) : NULL;
	return 0;
}

int carb_wire_get_outcome(struct carb_wire_in *in,
			  const struct carb_plugin_rt *p,
			  struct carb_plugin_outcome *o, char **why)
{
	uint32_t nset = carb_wire_get_u32(in);

	int rc = 0;

	*why = NULL;
	for (uint32_t k = 0; k < nset && rc == 0; k++)
		rc = get_value(in, p, o, why);
	if (rc == 0)
		rc = get_names(in, o, why);
	if (rc < 0 && *why == NULL)
		return bad(why, "sent a malformed reply");
	return rc;
}

void carb_wire_put_call(struct carb_buf *b, enum carb_plugin_kind k,
			const char *fname, const struct carb_plugin_group *g,
			const struct carb_plugin_outcome *o)
{
	carb_wire_u8(b, (uint8_t)k);
	carb_wire_str(b, fname);
	carb_wire_str(b, g->watch);
	carb_wire_bytes(b, g->key, g->key_len);
	carb_wire_u32(b, (uint32_t)g->nmembers);
	for (size_t i = 0; i < g->nmembers; i++) {
		const struct carb_plugin_member *m = &g->members[i];

		carb_wire_bytes(b, m->rel_path, m->rel_len);
		carb_wire_bytes(b, m->extension, m->ext_len);
		carb_wire_i64(b, m->size);
		carb_wire_str(b, m->content_hash);
	}
	carb_wire_put_outcome(b, o);
}

void carb_wire_call_release(struct carb_wire_call *c)
{
	for (size_t i = 0; i < c->g.nmembers; i++) {
		free((char *)c->members[i].rel_path);
		free((char *)c->members[i].extension);
		free((char *)c->members[i].content_hash);
	}
	free(c->members);
	free(c->fname);
	free(c->watch);
	free(c->key);
	carb_plugin_outcome_release(&c->o);
	memset(c, 0, sizeof(*c));
}

static char *get_copy(struct carb_wire_in *in, size_t *len)
{
	const char *s = carb_wire_get_bytes(in, len);

	return s ? carb_xstrndup(s, *len) : carb_xstrdup("");
}

int carb_wire_get_call(struct carb_wire_in *in, const struct carb_plugin_rt *p,
		       struct carb_wire_call *c, char **why)
{
	uint32_t n;

	memset(c, 0, sizeof(*c));
	c->kind = (enum carb_plugin_kind)carb_wire_get_u8(in);
	c->fname = carb_wire_get_str(in);
	c->watch = carb_wire_get_str(in);
	c->key = get_copy(in, &c->g.key_len);
	n = carb_wire_get_u32(in);
	if (!in->bad && n > in->left)
		in->bad = true;  /* each member takes bytes: n is a lie */
	c->members = carb_xcalloc(in->bad || n == 0 ? 1 : n, sizeof(*c->members));
	for (uint32_t i = 0; i < n && !in->bad; i++) {
		struct carb_plugin_member *m = &c->members[i];

		m->rel_path = get_copy(in, &m->rel_len);
		m->extension = get_copy(in, &m->ext_len);
		m->size = carb_wire_get_i64(in);
		m->content_hash = carb_wire_get_str(in);
		c->g.nmembers = i + 1;
	}
	c->g.watch = c->watch ? c->watch : "";
	c->g.key = c->key;
	c->g.members = c->members;
	c->g.dirfd = -1;
	carb_plugin_outcome_init(p, &c->o);
	if (in->bad)
		return bad(why, "a malformed call");
	return carb_wire_get_outcome(in, p, &c->o, why);
}
