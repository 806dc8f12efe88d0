/* The amqp sink: each event a persistent message to a durable exchange,
 * with librabbitmq.  The channel is in confirm mode, so an event counts as
 * delivered only when the broker acknowledged its delivery tag (basic.ack);
 * a basic.nack, a closed channel or connection, or no answer within the
 * sink's timeout is a failure the publisher retries with its backoff.
 *
 * One connection with one channel, opened on the first send and again
 * after any failure (the broker restarted, a timeout left the channel in
 * an unknown state).  Every step is bounded by the timeout: the connect,
 * the handshake, each RPC, the wait for the confirm, and the kernel's
 * TCP_USER_TIMEOUT for writes a broker never reads. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <amqp.h>
#include <amqp_tcp_socket.h>

#include "events/events_internal.h"

#define CHANNEL 1

struct carb_amqp {
	const char *name;         /* the sink's; the config outlives us */
	char *url;                /* as configured, for messages */
	char *parsed;             /* amqp_parse_url's buffer: host, vhost */
	const char *host, *vhost;
	int port;
	char *user, *password;
	const char *exchange, *exchange_type, *routing_key;
	int64_t timeout_ms;
	amqp_connection_state_t conn;  /* NULL: not connected */
	uint64_t tag;             /* the delivery tag of the last publish */
};

static struct timeval timeval_ms(int64_t ms)
{
	struct timeval tv = { .tv_sec = ms / 1000,
			      .tv_usec = (ms % 1000) * 1000 };

	return tv;
}

/* credentials_file: its first line is USER:PASSWORD (the password may
 * hold colons; a final newline is not part of it). */
static int read_credentials(struct carb_amqp *a, const char *path,
			    struct carb_error *err)
{
	char buf[1024], *colon;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return carb_error_set(err, "events \"%s\": cannot read"
				      " credentials_file \"%s\": %s", a->name,
				      path, strerror(errno));
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return carb_error_set(err, "events \"%s\": cannot read"
				      " credentials_file \"%s\"", a->name, path);
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	colon = strchr(buf, ':');
	if (colon == NULL || colon == buf) {
		memset(buf, 0, sizeof(buf));
		return carb_error_set(err, "events \"%s\": credentials_file"
				      " \"%s\": the first line is not"
				      " USER:PASSWORD", a->name, path);
	}
	*colon = '\0';
	a->user = carb_xstrdup(buf);
	a->password = carb_xstrdup(colon + 1);
	memset(buf, 0, sizeof(buf));
	return 0;
}

int carb_amqp_new(const struct carb_event_sink_config *sink,
		  struct carb_amqp **out, struct carb_error *err)
{
	struct carb_amqp *a = carb_xcalloc(1, sizeof(*a));
	struct amqp_connection_info ci;

	*out = NULL;
	a->name = sink->name;
	a->url = carb_xstrdup(sink->url);
	a->parsed = carb_xstrdup(sink->url);
	a->exchange = sink->exchange;
	a->exchange_type = carb_exchange_type_name(sink->exchange_type);
	a->routing_key = sink->routing_key;
	a->timeout_ms = sink->timeout_ms;
	amqp_default_connection_info(&ci);
	if (amqp_parse_url(a->parsed, &ci) != AMQP_STATUS_OK || ci.ssl) {
		carb_error_set(err, "events \"%s\": url \"%s\" is not an"
			       " amqp:// URL", a->name, a->url);
		carb_amqp_free(&a);
		return -1;
	}
	a->host = ci.host;
	a->port = ci.port;
	a->vhost = ci.vhost;
	if (sink->credentials_file != NULL) {
		if (read_credentials(a, sink->credentials_file, err) < 0) {
			carb_amqp_free(&a);
			return -1;
		}
	} else {
		a->user = carb_xstrdup("guest");
		a->password = carb_xstrdup("guest");
	}
	*out = a;
	return 0;
}

/* Drops the connection without a goodbye: after a failure the broker's
 * side may be gone, and a close RPC would only wait for it. */
static void drop(struct carb_amqp *a)
{
	if (a->conn == NULL)
		return;
	amqp_destroy_connection(a->conn);
	a->conn = NULL;
}

