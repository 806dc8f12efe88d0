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

/* An amqp sink: one connection and channel (confirm mode) to the broker,
 * opened on the first send and again after a failure. */
struct carb_amqp;

/* What one event is sent with: its body and what a message says of it. */
struct carb_sink_event {
	const char *event_id;     /* message_id */
	const char *status;       /* type; {status} of the routing key */
	const char *watch;
	const char *scope;
	int64_t created_at;       /* microseconds; the timestamp (seconds) */
	const char *body;         /* the event's JSON */
};

/* Reads credentials_file (guest:guest without one); connects nowhere
 * yet.  -1 with err when the file cannot be read or is not USER:PASSWORD.
 * sink outlives the result. */
int carb_amqp_new(const struct carb_event_sink_config *sink,
		  struct carb_amqp **out, struct carb_error *err);
/* Closes the connection politely when there is one; *a may be NULL. */
void carb_amqp_free(struct carb_amqp **a);
/* Connects, opens the channel and declares the exchange when that is not
 * done, or the broker closed the connection since: 0, or -1 with err.
 * The publisher calls it while idle, so the exchange exists for
 * consumers to bind to before the first event. */
int carb_amqp_ready(struct carb_amqp *a, struct carb_error *err);
/* Publishes e persistent to the exchange (connecting and declaring it
 * durable first when not connected) and waits for the broker's confirm:
 * 0 on basic.ack, else -1 with err (a nack, a closed channel or
 * connection, no confirm within the timeout), the connection dropped so
 * the next send opens a new one. */
int carb_amqp_send(struct carb_amqp *a, const struct carb_sink_event *e,
		   struct carb_error *err);
/* tmpl with {status} (lower case), {watch} and {scope} filled, into out
 * of size bytes: 0, or -1 when it does not fit. */
int carb_amqp_routing_key(const char *tmpl, const struct carb_sink_event *e,
			  char *out, size_t size);

/* A sink kind's operations, the one table its module exports
 * (modules/webhook.so: carb_events_webhook_sink, modules/amqp.so:
 * carb_events_amqp_sink), which the publisher loads when a sink of the
 * kind is configured, so a service without one never loads libcurl or
 * librabbitmq. */
struct carb_sink_ops {
	/* The library's process-wide set-up, not thread-safe: once per
	 * start, before the thread; paired with global_cleanup.  Both may
	 * be NULL. */
	int (*global_init)(struct carb_error *err);
	void (*global_cleanup)(void);
	/* carb_webhook_new, carb_amqp_new (secret unused) */
	int (*open)(const struct carb_event_sink_config *sink,
		    const char *secret, size_t secret_len, void **out,
		    struct carb_error *err);
	void (*close)(void *h);                   /* h may be NULL */
	/* While idle; NULL when the kind has nothing to do then. */
	int (*ready)(void *h, struct carb_error *err);
	int (*send)(void *h, const struct carb_sink_event *e,
		    struct carb_error *err);
};
__attribute__((visibility("default")))
extern const struct carb_sink_ops carb_events_webhook_sink;
__attribute__((visibility("default")))
extern const struct carb_sink_ops carb_events_amqp_sink;

#endif
