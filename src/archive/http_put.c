/* The batch of an http destination: each file is PUT, streamed from its
 * delivery folder, to a receiver that speaks carbonation's upload
 * contract (PUT /upload/WATCH/NAME, docs/http.md): the SHA-256 recorded
 * at intake goes in X-Content-SHA256, the receiver checks the body
 * against it, and the file counts as placed only when a 2xx answer's
 * JSON names that same SHA-256.  A copy: the delivered file stays.
 *
 * Which answer means what (docs/http-destination.md):
 *   2xx confirming the SHA-256  placed (200: it was there already)
 *   2xx not confirming it       retry
 *   400 405 409 411 413 414     fail: the same request would be refused
 *                               again (409: a different file has the name)
 *   429 502 503 504 507, and no answer at all (refused, timed out, cut)
 *                               the destination is unusable: it pauses,
 *                               no attempt is counted
 *   anything else (401 403 404 422 500...)  retry, with the receiver's
 *                               words in the reason */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>
#include <openssl/evp.h>

#include "archive/archive_internal.h"

/* What of an answer is kept: enough for the JSON of an upload and a
 * refusal's message; a receiver that says more is not read further. */
#define ANSWER_MAX 65536
#define TOKEN_MAX 4096

/* One PUT's state, shared with libcurl's callbacks. */
struct put {
	struct carb_place *p;
	int fd;
	int64_t sent;
	EVP_MD_CTX *md;           /* of the bytes sent */
	int read_errno;
	bool grew;                /* more bytes than intake recorded */
	struct carb_buf answer;
};

static int http_init(struct carb_error *err)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return carb_error_set(err, "libcurl cannot be set up");
	return 0;
}

static void http_cleanup(void)
{
	curl_global_cleanup();
}

/* ---- libcurl's callbacks -------------------------------------------------- */

static size_t read_body(char *buf, size_t size, size_t n, void *ctx)
{
	struct put *u = ctx;
	ssize_t got;

	do
		got = read(u->fd, buf, size * n);
	while (got < 0 && errno == EINTR);
	if (got < 0) {
		u->read_errno = errno;
		return CURL_READFUNC_ABORT;
	}
	if (u->sent + got > u->p->it->size) {
		u->grew = true;
		return CURL_READFUNC_ABORT;
	}
	EVP_DigestUpdate(u->md, buf, (size_t)got);
	u->sent += got;
	return (size_t)got;
}

static size_t keep_answer(char *data, size_t size, size_t n, void *ctx)
{
	struct put *u = ctx;
	size_t len = size * n;

	if (u->answer.len < ANSWER_MAX)
		carb_buf_add(&u->answer, data, len < ANSWER_MAX - u->answer.len
			     ? len : ANSWER_MAX - u->answer.len);
	return len;
}

/* ---- the delivered file ---------------------------------------------------- */

/* Opens the delivered file, only if it is the one intake recorded and
 * still has its size.  Returns 0, or -1 with the outcome set. */
static int open_source(struct carb_place *p)
{
	const char *rel = p->it->src_rel, *slash = strrchr(rel, '/');
	char *dir = carb_xstrndup(rel, slash ? (size_t)(slash - rel) : 0);

	p->src_base = slash ? slash + 1 : rel;
	p->src_dir_fd = carb_open_beneath(p->it->src_root, dir,
					  O_RDONLY | O_DIRECTORY);
	free(dir);
	if (p->src_dir_fd < 0 ||
	    fstatat(p->src_dir_fd, p->src_base, &p->src_st,
		    AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT)
			return carb_place_outcome(p, CARB_PLACE_FAIL,
				"the delivered %s is gone; it was not sent",
				rel);
		return carb_place_errno(p, errno, rel);
	}
	if (!S_ISREG(p->src_st.st_mode) ||
	    !carb_archive_source_recorded(p->it, &p->src_st))
		return carb_archive_source_replaced(p, &p->src_st,
						    "before it was sent");
	if (p->src_st.st_size != p->it->size)
		return carb_place_outcome(p, CARB_PLACE_FAIL,
			"the delivered %s changed after it was checked"
			" (%lld bytes, recorded %lld)", rel,
			(long long)p->src_st.st_size, (long long)p->it->size);
	p->src_fd = carb_archive_source_open(p, O_RDONLY, "before it was sent");
	return p->src_fd < 0 ? -1 : 0;
}

