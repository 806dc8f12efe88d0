/* A consumer for the amqp events tests (events-amqp-cases.sh):
 *
 *   amqp-consumer PORT EXCHANGE QUEUE BINDING_KEY OUT
 *
 * Connects to 127.0.0.1:PORT as guest, declares QUEUE durable, binds it to
 * EXCHANGE (which it does not declare: carbonation must have) with
 * BINDING_KEY, touches OUT.ready, and appends one JSON line per message
 * to OUT: its routing key, exchange, properties and body (the event).  A
 * message is acknowledged only once its line is written, so a broker
 * restart can redeliver but never lose one.  When the broker goes away it
 * connects again every 0.2 s, for ever (the test kills it). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <amqp.h>
#include <amqp_tcp_socket.h>

static const char *exchange, *queue, *binding, *out;
static int port;

static int ok(amqp_rpc_reply_t r)
{
	return r.reply_type == AMQP_RESPONSE_NORMAL;
}

static void pause_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Bytes as a JSON string (the tests' values are ASCII). */
static void json_str(FILE *f, amqp_bytes_t b)
{
	fputc('"', f);
	for (size_t i = 0; i < b.len; i++) {
		unsigned char c = ((unsigned char *)b.bytes)[i];

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void write_headers(FILE *f, const amqp_table_t *t)
{
	fputs("{", f);
	for (int i = 0; i < t->num_entries; i++) {
		const amqp_table_entry_t *e = &t->entries[i];

		fputs(i ? ", " : "", f);
		json_str(f, e->key);
		fputs(": ", f);
		if (e->value.kind == AMQP_FIELD_KIND_UTF8 ||
		    e->value.kind == AMQP_FIELD_KIND_BYTES)
			json_str(f, e->value.value.bytes);
		else
			fputs("null", f);
	}
	fputs("}", f);
}

static int record(const amqp_envelope_t *e)
{
	const amqp_basic_properties_t *p = &e->message.properties;
	FILE *f = fopen(out, "a");

	if (f == NULL)
		return -1;
	fputs("{\"routing_key\": ", f);
	json_str(f, e->routing_key);
	fputs(", \"exchange\": ", f);
	json_str(f, e->exchange);
	fprintf(f, ", \"redelivered\": %s", e->redelivered ? "true" : "false");
	fprintf(f, ", \"delivery_mode\": %d", p->_flags & AMQP_BASIC_DELIVERY_MODE_FLAG
		? p->delivery_mode : -1);
	fputs(", \"content_type\": ", f);
	json_str(f, p->_flags & AMQP_BASIC_CONTENT_TYPE_FLAG ? p->content_type
		 : amqp_empty_bytes);
	fputs(", \"message_id\": ", f);
	json_str(f, p->_flags & AMQP_BASIC_MESSAGE_ID_FLAG ? p->message_id
		 : amqp_empty_bytes);
	fputs(", \"type\": ", f);
	json_str(f, p->_flags & AMQP_BASIC_TYPE_FLAG ? p->type : amqp_empty_bytes);
	fprintf(f, ", \"timestamp\": %llu", p->_flags & AMQP_BASIC_TIMESTAMP_FLAG
		? (unsigned long long)p->timestamp : 0ULL);
	fputs(", \"headers\": ", f);
	if (p->_flags & AMQP_BASIC_HEADERS_FLAG)
		write_headers(f, &p->headers);
	else
		fputs("{}", f);
	fputs(", \"event\": ", f);
	fwrite(e->message.body.bytes, 1, e->message.body.len, f);
	fputs("}\n", f);
	return fclose(f) == 0 ? 0 : -1;
}

static amqp_connection_state_t open_conn(void)
{
	amqp_connection_state_t c = amqp_new_connection();
	amqp_socket_t *s = amqp_tcp_socket_new(c);
	struct timeval tv = { 2, 0 };
	amqp_bytes_t q = amqp_cstring_bytes(queue);

	if (s == NULL || amqp_socket_open_noblock(s, "127.0.0.1", port, &tv))
		goto fail;
	amqp_set_rpc_timeout(c, &tv);
	if (!ok(amqp_login(c, "/", 0, AMQP_DEFAULT_FRAME_SIZE, 0,
			   AMQP_SASL_METHOD_PLAIN, "guest", "guest")))
		goto fail;
	amqp_channel_open(c, 1);
	if (!ok(amqp_get_rpc_reply(c)))
		goto fail;
	amqp_queue_declare(c, 1, q, 0, 1, 0, 0, amqp_empty_table);
	if (!ok(amqp_get_rpc_reply(c)))
		goto fail;
	amqp_queue_bind(c, 1, q, amqp_cstring_bytes(exchange),
			amqp_cstring_bytes(binding), amqp_empty_table);
	if (!ok(amqp_get_rpc_reply(c)))
		goto fail;
	amqp_basic_qos(c, 1, 0, 50, 0);
	if (!ok(amqp_get_rpc_reply(c)))
		goto fail;
	amqp_basic_consume(c, 1, q, amqp_empty_bytes, 0, 0, 0, amqp_empty_table);
	if (!ok(amqp_get_rpc_reply(c)))
		goto fail;
	return c;
fail:
	amqp_destroy_connection(c);
	return NULL;
}

static void mark_ready(void)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s.ready", out);
	f = fopen(path, "w");
	if (f != NULL)
		fclose(f);
}

/* Consumes until the connection fails. */
static void consume(amqp_connection_state_t c)
{
	for (;;) {
		amqp_envelope_t e;
		amqp_rpc_reply_t r;

		amqp_maybe_release_buffers(c);
		r = amqp_consume_message(c, &e, NULL, 0);
		if (!ok(r))
			return;
		if (record(&e) < 0) {
			amqp_destroy_envelope(&e);
			return;
		}
		if (amqp_basic_ack(c, 1, e.delivery_tag, 0) != 0) {
			amqp_destroy_envelope(&e);
			return;
		}
		amqp_destroy_envelope(&e);
	}
}

int main(int argc, char **argv)
{
	if (argc != 6) {
		fprintf(stderr, "usage: amqp-consumer PORT EXCHANGE QUEUE"
			" BINDING_KEY OUT\n");
		return 2;
	}
	port = atoi(argv[1]);
	exchange = argv[2];
	queue = argv[3];
	binding = argv[4];
	out = argv[5];
	for (;;) {
		amqp_connection_state_t c = open_conn();

		if (c == NULL) {
			pause_ms(200);
			continue;
		}
		mark_ready();
		consume(c);
		amqp_destroy_connection(c);
	}
}
