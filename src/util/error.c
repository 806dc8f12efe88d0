#include <stdio.h>
#include <string.h>

#include "util/util.h"

int carb_error_setv(struct carb_error *err, const char *fmt, va_list ap)
{
	if (err == NULL)
		return -1;
	err->line = 0;
	err->column = 0;
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	return -1;
}

int carb_error_set(struct carb_error *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	carb_error_setv(err, fmt, ap);
	va_end(ap);
	return -1;
}

int carb_error_set_at(struct carb_error *err, int line, int column,
		      const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	carb_error_setv(err, fmt, ap);
	va_end(ap);
	if (err != NULL) {
		err->line = line;
		err->column = column;
	}
	return -1;
}

void carb_error_clear(struct carb_error *err)
{
	if (err == NULL)
		return;
	err->line = 0;
	err->column = 0;
	err->msg[0] = '\0';
}