/* Rows from before hashes were kept have none: hashed here first, and
 * then what is sent is checked against it like any other. */
static int ensure_hash(struct carb_place *p)
{
	char hex[65];

	if (p->it->hash != NULL)
		return 0;
	if (carb_archive_sha256_fd(p->src_fd, hex) < 0 ||
	    lseek(p->src_fd, 0, SEEK_SET) < 0)
		return carb_place_errno(p, errno, p->it->src_rel);
	p->it->hash = carb_xstrdup(hex);
	return 0;
}

/* ---- the token ------------------------------------------------------------- */

/* The bearer token, read for each batch so that a new token needs no
 * restart: NULL and err set when it cannot be read or is not one line. */
static char *read_token(const char *path, struct carb_error *err)
{
	char buf[TOKEN_MAX + 1];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0) {
		carb_error_set(err, "token_file %s: %s", path, strerror(errno));
		return NULL;
	}
	n = read(fd, buf, TOKEN_MAX + 1);
	close(fd);
	if (n < 0 || n > TOKEN_MAX) {
		carb_error_set(err, "token_file %s: %s", path,
			       n < 0 ? strerror(errno) : "longer than 4096 bytes");
		return NULL;
	}
	while (n > 0 && strchr(" \t\r\n", buf[n - 1]) != NULL)
		n--;
	buf[n] = '\0';
	if (n == 0 || strpbrk(buf, "\r\n") != NULL) {
		carb_error_set(err, "token_file %s: %s", path, n == 0 ? "empty"
			       : "more than one line");
		return NULL;
	}
	return carb_xstrdup(buf);
}

/* ---- the answer ------------------------------------------------------------ */

/* The receiver's words: its JSON "error", else the start of its body,
 * escaped (they end up in the catalog and the logs). */
static void receiver_words(const struct put *u, json_t *j, char *out,
			   size_t size)
{
	const char *e = json_string_value(json_object_get(j, "error"));
	struct carb_buf b;

	carb_buf_init(&b);
	if (e != NULL)
		carb_buf_add_safe_name(&b, e, strlen(e) < 300 ? strlen(e) : 300);
	else if (u->answer.len > 0)
		carb_buf_add_safe_name(&b, u->answer.data, u->answer.len < 120
				       ? u->answer.len : 120);
	snprintf(out, size, "%s", b.len > 0 ? b.data : "no message");
	carb_buf_release(&b);
}

static enum carb_archive_outcome refusal_outcome(long code)
{
	switch (code) {
	case 400: case 405: case 409: case 411: case 413: case 414:
		return CARB_PLACE_FAIL;
	case 429: case 502: case 503: case 504: case 507:
		return CARB_PLACE_UNUSABLE;
	default:
		return CARB_PLACE_RETRY;
	}
}

/* A 2xx: placed only when the body names the SHA-256 that was sent. */
static void confirmed(struct carb_place *p, long code, json_t *j)
{
	const char *said = json_string_value(json_object_get(j, "sha256"));

	if (said == NULL || strcasecmp(said, p->it->hash) != 0) {
		carb_place_outcome(p, CARB_PLACE_RETRY,
			"%s answered HTTP %ld but did not confirm SHA-256 %s"
			" (%s%.64s%s)", p->it->url, code, p->it->hash,
			said ? "it says \"" : j ? "no sha256 in its JSON"
						: "its body is not JSON",
			said ? said : "", said ? "\"" : "");
		return;
	}
	free(p->it->final_rel);
	p->it->final_rel = carb_xstrdup(p->it->url);
	p->it->version = 1;
	p->done = true;
	p->it->outcome = code == 200 ? CARB_PLACED_ALREADY : CARB_PLACED;
	if (code == 200)
		snprintf(p->it->reason, sizeof(p->it->reason),
			 "the receiver held the same content already");
}

