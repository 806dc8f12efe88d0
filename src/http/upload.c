/* PUT /upload/WATCH/NAME, and what the form (upload_form.c) shares with
 * it: a body becomes a file in a watch's folder whole or not at all.
 *
 * The body goes to a temporary name intake never takes (CARB_TMP_PREFIX,
 * whatever the watch's exclude says), is hashed as it streams in, checked
 * against a digest header, fsync'd, then renamed to its name without
 * replacing anything: so intake only ever sees a whole file, and two
 * uploads of one name cannot overwrite each other. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "http/http_internal.h"
#include "report/report.h"
#include "pipeline/pipeline.h"

/* After a refusal (413 on a chunked body that grew too long) the rest of
 * the body is read and dropped so the client hears why; a client that
 * keeps sending past this much more is cut off instead. */
#define DROP_MAX (16u << 20)
/* How long an answer waits for intake to record the file (bounded by the
 * watch's settle time plus a little): long enough for a fast watch, and
 * no client waits long for an id it may not need. */
#define RECORD_WAIT_MS 3000
#define RECORD_POLL_MS 100
/* A temporary untouched this long belongs to no live upload (a
 * connection idle for 60 s is closed, and its temporary removed): it was
 * left by a process that died mid-upload. */
#define LEFTOVER_AGE_S 600

/* ---- the watches that take uploads -------------------------------------- */

static void copy_strings(struct carb_config_strings *dst,
			 const struct carb_config_strings *src)
{
	dst->count = src->count;
	dst->items = carb_xcalloc(src->count + 1, sizeof(*dst->items));
	for (size_t i = 0; i < src->count; i++)
		dst->items[i] = carb_xstrdup(src->items[i]);
}

static void free_strings(struct carb_config_strings *s)
{
	for (size_t i = 0; i < s->count; i++)
		free(s->items[i]);
	free(s->items);
}

/* Removes what uploads of a process that died left in the folder of w:
 * only temporaries of uploads, and only old ones, so an upload of
 * another process (a second listener on the same watch) is never cut. */
static void sweep_leftovers(const struct carb_watch_config *w)
{
	static const char prefix[] = CARB_TMP_PREFIX "upload-";
	DIR *d = opendir(w->path);
	struct dirent *de;
	struct stat st;
	size_t removed = 0;
	time_t now = time(NULL);

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, prefix, sizeof(prefix) - 1) != 0 ||
		    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
		    !S_ISREG(st.st_mode) || now - st.st_mtime < LEFTOVER_AGE_S)
			continue;
		removed += unlinkat(dirfd(d), de->d_name, 0) == 0;
	}
	closedir(d);
	if (removed > 0)
		carb_log(CARB_LOGL_INFO, "watch \"%s\": removed %zu unfinished"
			 " upload%s an earlier process left", w->name, removed,
			 removed == 1 ? "" : "s");
}

void carb_http_uploads_open(struct carb_http *h)
{
	const struct carb_http_config *hc = carb_config_http(h->deps.cfg);

	h->uploads = carb_xcalloc(hc->upload_watches.count + 1,
				  sizeof(*h->uploads));
	for (size_t i = 0; i < hc->upload_watches.count; i++) {
		const struct carb_watch_config *w =
			carb_config_watch_find(h->deps.cfg,
					       hc->upload_watches.items[i]);
		struct carb_http_upload_watch *uw = &h->uploads[h->nuploads];

		if (w == NULL)          /* check config refuses it */
			continue;
		uw->cfg = *w;
		copy_strings(&uw->cfg.include, &w->include);
		copy_strings(&uw->cfg.exclude, &w->exclude);
		h->nuploads++;
		sweep_leftovers(w);
	}
}

void carb_http_uploads_free(struct carb_http *h)
{
	for (size_t i = 0; i < h->nuploads; i++) {
		free_strings(&h->uploads[i].cfg.include);
		free_strings(&h->uploads[i].cfg.exclude);
	}
	free(h->uploads);
	h->uploads = NULL;
	h->nuploads = 0;
}

static const struct carb_http_upload_watch *upload_watch(struct carb_http *h,
							 const char *name)
{
	for (size_t i = 0; i < h->nuploads; i++)
		if (strcmp(h->uploads[i].cfg.name, name) == 0)
			return &h->uploads[i];
	return NULL;
}

