/* libcarbonation: the client library.
 *
 * Programs link it (pkg-config --libs carbonation) to ask the catalog what
 * arrived and where it went.  Every exported symbol starts with
 * "carbonation_"; nothing else is exported.  The query and polling API
 * arrives with the query issue; this header holds what exists today. */
#ifndef CARBONATION_H
#define CARBONATION_H

#ifdef __cplusplus
extern "C" {
#endif

#define CARBONATION_VERSION_MAJOR 0
#define CARBONATION_VERSION_MINOR 1
#define CARBONATION_VERSION_PATCH 0

/* The library's release, e.g. "0.1.0": compare with the header's macros
 * to detect a program built against another release.  Static storage. */
const char *carbonation_version(void);

#ifdef __cplusplus
}
#endif

#endif
