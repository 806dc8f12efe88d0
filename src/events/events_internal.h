/* Private to src/events/. */
#ifndef CARB_EVENTS_INTERNAL_H
#define CARB_EVENTS_INTERNAL_H

#include <jansson.h>

#include "events/events.h"


/* A webhook sink: one libcurl handle, reused (keep-alive). */
struct carb_webhook;

/* secret (may be NULL) signs each body.  Returns -1 with err when
 * libcurl cannot make a handle. */
int carb_webhook_new(const struct carb_event_sink_config *sink,
		     const char *secret, size_t secret_len,
		     struct carb_webhook **out, struct carb_error *err);
void carb_webhook_free(struct carb_webhook **w);
/* POSTs body: 0 when the receiver answered 2xx, else -1 with err saying
 * what it answered (or why there was no answer). */
int carb_webhook_send(struct carb_webhook *w, const char *event_id,
		      const char *body, struct carb_error *err);
/* "sha256=HEX" of HMAC-SHA256(secret, body) into out (at least 72
 * bytes). */
void carb_webhook_signature(const char *secret, size_t secret_len,
			    const char *body, size_t len, char *out);

#endif