static void answered(struct carb_place *p, struct put *u, long code)
{
	json_t *j = json_loadb(u->answer.data ? u->answer.data : "",
			       u->answer.len, 0, NULL);
	char words[400];

	if (code >= 200 && code <= 299) {
		confirmed(p, code, j);
	} else {
		receiver_words(u, j, words, sizeof(words));
		carb_place_outcome(p, refusal_outcome(code),
				   "%s answered HTTP %ld: %s", p->it->url,
				   code, words);
	}
	json_decref(j);
}

/* No answer: the receiver is gone, or this side could not read. */
static void unanswered(struct carb_place *p, struct put *u, CURLcode rc,
		       const char *detail)
{
	if (u->grew)
		carb_place_outcome(p, CARB_PLACE_FAIL, "the delivered %s grew"
				   " after it was checked; it was not kept",
				   p->it->src_rel);
	else if (u->read_errno != 0)
		carb_place_errno(p, u->read_errno, p->it->src_rel);
	else if (rc == CURLE_URL_MALFORMAT || rc == CURLE_UNSUPPORTED_PROTOCOL)
		carb_place_outcome(p, CARB_PLACE_FAIL, "%s: %s", p->it->url,
				   detail[0] ? detail : curl_easy_strerror(rc));
	else
		carb_place_outcome(p, CARB_PLACE_UNUSABLE, "%s: %s", p->it->url,
				   detail[0] ? detail : curl_easy_strerror(rc));
}

/* ---- one file ---------------------------------------------------------------- */

static struct curl_slist *headers(const struct carb_place *p,
				  const char *token)
{
	struct curl_slist *h = NULL;
	char line[TOKEN_MAX + 64];

	snprintf(line, sizeof(line), "X-Content-SHA256: %s", p->it->hash);
	h = curl_slist_append(h, line);
	h = curl_slist_append(h, "Content-Type: application/octet-stream");
	if (token != NULL) {
		snprintf(line, sizeof(line), "Authorization: Bearer %s", token);
		h = curl_slist_append(h, line);
	}
	return h;
}

static void set_options(CURL *c, const struct carb_archive_http *hc,
			struct put *u, struct curl_slist *h, char *errbuf)
{
	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, u->p->it->url);
	curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, read_body);
	curl_easy_setopt(c, CURLOPT_READDATA, u);
	curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE,
			 (curl_off_t)u->p->it->size);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, keep_answer);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, u);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
			 (long)hc->connect_timeout_ms);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)hc->timeout_ms);
	/* A worker thread: no SIGALRM for name lookups. */
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	/* A redirect would send the file where nobody configured. */
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
}

/* The receiver checked the body against the header; this side checks
 * that what it read is what intake recorded, so a file changed since is
 * never counted as archived, whatever a receiver answers. */
static bool sent_recorded(struct carb_place *p, struct put *u)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	char hex[65];
	unsigned int n = 0;

	if (u->sent != p->it->size || EVP_DigestFinal_ex(u->md, md, &n) != 1 ||
	    n != 32) {
		carb_place_outcome(p, CARB_PLACE_FAIL, "the delivered %s shrank"
				   " after it was checked", p->it->src_rel);
		return false;
	}
	for (unsigned int i = 0; i < n; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	if (strcasecmp(hex, p->it->hash) == 0)
		return true;
	carb_place_outcome(p, CARB_PLACE_FAIL, "the delivered %s changed after"
			   " it was checked (SHA-256 %s, recorded %s)",
			   p->it->src_rel, hex, p->it->hash);
	return false;
}

static void put_one(CURL *c, const struct carb_archive_http *hc,
		    struct carb_place *p, const char *token)
{
	struct put u = { .p = p, .fd = -1 };
	char errbuf[CURL_ERROR_SIZE] = "";
	struct curl_slist *h;
	long code = 0;
	CURLcode rc;

