/* Content digests and checksum sidecars (src/pipeline/checksum.c). */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <xxhash.h>

#include "pipeline/checksum.h"
#include "util/util.h"

#define ABC_SHA256 "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
#define ABC_SHA1 "a9993e364706816aba3e25717850c26c9cd0d89d"
#define ABC_MD5 "900150983cd24fb0d6963f7d28e17f72"
#define EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define EMPTY_SHA1 "da39a3ee5e6b4b0d3255bfef95601890afd80709"
#define EMPTY_MD5 "d41d8cd98f00b204e9800998ecf8427e"
/* xxhsum -H2 of "abc" and of nothing */
#define ABC_XXH128 "06b05ab6733a618578af5f94892f3950"
#define EMPTY_XXH128 "99aa06d3014798d86001c324468d497f"
#define ABC_SHA256_UPPER "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD"

#define ALL_EXTRA ((1u << CARB_DIGEST_SHA1) | (1u << CARB_DIGEST_MD5))

/* --- digests --- */

/* A temporary file holding data, unlinked at once, offset at its start. */
static int temp_file(const void *data, size_t len)
{
	const char *dir = getenv("TMPDIR");
	char path[4096];
	const char *p = data;
	int fd;

	snprintf(path, sizeof(path), "%s/test_checksum.XXXXXX",
		 dir != NULL && dir[0] != '\0' ? dir : "/tmp");
	fd = mkstemp(path);
	ck_assert_msg(fd >= 0, "mkstemp %s: %s", path, strerror(errno));
	unlink(path);
	while (len > 0) {
		ssize_t w = write(fd, p, len);

		ck_assert_msg(w > 0, "write: %s", strerror(errno));
		p += w;
		len -= (size_t)w;
	}
	ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
	return fd;
}

static void digest_ok(int fd, unsigned extra, char hex[CARB_DIGEST_COUNT][129],
		      uint64_t *size)
{
	struct carb_error err;

	carb_error_clear(&err);
	ck_assert_msg(carb_digest_fd(fd, extra, hex, NULL, size, &err) == 0,
		      "digest failed: %s", err.msg);
}

static void digest_bytes(const void *data, size_t len, unsigned extra,
			 char hex[CARB_DIGEST_COUNT][129], uint64_t *size)
{
	int fd = temp_file(data, len);

	digest_ok(fd, extra, hex, size);
	close(fd);
}

