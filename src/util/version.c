#include "carbonation/carbonation.h"

const char *carbonation_version(void)
{
	return PACKAGE_VERSION;
}
