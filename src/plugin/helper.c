/* A plugin helper process (isolate.c starts it): the program run as
 *
 *   carbonation-plugin-helper CARB_PLUGIN_HELPER_ARG CONFIG SO PPID
 *
 * with its socket to the service as descriptor 3.  It loads the plugin
 * SO with CONFIG's [plugins.NAME] as the service did, says hello with
 * the columns it declared, then runs one call per request until the
 * service closes the socket, when it runs the plugin's fini and ends. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "plugin/plugin_internal.h"
#include "plugin/wire.h"

#define SERVICE_FD 3

/* A crash ends the helper by its signal, which the service reports; a
 * sanitizer's own handler would turn it into an exit status instead. */
static void die_by(int sig)
{
	signal(sig, SIG_DFL);
	raise(sig);
}

static void catch_crashes(void)
{
	static const int sigs[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL };
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = die_by;
	sa.sa_flags = SA_NODEFER | SA_RESETHAND;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(*sigs); i++)
		sigaction(sigs[i], &sa, NULL);
}

/* host->log during a call: to the service, which logs it. */
static void send_log(int level, const char *line)
{
	struct carb_buf b;

	carb_buf_init(&b);
	carb_wire_u8(&b, (uint8_t)level);
	carb_wire_str(&b, line);
	carb_wire_send(SERVICE_FD, CARB_WIRE_LOG, &b, -1, -1);
	carb_buf_release(&b);
}

static int send_refusal(const struct carb_diags *d)
{
	struct carb_buf b;

	carb_buf_init(&b);
	for (size_t i = 0; i < d->count; i++) {
		char *line = carb_diag_format(&d->items[i]);

		carb_buf_addf(&b, "%s%s", i ? "; " : "", line);
		free(line);
	}
	if (d->count == 0)
		carb_buf_adds(&b, "no reason given");
	carb_wire_send(SERVICE_FD, CARB_WIRE_REFUSED, &b, -1, -1);
	carb_buf_release(&b);
	return 1;
}

static void send_hello(const struct carb_plugin_rt *p)
{
	struct carb_buf b;

	carb_buf_init(&b);
	carb_wire_u32(&b, (uint32_t)p->ncolumns);
	for (size_t i = 0; i < p->ncolumns; i++) {
		carb_wire_str(&b, p->columns[i].name);
		carb_wire_u8(&b, (uint8_t)p->columns[i].type);
	}
	carb_wire_send(SERVICE_FD, CARB_WIRE_HELLO, &b, -1, -1);
	carb_buf_release(&b);
}

/* One request: the call, and its outcome back.  Returns -1 when the
 * service cannot be answered. */
static int serve_call(struct carb_plugin_rt *p, struct carb_buf *req,
		      int dirfd)
{
	struct carb_wire_in in = { (const unsigned char *)req->data, req->len, false };
	struct carb_wire_call c;
	struct carb_buf b;
	char *why = NULL;
	int rc = -1, sent;

	if (carb_wire_get_call(&in, p, &c, &why) == 0) {
		c.g.dirfd = dirfd;
		rc = carb_plugin_call_here(p, c.kind, c.fname, &c.g, &c.o);
	} else {
		free(c.o.reason);
		c.o.reason = why ? why : carb_xstrdup("a malformed call");
		why = NULL;
	}
	carb_buf_init(&b);
	carb_wire_i64(&b, rc);
	carb_wire_put_outcome(&b, &c.o);
	sent = carb_wire_send(SERVICE_FD, CARB_WIRE_DONE, &b, -1, -1);
	carb_buf_release(&b);
	carb_wire_call_release(&c);
	free(why);
	return sent;
}

static void serve(struct carb_plugin_rt *p)
{
	enum carb_wire_type t;
	struct carb_buf req;
	int dirfd;

	carb_buf_init(&req);
	while (carb_wire_recv(SERVICE_FD, &t, &req, &dirfd, -1) == 1) {
		int rc = t == CARB_WIRE_CALL ? serve_call(p, &req, dirfd) : -1;

		if (dirfd >= 0)
			close(dirfd);
		if (rc < 0)
			break;
	}
	carb_buf_release(&req);
}

/* Ends with the service, even while a call never returns; and a service
 * gone before this line ran is seen by its parent's pid. */
static bool bound_to_parent(const char *ppid)
{
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		return false;
	return (long)getppid() == strtol(ppid, NULL, 10);
}

int carb_plugin_helper_main(int argc, char **argv)
{
	struct carb_config *cfg = NULL;
	struct carb_plugin_rt *p = NULL;
	struct carb_diags d;

	if (argc != 5 || !bound_to_parent(argv[4]))
		return 2;
	/* what the service holds open is none of the plugin's business */
	close_range(SERVICE_FD + 1, ~0U, 0);
	catch_crashes();
	carb_diags_init(&d);
	if (carb_config_load_values(argv[2], &cfg, &d) < 0 ||
	    carb_plugin_load_path(cfg, argv[3], &p, &d) < 0) {
		send_refusal(&d);
	} else {
		carb_plugin_host_set_log(send_log);
		send_hello(p);
		serve(p);
	}
	carb_plugin_unload(&p);
	carb_config_free(&cfg);
	carb_diags_release(&d);
	return 0;
}
