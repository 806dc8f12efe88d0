/* Content digests and checksum sidecars (see checksum.h). */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <xxhash.h>

#include "pipeline/checksum.h"

/* Big enough that a large file costs few read() calls, small enough for
 * many workers at once. */
#define READ_CHUNK (64 * 1024)
/* How much of an offending value a message quotes: a whole SHA-256 line
 * with a short name. */
#define QUOTE_MAX 96

struct algo_info {
	const char *name;
	const char *tag;        /* the BSD tag, as BSD tools write it */
	size_t hex_len;
	const EVP_MD *(*md)(void);
};

static const struct algo_info algos[CARB_DIGEST_COUNT] = {
	[CARB_DIGEST_SHA256] = { "sha256", "SHA256", 64, EVP_sha256 },
	[CARB_DIGEST_SHA1] = { "sha1", "SHA1", 40, EVP_sha1 },
	[CARB_DIGEST_MD5] = { "md5", "MD5", 32, EVP_md5 },
};

static bool algo_valid(int a)
{
	return a >= 0 && a < CARB_DIGEST_COUNT;
}

const char *carb_digest_algo_name(enum carb_digest_algo a)
{
	return algo_valid((int)a) ? algos[a].name : "unknown";
}

size_t carb_digest_hex_len(enum carb_digest_algo a)
{
	return algo_valid((int)a) ? algos[a].hex_len : 0;
}

int carb_digest_algo_from_name(const char *file_name, size_t len)
{
	for (int a = 0; a < CARB_DIGEST_COUNT; a++) {
		size_t n = strlen(algos[a].name);

		/* "NAME.ext" with a non-empty NAME: ".sha256" alone vouches
		 * for no file. */
		if (len > n + 1 && file_name[len - n - 1] == '.' &&
		    strncasecmp(file_name + len - n, algos[a].name, n) == 0)
			return a;
	}
	return -1;
}

/* --- digests --- */

/* OpenSSL's own reason, so that a FIPS-only libcrypto refusing MD5 says
 * so; the queue is per thread and cleared so that it cannot grow. */
static int ssl_error(struct carb_error *err, const char *what, int a)
{
	char reason[256];
	unsigned long e = ERR_get_error();

	ERR_clear_error();
	if (e == 0)
		return carb_error_set(err, "cannot %s %s digest", what,
				      algos[a].name);
	ERR_error_string_n(e, reason, sizeof(reason));
	return carb_error_set(err, "cannot %s %s digest: %s", what,
			      algos[a].name, reason);
}

static int start_digests(EVP_MD_CTX *ctx[CARB_DIGEST_COUNT], unsigned mask,
			 struct carb_error *err)
{
	for (int a = 0; a < CARB_DIGEST_COUNT; a++) {
		if (!(mask & (1u << a)))
			continue;
		ctx[a] = EVP_MD_CTX_new();
		if (ctx[a] == NULL ||
		    EVP_DigestInit_ex(ctx[a], algos[a].md(), NULL) != 1)
			return ssl_error(err, "start", a);
	}
	return 0;
}

static int update_digests(EVP_MD_CTX *ctx[CARB_DIGEST_COUNT],
			  const void *data, size_t n, struct carb_error *err)
{
	for (int a = 0; a < CARB_DIGEST_COUNT; a++)
		if (ctx[a] != NULL && EVP_DigestUpdate(ctx[a], data, n) != 1)
			return ssl_error(err, "update", a);
	return 0;
}

static void to_hex(const unsigned char *md, unsigned n, char *hex)
{
	static const char digits[] = "0123456789abcdef";

	for (unsigned i = 0; i < n; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 0xf];
	}
	hex[2 * n] = '\0';
}

static int finish_digests(EVP_MD_CTX *ctx[CARB_DIGEST_COUNT],
			  char hex_out[CARB_DIGEST_COUNT][129],
			  struct carb_error *err)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len;

	for (int a = 0; a < CARB_DIGEST_COUNT; a++) {
		if (ctx[a] == NULL)
			continue;
		if (EVP_DigestFinal_ex(ctx[a], md, &md_len) != 1)
			return ssl_error(err, "finish", a);
		to_hex(md, md_len, hex_out[a]);
	}
	return 0;
}