/* ---- digests ------------------------------------------------------------ */

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void to_hex(const unsigned char *md, char hex[65])
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < 32; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	hex[64] = '\0';
}

/* X-Content-SHA256: 64 hex digits. */
static int parse_hex_digest(const char *v, unsigned char out[32])
{
	while (*v == ' ' || *v == '\t')
		v++;
	for (size_t i = 0; i < 32; i++) {
		int hi = hex_value(v[2 * i]);
		int lo = hi < 0 ? -1 : hex_value(v[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	v += 64;
	while (*v == ' ' || *v == '\t')
		v++;
	return *v == '\0' ? 0 : -1;
}

/* Digest (RFC 3230): "sha-256=BASE64" among comma-separated entries;
 * others (md5=...) are not ours to check.  1 when found, 0 when absent,
 * -1 when the sha-256 entry is not 32 bytes of base64. */
static int parse_rfc3230(const char *v, unsigned char out[32])
{
	while (*v != '\0') {
		const char *end = strchr(v, ',');
		size_t len = end ? (size_t)(end - v) : strlen(v);

		while (len > 0 && (*v == ' ' || *v == '\t')) {
			v++;
			len--;
		}
		while (len > 0 && (v[len - 1] == ' ' || v[len - 1] == '\t'))
			len--;
		if (len > 8 && strncasecmp(v, "sha-256=", 8) == 0) {
			unsigned char buf[48];

			/* 32 bytes are 44 base64 characters, one '=' of
			 * padding, which EVP_DecodeBlock counts as a
			 * zero byte */
			if (len - 8 != 44 || v[8 + 43] != '=' || v[8 + 42] == '=' ||
			    EVP_DecodeBlock(buf, (const unsigned char *)v + 8,
					    44) != 33)
				return -1;
			memcpy(out, buf, 32);
			return 1;
		}
		v += len;
		while (*v == ' ' || *v == '\t' || *v == ',')
			v++;
	}
	return 0;
}

/* The SHA-256 the request announces, if any: both headers may be given,
 * and then must agree. */
static int announced_digest(struct MHD_Connection *c, struct carb_http_upload *u,
			    char *why, size_t why_size)
{
	const char *x = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						    "X-Content-SHA256");
	const char *d = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						    "Digest");
	unsigned char other[32];
	int found;

	if (x != NULL) {
		if (parse_hex_digest(x, u->want) < 0) {
			snprintf(why, why_size, "X-Content-SHA256: \"%.80s\" is"
				 " not 64 hex digits", x);
			return -1;
		}
		u->want_set = true;
	}
	if (d == NULL)
		return 0;
	found = parse_rfc3230(d, u->want_set ? other : u->want);
	if (found < 0) {
		snprintf(why, why_size, "Digest: \"%.80s\": its sha-256 is not"
			 " 32 bytes in base64", d);
		return -1;
	}
	if (found > 0 && u->want_set && memcmp(other, u->want, 32) != 0) {
		snprintf(why, why_size, "X-Content-SHA256 and Digest announce"
			 " different SHA-256s");
		return -1;
	}
	u->want_set = u->want_set || found > 0;
	return 0;
}

/* ---- the upload's life --------------------------------------------------- */

static void drop_temporary(struct carb_http_upload *u)
{
	if (u->fd >= 0) {
		close(u->fd);
		u->fd = -1;
	}
	if (u->tmp[0] != '\0') {
		unlinkat(u->dir_fd, u->tmp, 0);
		u->tmp[0] = '\0';
	}
}

static void upload_free(struct carb_http_upload *u)
{
	drop_temporary(u);
	if (u->pp != NULL)
		MHD_destroy_post_processor(u->pp);
	if (u->dir_fd >= 0)
		close(u->dir_fd);
	EVP_MD_CTX_free(u->md);
	free(u->name);
	free(u->why);
	free(u);
}

void carb_http_upload_end(struct carb_http_req *r)
{
	if (r->upload != NULL)
		upload_free(r->upload);
	r->upload = NULL;
}

void carb_http_upload_refuse(struct carb_http_upload *u, unsigned status,
			     const char *fmt, ...)
{
	va_list ap;
	char msg[512];

	drop_temporary(u);
	if (u->status != 0)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	u->status = status;
	u->why = carb_xstrdup(msg);
}

/* A full disk is the client's to know as such (507); other failures
 * to write are the server's. */
static void refuse_errno(struct carb_http_upload *u, int e, const char *what)
{
	carb_http_upload_refuse(u, e == ENOSPC || e == EDQUOT
				? MHD_HTTP_INSUFFICIENT_STORAGE
				: MHD_HTTP_INTERNAL_SERVER_ERROR,
				"watch \"%s\": %s: %s", u->uw->cfg.name, what,
				strerror(e));
}

static uint64_t declared_length(struct MHD_Connection *c, bool *given)
{
	const char *v = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						    MHD_HTTP_HEADER_CONTENT_LENGTH);
	char *end;
	unsigned long long n;

	*given = false;
	if (v == NULL)
		return 0;
	errno = 0;
	n = strtoull(v, &end, 10);
	if (errno != 0 || end == v || *end != '\0')
		return 0;               /* MHD has refused it already */
	*given = true;
	return n;
}

