/* my_plugin: a carbonation plugin, written by `carbonation init` as a
 * starting point to change.
 *
 * Deliveries here are measurements: STATION_YYYYMMDDTHHMMSS.dat, a text
 * file with a header line and one record per line, and optionally an .xml
 * file beside it.  The plugin adds three columns to the catalog's files
 * table (one row per group of files sharing a stem):
 *
 *   station      text       the name up to its first "_"
 *   observed_at  timestamp  the date and time after the "_" (UTC)
 *   records      integer    lines of the .dat file after its header
 *
 * and two functions that rules.toml names:
 *
 *   [metadata]  extract  = "read_dat"     fills the columns
 *   [selection] function = "has_records"  keeps groups with a record
 *
 * The whole contract is <carbonation/plugin.h>.  Everything carbonation
 * offers comes through the host table handed to each call; the plugin
 * links against nothing of carbonation.  Build with `make`; README.md
 * tells how to add a column. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <carbonation/plugin.h>

/* ---- columns ------------------------------------------------------------ */

/* Each column needs a migration that creates it (migrations/, one folder
 * per SQL dialect): `carbonation db revision -m "..." --autogenerate`
 * writes it from this list. */
static const struct carb_plugin_column columns[] = {
	{ .name = "station", .type = CARB_PLUGIN_TEXT,
	  .nullable = 1, .indexed = 1, .filterable = 1,
	  .doc = "the station that measured: the file name up to its first \"_\"" },
	{ .name = "observed_at", .type = CARB_PLUGIN_TIMESTAMP,
	  .nullable = 1, .indexed = 1, .filterable = 1,
	  .doc = "when it was measured: the name's YYYYMMDDTHHMMSS after the \"_\", UTC" },
	{ .name = "records", .type = CARB_PLUGIN_INTEGER,
	  .nullable = 0, .indexed = 0, .filterable = 1,
	  .doc = "lines of the .dat file after its header" },
	{ .name = NULL },
};

/* ---- configuration ------------------------------------------------------ */

/* What init read from [plugins.my_plugin] in config.toml. */
struct my_state {
	int64_t header_lines;     /* lines at the top of a .dat that are no record */
};

static int my_init(const struct carb_plugin_host *host,
		   struct carb_plugin_setup *setup, void **state)
{
	const struct carb_plugin_config *table = host->config(setup);
	const struct carb_plugin_config *v = host->config_get(table, "header_lines");
	struct my_state *st;

	if (v != NULL && (host->config_type(v) != CARB_PLUGIN_CONFIG_INTEGER ||
			  host->config_integer(v) < 0)) {
		host->config_error(setup, v, "header_lines must be an integer, 0 or more");
		return -1;
	}
	st = malloc(sizeof(*st));
	if (st == NULL) {
		host->config_error(setup, NULL, "out of memory");
		return -1;
	}
	st->header_lines = v != NULL ? host->config_integer(v) : 1;
	*state = st;
	return 0;
}

static void my_fini(const struct carb_plugin_host *host, void *state)
{
	(void)host;
	free(state);
}

/* ---- read_dat: the extractor -------------------------------------------- */

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar
 * (Howard Hinnant's days_from_civil), so no time zone is involved. */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* Reads n decimal digits at s; -1 when one is not a digit. */
static int64_t digits(const char *s, int n)
{
	int64_t v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* "YYYYMMDDTHHMMSS" at s (len bytes) as microseconds since the epoch, UTC;
 * 0 with *usec set, or -1 when it is not one. */
static int parse_stamp(const char *s, size_t len, int64_t *usec)
{
	int64_t y, mo, d, h, mi, sec;

	if (len < 15 || s[8] != 'T')
		return -1;
	y = digits(s, 4);
	mo = digits(s + 4, 2);
	d = digits(s + 6, 2);
	h = digits(s + 9, 2);
	mi = digits(s + 11, 2);
	sec = digits(s + 13, 2);
	if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 ||
	    mi < 0 || mi > 59 || sec < 0 || sec > 60)
		return -1;
	*usec = ((days_from_civil(y, mo, d) * 24 + h) * 3600 + mi * 60 + sec) *
		INT64_C(1000000);
	return 0;
}

/* Lines of the file open on fd; a last line without "\n" counts. */
static int64_t count_lines(int fd)
{
	char buf[65536];
	int64_t lines = 0;
	char last = '\n';
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		for (ssize_t i = 0; i < n; i++)
			lines += buf[i] == '\n';
		last = buf[n - 1];
	}
	return lines + (last != '\n');
}

