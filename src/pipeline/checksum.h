/* Checksums for integrity checking: streaming digests of a file's content,
 * and the checksum sidecars (NAME.sha256, NAME.sha1, NAME.md5) and
 * manifests (SHA256SUMS) that vouch for them.  Internal to src/pipeline;
 * the rest of the tree goes through pipeline.h. */
#ifndef CARB_PIPELINE_CHECKSUM_H
#define CARB_PIPELINE_CHECKSUM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/util.h"

/* The algorithms a sidecar may use.  SHA-256 is always computed, since it
 * is the content_hash kept in the catalog; the others only when a sidecar
 * asks for them. */
enum carb_digest_algo {
	CARB_DIGEST_SHA256,
	CARB_DIGEST_SHA1,
	CARB_DIGEST_MD5,
	CARB_DIGEST_COUNT
};

/* "sha256", "sha1", "md5"; "unknown" for anything else. */
const char *carb_digest_algo_name(enum carb_digest_algo a);
/* Length of the hex form: 64, 40, 32; 0 for anything else. */
size_t carb_digest_hex_len(enum carb_digest_algo a);
/* The algorithm a sidecar's file name implies by its extension ".sha256",
 * ".sha1" or ".md5" (case-insensitive, after a non-empty NAME); -1 when
 * file_name[0..len) is not a sidecar name. */
int carb_digest_algo_from_name(const char *file_name, size_t len);

/* Hex digits of an xxh128 (XXH3, 128 bits), as xxhsum -H2 prints it. */
#define CARB_XXH128_HEX_LEN 32

/* Reads fd from its current offset to EOF once, in 64 KiB chunks, and
 * computes SHA-256 always plus every algorithm whose bit (1u << algo) is
 * set in extra_mask, so a file is read once whatever sidecars it has.
 * hex_out[a] receives lower-case hex, NUL-terminated, for each computed
 * algorithm and "" for the others.  When xxh128_out is not NULL it
 * receives the xxh128 of the same bytes, from the same buffers (no second
 * read): CARB_XXH128_HEX_LEN lower-case hex digits in xxhsum's canonical
 * order and a NUL ("" on failure).  xxh128 is no sidecar algorithm: it is
 * recorded, never verified.  *size_out (when not NULL) gets the bytes
 * read.  Retries EINTR.  Returns 0, or -1 with err ("read error: ..."). */
int carb_digest_fd(int fd, unsigned extra_mask,
		   char hex_out[CARB_DIGEST_COUNT][129], char *xxh128_out,
		   uint64_t *size_out, struct carb_error *err);

/* One line of a sidecar or manifest.  name is NULL for a bare hash, which
 * stands for the file the sidecar is named after. */
struct carb_sidecar_entry {
	char *name;             /* owned, NUL-terminated, unescaped */
	size_t name_len;
	enum carb_digest_algo algo;
	char hex[129];          /* lower-cased */
};

struct carb_sidecar {
	struct carb_sidecar_entry *entries;
	size_t count;
};

/* Parses text[0..len) of the checksum file display_name (used in
 * messages).  default_algo is the algorithm the file's extension implies,
 * or -1 for a manifest, whose lines say it (the BSD tag) or imply it by
 * the hash's length (64 sha256, 40 sha1, 32 md5).  Accepted lines:
 *   "HEX  NAME", "HEX *NAME"     as sha256sum writes them; a leading '\'
 *                                means NAME is escaped (\\, \n, \r);
 *   "SHA256 (NAME) = HEX"        BSD form, also SHA1 and MD5, optionally
 *                                with the same leading '\';
 *   "HEX"                        alone, only when allow_bare.
 * Blank lines and lines starting with '#' are skipped; CRLF is accepted.
 * A file that cannot be trusted whole is refused whole: -1 with err
 * "sidecar DISPLAY_NAME: line N: ..." (err->line = N) for a malformed
 * line, a non-hex hash, a hash of the wrong length, a BSD tag other than
 * default_algo, a bare hash not allowed or not alone, or a NUL byte;
 * "sidecar DISPLAY_NAME: no checksum in it" when there is no entry.
 * On success *out owns the entries; release them with
 * carb_sidecar_release, which is also safe (a no-op) after failure. */
int carb_sidecar_parse(const char *text, size_t len, const char *display_name,
		       int default_algo, bool allow_bare,
		       struct carb_sidecar *out, struct carb_error *err);
/* Frees the entries and leaves sc empty. */
void carb_sidecar_release(struct carb_sidecar *sc);

/* The entry for the file name[0..name_len) (a basename): one whose name
 * equals it, or "./" followed by it, before one whose last path component
 * equals it, since a manifest beside the file means the file itself
 * first.  A bare entry matches any name.  NULL when none does. */
const struct carb_sidecar_entry *
carb_sidecar_find(const struct carb_sidecar *sc, const char *name,
		  size_t name_len);

#endif