struct carb_http_upload *carb_http_upload_open(struct carb_http *h,
					       struct MHD_Connection *c,
					       const char *watch,
					       unsigned *status, char *why,
					       size_t why_size)
{
	const struct carb_http_config *hc = carb_config_http(h->deps.cfg);
	const struct carb_http_upload_watch *uw = upload_watch(h, watch);
	struct carb_http_upload *u;
	uint64_t len;
	bool given;

	if (uw == NULL) {
		bool known = carb_config_watch_find(h->deps.cfg, watch) != NULL;

		*status = known ? MHD_HTTP_FORBIDDEN : MHD_HTTP_NOT_FOUND;
		if (known)
			snprintf(why, why_size, "watch \"%s\" takes no uploads"
				 " (http.upload_watches)", watch);
		else
			snprintf(why, why_size, "no watch is named \"%.200s\"",
				 watch);
		return NULL;
	}
	len = declared_length(c, &given);
	if (given && len > hc->max_upload) {
		*status = MHD_HTTP_CONTENT_TOO_LARGE;
		snprintf(why, why_size, "the body has %llu bytes, more than"
			 " http.max_upload (%llu)", (unsigned long long)len,
			 (unsigned long long)hc->max_upload);
		return NULL;
	}
	u = carb_xcalloc(1, sizeof(*u));
	u->uw = uw;
	u->fd = -1;
	u->max = hc->max_upload;
	u->dir_fd = -1;
	if (announced_digest(c, u, why, why_size) < 0) {
		*status = MHD_HTTP_BAD_REQUEST;
		upload_free(u);
		return NULL;
	}
	u->md = EVP_MD_CTX_new();
	u->dir_fd = open(uw->cfg.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (u->md == NULL || EVP_DigestInit_ex(u->md, EVP_sha256(), NULL) != 1 ||
	    u->dir_fd < 0) {
		*status = MHD_HTTP_INTERNAL_SERVER_ERROR;
		snprintf(why, why_size, "watch \"%s\": %s: %s", watch,
			 uw->cfg.path, u->dir_fd < 0 ? strerror(errno)
			 : "SHA-256 is not available");
		upload_free(u);
		return NULL;
	}
	return u;
}

/* A fresh temporary name: random, so that a name left by a crash is
 * never met again, and never one a concurrent upload holds. */
static int create_temporary(struct carb_http_upload *u)
{
	for (int tries = 0; tries < 8; tries++) {
		unsigned char rnd[8];
		char hex[17];

		if (RAND_bytes(rnd, sizeof(rnd)) != 1)
			return -1;
		for (size_t i = 0; i < sizeof(rnd); i++)
			snprintf(hex + 2 * i, 3, "%02x", rnd[i]);
		snprintf(u->tmp, sizeof(u->tmp), CARB_TMP_PREFIX "upload-%s", hex);
		u->fd = openat(u->dir_fd, u->tmp, O_WRONLY | O_CREAT | O_EXCL |
			       O_NOFOLLOW | O_CLOEXEC, 0644);
		if (u->fd >= 0)
			return 0;
		u->tmp[0] = '\0';
		if (errno != EEXIST)
			return -1;
	}
	errno = EEXIST;
	return -1;
}

int carb_http_upload_name(struct carb_http_upload *u, const char *name,
			  size_t len)
{
	const char *bad = carb_name_invalid(name, len);
	struct carb_buf shown;

	if (bad != NULL) {
		carb_http_upload_refuse(u, MHD_HTTP_BAD_REQUEST,
					"file name: %s", bad);
		return -1;
	}
	u->name = carb_xstrndup(name, len);
	u->name_len = len;
	if (!carb_name_wanted(u->name, &u->uw->cfg)) {
		carb_buf_init(&shown);
		carb_buf_add_safe_name(&shown, name, len);
		if (carb_name_reserved(u->name))
			carb_http_upload_refuse(u, MHD_HTTP_UNPROCESSABLE_CONTENT,
						"\"%s\": names starting with "
						CARB_TMP_PREFIX " are carbonation's"
						" own; intake never takes them",
						shown.data);
		else
			carb_http_upload_refuse(u, MHD_HTTP_UNPROCESSABLE_CONTENT,
						"\"%s\": watch \"%s\" does not take"
						" this name (its include and exclude"
						" patterns); intake would never"
						" pick it up", shown.data,
						u->uw->cfg.name);
		carb_buf_release(&shown);
		return -1;
	}
	if (create_temporary(u) < 0) {
		refuse_errno(u, errno, "a temporary file");
		return -1;
	}
	return 0;
}

static int write_all(int fd, const char *data, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, data, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		data += w;
		n -= (size_t)w;
	}
	return 0;
}

