/* A build without libsystemd has no journal transport. */
#include "util/util.h"

int carb_log_journal_send(const struct carb_log_message *m)
{
	(void)m;
	return -1;
}
