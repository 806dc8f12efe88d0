/* The journal transport: each message with PRIORITY, the source position
 * and carbonation's fields, so `journalctl -p warning` and `journalctl
 * CARB_WATCH=incoming` work.  Fields a message does not have are left
 * out rather than sent empty. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <syslog.h>

/* The position is the message's own (CODE_FILE, CODE_LINE), not this
 * file's, which sd_journal_sendv would add. */
#define SD_JOURNAL_SUPPRESS_LOCATION
#include <systemd/sd-journal.h>

#include "util/util.h"

static const int priorities[] = { LOG_DEBUG, LOG_INFO, LOG_WARNING, LOG_ERR };

#define MAX_FIELDS 12

struct fields {
	struct iovec iov[MAX_FIELDS];
	char *owned[MAX_FIELDS];
	int n;
};

static void add(struct fields *fs, const char *key, const char *value)
{
	if (value == NULL || value[0] == '\0' || fs->n >= MAX_FIELDS)
		return;
	fs->owned[fs->n] = carb_xasprintf("%s=%s", key, value);
	fs->iov[fs->n].iov_base = fs->owned[fs->n];
	fs->iov[fs->n].iov_len = strlen(fs->owned[fs->n]);
	fs->n++;
}

int carb_log_journal_send(const struct carb_log_message *m)
{
	const struct carb_log_fields *f = m->f;
	struct fields fs = { .n = 0 };
	char num[32];
	int rc;

	if (m->level < 0)
		return 0;  /* the probe: this build can */
	add(&fs, "MESSAGE", m->text);
	snprintf(num, sizeof(num), "%d", priorities[m->level]);
	add(&fs, "PRIORITY", num);
	add(&fs, "SYSLOG_IDENTIFIER", "carbonation");
	/* From the tree's top, whatever the build folder: "src/..." */
	add(&fs, "CODE_FILE", strstr(m->file, "src/") ? strstr(m->file, "src/")
						     : m->file);
	snprintf(num, sizeof(num), "%d", m->line);
	add(&fs, "CODE_LINE", num);
	add(&fs, "CARB_INSTANCE", m->instance);
	if (f != NULL) {
		add(&fs, "CARB_WATCH", f->watch);
		add(&fs, "CARB_COMPONENT", m->component);
		if (f->group > 0) {
			snprintf(num, sizeof(num), "%lld", (long long)f->group);
			add(&fs, "CARB_GROUP", num);
		}
		add(&fs, "CARB_STATUS", f->status);
		add(&fs, "CARB_DESTINATION", f->destination);
	}
	rc = sd_journal_sendv(fs.iov, fs.n);
	for (int i = 0; i < fs.n; i++)
		free(fs.owned[i]);
	return rc < 0 ? -1 : 0;
}
