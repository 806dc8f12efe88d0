/* Path templates: "{watch}/{yyyy}/{mm}/{dd}" becomes a relative folder
 * under archive.base_path.  Values come from file names and, later, from
 * plugins, so the rendered path is checked segment by segment: this is
 * the first guard that keeps writes inside base_path (the second is
 * RESOLVE_BENEATH when the folders are opened). */
#include <string.h>

#include "archive/archive.h"

/* Appends val to raw percent-encoded: all but A-Z a-z 0-9 - . _ ~. */
static void add_escaped(struct carb_buf *raw, const char *val)
{
	static const char hex[] = "0123456789ABCDEF";

	for (const unsigned char *p = (const unsigned char *)val; *p; p++) {
		char e[3] = { '%', hex[*p >> 4], hex[*p & 15] };

		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~", *p) != NULL)
			carb_buf_add(raw, (const char *)p, 1);
		else
			carb_buf_add(raw, e, 3);
	}
}

/* Appends the rendered text of tmpl (variables replaced, escaped when
 * escape) to raw. */
static int expand(const char *tmpl, carb_template_lookup lookup, void *ctx,
		  bool escape, struct carb_buf *raw, struct carb_error *err)
{
	const char *p = tmpl;

	while (*p != '\0') {
		const char *close, *val;

		if ((p[0] == '{' && p[1] == '{') || (p[0] == '}' && p[1] == '}')) {
			carb_buf_add(raw, p, 1);
			p += 2;
			continue;
		}
		if (*p != '{') {
			carb_buf_add(raw, p++, 1);
			continue;
		}
		close = strchr(p, '}');
		if (close == NULL)
			return carb_error_set(err, "template \"%s\": \"{\" without \"}\"",
					      tmpl);
		val = lookup(ctx, p + 1, (size_t)(close - p - 1));
		if (val == NULL)
			return carb_error_set(err, "template \"%s\": unknown variable \"%.*s\"",
					      tmpl, (int)(close - p - 1), p + 1);
		if (escape)
			add_escaped(raw, val);
		else
			carb_buf_adds(raw, val);
		p = close + 1;
	}
	return 0;
}

/* Copies raw into out segment by segment, refusing what could climb out
 * of base_path or name something else than a folder below it. */
static int check_segments(const char *tmpl, const struct carb_buf *raw,
			  struct carb_buf *out, struct carb_error *err)
{
	const char *p = raw->data, *end = raw->data + raw->len;
	struct carb_buf shown;
	int rc = 0;

	carb_buf_init(&shown);
	carb_buf_add_safe_name(&shown, raw->data, raw->len);
	if (memchr(raw->data, '\0', raw->len) != NULL)
		rc = carb_error_set(err, "template \"%s\" rendered \"%s\", which holds a NUL byte",
				    tmpl, shown.data);
	while (rc == 0 && p < end) {
		const char *slash = memchr(p, '/', (size_t)(end - p));
		size_t n = (size_t)((slash ? slash : end) - p);

		if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			rc = carb_error_set(err, "template \"%s\" rendered \"%s\", whose \"%.*s\" would leave its place under archive.base_path",
					    tmpl, shown.data, (int)n, p);
		else if (n > 0) {
			if (out->len > 0)
				carb_buf_add(out, "/", 1);
			carb_buf_add(out, p, n);
		}
		p += n + (slash != NULL);
	}
	if (rc == 0 && out->len == 0)
		rc = carb_error_set(err, "template \"%s\" rendered an empty path",
				    tmpl);
	carb_buf_release(&shown);
	return rc;
}

int carb_template_render(const char *tmpl, carb_template_lookup lookup,
			 void *ctx, struct carb_buf *out,
			 struct carb_error *err)
{
	struct carb_buf raw;
	int rc;

	carb_buf_init(&raw);
	rc = expand(tmpl, lookup, ctx, false, &raw, err);
	if (rc == 0)
		rc = check_segments(tmpl, &raw, out, err);
	carb_buf_release(&raw);
	return rc;
}

int carb_template_render_url(const char *tmpl, carb_template_lookup lookup,
			     void *ctx, struct carb_buf *out,
			     struct carb_error *err)
{
	return expand(tmpl, lookup, ctx, true, out, err);
}
