/* The protocol between the service and a plugin helper process
 * (isolate.c, helper.c): length-prefixed frames on a stream socket, each
 * a type byte and a payload of fixed-width fields and byte strings.  A
 * call's request carries the watch folder's descriptor (SCM_RIGHTS).
 * Private to src/plugin/. */
#ifndef CARB_PLUGIN_WIRE_H
#define CARB_PLUGIN_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/util.h"

/* The frame types. */
enum carb_wire_type {
	CARB_WIRE_HELLO = 1,  /* helper -> service: loaded; its columns */
	CARB_WIRE_REFUSED,    /* helper -> service: could not load; why */
	CARB_WIRE_CALL,       /* service -> helper: one call on one group */
	CARB_WIRE_LOG,        /* helper -> service: host->log in a call */
	CARB_WIRE_DONE,       /* helper -> service: the call's outcome */
};

/* Larger frames are refused: a helper is the plugin's code, and a length
 * it claims is no reason to allocate. */
#define CARB_WIRE_MAX_FRAME (64u * 1024 * 1024)

/* ---- building a payload ---------------------------------------------- */

void carb_wire_u8(struct carb_buf *b, uint8_t v);
void carb_wire_u32(struct carb_buf *b, uint32_t v);
void carb_wire_i64(struct carb_buf *b, int64_t v);
void carb_wire_f64(struct carb_buf *b, double v);
/* len bytes; s may be NULL for a missing value, told apart from "". */
void carb_wire_bytes(struct carb_buf *b, const char *s, size_t len);
void carb_wire_str(struct carb_buf *b, const char *s);

/* ---- reading one --------------------------------------------------------- */

/* A cursor over a received payload.  A read past the end or a malformed
 * field sets bad and returns zeros; the caller checks bad once at the
 * end. */
struct carb_wire_in {
	const unsigned char *p;
	size_t left;
	bool bad;
};

uint8_t carb_wire_get_u8(struct carb_wire_in *in);
uint32_t carb_wire_get_u32(struct carb_wire_in *in);
int64_t carb_wire_get_i64(struct carb_wire_in *in);
double carb_wire_get_f64(struct carb_wire_in *in);
/* A view into the payload (not NUL-terminated) and its length; NULL for
 * a missing value. */
const char *carb_wire_get_bytes(struct carb_wire_in *in, size_t *len);
/* A copy, NUL-terminated, or NULL for a missing value; refused (bad) when
 * it holds a NUL. */
char *carb_wire_get_str(struct carb_wire_in *in);

/* ---- frames ---------------------------------------------------------------- */

/* Sends a frame of type t with payload b, passing pass_fd along unless it
 * is -1.  deadline_ms (carb_monotonic_ms) bounds the wait on a full
 * socket; -1: block.  Returns 0, or -1 with errno (ETIMEDOUT). */
int carb_wire_send(int fd, enum carb_wire_type t, const struct carb_buf *b,
		   int pass_fd, int64_t deadline_ms);

/* Receives one frame: *t, the payload in b (reset first), and a passed
 * descriptor in *got_fd when got_fd is not NULL (-1 when none; one passed
 * without got_fd is closed).  Returns 1, 0 at end of stream, or -1 with
 * errno (ETIMEDOUT past deadline_ms; EPROTO for a frame too large). */
int carb_wire_recv(int fd, enum carb_wire_type *t, struct carb_buf *b,
		   int *got_fd, int64_t deadline_ms);

#endif
