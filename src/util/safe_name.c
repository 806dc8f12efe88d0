/* File names for people, for JSON and for metric labels: bytes that
 * could forge a line or break a terminal are shown as \xNN; JSON gets
 * \u00NN, since it has no way to carry a byte that is not UTF-8 (and a
 * JSON library, the character U+00NN itself); a metric label, which must
 * be UTF-8 too, the text \xNN. */
#include "util/util.h"

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 if none;
 * *cp_out receives the code point. */
static size_t utf8_decode(const unsigned char *s, size_t n, unsigned *cp_out)
{
	size_t len;
	unsigned cp;

	if (s[0] < 0xC2 || s[0] > 0xF4)
		return 0;
	len = s[0] < 0xE0 ? 2 : s[0] < 0xF0 ? 3 : 4;
	if (len > n)
		return 0;
	cp = s[0] & (0x7F >> len);
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	*cp_out = cp;
	return len;
}

/* For a terminal, C1 controls (U+0080..U+009F) are as dangerous as C0. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	unsigned cp;
	size_t len = utf8_decode(s, n, &cp);

	return len > 0 && cp >= 0xA0 ? len : 0;
}

void carb_buf_add_safe_name(struct carb_buf *out, const char *name,
			    size_t len)
{
	const unsigned char *s = (const unsigned char *)name;
	size_t i = 0;

	while (i < len) {
		size_t n;

		if (s[i] >= 0x20 && s[i] < 0x7F && s[i] != '\\') {
			carb_buf_addc(out, (char)s[i++]);
		} else if (s[i] >= 0x80 && (n = utf8_seq(s + i, len - i)) > 0) {
			carb_buf_add(out, s + i, n);
			i += n;
		} else {
			carb_buf_addf(out, "\\x%02x", s[i++]);
		}
	}
}

void carb_buf_add_json_string(struct carb_buf *out, const char *s,
			      size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned cp;
	size_t i = 0, n;

	carb_buf_addc(out, '"');
	while (i < len) {
		if (u[i] == '"' || u[i] == '\\') {
			carb_buf_addc(out, '\\');
			carb_buf_addc(out, (char)u[i++]);
		} else if (u[i] >= 0x20 && u[i] < 0x80) {
			carb_buf_addc(out, (char)u[i++]);
		} else if (u[i] >= 0x80 &&
			   (n = utf8_decode(u + i, len - i, &cp)) > 0) {
			carb_buf_add(out, u + i, n);
			i += n;
		} else {
			carb_buf_addf(out, "\\u%04x", u[i++]);
		}
	}
	carb_buf_addc(out, '"');
}

void carb_buf_add_utf8_lossless(struct carb_buf *out, const char *s,
				size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned cp;
	size_t i = 0, n;

	while (i < len) {
		if (u[i] < 0x80) {
			carb_buf_addc(out, (char)u[i++]);
		} else if ((n = utf8_decode(u + i, len - i, &cp)) > 0) {
			carb_buf_add(out, u + i, n);
			i += n;
		} else {
			/* U+0080..U+00FF in UTF-8: two bytes */
			carb_buf_addc(out, (char)(0xC0 | (u[i] >> 6)));
			carb_buf_addc(out, (char)(0x80 | (u[i++] & 0x3F)));
		}
	}
}

void carb_buf_add_metric_label(struct carb_buf *out, const char *s,
			       size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned cp;
	size_t i = 0, n;

	while (i < len) {
		if (u[i] == '"' || u[i] == '\\') {
			carb_buf_addc(out, '\\');
			carb_buf_addc(out, (char)u[i++]);
		} else if (u[i] == '\n') {
			carb_buf_adds(out, "\\n");
			i++;
		} else if (u[i] < 0x80) {
			carb_buf_addc(out, (char)u[i++]);
		} else if ((n = utf8_decode(u + i, len - i, &cp)) > 0) {
			carb_buf_add(out, u + i, n);
			i += n;
		} else {
			carb_buf_addf(out, "\\\\x%02x", u[i++]);
		}
	}
}