void carb_amqp_free(struct carb_amqp **ap)
{
	struct carb_amqp *a = *ap;

	if (a == NULL)
		return;
	if (a->conn != NULL) {
		/* A goodbye, but a short one: a stop must not wait on a
		 * broker that stopped answering. */
		struct timeval brief = timeval_ms(a->timeout_ms < 1000
						  ? a->timeout_ms : 1000);

		amqp_set_rpc_timeout(a->conn, &brief);
		amqp_channel_close(a->conn, CHANNEL, AMQP_REPLY_SUCCESS);
		amqp_connection_close(a->conn, AMQP_REPLY_SUCCESS);
		drop(a);
	}
	free(a->url);
	free(a->parsed);
	free(a->user);
	if (a->password != NULL)
		memset(a->password, 0, strlen(a->password));
	free(a->password);
	free(a);
	*ap = NULL;
}

/* What an RPC's reply says, as err; 0 when it succeeded. */
static int reply_error(amqp_rpc_reply_t r, const char *what,
		       struct carb_error *err)
{
	const amqp_connection_close_t *cc;
	const amqp_channel_close_t *ch;

	switch (r.reply_type) {
	case AMQP_RESPONSE_NORMAL:
		return 0;
	case AMQP_RESPONSE_LIBRARY_EXCEPTION:
		return carb_error_set(err, "%s: %s", what,
				      amqp_error_string2(r.library_error));
	case AMQP_RESPONSE_SERVER_EXCEPTION:
		if (r.reply.id == AMQP_CONNECTION_CLOSE_METHOD) {
			cc = r.reply.decoded;
			return carb_error_set(err, "%s: the broker closed the"
					      " connection: %u %.*s", what,
					      cc->reply_code,
					      (int)cc->reply_text.len,
					      (const char *)cc->reply_text.bytes);
		}
		if (r.reply.id == AMQP_CHANNEL_CLOSE_METHOD) {
			ch = r.reply.decoded;
			return carb_error_set(err, "%s: the broker closed the"
					      " channel: %u %.*s", what,
					      ch->reply_code,
					      (int)ch->reply_text.len,
					      (const char *)ch->reply_text.bytes);
		}
		return carb_error_set(err, "%s: the broker answered method"
				      " 0x%08x", what, r.reply.id);
	default:
		return carb_error_set(err, "%s: no answer", what);
	}
}

/* A write the broker never acknowledges (it stopped, its host went away)
 * fails after the timeout instead of waiting for TCP's own minutes. */
static void bound_writes(struct carb_amqp *a)
{
	unsigned int ms = (unsigned int)a->timeout_ms;
	int fd = amqp_socket_get_sockfd(amqp_get_socket(a->conn));

	if (fd >= 0)
		setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &ms, sizeof(ms));
}

static int open_socket(struct carb_amqp *a, struct carb_error *err)
{
	struct timeval tv = timeval_ms(a->timeout_ms);
	amqp_socket_t *sock;
	int rc;

	a->conn = amqp_new_connection();
	if (a->conn == NULL)
		return carb_error_set(err, "librabbitmq cannot make a"
				      " connection");
	sock = amqp_tcp_socket_new(a->conn);
	if (sock == NULL)
		return carb_error_set(err, "librabbitmq cannot make a socket");
	rc = amqp_socket_open_noblock(sock, a->host, a->port, &tv);
	if (rc != AMQP_STATUS_OK)
		return carb_error_set(err, "cannot connect to %s:%d: %s",
				      a->host, a->port, amqp_error_string2(rc));
	bound_writes(a);
	amqp_set_handshake_timeout(a->conn, &tv);
	amqp_set_rpc_timeout(a->conn, &tv);
	return 0;
}

/* Logs in, opens the channel in confirm mode, declares the exchange. */
static int handshake(struct carb_amqp *a, struct carb_error *err)
{
	amqp_rpc_reply_t r;

	/* No heartbeats: each send is bounded by the timeout, and an idle
	 * connection that died is found by the next send. */
	r = amqp_login(a->conn, a->vhost, 0, AMQP_DEFAULT_FRAME_SIZE, 0,
		       AMQP_SASL_METHOD_PLAIN, a->user, a->password);
	if (reply_error(r, "login", err) < 0)
		return -1;
	amqp_channel_open(a->conn, CHANNEL);
	if (reply_error(amqp_get_rpc_reply(a->conn), "channel.open", err) < 0)
		return -1;
	amqp_confirm_select(a->conn, CHANNEL);
	if (reply_error(amqp_get_rpc_reply(a->conn), "confirm.select", err) < 0)
		return -1;
	amqp_exchange_declare(a->conn, CHANNEL, amqp_cstring_bytes(a->exchange),
			      amqp_cstring_bytes(a->exchange_type), 0, 1, 0, 0,
			      amqp_empty_table);
	return reply_error(amqp_get_rpc_reply(a->conn), "exchange.declare",
			   err);
}

