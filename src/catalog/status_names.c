/* The status enum and its stored text: the one table that maps them, so
 * the text is spelt once, as the migrations' CHECK constraints spell it. */
#include <string.h>

#include "catalog/catalog.h"

static const char *const names[CARB_STATUS_COUNT] = {
	[CARB_STATUS_PENDING] = "PENDING",
	[CARB_STATUS_INTEGRITY_FAILED] = "INTEGRITY_FAILED",
	[CARB_STATUS_WAITING] = "WAITING",
	[CARB_STATUS_TIMED_OUT] = "TIMED_OUT",
	[CARB_STATUS_READY] = "READY",
	[CARB_STATUS_NOT_SELECTED] = "NOT_SELECTED",
	[CARB_STATUS_ARCHIVING] = "ARCHIVING",
	[CARB_STATUS_ARCHIVED] = "ARCHIVED",
	[CARB_STATUS_RETRY_PENDING] = "RETRY_PENDING",
	[CARB_STATUS_FAILED] = "FAILED",
	[CARB_STATUS_DUPLICATE] = "DUPLICATE",
	[CARB_STATUS_WITHDRAWN] = "WITHDRAWN",
	[CARB_STATUS_CLEARED] = "CLEARED",
};

const char *carb_status_name(enum carb_status status)
{
	if ((size_t)status >= CARB_STATUS_COUNT)
		return "?";
	return names[status];
}

int carb_status_parse(const char *text, enum carb_status *out)
{
	if (text == NULL)
		return -1;
	for (size_t i = 0; i < CARB_STATUS_COUNT; i++)
		if (strcmp(text, names[i]) == 0) {
			*out = (enum carb_status)i;
			return 0;
		}
	return -1;
}

int carb_status_column(const char *text, const char *what,
		       enum carb_status *out, struct carb_error *err)
{
	if (carb_status_parse(text, out) == 0)
		return 0;
	return carb_error_set(err, "%s in the catalog has an unknown status \"%s\"",
			      what, text != NULL ? text : "(null)");
}