/* strerror's text in the message grammar's lower case. */
static int read_error(struct carb_error *err, int e)
{
	char msg[256];

	snprintf(msg, sizeof(msg), "%s", strerror(e));
	if (msg[0] >= 'A' && msg[0] <= 'Z' && !(msg[1] >= 'A' && msg[1] <= 'Z'))
		msg[0] = (char)(msg[0] - 'A' + 'a');
	return carb_error_set(err, "read error: %s", msg);
}

/* The digests of one read pass: OpenSSL's, and xxh128 when xxh is not
 * NULL.  One struct so that every buffer read feeds all of them. */
struct digests {
	EVP_MD_CTX *ctx[CARB_DIGEST_COUNT];
	XXH3_state_t *xxh;
};

/* Feeds fd to EOF into every started digest.  The buffer is on the heap
 * because workers' stacks need not be large. */
static int digest_stream(int fd, struct digests *d, uint64_t *size,
			 struct carb_error *err)
{
	unsigned char *buf = carb_xmalloc(READ_CHUNK);
	int rc = 0;

	for (;;) {
		ssize_t r = read(fd, buf, READ_CHUNK);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			rc = read_error(err, errno);
		if (r <= 0)
			break;
		rc = update_digests(d->ctx, buf, (size_t)r, err);
		if (rc == 0 && d->xxh != NULL &&
		    XXH3_128bits_update(d->xxh, buf, (size_t)r) != XXH_OK)
			rc = carb_error_set(err, "cannot update xxh128 digest");
		if (rc < 0)
			break;
		*size += (uint64_t)r;
	}
	free(buf);
	return rc;
}

/* xxhsum prints the canonical (big-endian) form: so does the catalog,
 * so that `xxhsum -H2` output can be searched for as it is. */
static void xxh128_hex(XXH3_state_t *xxh, char *out)
{
	XXH128_canonical_t canon;

	XXH128_canonicalFromHash(&canon, XXH3_128bits_digest(xxh));
	to_hex(canon.digest, sizeof(canon.digest), out);
}

static int start_xxh128(struct digests *d, struct carb_error *err)
{
	d->xxh = XXH3_createState();
	if (d->xxh == NULL || XXH3_128bits_reset(d->xxh) != XXH_OK)
		return carb_error_set(err, "cannot start xxh128 digest");
	return 0;
}

int carb_digest_fd(int fd, unsigned extra_mask,
		   char hex_out[CARB_DIGEST_COUNT][129], char *xxh128_out,
		   uint64_t *size_out, struct carb_error *err)
{
	struct digests d = { .ctx = { NULL }, .xxh = NULL };
	unsigned all = (1u << CARB_DIGEST_COUNT) - 1;
	unsigned mask = (extra_mask | (1u << CARB_DIGEST_SHA256)) & all;
	uint64_t size = 0;
	int rc;

	rc = start_digests(d.ctx, mask, err);
	if (rc == 0 && xxh128_out != NULL)
		rc = start_xxh128(&d, err);
	if (rc == 0)
		rc = digest_stream(fd, &d, &size, err);
	/* Cleared first so that a failure leaves no half-filled result. */
	for (int a = 0; a < CARB_DIGEST_COUNT; a++)
		hex_out[a][0] = '\0';
	if (xxh128_out != NULL)
		xxh128_out[0] = '\0';
	if (rc == 0)
		rc = finish_digests(d.ctx, hex_out, err);
	if (rc == 0 && xxh128_out != NULL)
		xxh128_hex(d.xxh, xxh128_out);
	for (int a = 0; a < CARB_DIGEST_COUNT; a++)
		EVP_MD_CTX_free(d.ctx[a]);
	XXH3_freeState(d.xxh);
	if (rc < 0) {
		for (int a = 0; a < CARB_DIGEST_COUNT; a++)
			hex_out[a][0] = '\0';
		if (xxh128_out != NULL)
			xxh128_out[0] = '\0';
		return -1;
	}
	if (size_out != NULL)
		*size_out = size;
	return 0;
}