/* Member of the group with extension ext, or -1. */
static long find_member(const struct carb_plugin_host *host,
			struct carb_plugin_call *call, const char *ext)
{
	size_t n = host->member_count(call);
	size_t len = strlen(ext);

	for (size_t i = 0; i < n; i++) {
		const struct carb_plugin_member *m = host->member(call, i);

		if (m->ext_len == len && memcmp(m->extension, ext, len) == 0)
			return (long)i;
	}
	return -1;
}

static int read_dat(const struct carb_plugin_host *host,
		    struct carb_plugin_call *call, void *state)
{
	const struct my_state *st = state;
	size_t key_len;
	const char *key = host->group_key(call, &key_len);
	const char *sep = memchr(key, '_', key_len);
	size_t station_len = sep != NULL ? (size_t)(sep - key) : key_len;
	const struct carb_plugin_member *m;
	int64_t when;
	int64_t lines;
	long dat;
	int fd;

	/* The name: the station, then the time.  A setter that refuses a
	 * value (text that is not UTF-8) records why; returning -1 marks the
	 * group FAILED with that reason. */
	if (host->set_text(call, "station", key, station_len) < 0)
		return -1;
	if (sep != NULL &&
	    parse_stamp(sep + 1, key_len - station_len - 1, &when) == 0) {
		if (host->set_timestamp(call, "observed_at", when) < 0)
			return -1;
	} else if (host->set_null(call, "observed_at") < 0) {
		return -1;
	}

	/* The content: the .dat file, which rules.toml requires. */
	dat = find_member(host, call, ".dat");
	if (dat < 0)
		return host->set_integer(call, "records", 0);
	m = host->member(call, (size_t)dat);
	fd = host->open_member(call, (size_t)dat);
	if (fd < 0)
		return host->fail(call, "cannot open %.*s: %s", (int)m->rel_len,
				  m->rel_path, strerror(errno));
	lines = count_lines(fd);
	if (lines < 0) {
		int e = errno;

		close(fd);
		return host->fail(call, "cannot read %.*s: %s", (int)m->rel_len,
				  m->rel_path, strerror(e));
	}
	close(fd);
	host->log(CARB_PLUGIN_DEBUG, "%.*s: %lld lines", (int)key_len, key,
		  (long long)lines);
	lines -= st != NULL ? st->header_lines : 1;
	return host->set_integer(call, "records", lines > 0 ? lines : 0);
}

/* ---- has_records: the selector ------------------------------------------ */

/* Sees what read_dat set.  1 keeps the group, 0 does not: it becomes
 * NOT_SELECTED with the reason given to host->fail. */
static int has_records(const struct carb_plugin_host *host,
		       struct carb_plugin_call *call, void *state)
{
	struct carb_plugin_value v;

	(void)state;
	if (host->get(call, "records", &v) < 0)
		return -1;
	if (v.is_null || v.integer < 1) {
		host->fail(call, "no records in the .dat file");
		return 0;
	}
	return 1;
}

/* ---- the description ---------------------------------------------------- */

static const struct carb_plugin_function extractors[] = {
	{ "read_dat", read_dat, "station and observed_at from the name, records from the .dat file" },
	{ NULL, NULL, NULL },
};

static const struct carb_plugin_function selectors[] = {
	{ "has_records", has_records, "keeps groups whose .dat file holds a record" },
	{ NULL, NULL, NULL },
};

static const struct carb_plugin plugin = {
	.abi_version = CARB_PLUGIN_ABI_VERSION,
	.name = "my_plugin",          /* also its migration branch */
	.version = "0.1.0",
	.description = "measurements: station, time and record count of each delivery",
	/* Add CARB_PLUGIN_CONCURRENT once every function may run on several
	 * threads at once (strerror, above, is the one thing in the way). */
	.flags = 0,
	.columns = columns,
	.extractors = extractors,
	.selectors = selectors,
	.groupers = NULL,
	.routers = NULL,
	.migrations = "migrations",   /* relative to the folder of the .so */
	.default_order = "-observed_at",
	.init = my_init,
	.fini = my_fini,
};

/* The one symbol the plugin exports: plugin.h declares it visible, the
 * Makefile's -fvisibility=hidden hides the rest. */
const struct carb_plugin *carbonation_plugin_entry(void)
{
	return &plugin;
}