bool carb_http_upload_write(struct carb_http_upload *u, const char *data,
			    size_t n)
{
	if (u->status == 0 && u->size + n > u->max)
		carb_http_upload_refuse(u, MHD_HTTP_CONTENT_TOO_LARGE,
					"the body grew past http.max_upload"
					" (%llu bytes)",
					(unsigned long long)u->max);
	if (u->status != 0 || u->fd < 0) {
		u->dropped += n;
		return u->dropped <= DROP_MAX;
	}
	if (write_all(u->fd, data, n) < 0) {
		refuse_errno(u, errno, "writing the upload");
		return true;
	}
	EVP_DigestUpdate(u->md, data, n);
	u->size += n;
	return true;
}

/* ---- placing the file --------------------------------------------------- */

static int sha256_fd(int fd, unsigned char md[32])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	char buf[65536];
	ssize_t n;
	int rc = -1;

	if (ctx == NULL || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
		goto out;
	while ((n = read(fd, buf, sizeof(buf))) > 0 ||
	       (n < 0 && errno == EINTR))
		if (n > 0)
			EVP_DigestUpdate(ctx, buf, (size_t)n);
	if (n == 0 && EVP_DigestFinal_ex(ctx, md, NULL) == 1)
		rc = 0;
out:
	EVP_MD_CTX_free(ctx);
	return rc;
}

/* Whether the file already at the name holds exactly the upload's bytes;
 * st receives its stat. */
static bool same_content(struct carb_http_upload *u, const unsigned char md[32],
			 struct stat *st)
{
	unsigned char theirs[32];
	int fd = openat(u->dir_fd, u->name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
			O_CLOEXEC);
	bool same;

	if (fd < 0)
		return false;
	same = fstat(fd, st) == 0 && S_ISREG(st->st_mode) &&
	       (uint64_t)st->st_size == u->size && sha256_fd(fd, theirs) == 0 &&
	       memcmp(theirs, md, 32) == 0;
	close(fd);
	return same;
}

/* Renames the temporary to the name, never over another file: 1 placed,
 * 0 the name was taken, -1 with errno.  A filesystem without
 * RENAME_NOREPLACE gets a hard link, which fails on an existing name
 * too, then the temporary's removal. */
static int place(struct carb_http_upload *u)
{
	if (renameat2(u->dir_fd, u->tmp, u->dir_fd, u->name,
		      RENAME_NOREPLACE) == 0) {
		u->tmp[0] = '\0';
		return 1;
	}
	if (errno == EEXIST)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
	if (linkat(u->dir_fd, u->tmp, u->dir_fd, u->name, 0) != 0)
		return errno == EEXIST ? 0 : -1;
	unlinkat(u->dir_fd, u->tmp, 0);
	u->tmp[0] = '\0';
	return 1;
}

static int64_t mtime_us(const struct stat *st)
{
	return (int64_t)st->st_mtim.tv_sec * 1000000 +
	       st->st_mtim.tv_nsec / 1000;
}

/* The id of the component intake recorded for the file (its name in the
 * watch, and the size and mtime it has), or 0. */
