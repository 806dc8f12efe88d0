/* A plugin for the tests: functions that read real files, fail, crash,
 * or take their time, so the host's handling of each can be seen.  Built
 * several times with different -D flags:
 *   PROBE_CONCURRENT  flags CARB_PLUGIN_CONCURRENT (probe_mt.so)
 *   PROBE_ABI=N       claims plugin ABI N (wrong_abi.so)
 *   PROBE_NO_ENTRY    exports no entry symbol (no_entry.so) */
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <carbonation/plugin.h>

#ifndef PROBE_ABI
#define PROBE_ABI CARB_PLUGIN_ABI_VERSION
#endif
#ifdef PROBE_CONCURRENT
#define PROBE_FLAGS CARB_PLUGIN_CONCURRENT
#define PROBE_NAME "probe_mt"
#else
#define PROBE_FLAGS 0u
#define PROBE_NAME "probe"
#endif

static atomic_int running, peak;

/* The first member with extension .dat, else the first. */
static size_t data_member(const struct carb_plugin_host *h,
			  struct carb_plugin_call *c)
{
	for (size_t i = 0; i < h->member_count(c); i++)
		if (strcmp(h->member(c, i)->extension, ".dat") == 0)
			return i;
	return 0;
}

/* label = the first line of the .dat member, line_count = its line count. */
static int count(const struct carb_plugin_host *h, struct carb_plugin_call *c,
		 void *state)
{
	size_t i = data_member(h, c);
	const struct carb_plugin_member *m = h->member(c, i);
	char buf[4096], label[256];
	size_t nlabel = 0;
	int64_t lines = 0;
	int fd = h->open_member(c, i);
	ssize_t n;
	int first = 1;

	(void)state;
	if (fd < 0)
		return h->fail(c, "cannot open %.*s", (int)m->rel_len, m->rel_path);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		for (ssize_t k = 0; k < n; k++) {
			if (buf[k] == '\n') {
				lines++;
				first = 0;
			} else if (first && nlabel < sizeof(label)) {
				label[nlabel++] = buf[k];
			}
		}
	close(fd);
	if (h->set_text(c, "label", label, nlabel) < 0 ||
	    h->set_integer(c, "line_count", lines) < 0 ||
	    h->set_boolean(c, "big", m->size > 100) < 0 ||
	    h->set_real(c, "ratio", m->size ? (double)lines / (double)m->size : 0) < 0 ||
	    h->set_timestamp(c, "stamp", (int64_t)1700000000 * 1000000 + lines) < 0)
		return -1;
	h->log(CARB_PLUGIN_DEBUG, "counted %lld lines", (long long)lines);
	return 0;
}

/* Crashes the process on a group with "crash" in a member's name. */
static int crash(const struct carb_plugin_host *h, struct carb_plugin_call *c,
		 void *state)
{
	for (size_t i = 0; i < h->member_count(c); i++)
		if (strstr(h->member(c, i)->rel_path, "crash") != NULL)
			abort();
	return count(h, c, state);
}

/* Writes to an unmapped address on a group with "segv" in a member's
 * name: a real fault, past the sanitizers' checks, as a plugin built
 * without them would make. */
__attribute__((no_sanitize("address", "undefined")))
static void fault(void)
{
	volatile int *nowhere = (volatile int *)(uintptr_t)16;

	*nowhere = 1;
}

static int segv(const struct carb_plugin_host *h, struct carb_plugin_call *c,
		void *state)
{
	for (size_t i = 0; i < h->member_count(c); i++)
		if (strstr(h->member(c, i)->rel_path, "segv") != NULL)
			fault();
	return count(h, c, state);
}

/* Loops forever, busy, on a group with "spin" in a member's name: an
 * endless loop in a parser. */
static int spin(const struct carb_plugin_host *h, struct carb_plugin_call *c,
		void *state)
{
	volatile unsigned long n = 0;

	for (size_t i = 0; i < h->member_count(c); i++)
		if (strstr(h->member(c, i)->rel_path, "spin") != NULL)
			for (;;)
				n++;
	return count(h, c, state);
}

