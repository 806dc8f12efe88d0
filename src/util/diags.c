#include <stdio.h>
#include <stdlib.h>

#include "util/util.h"

void carb_diags_init(struct carb_diags *d)
{
	d->items = NULL;
	d->count = 0;
	d->cap = 0;
}

void carb_diags_add(struct carb_diags *d, const char *file, int line,
		    int column, const char *fmt, ...)
{
	struct carb_diag *dg;
	char *msg = NULL;
	va_list ap;

	if (d->count == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 8;
		d->items = carb_xrealloc(d->items, d->cap * sizeof(*d->items));
	}
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = carb_xstrdup("out of memory formatting a message");
	va_end(ap);
	dg = &d->items[d->count++];
	dg->file = file ? carb_xstrdup(file) : NULL;
	dg->line = line;
	dg->column = column;
	dg->message = msg;
}

char *carb_diag_format(const struct carb_diag *dg)
{
	if (dg->file == NULL)
		return carb_xstrdup(dg->message);
	if (dg->line <= 0)
		return carb_xasprintf("%s: %s", dg->file, dg->message);
	return carb_xasprintf("%s:%d:%d: %s", dg->file, dg->line, dg->column,
			      dg->message);
}

void carb_diags_release(struct carb_diags *d)
{
	for (size_t i = 0; i < d->count; i++) {
		free(d->items[i].file);
		free(d->items[i].message);
	}
	free(d->items);
	carb_diags_init(d);
}