static int64_t recorded_id(struct carb_catalog *cat, const char *watch,
			   const char *name, const struct stat *st,
			   struct carb_error *err)
{
	struct carb_query *q = carb_query_new(CARB_QUERY_COMPONENTS, NULL, 0);
	struct carb_qrows *rows = NULL;
	struct carb_qvalue id, size, mtime;
	int64_t found = 0;
	int rc = -1;

	if (carb_query_filter(q, "watch", watch, err) == 0 &&
	    carb_query_filter(q, "rel_path", name, err) == 0 &&
	    carb_query_select(q, "id,size,mtime", err) == 0 &&
	    carb_query_order_by(q, "-id", err) == 0) {
		carb_query_limit(q, 1, 0);
		rc = carb_query_run(cat, q, &rows, err);
	}
	if (rc == 0 && carb_qrows_next(rows, err) == CARB_STEP_ROW) {
		carb_qrows_value(rows, 0, &id);
		carb_qrows_value(rows, 1, &size);
		carb_qrows_value(rows, 2, &mtime);
		if (!size.is_null && size.integer == (int64_t)st->st_size &&
		    !mtime.is_null && mtime.integer == mtime_us(st))
			found = id.integer;
	}
	carb_qrows_free(&rows);
	carb_query_free(&q);
	return found;
}

/* Waits a little for intake to record the file: its id, or null.  A name
 * with '*' or '%' would be a pattern to the query layer: not looked up. */
static json_t *component_of(struct carb_http *h, const struct carb_http_upload *u,
			    const struct stat *st)
{
	int64_t wait = u->uw->cfg.settle_ms + 1000, until, id = 0;
	struct carb_catalog *cat;
	struct carb_error err;

	if (strpbrk(u->name, "*%") != NULL)
		return json_null();
	until = carb_monotonic_ms() + (wait < RECORD_WAIT_MS ? wait : 0);
	cat = carb_http_catalog(h, &err);
	if (cat == NULL)
		return json_null();
	carb_error_clear(&err);
	for (;;) {
		id = recorded_id(cat, u->uw->cfg.name, u->name, st, &err);
		if (id != 0 || err.msg[0] != '\0' ||
		    carb_monotonic_ms() >= until)
			break;
		nanosleep(&(struct timespec){ 0, RECORD_POLL_MS * 1000000L }, NULL);
	}
	carb_http_catalog_done(h, cat, err.msg[0] != '\0');
	return id != 0 ? json_integer(id) : json_null();
}

static enum MHD_Result answer(struct carb_http *h, struct MHD_Connection *c,
			      struct carb_http_upload *u,
			      const unsigned char md[32], bool created,
			      const struct stat *st)
{
	char hex[65];
	json_t *o;

	to_hex(md, hex);
	o = json_pack("{s:s, s:o, s:I, s:s, s:b, s:o}",
		      "watch", u->uw->cfg.name,
		      "name", carb_report_json_name(u->name, u->name_len),
		      "size", (json_int_t)u->size, "sha256", hex,
		      "created", created, "component", component_of(h, u, st));
	return carb_http_send_json(c, created ? MHD_HTTP_CREATED : MHD_HTTP_OK, o);
}

static enum MHD_Result send_refusal(struct MHD_Connection *c,
				    struct carb_http_req *r)
{
	r->answered = true;
	return carb_http_send_error(c, r->upload->status, "%s", r->upload->why);
}

enum MHD_Result carb_http_upload_finish(struct carb_http *h,
					struct MHD_Connection *c,
					struct carb_http_req *r)
{
	struct carb_http_upload *u = r->upload;
	unsigned char md[32];
	char got[65], want[65];
	struct stat st;
	int placed;

