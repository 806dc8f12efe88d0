/* The webhook sink: an HTTP POST of each event's JSON with libcurl,
 * signed with HMAC-SHA256 of the body when a secret is configured.  Only
 * a 2xx counts as delivered; the publisher retries everything else. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "events/events_internal.h"

struct carb_webhook {
	CURL *curl;
	char *url;
	char *secret;
	size_t secret_len;
	int64_t timeout_ms;
};

/* The receiver's body is not read: its status says it all. */
static size_t discard(char *p, size_t size, size_t n, void *ctx)
{
	(void)p;
	(void)ctx;
	return size * n;
}

int carb_webhook_new(const struct carb_event_sink_config *sink,
		     const char *secret, size_t secret_len,
		     struct carb_webhook **out, struct carb_error *err)
{
	struct carb_webhook *w = carb_xcalloc(1, sizeof(*w));

	w->curl = curl_easy_init();
	if (w->curl == NULL) {
		free(w);
		return carb_error_set(err, "events \"%s\": libcurl cannot make"
				      " a handle", sink->name);
	}
	w->url = carb_xstrdup(sink->url);
	if (secret != NULL) {
		w->secret = carb_xmalloc(secret_len + 1);
		memcpy(w->secret, secret, secret_len);
		w->secret[secret_len] = '\0';
		w->secret_len = secret_len;
	}
	w->timeout_ms = sink->timeout_ms;
	*out = w;
	return 0;
}

void carb_webhook_free(struct carb_webhook **wp)
{
	struct carb_webhook *w = *wp;

	if (w == NULL)
		return;
	curl_easy_cleanup(w->curl);
	free(w->url);
	if (w->secret != NULL)
		memset(w->secret, 0, w->secret_len);
	free(w->secret);
	free(w);
	*wp = NULL;
}

void carb_webhook_signature(const char *secret, size_t secret_len,
			    const char *body, size_t len, char *out)
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	HMAC(EVP_sha256(), secret, (int)secret_len,
	     (const unsigned char *)body, len, mac, &n);
	memcpy(out, "sha256=", 7);
	for (unsigned int i = 0; i < n; i++)
		snprintf(out + 7 + 2 * i, 3, "%02x", mac[i]);
	out[7 + 2 * n] = '\0';
}

int carb_webhook_send(struct carb_webhook *w, const char *event_id,
		      const char *body, struct carb_error *err)
{
	struct curl_slist *h = NULL;
	char line[256], sig[80];
	size_t len = strlen(body);
	long code = 0;
	CURLcode rc;

	h = curl_slist_append(h, "Content-Type: application/json");
	snprintf(line, sizeof(line), "X-Carbonation-Event: %s", event_id);
	h = curl_slist_append(h, line);
	if (w->secret != NULL) {
		carb_webhook_signature(w->secret, w->secret_len, body, len, sig);
		snprintf(line, sizeof(line), "X-Carbonation-Signature: %s", sig);
		h = curl_slist_append(h, line);
	}
	curl_easy_reset(w->curl);
	curl_easy_setopt(w->curl, CURLOPT_URL, w->url);
	curl_easy_setopt(w->curl, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(w->curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(w->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(w->curl, CURLOPT_TIMEOUT_MS, (long)w->timeout_ms);
	curl_easy_setopt(w->curl, CURLOPT_CONNECTTIMEOUT_MS, (long)w->timeout_ms);
	/* A thread of a service: no SIGALRM for name lookups. */
	curl_easy_setopt(w->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(w->curl, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(w->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	/* A redirect would POST the event somewhere nobody configured. */
	curl_easy_setopt(w->curl, CURLOPT_FOLLOWLOCATION, 0L);
	rc = curl_easy_perform(w->curl);
	curl_slist_free_all(h);
	if (rc != CURLE_OK)
		return carb_error_set(err, "%s", curl_easy_strerror(rc));
	curl_easy_getinfo(w->curl, CURLINFO_RESPONSE_CODE, &code);
	if (code < 200 || code > 299)
		return carb_error_set(err, "the receiver answered HTTP %ld", code);
	return 0;
}

/* ---- the module's table ------------------------------------------------- */

static int webhook_global_init(struct carb_error *err)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return carb_error_set(err, "events: libcurl cannot start");
	return 0;
}

static int webhook_open(const struct carb_event_sink_config *sink,
			const char *secret, size_t secret_len, void **out,
			struct carb_error *err)
{
	struct carb_webhook *w;

	if (carb_webhook_new(sink, secret, secret_len, &w, err) < 0)
		return -1;
	*out = w;
	return 0;
}

static void webhook_close(void *h)
{
	struct carb_webhook *w = h;

	carb_webhook_free(&w);
}

static int webhook_send(void *h, const struct carb_sink_event *e,
			struct carb_error *err)
{
	return carb_webhook_send(h, e->event_id, e->body, err);
}

const struct carb_sink_ops carb_events_webhook_sink = {
	.global_init = webhook_global_init,
	.global_cleanup = curl_global_cleanup,
	.open = webhook_open,
	.close = webhook_close,
	.send = webhook_send,
};