/* --- sidecars --- */

struct parser {
	const char *display;
	int default_algo;
	bool allow_bare;
	size_t line_no;
	const char *line;       /* the current line, for messages */
	size_t line_len;
	size_t bare_line;       /* where the bare hash was; 0 when none */
	size_t cap;
	struct carb_sidecar *out;
	struct carb_error *err;
};

static int line_error(const struct parser *ps, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int line_error(const struct parser *ps, const char *fmt, ...)
{
	char what[CARB_ERROR_MAX];
	int line = ps->line_no > INT_MAX ? 0 : (int)ps->line_no;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return carb_error_set_at(ps->err, line, 0, "sidecar %s: line %zu: %s",
				 ps->display, ps->line_no, what);
}

/* A value fit for a message: control characters shown as '?', cut short
 * (never inside a UTF-8 sequence) so that a huge line stays readable. */
static const char *quote(const char *p, size_t len, char buf[QUOTE_MAX + 4])
{
	size_t n = len;

	if (n > QUOTE_MAX) {
		n = QUOTE_MAX;
		while (n > 0 && ((unsigned char)p[n] & 0xc0) == 0x80)
			n--;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		buf[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	strcpy(buf + n, n < len ? "..." : "");
	return buf;
}

static int malformed(const struct parser *ps)
{
	char q[QUOTE_MAX + 4];

	return line_error(ps, "malformed line \"%s\" (expected \"HEX  NAME\", "
			  "\"HEX *NAME\" or \"SHA256 (NAME) = HEX\")",
			  quote(ps->line, ps->line_len, q));
}

/* Locale-free, unlike isxdigit and tolower. */
static bool is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	       (c >= 'A' && c <= 'F');
}

static bool all_hex(const char *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!is_hex(p[i]))
			return false;
	return true;
}

static int algo_from_hex_len(size_t len)
{
	for (int a = 0; a < CARB_DIGEST_COUNT; a++)
		if (algos[a].hex_len == len)
			return a;
	return -1;
}

/* Checks the hash and stores it lower-cased.  algo is what the file or
 * the BSD tag says, or -1 to go by the hash's length. */
static int take_hex(const struct parser *ps, const char *hex, size_t len,
		    int algo, struct carb_sidecar_entry *e)
{
	char q[QUOTE_MAX + 4];

	if (!all_hex(hex, len))
		return line_error(ps, "hash \"%s\" has non-hex characters",
				  quote(hex, len, q));
	if (algo < 0)
		algo = algo_from_hex_len(len);
	if (algo < 0)
		return line_error(ps, "hash has %zu hex digits, expected 64 "
				  "(sha256), 40 (sha1) or 32 (md5)", len);
	if (len != algos[algo].hex_len)
		return line_error(ps, "hash has %zu hex digits, %s needs %zu",
				  len, algos[algo].name, algos[algo].hex_len);
	for (size_t i = 0; i < len; i++)
		e->hex[i] = (hex[i] >= 'A' && hex[i] <= 'F') ?
			    (char)(hex[i] - 'A' + 'a') : hex[i];
	e->hex[len] = '\0';
	e->algo = (enum carb_digest_algo)algo;
	return 0;
}

/* sha256sum's escapes; "\r" too, which newer coreutils write. */
static char unescape(char c)
{
	switch (c) {
	case '\\':
		return '\\';
	case 'n':
		return '\n';
	case 'r':
		return '\r';
	default:
		return '\0';
	}
}

static int take_name(const struct parser *ps, const char *p, size_t len,
		     bool escaped, struct carb_sidecar_entry *e)
{
	char *name = carb_xmalloc(len + 1);
	char q[QUOTE_MAX + 4];
	size_t n = 0;

	/* '\0' cannot be a name's: NUL bytes were refused already. */
	for (size_t i = 0; i < len; i++) {
		char c = p[i];

		if (escaped && c == '\\')
			c = ++i < len ? unescape(p[i]) : '\0';
		if (c == '\0') {
			free(name);
			return line_error(ps, "bad escape in name \"%s\"",
					  quote(p, len, q));
		}
		name[n++] = c;
	}
	name[n] = '\0';
	e->name = name;
	e->name_len = n;
	return 0;
}

/* "HEX  NAME" or "HEX *NAME": exactly one separator character after the
 * space, as sha256sum writes it; whatever follows is the name, spaces
 * and leading dashes included. */
static int parse_gnu(const struct parser *ps, const char *p, size_t len,
		     bool escaped, struct carb_sidecar_entry *e)
{
	const char *sp = memchr(p, ' ', len);
	size_t hex_len;

	if (sp == NULL)
		return malformed(ps);
	hex_len = (size_t)(sp - p);
	if (hex_len == 0 || hex_len + 2 >= len ||
	    (sp[1] != ' ' && sp[1] != '*'))
		return malformed(ps);
	if (take_hex(ps, p, hex_len, ps->default_algo, e) < 0)
		return -1;
	return take_name(ps, sp + 2, len - hex_len - 2, escaped, e);
}

/* The algorithm whose "TAG (" opens p, or -1; *skip is its length. */
static int bsd_tag(const char *p, size_t len, size_t *skip)
{
	for (int a = 0; a < CARB_DIGEST_COUNT; a++) {
		size_t n = strlen(algos[a].tag);

		if (len > n + 2 && memcmp(p, algos[a].tag, n) == 0 &&
		    p[n] == ' ' && p[n + 1] == '(') {
			*skip = n + 2;
			return a;
		}
	}
	return -1;
}

/* The last ") = " in p[0..len): a name may hold one itself, the hash
 * cannot. */
static const char *bsd_separator(const char *p, size_t len)
{
	for (size_t i = len; i >= 4; i--)
		if (memcmp(p + i - 4, ") = ", 4) == 0)
			return p + i - 4;
	return NULL;
}

static size_t trim_blanks(const char *p, size_t len)
{
	while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
		len--;
	return len;
}

/* "SHA256 (NAME) = HEX". */
static int parse_bsd(const struct parser *ps, const char *p, size_t len,
		     int algo, size_t skip, bool escaped,
		     struct carb_sidecar_entry *e)
{
	const char *name = p + skip;
	const char *sep = bsd_separator(name, len - skip);
	const char *hex;

	if (sep == NULL || sep == name)
		return malformed(ps);
	if (ps->default_algo >= 0 && algo != ps->default_algo)
		return line_error(ps, "BSD tag \"%s\" in a %s sidecar, "
				  "expected \"%s\"", algos[algo].tag,
				  algos[ps->default_algo].name,
				  algos[ps->default_algo].tag);
	hex = sep + 4;
	if (take_hex(ps, hex, trim_blanks(hex, (size_t)(p + len - hex)), algo,
		     e) < 0)
		return -1;
	return take_name(ps, name, (size_t)(sep - name), escaped, e);
}

/* A lone hash: the whole of a NAME.<algo> sidecar, naming no file. */
static int parse_bare(const struct parser *ps, const char *p, size_t len,
		      bool escaped, struct carb_sidecar_entry *e)
{
	if (escaped)
		return malformed(ps);
	if (!ps->allow_bare) {
		if (!all_hex(p, len))
			return malformed(ps);
		return line_error(ps, "bare hash without a file name; only "
				  "NAME.sha256, NAME.sha1 and NAME.md5 may "
				  "hold one");
	}
	return take_hex(ps, p, len, ps->default_algo, e);
}

/* A bare hash stands for the sidecar's own file, so it must be alone:
 * beside named entries it would be ambiguous. */
static int add_entry(struct parser *ps, struct carb_sidecar_entry *e)
{
	struct carb_sidecar *sc = ps->out;

	if (ps->bare_line != 0 || (e->name == NULL && sc->count > 0)) {
		free(e->name);
		return line_error(ps, "a bare hash must be the only entry");
	}
	if (e->name == NULL)
		ps->bare_line = ps->line_no;
	if (sc->count == ps->cap) {
		ps->cap = ps->cap ? 2 * ps->cap : 4;
		sc->entries = carb_xrealloc(sc->entries,
					    ps->cap * sizeof(*sc->entries));
	}
	sc->entries[sc->count++] = *e;
	return 0;
}

static int parse_line(struct parser *ps, const char *p, size_t len)
{
	struct carb_sidecar_entry e = { .name = NULL };
	bool escaped = false;
	size_t skip, trimmed;
	int algo, rc;

	if (memchr(p, '\0', len) != NULL)
		return line_error(ps, "NUL byte");
	while (len > 0 && (*p == ' ' || *p == '\t')) {
		p++;
		len--;
	}
	if (len == 0 || *p == '#')
		return 0;
	ps->line = p;
	ps->line_len = len;
	if (*p == '\\') {
		escaped = true;
		p++;
		len--;
	}
	algo = bsd_tag(p, len, &skip);
	trimmed = trim_blanks(p, len);
	if (algo >= 0)
		rc = parse_bsd(ps, p, len, algo, skip, escaped, &e);
	else if (memchr(p, ' ', trimmed) || memchr(p, '\t', trimmed))
		rc = parse_gnu(ps, p, len, escaped, &e);
	else
		rc = parse_bare(ps, p, trimmed, escaped, &e);
	if (rc < 0)
		return -1;
	return add_entry(ps, &e);
}

int carb_sidecar_parse(const char *text, size_t len, const char *display_name,
		       int default_algo, bool allow_bare,
		       struct carb_sidecar *out, struct carb_error *err)
{
	struct parser ps = {
		.display = display_name, .default_algo = default_algo,
		.allow_bare = allow_bare, .out = out, .err = err,
	};
	size_t pos = 0;

	out->entries = NULL;
	out->count = 0;
	if (default_algo >= CARB_DIGEST_COUNT || default_algo < -1)
		return carb_error_set(err, "sidecar %s: unknown algorithm %d",
				      display_name, default_algo);
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t end = nl != NULL ? (size_t)(nl - text) : len;
		size_t n = end - pos;

		ps.line_no++;
		if (n > 0 && text[pos + n - 1] == '\r')
			n--;
		if (parse_line(&ps, text + pos, n) < 0) {
			carb_sidecar_release(out);
			return -1;
		}
		pos = end + 1;
	}
	if (out->count == 0)
		return carb_error_set(err, "sidecar %s: no checksum in it",
				      display_name);
	return 0;
}

