/* The amqp events sink without a broker (src/events/amqp.c): routing keys
 * from their template, credentials_file, and the failures that must come
 * back as errors in bounded time -- nobody listening, and a listener that
 * never speaks (the handshake waits only as long as the timeout).  The
 * sink against a real RabbitMQ is tests/integration/events-amqp-*.sh. */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "events/events_internal.h"

static const struct carb_sink_event ev = {
	.event_id = "0123", .status = "INTEGRITY_FAILED", .watch = "north-1",
	.scope = "component", .created_at = 1700000000123456, .body = "{}",
};

START_TEST(routing_key_template)
{
	char out[256];

	ck_assert_int_eq(carb_amqp_routing_key("file.{status}", &ev, out,
					       sizeof(out)), 0);
	ck_assert_str_eq(out, "file.integrity_failed");
	ck_assert_int_eq(carb_amqp_routing_key("{watch}.{scope}.{status}.x",
					       &ev, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "north-1.component.integrity_failed.x");
	ck_assert_int_eq(carb_amqp_routing_key("plain", &ev, out, sizeof(out)),
			 0);
	ck_assert_str_eq(out, "plain");
	ck_assert_int_eq(carb_amqp_routing_key("", &ev, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "");
}
END_TEST

START_TEST(routing_key_too_long)
{
	char out[8];

	ck_assert_int_eq(carb_amqp_routing_key("file.{status}", &ev, out,
					       sizeof(out)), -1);
	ck_assert_int_eq(carb_amqp_routing_key("1234567", &ev, out,
					       sizeof(out)), 0);
	ck_assert_int_eq(carb_amqp_routing_key("12345678", &ev, out,
					       sizeof(out)), -1);
}
END_TEST

static struct carb_event_sink_config sink(const char *url, const char *cred)
{
	struct carb_event_sink_config s = {
		.name = "bus", .kind = CARB_SINK_AMQP, .url = url,
		.credentials_file = cred, .exchange = "carbonation",
		.exchange_type = CARB_EXCHANGE_FANOUT,
		.routing_key = "file.{status}", .timeout_ms = 300,
	};

	return s;
}

static char *write_file(const char *text)
{
	char *path = strdup("/tmp/carb-test-amqp.XXXXXX");
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

START_TEST(credentials_file)
{
	char *good = write_file("carb:pa:ss\n"), *bad = write_file("nocolon\n");
	struct carb_event_sink_config s = sink("amqp://127.0.0.1:1/%2F", good);
	struct carb_amqp *a = NULL;
	struct carb_error err;

	carb_error_clear(&err);
	ck_assert_int_eq(carb_amqp_new(&s, &a, &err), 0);
	carb_amqp_free(&a);
	ck_assert_ptr_null(a);
	s.credentials_file = bad;
	ck_assert_int_eq(carb_amqp_new(&s, &a, &err), -1);
	ck_assert_ptr_null(a);
	ck_assert_msg(strstr(err.msg, "the first line is not USER:PASSWORD"),
		      "%s", err.msg);
	s.credentials_file = "/nonexistent/carb-credentials";
	carb_error_clear(&err);
	ck_assert_int_eq(carb_amqp_new(&s, &a, &err), -1);
	ck_assert_msg(strstr(err.msg, "cannot read credentials_file"), "%s",
		      err.msg);
	unlink(good);
	unlink(bad);
	free(good);
	free(bad);
}
END_TEST

/* A loopback port: listening (the kernel completes connects, nobody
 * answers) or, closed again, refusing. */
static int listener(int *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(fd, 4), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	*port = ntohs(sa.sin_port);
	return fd;
}

static int send_to(int port, struct carb_error *err, int64_t *took_ms)
{
	char url[64];
	struct carb_event_sink_config s;
	struct carb_amqp *a = NULL;
	int64_t t0 = carb_monotonic_ms();
	int rc;

	snprintf(url, sizeof(url), "amqp://127.0.0.1:%d/%%2F", port);
	s = sink(url, NULL);
	ck_assert_int_eq(carb_amqp_new(&s, &a, err), 0);
	rc = carb_amqp_send(a, &ev, err);
	carb_amqp_free(&a);
	*took_ms = carb_monotonic_ms() - t0;
	return rc;
}

START_TEST(nobody_listening)
{
	struct carb_error err;
	int64_t took;
	int port, fd = listener(&port);

	close(fd);
	carb_error_clear(&err);
	ck_assert_int_eq(send_to(port, &err, &took), -1);
	ck_assert_msg(strstr(err.msg, "cannot connect to 127.0.0.1:"), "%s",
		      err.msg);
}
END_TEST

START_TEST(silent_listener_times_out)
{
	struct carb_error err;
	int64_t took;
	int port, fd = listener(&port);

	carb_error_clear(&err);
	ck_assert_int_eq(send_to(port, &err, &took), -1);
	ck_assert_msg(strstr(err.msg, "login"), "%s", err.msg);
	ck_assert_msg(took < 3000, "a silent broker held the send %lld ms",
		      (long long)took);
	close(fd);
}
END_TEST

static Suite *amqp_suite(void)
{
	Suite *s = suite_create("amqp");
	TCase *tc = tcase_create("amqp");

	tcase_add_test(tc, routing_key_template);
	tcase_add_test(tc, routing_key_too_long);
	tcase_add_test(tc, credentials_file);
	tcase_add_test(tc, nobody_listening);
	tcase_add_test(tc, silent_listener_times_out);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(amqp_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