static int connect_broker(struct carb_amqp *a, struct carb_error *err)
{
	if (open_socket(a, err) < 0 || handshake(a, err) < 0) {
		drop(a);
		return -1;
	}
	a->tag = 0;
	carb_log(CARB_LOGL_INFO, "events \"%s\": connected to %s, exchange"
		 " \"%s\" (%s, durable)", a->name, a->url, a->exchange,
		 a->exchange_type);
	return 0;
}

/* Whether the broker left an idle connection (it stopped, or closed
 * the channel): a read that does not wait finds its close. */
static bool still_open(struct carb_amqp *a)
{
	struct timeval none = { 0, 0 };

	for (;;) {
		amqp_frame_t f;
		int rc = amqp_simple_wait_frame_noblock(a->conn, &f, &none);

		if (rc == AMQP_STATUS_TIMEOUT)
			return true;
		if (rc != AMQP_STATUS_OK)
			return false;
		if (f.frame_type == AMQP_FRAME_METHOD &&
		    (f.payload.method.id == AMQP_CONNECTION_CLOSE_METHOD ||
		     f.payload.method.id == AMQP_CHANNEL_CLOSE_METHOD))
			return false;
	}
}

int carb_amqp_ready(struct carb_amqp *a, struct carb_error *err)
{
	if (a->conn != NULL && !still_open(a)) {
		carb_log(CARB_LOGL_INFO, "events \"%s\": the broker closed"
			 " the connection", a->name);
		drop(a);
	}
	if (a->conn == NULL)
		return connect_broker(a, err);
	amqp_maybe_release_buffers(a->conn);
	return 0;
}

int carb_amqp_routing_key(const char *tmpl, const struct carb_sink_event *e,
			  char *out, size_t size)
{
	size_t n = 0;

	for (const char *p = tmpl; *p != '\0'; p++) {
		const char *v = NULL;
		bool lower = false;
		size_t len;

		if (strncmp(p, "{status}", 8) == 0)
			v = e->status, lower = true, len = 8;
		else if (strncmp(p, "{watch}", 7) == 0)
			v = e->watch, len = 7;
		else if (strncmp(p, "{scope}", 7) == 0)
			v = e->scope, len = 7;
		if (v == NULL) {
			if (n + 1 >= size)
				return -1;
			out[n++] = *p;
			continue;
		}
		for (; *v != '\0'; v++) {
			if (n + 1 >= size)
				return -1;
			out[n++] = lower && *v >= 'A' && *v <= 'Z'
				? (char)(*v - 'A' + 'a') : *v;
		}
		p += len - 1;
	}
	out[n] = '\0';
	return 0;
}

/* The headers carry what the routing key may not (a headers exchange
 * routes on them): status, watch, scope. */
static void fill_headers(amqp_table_entry_t h[3], const struct carb_sink_event *e)
{
	const char *keys[3] = { "status", "watch", "scope" };
	const char *vals[3] = { e->status, e->watch, e->scope };

	for (int i = 0; i < 3; i++) {
		h[i].key = amqp_cstring_bytes(keys[i]);
		h[i].value.kind = AMQP_FIELD_KIND_UTF8;
		h[i].value.value.bytes = amqp_cstring_bytes(vals[i]);
	}
}

static int publish(struct carb_amqp *a, const struct carb_sink_event *e,
		   const char *key, struct carb_error *err)
{
	amqp_basic_properties_t p;
	amqp_table_entry_t h[3];
	int rc;

	memset(&p, 0, sizeof(p));
	fill_headers(h, e);
	p._flags = AMQP_BASIC_CONTENT_TYPE_FLAG | AMQP_BASIC_DELIVERY_MODE_FLAG |
		   AMQP_BASIC_MESSAGE_ID_FLAG | AMQP_BASIC_TYPE_FLAG |
		   AMQP_BASIC_TIMESTAMP_FLAG | AMQP_BASIC_HEADERS_FLAG |
		   AMQP_BASIC_APP_ID_FLAG;
	p.content_type = amqp_cstring_bytes("application/json");
	p.delivery_mode = AMQP_DELIVERY_PERSISTENT;
	p.message_id = amqp_cstring_bytes(e->event_id);
	p.type = amqp_cstring_bytes(e->status);
	p.timestamp = (uint64_t)(e->created_at / 1000000);
	p.app_id = amqp_cstring_bytes("carbonation");
	p.headers.num_entries = 3;
	p.headers.entries = h;
	rc = amqp_basic_publish(a->conn, CHANNEL, amqp_cstring_bytes(a->exchange),
				amqp_cstring_bytes(key), 0, 0, &p,
				amqp_cstring_bytes(e->body));
	if (rc != AMQP_STATUS_OK)
		return carb_error_set(err, "basic.publish: %s",
				      amqp_error_string2(rc));
	a->tag++;
	return 0;
}