/* Every way to go wrong, by name: "segv", "crash" (abort), "spin". */
static int trouble(const struct carb_plugin_host *h,
		   struct carb_plugin_call *c, void *state)
{
	for (size_t i = 0; i < h->member_count(c); i++)
		if (strstr(h->member(c, i)->rel_path, "crash") != NULL)
			abort();
	return segv(h, c, state) < 0 ? -1 : spin(h, c, state);
}

/* Never returns on a group with "hang" in a member's name, as a plugin
 * stuck on a dead network share would not. */
static int hang(const struct carb_plugin_host *h, struct carb_plugin_call *c,
		void *state)
{
	for (size_t i = 0; i < h->member_count(c); i++)
		if (strstr(h->member(c, i)->rel_path, "hang") != NULL)
			for (;;)
				pause();
	return count(h, c, state);
}

/* Takes 300 ms and records in "line_count" the most calls seen at once.
 * Built concurrent, a call first waits (up to 20 s) until two calls have
 * run at once: whether the host hands a second group to a worker within
 * 300 ms is the machine's speed, whether it does so at all is what the
 * test asks.  A host that serialises the calls leaves the peak at 1, only
 * 20 s later per call. */
static int slow(const struct carb_plugin_host *h, struct carb_plugin_call *c,
		void *state)
{
	struct timespec ts = { 0, 300 * 1000 * 1000 };
	int now = atomic_fetch_add(&running, 1) + 1, p = atomic_load(&peak);

	(void)state;
	while (now > p && !atomic_compare_exchange_weak(&peak, &p, now))
		;
#ifdef PROBE_CONCURRENT
	for (int i = 0; i < 2000 && atomic_load(&peak) < 2; i++) {
		struct timespec tick = { 0, 10 * 1000 * 1000 };

		nanosleep(&tick, NULL);
	}
#endif
	nanosleep(&ts, NULL);
	atomic_fetch_sub(&running, 1);
	return h->set_integer(c, "line_count", atomic_load(&peak));
}

static int fail(const struct carb_plugin_host *h, struct carb_plugin_call *c,
		void *state)
{
	(void)state;
	return h->fail(c, "this group is no good");
}

/* Sets an integer column with text: the host must refuse it. */
static int badtype(const struct carb_plugin_host *h, struct carb_plugin_call *c,
		   void *state)
{
	(void)state;
	return h->set_text(c, "line_count", "many", 4);
}

/* Sets a column nobody declared. */
static int undeclared(const struct carb_plugin_host *h, struct carb_plugin_call *c,
		      void *state)
{
	(void)state;
	return h->set_integer(c, "nope", 1);
}

/* Keeps a group unless its label is "skip". */
static int not_skip(const struct carb_plugin_host *h, struct carb_plugin_call *c,
		    void *state)
{
	struct carb_plugin_value v;

	(void)state;
	if (h->get(c, "label", &v) == 0 && !v.is_null &&
	    v.text_len == 4 && memcmp(v.text, "skip", 4) == 0)
		return h->fail(c, "label is skip"), 0;
	return 1;
}

/* The destination named by the label, when it starts with "to-". */
static int by_label(const struct carb_plugin_host *h, struct carb_plugin_call *c,
		    void *state)
{
	struct carb_plugin_value v;
	char name[128];

	(void)state;
	if (h->get(c, "label", &v) < 0 || v.is_null || v.text_len < 4 ||
	    memcmp(v.text, "to-", 3) != 0 || v.text_len - 3 >= sizeof(name))
		return 0;
	memcpy(name, v.text + 3, v.text_len - 3);
	name[v.text_len - 3] = '\0';
	return h->set_destination(c, name);
}

/* Group key: the name up to its first '-', so a-1.dat and a-2.txt go
 * together. */
static int prefix(const struct carb_plugin_host *h, struct carb_plugin_call *c,
		  void *state)
{
	const struct carb_plugin_member *m = h->member(c, 0);
	const char *base = m->rel_path, *dash;

	(void)state;
	for (const char *p = m->rel_path; p < m->rel_path + m->rel_len; p++)
		if (*p == '/')
			base = p + 1;
	dash = memchr(base, '-', (size_t)(m->rel_path + m->rel_len - base));
	if (dash == NULL || dash == base)
		return 0;
	return h->set_group_key(c, base, (size_t)(dash - base));
}