/* The reference: the same bytes digested in memory, in one go. */
static void evp_hex(const EVP_MD *md, const void *data, size_t len,
		    char *hex)
{
	unsigned char out[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	ck_assert_ptr_nonnull(ctx);
	ck_assert_int_eq(EVP_DigestInit_ex(ctx, md, NULL), 1);
	ck_assert_int_eq(EVP_DigestUpdate(ctx, data, len), 1);
	ck_assert_int_eq(EVP_DigestFinal_ex(ctx, out, &n), 1);
	EVP_MD_CTX_free(ctx);
	for (unsigned i = 0; i < n; i++)
		snprintf(hex + 2 * i, 3, "%02x", out[i]);
}

START_TEST(algo_names)
{
	ck_assert_str_eq(carb_digest_algo_name(CARB_DIGEST_SHA256), "sha256");
	ck_assert_str_eq(carb_digest_algo_name(CARB_DIGEST_SHA1), "sha1");
	ck_assert_str_eq(carb_digest_algo_name(CARB_DIGEST_MD5), "md5");
	ck_assert_str_eq(carb_digest_algo_name(CARB_DIGEST_COUNT), "unknown");
	ck_assert_uint_eq(carb_digest_hex_len(CARB_DIGEST_SHA256), 64);
	ck_assert_uint_eq(carb_digest_hex_len(CARB_DIGEST_SHA1), 40);
	ck_assert_uint_eq(carb_digest_hex_len(CARB_DIGEST_MD5), 32);
	ck_assert_uint_eq(carb_digest_hex_len(CARB_DIGEST_COUNT), 0);
}
END_TEST

static int algo_of(const char *name)
{
	return carb_digest_algo_from_name(name, strlen(name));
}

START_TEST(algo_from_sidecar_name)
{
	ck_assert_int_eq(algo_of("a.dat.sha256"), CARB_DIGEST_SHA256);
	ck_assert_int_eq(algo_of("a.sha1"), CARB_DIGEST_SHA1);
	ck_assert_int_eq(algo_of("a.md5"), CARB_DIGEST_MD5);
	ck_assert_int_eq(algo_of("A.DAT.SHA256"), CARB_DIGEST_SHA256);
	ck_assert_int_eq(algo_of("a.Sha1"), CARB_DIGEST_SHA1);
	ck_assert_int_eq(algo_of("a.mD5"), CARB_DIGEST_MD5);
	ck_assert_int_eq(algo_of("a.dat"), -1);
	ck_assert_int_eq(algo_of("a.sha512"), -1);
	ck_assert_int_eq(algo_of("a.sha2566"), -1);
	ck_assert_int_eq(algo_of("asha256"), -1);
	ck_assert_int_eq(algo_of("sha256"), -1);
	/* a NAME.sha256 needs a NAME */
	ck_assert_int_eq(algo_of(".sha256"), -1);
	ck_assert_int_eq(algo_of(""), -1);
	/* only len bytes count */
	ck_assert_int_eq(carb_digest_algo_from_name("a.md5.tmp", 5),
			 CARB_DIGEST_MD5);
	ck_assert_int_eq(carb_digest_algo_from_name("a.md5", 4), -1);
}
END_TEST

START_TEST(digest_abc)
{
	char hex[CARB_DIGEST_COUNT][129];
	uint64_t size = 99;

	digest_bytes("abc", 3, ALL_EXTRA, hex, &size);
	ck_assert_str_eq(hex[CARB_DIGEST_SHA256], ABC_SHA256);
	ck_assert_str_eq(hex[CARB_DIGEST_SHA1], ABC_SHA1);
	ck_assert_str_eq(hex[CARB_DIGEST_MD5], ABC_MD5);
	ck_assert_uint_eq(size, 3);
}
END_TEST

START_TEST(digest_empty)
{
	char hex[CARB_DIGEST_COUNT][129];
	uint64_t size = 99;

	digest_bytes("", 0, ALL_EXTRA, hex, &size);
	ck_assert_str_eq(hex[CARB_DIGEST_SHA256], EMPTY_SHA256);
	ck_assert_str_eq(hex[CARB_DIGEST_SHA1], EMPTY_SHA1);
	ck_assert_str_eq(hex[CARB_DIGEST_MD5], EMPTY_MD5);
	ck_assert_uint_eq(size, 0);
}
END_TEST

/* SHA-256 whatever the mask; the others only when asked for. */
START_TEST(digest_mask)
{
	char hex[CARB_DIGEST_COUNT][129];

	memset(hex, 'x', sizeof(hex));
	digest_bytes("abc", 3, 0, hex, NULL);
	ck_assert_str_eq(hex[CARB_DIGEST_SHA256], ABC_SHA256);
	ck_assert_str_eq(hex[CARB_DIGEST_SHA1], "");
	ck_assert_str_eq(hex[CARB_DIGEST_MD5], "");

	memset(hex, 'x', sizeof(hex));
	digest_bytes("abc", 3, 1u << CARB_DIGEST_MD5, hex, NULL);
	ck_assert_str_eq(hex[CARB_DIGEST_SHA256], ABC_SHA256);
	ck_assert_str_eq(hex[CARB_DIGEST_SHA1], "");
	ck_assert_str_eq(hex[CARB_DIGEST_MD5], ABC_MD5);
}
END_TEST

/* Several read chunks and a short last one, against the in-memory
 * reference. */
START_TEST(digest_large)
{
	const size_t len = (1u << 20) + 65536 * 3 + 12345;
	unsigned char *data = malloc(len);
	char hex[CARB_DIGEST_COUNT][129];
	char want[129];
	uint32_t x = 2463534242u;
	uint64_t size = 0;

	ck_assert_ptr_nonnull(data);
	for (size_t i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		data[i] = (unsigned char)x;
	}
	digest_bytes(data, len, ALL_EXTRA, hex, &size);
	ck_assert_uint_eq(size, len);
	evp_hex(EVP_sha256(), data, len, want);
	ck_assert_str_eq(hex[CARB_DIGEST_SHA256], want);
	evp_hex(EVP_sha1(), data, len, want);
	ck_assert_str_eq(hex[CARB_DIGEST_SHA1], want);
	evp_hex(EVP_md5(), data, len, want);
	ck_assert_str_eq(hex[CARB_DIGEST_MD5], want);
	free(data);
}
END_TEST

/* xxh128 in the same pass as SHA-256: xxhsum's vectors, and a file of
 * several read chunks against libxxhash's one-shot function. */
static void xxh_bytes(const void *data, size_t len, char *xxh,
		      char hex[CARB_DIGEST_COUNT][129])
{
	struct carb_error err;
	uint64_t size = 0;
	int fd = temp_file(data, len);

	carb_error_clear(&err);
	ck_assert_msg(carb_digest_fd(fd, 0, hex, xxh, &size, &err) == 0,
		      "digest failed: %s", err.msg);
	ck_assert_uint_eq(size, len);
	close(fd);
}

START_TEST(digest_xxh128)
{
	const size_t len = (1u << 20) + 65536 * 3 + 12345;
	unsigned char *data = malloc(len);
	char hex[CARB_DIGEST_COUNT][129], xxh[CARB_XXH128_HEX_LEN + 1];
	char want[129];
	XXH128_canonical_t canon;
	uint32_t x = 88172645u;

	xxh_bytes("abc", 3, xxh, hex);
	ck_assert_str_eq(xxh, ABC_XXH128);
	ck_assert_str_eq(hex[CARB_DIGEST_SHA256], ABC_SHA256);
	xxh_bytes("", 0, xxh, hex);
	ck_assert_str_eq(xxh, EMPTY_XXH128);
	ck_assert_str_eq(hex[CARB_DIGEST_SHA256], EMPTY_SHA256);

	ck_assert_ptr_nonnull(data);
	for (size_t i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		data[i] = (unsigned char)x;
	}
	xxh_bytes(data, len, xxh, hex);
	XXH128_canonicalFromHash(&canon, XXH3_128bits(data, len));
	for (size_t i = 0; i < sizeof(canon.digest); i++)
		snprintf(want + 2 * i, 3, "%02x", canon.digest[i]);
	ck_assert_str_eq(xxh, want);
	evp_hex(EVP_sha256(), data, len, want);
	ck_assert_str_eq(hex[CARB_DIGEST_SHA256], want);
	free(data);
}
END_TEST

START_TEST(digest_from_current_offset)
{
	char hex[CARB_DIGEST_COUNT][129];
	uint64_t size = 0;
	int fd = temp_file("xyzabc", 6);

	ck_assert_int_eq(lseek(fd, 3, SEEK_SET), 3);
	digest_ok(fd, 0, hex, &size);
	ck_assert_str_eq(hex[CARB_DIGEST_SHA256], ABC_SHA256);
	ck_assert_uint_eq(size, 3);
	close(fd);
}
END_TEST

static void digest_bad(int fd, const char *msg_part)
{
	char hex[CARB_DIGEST_COUNT][129], xxh[CARB_XXH128_HEX_LEN + 1];
	struct carb_error err;
	uint64_t size = 77;

	memset(hex, 'x', sizeof(hex));
	memset(xxh, 'x', sizeof(xxh));
	carb_error_clear(&err);
	ck_assert_int_eq(carb_digest_fd(fd, ALL_EXTRA, hex, xxh, &size, &err),
			 -1);
	ck_assert_msg(strstr(err.msg, msg_part) != NULL,
		      "message lacks \"%s\": %s", msg_part, err.msg);
	ck_assert_uint_eq(size, 77);
	for (int a = 0; a < CARB_DIGEST_COUNT; a++)
		ck_assert_str_eq(hex[a], "");
	ck_assert_str_eq(xxh, "");
}

START_TEST(digest_read_errors)
{
	int fd = open(".", O_RDONLY | O_DIRECTORY);

	ck_assert_int_ge(fd, 0);
	digest_bad(fd, "read error: is a directory");
	close(fd);
	digest_bad(-1, "read error: bad file descriptor");
}
END_TEST

static volatile sig_atomic_t interrupts;

static void on_signal(int sig)
{
	(void)sig;
	interrupts++;
}

/* A signal without SA_RESTART lands while read() waits on a pipe; the
 * digest must carry on instead of reporting EINTR. */
START_TEST(digest_retries_eintr)
{
	struct sigaction sa = { .sa_handler = on_signal };
	char hex[CARB_DIGEST_COUNT][129];
	uint64_t size = 0;
	int pfd[2], status;
	pid_t child;

	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;
	ck_assert_int_eq(sigaction(SIGUSR1, &sa, NULL), 0);
	ck_assert_int_eq(pipe(pfd), 0);
	child = fork();
	ck_assert_int_ge(child, 0);
	if (child == 0) {
		close(pfd[0]);
		usleep(200000);
		kill(getppid(), SIGUSR1);
		usleep(200000);
		_exit(write(pfd[1], "abc", 3) == 3 ? 0 : 1);
	}
	close(pfd[1]);
	digest_ok(pfd[0], 0, hex, &size);
	close(pfd[0]);
	ck_assert_int_eq(waitpid(child, &status, 0), child);
	ck_assert_int_eq(status, 0);
	ck_assert_int_eq(interrupts, 1);
	ck_assert_str_eq(hex[CARB_DIGEST_SHA256], ABC_SHA256);
	ck_assert_uint_eq(size, 3);
}
END_TEST

/* --- sidecars --- */

#define SIDECAR "a.dat.sha256"

static void parse_ok(const char *text, size_t len, int algo, bool bare,
		     struct carb_sidecar *sc)
{
	struct carb_error err;

	carb_error_clear(&err);
	ck_assert_msg(carb_sidecar_parse(text, len, SIDECAR, algo, bare, sc,
					 &err) == 0,
		      "should parse: %s", err.msg);
}

static void parse_ok_s(const char *text, int algo, bool bare,
		       struct carb_sidecar *sc)
{
	parse_ok(text, strlen(text), algo, bare, sc);
}

/* Refused, with "sidecar a.dat.sha256: line N: " (no line when line is 0)
 * and msg_part in the message, and nothing left to leak. */
static void parse_bad_n(const char *text, size_t len, int algo, bool bare,
			int line, const char *msg_part)
{
	struct carb_sidecar sc;
	struct carb_error err;
	char prefix[128];

	if (line > 0)
		snprintf(prefix, sizeof(prefix), "sidecar %s: line %d: ",
			 SIDECAR, line);
	else
		snprintf(prefix, sizeof(prefix), "sidecar %s: ", SIDECAR);
	carb_error_clear(&err);
	ck_assert_msg(carb_sidecar_parse(text, len, SIDECAR, algo, bare, &sc,
					 &err) == -1,
		      "should be refused: \"%s\"", text);
	ck_assert_msg(strncmp(err.msg, prefix, strlen(prefix)) == 0,
		      "message should start \"%s\": %s", prefix, err.msg);
	ck_assert_msg(strstr(err.msg, msg_part) != NULL,
		      "message lacks \"%s\": %s", msg_part, err.msg);
	ck_assert_int_eq(err.line, line);
	ck_assert_ptr_null(sc.entries);
	ck_assert_uint_eq(sc.count, 0);
	carb_sidecar_release(&sc);
}

static void parse_bad(const char *text, int algo, bool bare, int line,
		      const char *msg_part)
{
	parse_bad_n(text, strlen(text), algo, bare, line, msg_part);
}

static void entry_is(const struct carb_sidecar *sc, size_t i,
		     const char *name, enum carb_digest_algo algo,
		     const char *hex)
{
	const struct carb_sidecar_entry *e;

	ck_assert_uint_lt(i, sc->count);
	e = &sc->entries[i];
	if (name == NULL) {
		ck_assert_ptr_null(e->name);
	} else {
		ck_assert_ptr_nonnull(e->name);
		ck_assert_uint_eq(e->name_len, strlen(name));
		ck_assert_str_eq(e->name, name);
	}
	ck_assert_int_eq(e->algo, algo);
	ck_assert_str_eq(e->hex, hex);
}

START_TEST(gnu_single)
{
	struct carb_sidecar sc;

	parse_ok_s(ABC_SHA256 "  a.dat\n", CARB_DIGEST_SHA256, true, &sc);
	ck_assert_uint_eq(sc.count, 1);
	entry_is(&sc, 0, "a.dat", CARB_DIGEST_SHA256, ABC_SHA256);
	carb_sidecar_release(&sc);
	ck_assert_ptr_null(sc.entries);
	ck_assert_uint_eq(sc.count, 0);
	/* released twice is harmless */
	carb_sidecar_release(&sc);
}
END_TEST

START_TEST(gnu_multi)
{
	struct carb_sidecar sc;

	/* the last line has no newline */
	parse_ok_s(ABC_SHA1 "  a.dat\n"
		   EMPTY_SHA1 "  b.dat\n"
		   ABC_SHA1 "  sub/c.dat",
		   CARB_DIGEST_SHA1, false, &sc);
	ck_assert_uint_eq(sc.count, 3);
	entry_is(&sc, 0, "a.dat", CARB_DIGEST_SHA1, ABC_SHA1);
	entry_is(&sc, 1, "b.dat", CARB_DIGEST_SHA1, EMPTY_SHA1);
	entry_is(&sc, 2, "sub/c.dat", CARB_DIGEST_SHA1, ABC_SHA1);
	carb_sidecar_release(&sc);
}
END_TEST

START_TEST(gnu_binary_marker)
{
	struct carb_sidecar sc;

	parse_ok_s(ABC_MD5 " *a.dat\n" EMPTY_MD5 "  *b.dat\n",
		   CARB_DIGEST_MD5, false, &sc);
	ck_assert_uint_eq(sc.count, 2);
	entry_is(&sc, 0, "a.dat", CARB_DIGEST_MD5, ABC_MD5);
	/* text mode: the '*' is the name's */
	entry_is(&sc, 1, "*b.dat", CARB_DIGEST_MD5, EMPTY_MD5);
	carb_sidecar_release(&sc);
}
END_TEST

/* As sha256sum writes names holding a backslash or a newline. */
START_TEST(gnu_escaped_names)
{
	struct carb_sidecar sc;

	parse_ok_s("\\" ABC_SHA256 "  a\\\\b\n"
		   "\\" ABC_SHA256 "  n\\nl\n"
		   "\\" ABC_SHA256 " *c\\r\\\\\\n\n"
		   ABC_SHA256 "  plain\\n\n",
		   CARB_DIGEST_SHA256, false, &sc);
	ck_assert_uint_eq(sc.count, 4);
	entry_is(&sc, 0, "a\\b", CARB_DIGEST_SHA256, ABC_SHA256);
	entry_is(&sc, 1, "n\nl", CARB_DIGEST_SHA256, ABC_SHA256);
	entry_is(&sc, 2, "c\r\\\n", CARB_DIGEST_SHA256, ABC_SHA256);
	/* without the leading '\' a backslash is only a backslash */
	entry_is(&sc, 3, "plain\\n", CARB_DIGEST_SHA256, ABC_SHA256);
	carb_sidecar_release(&sc);

	parse_bad("\\" ABC_SHA256 "  a\\tb\n", CARB_DIGEST_SHA256, false, 1,
		  "bad escape in name \"a\\tb\"");
	parse_bad(ABC_SHA256 "  ok\n\\" ABC_SHA256 "  a\\\n",
		  CARB_DIGEST_SHA256, false, 2, "bad escape in name");
}
END_TEST

START_TEST(bsd_forms)
{
	struct carb_sidecar sc;

	parse_ok_s("SHA256 (a.dat) = " ABC_SHA256 "\n", CARB_DIGEST_SHA256,
		   false, &sc);
	entry_is(&sc, 0, "a.dat", CARB_DIGEST_SHA256, ABC_SHA256);
	carb_sidecar_release(&sc);

	parse_ok_s("SHA1 (a.dat) = " ABC_SHA1 "\n", CARB_DIGEST_SHA1, false,
		   &sc);
	entry_is(&sc, 0, "a.dat", CARB_DIGEST_SHA1, ABC_SHA1);
	carb_sidecar_release(&sc);

	parse_ok_s("MD5 (a.dat) = " ABC_MD5, CARB_DIGEST_MD5, false, &sc);
	entry_is(&sc, 0, "a.dat", CARB_DIGEST_MD5, ABC_MD5);
	carb_sidecar_release(&sc);

	/* a manifest takes each line's own tag; the name may hold ") = ";
	 * '\' escapes as in GNU lines */
	parse_ok_s("SHA256 (x) = y) = " ABC_SHA256 "\n"
		   "MD5 ( sp) = " ABC_MD5 "\n"
		   "\\SHA1 (a\\\\b) = " ABC_SHA1 "\n",
		   -1, false, &sc);
	ck_assert_uint_eq(sc.count, 3);
	entry_is(&sc, 0, "x) = y", CARB_DIGEST_SHA256, ABC_SHA256);
	entry_is(&sc, 1, " sp", CARB_DIGEST_MD5, ABC_MD5);
	entry_is(&sc, 2, "a\\b", CARB_DIGEST_SHA1, ABC_SHA1);
	carb_sidecar_release(&sc);
}
END_TEST

START_TEST(bsd_refused)
{
	parse_bad("MD5 (a.dat) = " ABC_MD5 "\n", CARB_DIGEST_SHA256, false, 1,
		  "BSD tag \"MD5\" in a sha256 sidecar, expected \"SHA256\"");
	parse_bad("SHA256 (a.dat) = " ABC_SHA256 "\n", CARB_DIGEST_SHA1, false,
		  1, "BSD tag \"SHA256\" in a sha1 sidecar");
	/* the tag is checked against the hash too */
	parse_bad("SHA1 (a.dat) = " ABC_SHA256 "\n", -1, false, 1,
		  "hash has 64 hex digits, sha1 needs 40");
	/* tags are upper case, as BSD writes them */
	parse_bad("sha256 (a.dat) = " ABC_SHA256 "\n", -1, false, 1,
		  "malformed line \"sha256 (a.dat) = ");
	parse_bad("SHA2-256 (a.dat) = " ABC_SHA256 "\n", -1, false, 1,
		  "malformed line");
	parse_bad("SHA256 () = " ABC_SHA256 "\n", -1, false, 1,
		  "malformed line");
	parse_bad("SHA256 (a.dat) " ABC_SHA256 "\n", -1, false, 1,
		  "malformed line");
	parse_bad("SHA256 (a.dat) = \n", -1, false, 1,
		  "hash has 0 hex digits, sha256 needs 64");
}
END_TEST

START_TEST(bare_allowed)
{
	struct carb_sidecar sc;

	/* with comments, blank lines, trailing blanks and CRLF around it */
	parse_ok_s("# made by hand\r\n\r\n" ABC_SHA256_UPPER " \r\n\n",
		   CARB_DIGEST_SHA256, true, &sc);
	ck_assert_uint_eq(sc.count, 1);
	entry_is(&sc, 0, NULL, CARB_DIGEST_SHA256, ABC_SHA256);
	ck_assert_ptr_eq(carb_sidecar_find(&sc, "a.dat", 5), &sc.entries[0]);
	ck_assert_ptr_eq(carb_sidecar_find(&sc, "other", 5), &sc.entries[0]);
	carb_sidecar_release(&sc);

	parse_ok_s(ABC_MD5, CARB_DIGEST_MD5, true, &sc);
	entry_is(&sc, 0, NULL, CARB_DIGEST_MD5, ABC_MD5);
	carb_sidecar_release(&sc);
}
END_TEST

START_TEST(bare_refused)
{
	parse_bad(ABC_SHA256 "\n", CARB_DIGEST_SHA256, false, 1,
		  "bare hash without a file name");
	parse_bad(ABC_SHA256 "\n", -1, false, 1,
		  "bare hash without a file name");
	/* not alone: either order */
	parse_bad(ABC_SHA256 "\n" ABC_SHA256 "  b.dat\n", CARB_DIGEST_SHA256,
		  true, 2, "a bare hash must be the only entry");
	parse_bad(ABC_SHA256 "  b.dat\n\n" ABC_SHA256 "\n", CARB_DIGEST_SHA256,
		  true, 3, "a bare hash must be the only entry");
	parse_bad(ABC_SHA256 "\n" ABC_SHA256 "\n", CARB_DIGEST_SHA256, true,
		  2, "a bare hash must be the only entry");
	/* a bare line is checked like any hash */
	parse_bad(ABC_SHA1 "\n", CARB_DIGEST_SHA256, true, 1,
		  "hash has 40 hex digits, sha256 needs 64");
	parse_bad("not-a-hash\n", CARB_DIGEST_SHA256, true, 1,
		  "hash \"not-a-hash\" has non-hex characters");
	parse_bad("\\" ABC_SHA256 "\n", CARB_DIGEST_SHA256, true, 1,
		  "malformed line");
}
END_TEST

START_TEST(upper_case_hex_lowered)
{
	struct carb_sidecar sc;

	parse_ok_s(ABC_SHA256_UPPER "  a.dat\n"
		   "SHA256 (b.dat) = " ABC_SHA256_UPPER "\n",
		   CARB_DIGEST_SHA256, false, &sc);
	entry_is(&sc, 0, "a.dat", CARB_DIGEST_SHA256, ABC_SHA256);
	entry_is(&sc, 1, "b.dat", CARB_DIGEST_SHA256, ABC_SHA256);
	carb_sidecar_release(&sc);
}
END_TEST

START_TEST(crlf_line_ends)
{
	struct carb_sidecar sc;

	parse_ok_s(ABC_SHA256 "  a.dat\r\n"
		   "SHA256 (b.dat) = " ABC_SHA256 "\r\n"
		   ABC_SHA256 " *c.dat\r",
		   CARB_DIGEST_SHA256, false, &sc);
	ck_assert_uint_eq(sc.count, 3);
	entry_is(&sc, 0, "a.dat", CARB_DIGEST_SHA256, ABC_SHA256);
	entry_is(&sc, 1, "b.dat", CARB_DIGEST_SHA256, ABC_SHA256);
	entry_is(&sc, 2, "c.dat", CARB_DIGEST_SHA256, ABC_SHA256);
	carb_sidecar_release(&sc);
}
END_TEST

START_TEST(comments_and_blank_lines)
{
	struct carb_sidecar sc;

	parse_ok_s("# SHA256SUMS for release 1.0\n"
		   "\n"
		   "   \t\n"
		   ABC_SHA256 "  a.dat\n"
		   "  # indented comment\n"
		   "\n",
		   CARB_DIGEST_SHA256, false, &sc);
	ck_assert_uint_eq(sc.count, 1);
	entry_is(&sc, 0, "a.dat", CARB_DIGEST_SHA256, ABC_SHA256);
	carb_sidecar_release(&sc);

	/* skipped lines still count for the line number */
	parse_bad("# one\n\n# three\nbogus line\n", CARB_DIGEST_SHA256, false,
		  4, "malformed line \"bogus line\"");
}
END_TEST

START_TEST(wrong_length)
{
	parse_bad(ABC_SHA1 "  a.dat\n", CARB_DIGEST_SHA256, false, 1,
		  "hash has 40 hex digits, sha256 needs 64");
	parse_bad(ABC_SHA256 "  a.dat\n", CARB_DIGEST_SHA1, false, 1,
		  "hash has 64 hex digits, sha1 needs 40");
	parse_bad(ABC_SHA256 "  a.dat\n" ABC_MD5 "0  b.dat\n",
		  CARB_DIGEST_MD5, false, 1,
		  "hash has 64 hex digits, md5 needs 32");
	parse_bad(ABC_SHA256 "0  a.dat\n", CARB_DIGEST_SHA256, false, 1,
		  "hash has 65 hex digits, sha256 needs 64");
	/* a manifest knows only the three lengths */
	parse_bad(ABC_SHA256 "  a.dat\nabcdef  b.dat\n", -1, false, 2,
		  "hash has 6 hex digits, expected 64 (sha256), 40 (sha1) or "
		  "32 (md5)");
}
END_TEST

START_TEST(non_hex)
{
	char hash[65];

	memcpy(hash, ABC_SHA256, sizeof(hash));
	hash[10] = 'g';
	{
		char text[128];

		snprintf(text, sizeof(text), "%s  a.dat\n", hash);
		parse_bad(text, CARB_DIGEST_SHA256, false, 1,
			  "has non-hex characters");
	}
	parse_bad("xyz  a.dat\n", CARB_DIGEST_SHA256, false, 1,
		  "hash \"xyz\" has non-hex characters");
	parse_bad("SHA1 (a.dat) = 0x" ABC_SHA1 "\n", CARB_DIGEST_SHA1, false,
		  1, "has non-hex characters");
	/* a control character is not pasted into the message */
	parse_bad("ab\x01"
		  "cd  a.dat\n", -1, false, 1, "hash \"ab?cd\" has non-hex");
}
END_TEST

START_TEST(malformed_lines)
{
	/* one space: not a form sha256sum writes */
	parse_bad(ABC_SHA256 " a.dat\n", CARB_DIGEST_SHA256, false, 1,
		  "malformed line \"" ABC_SHA256 " a.dat\"");
	/* no name */
	parse_bad(ABC_SHA256 " *\n", CARB_DIGEST_SHA256, false, 1,
		  "malformed line");
	parse_bad(ABC_SHA256 "\ta.dat\n", CARB_DIGEST_SHA256, false, 1,
		  "malformed line");
	parse_bad(" " ABC_SHA256 "\n" "hello world\n", CARB_DIGEST_SHA256,
		  true, 2, "malformed line \"hello world\"");
	parse_bad("garbage\n", CARB_DIGEST_SHA256, false, 1,
		  "malformed line \"garbage\"");
	parse_bad("SHA256 (a.dat)\n", -1, false, 1, "malformed line");
	/* a long line is cut short in the message */
	parse_bad("no such format here " ABC_SHA256 " and a lot more\n",
		  -1, false, 1,
		  "here " ABC_SHA256 " and a lot m...\" (expected");
}
END_TEST

START_TEST(empty_file)
{
	parse_bad("", CARB_DIGEST_SHA256, true, 0, "no checksum in it");
	parse_bad("\n\n  \n", CARB_DIGEST_SHA256, true, 0,
		  "no checksum in it");
	parse_bad("# nothing yet\r\n", -1, false, 0, "no checksum in it");
}
END_TEST

START_TEST(nul_byte)
{
	static const char in_name[] = ABC_SHA256 "  a\0b\n";
	static const char in_comment[] = ABC_SHA256 "  a\n# \0\n";
	static const char at_end[] = ABC_SHA256 "  a\n\0";

	parse_bad_n(in_name, sizeof(in_name) - 1, CARB_DIGEST_SHA256, false, 1,
		    "NUL byte");
	parse_bad_n(in_comment, sizeof(in_comment) - 1, CARB_DIGEST_SHA256,
		    false, 2, "NUL byte");
	parse_bad_n(at_end, sizeof(at_end) - 1, CARB_DIGEST_SHA256, false, 2,
		    "NUL byte");
}
END_TEST

START_TEST(manifest_inferred_algos)
{
	struct carb_sidecar sc;

	parse_ok_s(ABC_SHA256 "  a.dat\n"
		   ABC_SHA1 "  b.dat\n"
		   ABC_MD5 " *c.dat\n"
		   "MD5 (d.dat) = " EMPTY_MD5 "\n",
		   -1, false, &sc);
	ck_assert_uint_eq(sc.count, 4);
	entry_is(&sc, 0, "a.dat", CARB_DIGEST_SHA256, ABC_SHA256);
	entry_is(&sc, 1, "b.dat", CARB_DIGEST_SHA1, ABC_SHA1);
	entry_is(&sc, 2, "c.dat", CARB_DIGEST_MD5, ABC_MD5);
	entry_is(&sc, 3, "d.dat", CARB_DIGEST_MD5, EMPTY_MD5);
	carb_sidecar_release(&sc);
}
END_TEST

START_TEST(names_with_spaces_and_dashes)
{
	struct carb_sidecar sc;

	parse_ok_s(ABC_SHA256 "   leading space\n"
		   ABC_SHA256 "  -rf --all\n"
		   ABC_SHA256 " *--\n"
		   ABC_SHA256 "  two  spaces, trailing \n"
		   "SHA256 (-n x) = " ABC_SHA256 "\n",
		   CARB_DIGEST_SHA256, false, &sc);
	ck_assert_uint_eq(sc.count, 5);
	entry_is(&sc, 0, " leading space", CARB_DIGEST_SHA256, ABC_SHA256);
	entry_is(&sc, 1, "-rf --all", CARB_DIGEST_SHA256, ABC_SHA256);
	entry_is(&sc, 2, "--", CARB_DIGEST_SHA256, ABC_SHA256);
	entry_is(&sc, 3, "two  spaces, trailing ", CARB_DIGEST_SHA256,
		 ABC_SHA256);
	entry_is(&sc, 4, "-n x", CARB_DIGEST_SHA256, ABC_SHA256);
	ck_assert_ptr_eq(carb_sidecar_find(&sc, "-rf --all", 9),
			 &sc.entries[1]);
	ck_assert_ptr_eq(carb_sidecar_find(&sc, " leading space", 14),
			 &sc.entries[0]);
	ck_assert_ptr_null(carb_sidecar_find(&sc, "leading space", 13));
	carb_sidecar_release(&sc);
}
END_TEST

static const struct carb_sidecar_entry *find_s(const struct carb_sidecar *sc,
					       const char *name)
{
	return carb_sidecar_find(sc, name, strlen(name));
}

START_TEST(find_rules)
{
	struct carb_sidecar sc;

	parse_ok_s(ABC_SHA256 "  other/a.dat\n"       /* 0 */
		   ABC_SHA256 "  a.dat\n"             /* 1 */
		   ABC_SHA256 "  ./b.dat\n"           /* 2 */
		   ABC_SHA256 "  sub/dir/c.dat\n"     /* 3 */
		   ABC_SHA256 "  xd.dat\n"            /* 4 */
		   ABC_SHA256 "  e.dat/\n",           /* 5 */
		   -1, false, &sc);
	ck_assert_uint_eq(sc.count, 6);
	/* the file beside the manifest before one elsewhere */
	ck_assert_ptr_eq(find_s(&sc, "a.dat"), &sc.entries[1]);
	ck_assert_ptr_eq(find_s(&sc, "b.dat"), &sc.entries[2]);
	ck_assert_ptr_eq(find_s(&sc, "c.dat"), &sc.entries[3]);
	/* whole components only */
	ck_assert_ptr_null(find_s(&sc, "d.dat"));
	ck_assert_ptr_null(find_s(&sc, "dir"));
	ck_assert_ptr_null(find_s(&sc, "sub"));
	ck_assert_ptr_null(find_s(&sc, "e.dat"));
	ck_assert_ptr_null(find_s(&sc, "a.da"));
	ck_assert_ptr_null(find_s(&sc, "b"));
	ck_assert_ptr_null(find_s(&sc, ""));
	ck_assert_ptr_eq(find_s(&sc, "xd.dat"), &sc.entries[4]);
	/* the name is name_len bytes, not a C string */
	ck_assert_ptr_eq(carb_sidecar_find(&sc, "a.dat.sha256", 5),
			 &sc.entries[1]);
	carb_sidecar_release(&sc);

	/* only elsewhere: the last component still finds it */
	parse_ok_s(ABC_SHA256 "  other/a.dat\n", -1, false, &sc);
	ck_assert_ptr_eq(find_s(&sc, "a.dat"), &sc.entries[0]);
	carb_sidecar_release(&sc);
}
END_TEST

static Suite *checksum_suite(void)
{
	Suite *s = suite_create("checksum");
	TCase *d = tcase_create("digest");
	TCase *p = tcase_create("sidecar");

	tcase_add_test(d, algo_names);
	tcase_add_test(d, algo_from_sidecar_name);
	tcase_add_test(d, digest_abc);
	tcase_add_test(d, digest_empty);
	tcase_add_test(d, digest_mask);
	tcase_add_test(d, digest_large);
	tcase_add_test(d, digest_xxh128);
	tcase_add_test(d, digest_from_current_offset);
	tcase_add_test(d, digest_read_errors);
	tcase_add_test(d, digest_retries_eintr);
	suite_add_tcase(s, d);
	tcase_add_test(p, gnu_single);
	tcase_add_test(p, gnu_multi);
	tcase_add_test(p, gnu_binary_marker);
	tcase_add_test(p, gnu_escaped_names);
	tcase_add_test(p, bsd_forms);
	tcase_add_test(p, bsd_refused);
	tcase_add_test(p, bare_allowed);
	tcase_add_test(p, bare_refused);
	tcase_add_test(p, upper_case_hex_lowered);
	tcase_add_test(p, crlf_line_ends);
	tcase_add_test(p, comments_and_blank_lines);
	tcase_add_test(p, wrong_length);
	tcase_add_test(p, non_hex);
	tcase_add_test(p, malformed_lines);
	tcase_add_test(p, empty_file);
	tcase_add_test(p, nul_byte);
	tcase_add_test(p, manifest_inferred_algos);
	tcase_add_test(p, names_with_spaces_and_dashes);
	tcase_add_test(p, find_rules);
	suite_add_tcase(s, p);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(checksum_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