/* What a method frame says of delivery tag: 1 confirmed, 0 not about it,
 * -1 a failure (err set). */
static int confirm_of(const amqp_frame_t *f, uint64_t tag,
		      struct carb_error *err)
{
	const amqp_basic_ack_t *ack;
	const amqp_basic_nack_t *nack;
	amqp_rpc_reply_t r = { .reply_type = AMQP_RESPONSE_SERVER_EXCEPTION };

	switch (f->payload.method.id) {
	case AMQP_BASIC_ACK_METHOD:
		ack = f->payload.method.decoded;
		return ack->delivery_tag == tag ||
		       (ack->multiple && ack->delivery_tag >= tag);
	case AMQP_BASIC_NACK_METHOD:
		nack = f->payload.method.decoded;
		if (nack->delivery_tag == tag ||
		    (nack->multiple && nack->delivery_tag >= tag))
			return carb_error_set(err, "the broker refused the"
					      " message (basic.nack)");
		return 0;
	case AMQP_CHANNEL_CLOSE_METHOD:
	case AMQP_CONNECTION_CLOSE_METHOD:
		r.reply = f->payload.method;
		return reply_error(r, "waiting for the confirm", err);
	default:
		return 0;
	}
}

static int wait_confirm(struct carb_amqp *a, struct carb_error *err)
{
	int64_t deadline = carb_monotonic_ms() + a->timeout_ms;

	for (;;) {
		int64_t left = deadline - carb_monotonic_ms();
		struct timeval tv;
		amqp_frame_t f;
		int rc;

		if (left <= 0)
			return carb_error_set(err, "the broker did not confirm"
					      " within %lld ms",
					      (long long)a->timeout_ms);
		tv = timeval_ms(left);
		rc = amqp_simple_wait_frame_noblock(a->conn, &f, &tv);
		if (rc == AMQP_STATUS_TIMEOUT)
			continue;
		if (rc != AMQP_STATUS_OK)
			return carb_error_set(err, "waiting for the confirm: %s",
					      amqp_error_string2(rc));
		if (f.frame_type != AMQP_FRAME_METHOD)
			continue;
		rc = confirm_of(&f, a->tag, err);
		if (rc != 0)
			return rc > 0 ? 0 : -1;
	}
}

int carb_amqp_send(struct carb_amqp *a, const struct carb_sink_event *e,
		   struct carb_error *err)
{
	char key[256];

	if (carb_amqp_routing_key(a->routing_key, e, key, sizeof(key)) < 0)
		return carb_error_set(err, "the routing key of \"%s\" is longer"
				      " than 255 bytes", a->routing_key);
	if (carb_amqp_ready(a, err) < 0)
		return -1;
	if (publish(a, e, key, err) < 0 || wait_confirm(a, err) < 0) {
		drop(a);
		return -1;
	}
	amqp_maybe_release_buffers(a->conn);
	return 0;
}

/* ---- the module's table ------------------------------------------------- */

static int amqp_open(const struct carb_event_sink_config *sink,
		     const char *secret, size_t secret_len, void **out,
		     struct carb_error *err)
{
	struct carb_amqp *a;

	(void)secret;
	(void)secret_len;
	if (carb_amqp_new(sink, &a, err) < 0)
		return -1;
	*out = a;
	return 0;
}

static void amqp_close(void *h)
{
	struct carb_amqp *a = h;

	carb_amqp_free(&a);
}

static int amqp_ready(void *h, struct carb_error *err)
{
	return carb_amqp_ready(h, err);
}

static int amqp_send(void *h, const struct carb_sink_event *e,
		     struct carb_error *err)
{
	return carb_amqp_send(h, e, err);
}

const struct carb_sink_ops carb_events_amqp_sink = {
	.open = amqp_open,
	.close = amqp_close,
	.ready = amqp_ready,
	.send = amqp_send,
};