	if (u->status == 0 && u->fd < 0)
		carb_http_upload_refuse(u, MHD_HTTP_BAD_REQUEST, "no file");
	if (u->status != 0)
		return send_refusal(c, r);
	EVP_DigestFinal_ex(u->md, md, NULL);
	if (u->want_set && memcmp(md, u->want, 32) != 0) {
		to_hex(md, got);
		to_hex(u->want, want);
		carb_http_upload_refuse(u, MHD_HTTP_UNPROCESSABLE_CONTENT,
					"the body's SHA-256 is %s, the request"
					" announced %s; nothing was kept", got,
					want);
		return send_refusal(c, r);
	}
	/* whole on disk before it has its name: intake may take it at once */
	if (fsync(u->fd) != 0 || fstat(u->fd, &st) != 0) {
		refuse_errno(u, errno, "fsync of the upload");
		return send_refusal(c, r);
	}
	placed = place(u);
	if (placed < 0) {
		refuse_errno(u, errno, "renaming the upload into place");
		return send_refusal(c, r);
	}
	if (placed == 0 && !same_content(u, md, &st)) {
		carb_http_upload_refuse(u, MHD_HTTP_CONFLICT, "watch \"%s\""
					" already holds a different file of that"
					" name", u->uw->cfg.name);
		return send_refusal(c, r);
	}
	drop_temporary(u);
	/* the new name is durable before the client hears it is there */
	if (placed == 1 && fsync(u->dir_fd) != 0) {
		refuse_errno(u, errno, "fsync of the watch's folder");
		return send_refusal(c, r);
	}
	r->answered = true;
	return answer(h, c, u, md, placed == 1, &st);
}

/* ---- PUT /upload/WATCH/NAME --------------------------------------------- */

/* Percent-decodes s[0..len) once into a new string (*out_len bytes; a
 * NUL may be among them); NULL when an escape is not two hex digits. */
static char *percent_decode(const char *s, size_t len, size_t *out_len)
{
	char *out = carb_xmalloc(len + 1);
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		if (s[i] != '%') {
			out[n++] = s[i];
			continue;
		}
		int hi = i + 2 < len ? hex_value(s[i + 1]) : -1;
		int lo = hi < 0 ? -1 : hex_value(s[i + 2]);

		if (hi < 0 || lo < 0) {
			free(out);
			return NULL;
		}
		out[n++] = (char)(hi << 4 | lo);
		i += 2;
	}
	out[n] = '\0';
	*out_len = n;
	return out;
}

/* The raw path's WATCH and NAME, decoded: 0, or -1 with why. */
static int put_target(const char *raw, char **watch, char **name,
		      size_t *name_len, const char **why)
{
	const char *p = raw + strlen("/upload/");
	size_t plen = strcspn(p, "?#");
	const char *slash = memchr(p, '/', plen);
	size_t wlen;

	*watch = *name = NULL;
	if (slash == NULL) {
		*why = "PUT /upload/WATCH/NAME: the URL names no file";
		return -1;
	}
	*watch = percent_decode(p, (size_t)(slash - p), &wlen);
	*name = percent_decode(slash + 1, plen - (size_t)(slash + 1 - p),
			       name_len);
	if (*watch == NULL || *name == NULL || strlen(*watch) != wlen) {
		*why = "the URL holds a malformed %-escape";
		return -1;
	}
	return 0;
}

static enum MHD_Result put_first(struct carb_http *h, struct MHD_Connection *c,
				 struct carb_http_req *r)
{
	char *watch, *name, why[512];
	const char *bad = NULL;
	size_t name_len = 0;
	unsigned status = 0;
	enum MHD_Result rc;

	r->answered = true;         /* until the upload is under way */
	if (put_target(r->raw_url, &watch, &name, &name_len, &bad) < 0) {
		free(watch);
		free(name);
		return carb_http_send_error(c, MHD_HTTP_BAD_REQUEST, "%s", bad);
	}
	r->upload = carb_http_upload_open(h, c, watch, &status, why, sizeof(why));
	if (r->upload == NULL)
		rc = carb_http_send_error(c, status, "%s", why);
	else if (carb_http_upload_name(r->upload, name, name_len) < 0)
		rc = send_refusal(c, r);
	else {
		r->answered = false;
		rc = MHD_YES;
	}
	free(watch);
	free(name);
	return rc;
}

enum MHD_Result carb_http_upload_put(struct carb_http *h,
				     struct MHD_Connection *c,
				     struct carb_http_req *r, const char *url,
				     const char *data, size_t *size)
{
	size_t n = *size;

	(void)url;
	if (r->upload == NULL && !r->answered)
		return put_first(h, c, r);
	*size = 0;
	if (r->answered)
		return MHD_YES;         /* a body after the answer: dropped */
	if (n != 0)
		return carb_http_upload_write(r->upload, data, n) ? MHD_YES : MHD_NO;
	return carb_http_upload_finish(h, c, r);
}
