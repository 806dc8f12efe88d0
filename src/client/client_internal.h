/* Internal to src/client: the handle, shared by the files of the public
 * API (client.c: open, queries, polls; status.c: the service status). */
#ifndef CARB_CLIENT_INTERNAL_H
#define CARB_CLIENT_INTERNAL_H

#include "carbonation/carbonation.h"
#include "catalog/catalog.h"

struct carbonation {
	struct carb_catalog *cat;
	struct carb_plugin_column *pcols;   /* copies of the plugin's */
	size_t npcols;
	struct carb_config *cfg;            /* owns the plugin's strings */
	struct carb_plugin_rt *plugin;
};

/* Copies msg into err (when not NULL); returns -1. */
int carb_client_fail(struct carbonation_error *err, const char *msg);

#endif
