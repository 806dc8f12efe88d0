/* The door to the http-put module (http_put.c, built as
 * modules/http-put.so): libcurl and what it brings are loaded only by a
 * run that has an http destination, not by every command.  Also the one
 * test of whether an archive path is such a destination's URL, which
 * reconciliation asks without loading anything. */
#include <stdio.h>
#include <string.h>

#include "archive/archive_internal.h"

/* Stored by init on the intake thread, read by the workers' batches:
 * atomic, though every store writes the same table. */
static const struct carb_archive_http_ops *ops;

bool carb_archive_path_is_url(const char *path, size_t len)
{
	return (len >= 7 && strncmp(path, "http://", 7) == 0) ||
	       (len >= 8 && strncmp(path, "https://", 8) == 0);
}

int carb_archive_http_init(struct carb_error *err)
{
	const void *table;

	if (carb_module_symbol("http-put", "carb_archive_http_module", &table,
			       err) < 0)
		return -1;
	__atomic_store_n(&ops, table, __ATOMIC_RELEASE);
	return ((const struct carb_archive_http_ops *)table)->init(err);
}

void carb_archive_http_cleanup(void)
{
	const struct carb_archive_http_ops *o =
		__atomic_load_n(&ops, __ATOMIC_ACQUIRE);

	if (o != NULL)
		o->cleanup();
}

void carb_archive_http_run(struct carb_archive_batch *b)
{
	const struct carb_archive_http_ops *o =
		__atomic_load_n(&ops, __ATOMIC_ACQUIRE);

	if (o != NULL) {
		o->run(b);
		return;
	}
	/* Not reached: the archiving step inits before any batch. */
	for (size_t i = 0; i < b->n; i++) {
		b->items[i].outcome = i == 0 ? CARB_PLACE_UNUSABLE : CARB_PLACE_LATER;
		snprintf(b->items[i].reason, sizeof(b->items[i].reason),
			 "the http-put module is not loaded");
	}
}