	if (open_source(p) < 0 || ensure_hash(p) < 0)
		return;
	u.fd = p->src_fd;
	u.md = EVP_MD_CTX_new();
	if (u.md == NULL || EVP_DigestInit_ex(u.md, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(u.md);
		carb_place_outcome(p, CARB_PLACE_RETRY, "SHA-256 is not available");
		return;
	}
	carb_buf_init(&u.answer);
	h = headers(p, token);
	set_options(c, hc, &u, h, errbuf);
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	/* A refusal may come before the whole body went (401, 413): it
	 * stands.  A 2xx counts only for a body sent whole.  A 1xx is no
	 * answer: "100 Continue", then the connection was cut. */
	if (u.grew || u.read_errno != 0)
		unanswered(p, &u, rc, errbuf);
	else if (code >= 300)
		answered(p, &u, code);
	else if (rc != CURLE_OK || code < 200)
		unanswered(p, &u, rc, errbuf);
	else if (sent_recorded(p, &u))
		answered(p, &u, code);
	curl_slist_free_all(h);
	carb_buf_release(&u.answer);
	EVP_MD_CTX_free(u.md);
}

/* ---- the batch ----------------------------------------------------------------- */

static void release(struct carb_place *p)
{
	if (p->src_fd >= 0)
		close(p->src_fd);
	if (p->src_dir_fd >= 0)
		close(p->src_dir_fd);
}

/* Whether the batch starts no more files: its time is up (the first file
 * always starts), or the destination was found unusable, when every
 * further file would wait out the same timeout for nothing. */
static bool stop_starting(const struct carb_archive_batch *b, size_t i,
			  int64_t start_ms, bool unusable)
{
	return unusable || (i > 0 && b->max_ms > 0 &&
			    carb_monotonic_ms() - start_ms >= b->max_ms);
}

/* Fails every item alike: the batch could not begin (no handle, no
 * token). */
static void fail_all(struct carb_archive_batch *b, enum carb_archive_outcome o,
		     const char *why)
{
	for (size_t i = 0; i < b->n; i++) {
		b->items[i].outcome = i == 0 ? o : CARB_PLACE_LATER;
		snprintf(b->items[i].reason, sizeof(b->items[i].reason), "%.*s",
			 (int)sizeof(b->items[i].reason) - 1, why);
	}
}

static void run_items(struct carb_archive_batch *b, CURL *c, const char *token)
{
	int64_t start_ms = carb_monotonic_ms();
	bool unusable = false;

	for (size_t i = 0; i < b->n; i++) {
		struct carb_archive_item *it = &b->items[i];
		struct carb_place p = { .it = it, .src_dir_fd = -1,
					.src_fd = -1, .tmp_fd = -1,
					.adopt_fd = -1, .dst_fd = -1 };

		it->reason[0] = '\0';
		if (stop_starting(b, i, start_ms, unusable)) {
			it->outcome = CARB_PLACE_LATER;
			continue;
		}
		if (b->dry_run) {
			free(it->final_rel);
			it->final_rel = carb_xstrdup(it->url);
			it->version = 1;
			it->outcome = CARB_PLACED;
			continue;
		}
		put_one(c, &b->http, &p, token);
		release(&p);
		unusable = it->outcome == CARB_PLACE_UNUSABLE;
	}
}

static void http_run(struct carb_archive_batch *b)
{
	struct carb_error err;
	char *token = NULL;
	CURL *c;

	carb_error_clear(&err);
	if (b->http.token_file != NULL && !b->dry_run) {
		token = read_token(b->http.token_file, &err);
		if (token == NULL) {
			fail_all(b, CARB_PLACE_UNUSABLE, err.msg);
			return;
		}
	}
	c = curl_easy_init();
	if (c == NULL)
		fail_all(b, CARB_PLACE_RETRY, "libcurl cannot make a handle");
	else
		run_items(b, c, token);
	curl_easy_cleanup(c);
	if (token != NULL)
		memset(token, 0, strlen(token));
	free(token);
}

const struct carb_archive_http_ops carb_archive_http_module = {
	.init = http_init,
	.cleanup = http_cleanup,
	.run = http_run,
};