/* prefix, but aborts on a file with "crashg" in its name. */
static int crash_group(const struct carb_plugin_host *h,
		       struct carb_plugin_call *c, void *state)
{
	if (strstr(h->member(c, 0)->rel_path, "crashg") != NULL)
		abort();
	return prefix(h, c, state);
}

/* [plugins.probe] extra = ["name", ...]: more text columns;
 * migrations = "DIR": where its migration branch is (for a build outside
 * the source tree). */
static int init(const struct carb_plugin_host *h, struct carb_plugin_setup *s,
		void **state)
{
	const struct carb_plugin_config *extra = h->config_get(h->config(s), "extra");
	const struct carb_plugin_config *mig = h->config_get(h->config(s), "migrations");

	*state = NULL;
	if (mig != NULL)
		h->set_migrations(s, h->config_string(mig));
	if (extra == NULL)
		return 0;
	if (h->config_type(extra) != CARB_PLUGIN_CONFIG_ARRAY) {
		h->config_error(s, extra, "extra: expected an array of column names");
		return -1;
	}
	for (size_t i = 0; i < h->config_count(extra); i++) {
		const char *name = h->config_string(h->config_at(extra, i, NULL));
		struct carb_plugin_column col = { name, CARB_PLUGIN_TEXT, 1, 0, 1, NULL };

		if (name == NULL) {
			h->config_error(s, h->config_at(extra, i, NULL),
					"extra: expected a string");
			return -1;
		}
		if (h->declare_column(s, &col) < 0)
			return -1;
	}
	return 0;
}

static const struct carb_plugin_column columns[] = {
	{ "label", CARB_PLUGIN_TEXT, 1, 1, 1, "first line of the .dat file" },
	{ "line_count", CARB_PLUGIN_INTEGER, 1, 0, 1, "lines of the .dat file" },
	{ "big", CARB_PLUGIN_BOOLEAN, 1, 0, 1, "more than 100 bytes" },
	{ "ratio", CARB_PLUGIN_REAL, 1, 0, 0, "lines per byte" },
	{ "stamp", CARB_PLUGIN_TIMESTAMP, 1, 1, 1, "a made-up time" },
	{ NULL, 0, 0, 0, 0, NULL },
};

static const struct carb_plugin_function extractors[] = {
	{ "count", count, "label and line count of the .dat file" },
	{ "crash", crash, "aborts on a group with \"crash\" in a name" },
	{ "segv", segv, "SIGSEGV on a group with \"segv\" in a name" },
	{ "spin", spin, "loops forever on a group with \"spin\" in a name" },
	{ "trouble", trouble, "segv, crash and spin by name" },
	{ "slow", slow, "300 ms; records the most calls at once" },
	{ "hang", hang, "never returns on a group with \"hang\" in a name" },
	{ "fail", fail, "always fails" },
	{ "badtype", badtype, "sets a column with the wrong type" },
	{ "undeclared", undeclared, "sets a column nobody declared" },
	{ NULL, NULL, NULL },
};

static const struct carb_plugin_function selectors[] = {
	{ "not_skip", not_skip, NULL },
	{ NULL, NULL, NULL },
};

static const struct carb_plugin_function routers[] = {
	{ "by_label", by_label, NULL },
	{ NULL, NULL, NULL },
};

static const struct carb_plugin_function groupers[] = {
	{ "prefix", prefix, NULL },
	{ "crash_group", crash_group, NULL },
	{ NULL, NULL, NULL },
};

static const struct carb_plugin description = {
	.abi_version = PROBE_ABI,
	.name = PROBE_NAME,
	.version = "1.0.0",
	.description = "test plugin",
	.flags = PROBE_FLAGS,
	.columns = columns,
	.extractors = extractors,
	.selectors = selectors,
	.groupers = groupers,
	.routers = routers,
	.migrations = "migrations",
	.default_order = "-stamp",
	.init = init,
};

#ifndef PROBE_NO_ENTRY
const struct carb_plugin *carbonation_plugin_entry(void)
{
	return &description;
}
#else
const struct carb_plugin *probe_description(void);
const struct carb_plugin *probe_description(void)
{
	return &description;
}
#endif