void carb_sidecar_release(struct carb_sidecar *sc)
{
	if (sc == NULL)
		return;
	for (size_t i = 0; i < sc->count; i++)
		free(sc->entries[i].name);
	free(sc->entries);
	sc->entries = NULL;
	sc->count = 0;
}

static bool same_name(const struct carb_sidecar_entry *e, const char *name,
		      size_t name_len)
{
	if (e->name_len == name_len && memcmp(e->name, name, name_len) == 0)
		return true;
	return e->name_len == name_len + 2 && memcmp(e->name, "./", 2) == 0 &&
	       memcmp(e->name + 2, name, name_len) == 0;
}

static bool same_last_component(const struct carb_sidecar_entry *e,
				const char *name, size_t name_len)
{
	size_t i = e->name_len;

	while (i > 0 && e->name[i - 1] != '/')
		i--;
	/* "dir/" names no file, and an empty name is no file either */
	if (i == 0 || name_len == 0)
		return false;
	return e->name_len - i == name_len &&
	       memcmp(e->name + i, name, name_len) == 0;
}

const struct carb_sidecar_entry *
carb_sidecar_find(const struct carb_sidecar *sc, const char *name,
		  size_t name_len)
{
	for (size_t i = 0; i < sc->count; i++) {
		const struct carb_sidecar_entry *e = &sc->entries[i];

		if (e->name == NULL || same_name(e, name, name_len))
			return e;
	}
	for (size_t i = 0; i < sc->count; i++)
		if (same_last_component(&sc->entries[i], name, name_len))
			return &sc->entries[i];
	return NULL;
}
