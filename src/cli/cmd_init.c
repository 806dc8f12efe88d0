/* `carbonation init [DIR]`: writes a project that works unchanged — config
 * and rules with every key, a plugin to build, a demo delivery, and with
 * --systemd a hardened unit — from the templates in scaffold/.
 *
 * Nothing is half done: every template is read and rendered, and every
 * target checked, before the first byte is written; the files go to
 * temporary names first and are renamed into place only once all of them
 * are written. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "util/util.h"

/* ---- what is written ---------------------------------------------------- */

enum {
	T_SYSTEMD = 0x1,  /* only with --systemd */
	T_DEMO = 0x2,     /* a delivery: written as is, with an old mtime */
};

/* Paths below scaffold/ and below DIR alike. */
static const struct tmpl {
	const char *path;
	unsigned flags;
} templates[] = {
	{ "config.toml", 0 },
	{ "rules.toml", 0 },
	{ "my_plugin/my_plugin.c", 0 },
	{ "my_plugin/Makefile", 0 },
	{ "my_plugin/README.md", 0 },
	{ "my_plugin/migrations/sqlite/my_plugin/0001_columns.sql", 0 },
	{ "my_plugin/migrations/postgresql/my_plugin/0001_columns.sql", 0 },
	{ "my_plugin/migrations/mariadb/my_plugin/0001_columns.sql", 0 },
	{ "incoming/north_20240315T060000.dat", T_DEMO },
	{ "incoming/north_20240315T060000.xml", T_DEMO },
	{ "incoming/south_20240315T061500.dat", T_DEMO },
	{ "carbonation.service", T_SYSTEMD },
};
#define NTEMPLATES (sizeof(templates) / sizeof(templates[0]))

/* The folders config.toml names: watch, archive, state. */
static const char *const folders[] = { "incoming", "archive", "state" };
#define NFOLDERS (sizeof(folders) / sizeof(folders[0]))

/* The demo files' mtime, long past, so that `run --once` finds them
 * settled at once: 2024-03-15T06:00:00Z, as their names say. */
#define DEMO_MTIME 1710482400

struct opts {
	const char *dir;
	const char *user;
	bool systemd;
	bool force;
};

/* One file to write. */
struct out {
	const struct tmpl *t;
	char *target;             /* absolute */
	char *data;
	size_t len;
	char *tmp;                /* its temporary name once written */
};

/* @NAME@ placeholders and their values. */
struct var {
	const char *name;
	char *value;
};

/* ---- arguments ---------------------------------------------------------- */

static void usage(FILE *out)
{
	fprintf(out,
		"usage: carbonation init [DIR] [--systemd [--user NAME]] [--force]\n"
		"\n"
		"Write a new project into DIR (default: the current folder):\n"
		"  config.toml, rules.toml  every key, set or commented and explained\n"
		"  my_plugin/               a plugin to build with `make -C my_plugin`:\n"
		"                           C source, Makefile, first migration, README\n"
		"  incoming/                the watch folder, with a demo delivery\n"
		"  archive/, state/         the archive, and the SQLite catalog and locks\n"
		"Then: make -C my_plugin && carbonation check config &&\n"
		"carbonation db init && carbonation run --once.\n"
		"\n"
		"options:\n"
		"  --systemd    also write carbonation.service (Type=notify, hardened)\n"
		"  --user NAME  the unit's User= (default: the user running init);\n"
		"               state/ and archive/ are given to NAME (chown, as\n"
		"               root; else init prints the chown to run)\n"
		"  --force      overwrite files that exist (default: write nothing\n"
		"               and name them)\n"
		"  -h, --help   show this help\n"
		"\n"
		"Exit status: 0 written, 1 a file exists (without --force) or\n"
		"writing failed, 2 usage error.\n");
}

/* A name systemd takes for User=: a POSIX-ish user name or a number. */
static bool valid_user(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 32 || s[0] == '-' || (s[0] >= '0' && s[0] <= '9' &&
						strspn(s, "0123456789") != n))
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyz"
		      "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == n;
}

/* Returns -1 to go on, else the exit status. */
static int parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option lopts[] = {
		{ "systemd", no_argument, NULL, 's' },
		{ "user", required_argument, NULL, 'u' },
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const known[] = { "--systemd", "--user", "--force",
					     "--help", NULL };
	int c;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", lopts, NULL)) != -1) {
		if (c == 's') {
			o->systemd = true;
		} else if (c == 'u') {
			o->user = optarg;
		} else if (c == 'f') {
			o->force = true;
		} else if (c == 'h') {
			usage(stdout);
			return CARB_EXIT_OK;
		} else if (c == ':') {
			carb_cli_errorf("init: option \"%s\" needs a value",
					argv[optind - 1]);
			return CARB_EXIT_USAGE;
		} else {
			return carb_cli_unknown_option("init", argv[optind - 1],
						       known);
		}
	}
	if (optind < argc)
		o->dir = argv[optind++];
	if (optind < argc) {
		carb_cli_errorf("init: unexpected argument \"%s\" (one DIR at most)",
				argv[optind]);
		return CARB_EXIT_USAGE;
	}
	if (o->dir != NULL && *o->dir == '\0') {
		carb_cli_errorf("init: DIR is empty");
		return CARB_EXIT_USAGE;
	}
	if (o->user != NULL && !o->systemd) {
		carb_cli_errorf("init: --user is the service's user: it needs --systemd");
		return CARB_EXIT_USAGE;
	}
	if (o->user != NULL && (strcmp(o->user, "nobody") == 0 ||
				strcmp(o->user, "65534") == 0)) {
		/* systemd warns about it, rightly: nobody owns what NFS
		 * squashes and what other services leave; files it writes
		 * would belong to everyone's nobody. */
		carb_cli_errorf("init: --user \"%s\": systemd warns against a service run as \"nobody\", whose files any other nobody owns; create a user for it (useradd --system carbonation)",
				o->user);
		return CARB_EXIT_USAGE;
	}
	if (o->user != NULL && !valid_user(o->user)) {
		carb_cli_errorf("init: --user \"%s\" is not a user name (letters, digits, \"_\", \".\", \"-\"; or a number)",
				o->user);
		return CARB_EXIT_USAGE;
	}
	return -1;
}

/* ---- paths -------------------------------------------------------------- */

static bool under(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	return strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

/* The absolute, lexically clean form of dir (which need not exist). */
static char *absolute_dir(const char *dir)
{
	char *cwd = NULL;
	char *resolved = realpath(dir, NULL);
	struct carb_buf b;
	const char *p;

	if (resolved != NULL)
		return resolved;
	carb_buf_init(&b);
	if (dir[0] != '/') {
		cwd = getcwd(NULL, 0);
		carb_buf_adds(&b, cwd != NULL ? cwd : "/");
		free(cwd);
	}
	for (p = dir; *p != '\0';) {
		size_t n = strcspn(p, "/");

		if (n == 2 && p[0] == '.' && p[1] == '.') {
			while (b.len > 0 && b.data[b.len - 1] != '/')
				b.len--;
			if (b.len > 0)
				b.len--;
			b.data[b.len] = '\0';
		} else if (n > 0 && !(n == 1 && p[0] == '.')) {
			carb_buf_addc(&b, '/');
			carb_buf_add(&b, p, n);
		}
		p += n + (p[n] == '/');
	}
	if (b.len == 0)
		carb_buf_addc(&b, '/');
	return carb_buf_detach(&b);
}

/* mkdir -p; 0 or -1 with err set. */
static int make_dirs(const char *path, struct carb_error *err)
{
	char *p = carb_xstrdup(path);
	struct stat st;

	for (char *s = p + 1;; s++) {
		char c = *s;

		if (c != '/' && c != '\0')
			continue;
		*s = '\0';
		if (mkdir(p, 0777) != 0 && errno != EEXIST) {
			carb_error_set(err, "cannot create folder %s: %s", p,
				       strerror(errno));
			free(p);
			return -1;
		}
		if (stat(p, &st) != 0 || !S_ISDIR(st.st_mode)) {
			carb_error_set(err, "%s exists and is not a folder", p);
			free(p);
			return -1;
		}
		*s = c;
		if (c == '\0')
			break;
	}
	free(p);
	return 0;
}

/* ---- the systemd unit's values ------------------------------------------ */

/* s as one word of a unit file: quoted, with "%" (a specifier) doubled,
 * and in a command line "$" (a variable) too. */
static void unit_word(struct carb_buf *b, const char *s, bool command)
{
	carb_buf_addc(b, '"');
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			carb_buf_addc(b, '\\');
		else if (*s == '%' || (command && *s == '$'))
			carb_buf_addc(b, *s);
		carb_buf_addc(b, *s);
	}
	carb_buf_addc(b, '"');
}

static char *unit_path(const char *s)
{
	struct carb_buf b;

	carb_buf_init(&b);
	for (; *s != '\0'; s++) {
		if (*s == '%')
			carb_buf_addc(&b, '%');
		carb_buf_addc(&b, *s);
	}
	return carb_buf_detach(&b);
}

static char *invoking_user(void)
{
	struct passwd *pw = getpwuid(geteuid());

	if (pw != NULL && pw->pw_name != NULL)
		return carb_xstrdup(pw->pw_name);
	return carb_xasprintf("%u", (unsigned)geteuid());
}

/* Sets the unit's placeholders in vars (from index *n on).  0, or -1 with
 * err set when a path cannot be written into a unit file. */
static int unit_vars(const char *dir, const char *user, struct var *vars,
		     size_t *n, struct carb_error *err)
{
	char exe[PATH_MAX];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	struct carb_buf b;
	char *config;

	if (len <= 0)
		return carb_error_set(err, "cannot find the carbonation program (/proc/self/exe): %s",
				      strerror(errno));
	exe[len] = '\0';
	for (const char *p = dir; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return carb_error_set(err, "--systemd: the folder's name holds a control character, which a unit file cannot hold");
	carb_buf_init(&b);
	unit_word(&b, exe, true);
	config = carb_xasprintf("%s/config.toml", dir);
	carb_buf_adds(&b, " -c ");
	unit_word(&b, config, true);
	carb_buf_adds(&b, " run");
	free(config);
	vars[(*n)++] = (struct var){ "EXEC_START", carb_buf_detach(&b) };
	for (size_t i = 0; i < NFOLDERS; i++) {
		char *p = carb_xasprintf("%s/%s", dir, folders[i]);

		if (i > 0)
			carb_buf_addc(&b, ' ');
		unit_word(&b, p, false);
		free(p);
	}
	vars[(*n)++] = (struct var){ "READ_WRITE_PATHS", carb_buf_detach(&b) };
	vars[(*n)++] = (struct var){ "UNIT_DIR", unit_path(dir) };
	vars[(*n)++] = (struct var){ "USER", user != NULL ? carb_xstrdup(user)
							: invoking_user() };
	/* ProtectHome=yes would hide a project or program kept in a home
	 * folder; read-only keeps them readable, and ReadWritePaths still
	 * makes the three folders writable. */
	vars[(*n)++] = (struct var){ "PROTECT_HOME", carb_xstrdup(
		under(dir, "/home") || under(dir, "/root") ||
		under(dir, "/run/user") || under(exe, "/home") ||
		under(exe, "/root") || under(exe, "/run/user")
		? "read-only" : "yes") };
	vars[(*n)++] = (struct var){ "PRIVATE_TMP", carb_xstrdup(
		under(dir, "/tmp") || under(dir, "/var/tmp") ||
		under(exe, "/tmp") || under(exe, "/var/tmp") ? "no" : "yes") };
	return 0;
}

/* ---- templates ---------------------------------------------------------- */

static int read_whole(const char *path, char **data, size_t *len,
		      struct carb_error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct carb_buf b;
	char chunk[8192];
	ssize_t n;

	if (fd < 0)
		return carb_error_set(err, "cannot read template %s: %s", path,
				      strerror(errno));
	carb_buf_init(&b);
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			carb_error_set(err, "cannot read template %s: %s", path,
				       strerror(errno));
			close(fd);
			carb_buf_release(&b);
			return -1;
		}
		carb_buf_add(&b, chunk, (size_t)n);
	}
	close(fd);
	*len = b.len;
	*data = carb_buf_detach(&b);
	return 0;
}

/* Replaces each @NAME@ of text with its value; an unknown NAME is an
 * error (a template that does not match this program). */
static int substitute(const char *path, const char *text, size_t len,
		      const struct var *vars, size_t nvars, struct carb_buf *out,
		      struct carb_error *err)
{
	int line = 1;

	for (size_t i = 0; i < len; i++) {
		size_t n = 0;
		size_t v;

		if (text[i] == '\n')
			line++;
		if (text[i] == '@')
			n = strspn(text + i + 1, "ABCDEFGHIJKLMNOPQRSTUVWXYZ_");
		if (n == 0 || i + 1 + n >= len || text[i + 1 + n] != '@') {
			carb_buf_addc(out, text[i]);
			continue;
		}
		for (v = 0; v < nvars; v++)
			if (strlen(vars[v].name) == n &&
			    memcmp(vars[v].name, text + i + 1, n) == 0)
				break;
		if (v == nvars)
			return carb_error_set(err, "template %s:%d: unknown placeholder @%.*s@",
					      path, line, (int)n, text + i + 1);
		carb_buf_adds(out, vars[v].value);
		i += n + 1;
	}
	return 0;
}

/* Reads and renders every template o->systemd asks for into outs;
 * returns how many, or -1 with err set. */
static int render_all(const struct opts *o, const char *dir,
		      const struct var *vars, size_t nvars, struct out *outs,
		      struct carb_error *err)
{
	const char *data = carb_data_dir();
	int n = 0;

	for (size_t i = 0; i < NTEMPLATES; i++) {
		const struct tmpl *t = &templates[i];
		char *src = carb_xasprintf("%s/scaffold/%s", data, t->path);
		struct carb_buf b;
		char *text;
		size_t len;
		int rc;

		if ((t->flags & T_SYSTEMD) && !o->systemd) {
			free(src);
			continue;
		}
		carb_buf_init(&b);
		rc = read_whole(src, &text, &len, err);
		if (rc == 0) {
			if (t->flags & T_DEMO)
				carb_buf_add(&b, text, len);
			else
				rc = substitute(src, text, len, vars, nvars,
						&b, err);
			free(text);
		}
		free(src);
		if (rc < 0) {
			carb_buf_release(&b);
			return -1;
		}
		outs[n].t = t;
		outs[n].target = carb_xasprintf("%s/%s", dir, t->path);
		outs[n].len = b.len;
		outs[n].data = carb_buf_detach(&b);
		n++;
	}
	return n;
}

/* ---- writing ------------------------------------------------------------ */

/* Whether path, or a folder on the way to it below dir, exists as
 * something else than a folder (so that it could not be made one);
 * prints it once (seen holds what was printed). */
static bool blocked_folder(const char *dir, const char *path,
			   struct carb_map *seen)
{
	char *p = carb_xstrdup(path);
	bool blocked = false;
	struct stat st;

	for (char *s = p + strlen(dir);; s++) {
		char c = *s;

		if (c != '/' && c != '\0')
			continue;
		*s = '\0';
		if (stat(p, &st) != 0 ? errno != ENOENT : !S_ISDIR(st.st_mode)) {
			static char mark;
			int e = errno;

			bool said = carb_map_put(seen, p, strlen(p), &mark) != NULL;

			if (!said && stat(p, &st) != 0)
				carb_cli_errorf("init: cannot reach %s: %s", p,
						strerror(e));
			else if (!said)
				carb_cli_errorf("init: %s exists and is not a folder",
						p);
			blocked = true;
		}
		*s = c;
		if (c == '\0' || blocked)
			break;
	}
	free(p);
	return blocked;
}

/* Names every target that exists already, or that could never be
 * replaced by a file (a folder), and every folder that could not be made.
 * Returns how many are in the way. */
static size_t existing(const struct out *outs, size_t n, bool force,
		       const char *dir)
{
	struct carb_map *seen = carb_map_new();
	bool dir_blocked = blocked_folder("", dir, seen);
	size_t found;
	struct carb_buf list;
	struct stat st;

	for (size_t i = 0; !dir_blocked && i < NFOLDERS; i++) {
		char *p = carb_xasprintf("%s/%s", dir, folders[i]);

		blocked_folder(dir, p, seen);
		free(p);
	}
	for (size_t i = 0; !dir_blocked && i < n; i++) {
		char *parent = carb_xstrndup(outs[i].target,
					     (size_t)(strrchr(outs[i].target, '/') -
						      outs[i].target));

		blocked_folder(dir, parent, seen);
		free(parent);
	}
	found = carb_map_count(seen);
	carb_map_free(&seen);
	if (found > 0)
		return found;
	carb_buf_init(&list);
	for (size_t i = 0; i < n; i++) {
		if (lstat(outs[i].target, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			carb_cli_errorf("init: %s is a folder, where init writes a file",
					outs[i].target);
			found++;
		} else if (!force) {
			carb_buf_addf(&list, "  %s\n", outs[i].target +
				      strlen(dir) + 1);
			found++;
		}
	}
	if (list.len > 0)
		fprintf(stderr,
			"carbonation: init: these files exist in %s; nothing was written (--force overwrites them):\n%s",
			dir, list.data);
	carb_buf_release(&list);
	return found;
}

/* Writes o to a temporary name beside its target. */
static int write_tmp(struct out *o, mode_t mode, struct carb_error *err)
{
	const char *slash = strrchr(o->target, '/');
	char *tmp = carb_xasprintf("%.*s/" CARB_TMP_PREFIX "init-XXXXXX",
				   (int)(slash - o->target), o->target);
	int fd = mkostemp(tmp, O_CLOEXEC);
	size_t done = 0;

	if (fd < 0) {
		carb_error_set(err, "cannot create a file beside %s: %s",
			       o->target, strerror(errno));
		free(tmp);
		return -1;
	}
	o->tmp = tmp;
	while (done < o->len) {
		ssize_t w = write(fd, o->data + done, o->len - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			break;
		done += (size_t)w;
	}
	if (done < o->len || fchmod(fd, mode) != 0 ||
	    ((o->t->flags & T_DEMO) &&
	     futimens(fd, (struct timespec[2]){ { DEMO_MTIME, 0 },
						{ DEMO_MTIME, 0 } }) != 0) ||
	    fsync(fd) != 0) {
		carb_error_set(err, "cannot write %s: %s", tmp, strerror(errno));
		close(fd);
		return -1;
	}
	if (close(fd) != 0)
		return carb_error_set(err, "cannot write %s: %s", tmp,
				      strerror(errno));
	return 0;
}

/* Folders, then every file to its temporary name, then the renames. */
static int write_all(const char *dir, struct out *outs, size_t n,
		     struct carb_error *err)
{
	mode_t mask = umask(0);
	int rc = 0;

	umask(mask);
	rc = make_dirs(dir, err);
	for (size_t i = 0; rc == 0 && i < NFOLDERS; i++) {
		char *p = carb_xasprintf("%s/%s", dir, folders[i]);

		rc = make_dirs(p, err);
		free(p);
	}
	for (size_t i = 0; rc == 0 && i < n; i++) {
		char *parent = carb_xstrndup(outs[i].target,
					     (size_t)(strrchr(outs[i].target, '/') -
						      outs[i].target));

		rc = make_dirs(parent, err);
		free(parent);
		if (rc == 0)
			rc = write_tmp(&outs[i], 0666 & ~mask, err);
	}
	for (size_t i = 0; rc == 0 && i < n; i++) {
		if (rename(outs[i].tmp, outs[i].target) != 0)
			rc = carb_error_set(err, "cannot rename %s to %s: %s",
					    outs[i].tmp, outs[i].target,
					    strerror(errno));
		else {
			free(outs[i].tmp);
			outs[i].tmp = NULL;
		}
	}
	for (size_t i = 0; i < n; i++)
		if (outs[i].tmp != NULL)
			unlink(outs[i].tmp);
	return rc;
}

/* ---- --user: the folders the service writes ----------------------------- */

/* The folders of folders[] that the service's user must be able to write
 * beyond reading: the catalog and lock files, and the archive.  (The
 * watch folder stays with whoever delivers into it.) */
static const char *const owned_folders[] = { "state", "archive" };
#define NOWNED (sizeof(owned_folders) / sizeof(owned_folders[0]))

/* chown of at's entry name and, when it is a folder, of everything
 * below it; symlinks are changed themselves, never followed.  0 or -1
 * with err set. */
static int chown_tree(int at, const char *name, const char *shown,
		      uid_t uid, gid_t gid, struct carb_error *err)
{
	struct stat st;
	DIR *d;
	struct dirent *e;
	int fd;
	int rc = 0;

	if (fstatat(at, name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
	    fchownat(at, name, uid, gid, AT_SYMLINK_NOFOLLOW) != 0)
		return carb_error_set(err, "cannot change the owner of %s: %s",
				      shown, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return 0;
	fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
	if (fd < 0 || (d = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		return carb_error_set(err, "cannot read %s: %s", shown,
				      strerror(errno));
	}
	while (rc == 0 && (e = readdir(d)) != NULL) {
		char *sub;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		sub = carb_xasprintf("%s/%s", shown, e->d_name);
		rc = chown_tree(dirfd(d), e->d_name, sub, uid, gid, err);
		free(sub);
	}
	closedir(d);
	return rc;
}

/* s quoted for a POSIX shell when it needs it. */
static void shell_word(struct carb_buf *b, const char *s)
{
	if (*s != '\0' && s[strspn(s, "abcdefghijklmnopqrstuvwxyz"
				    "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				    "0123456789_./-+,:=@")] == '\0') {
		carb_buf_adds(b, s);
		return;
	}
	carb_buf_addc(b, '\'');
	for (; *s != '\0'; s++) {
		if (*s == '\'')
			carb_buf_adds(b, "'\\''");
		else
			carb_buf_addc(b, *s);
	}
	carb_buf_addc(b, '\'');
}

/* Gives the folders the service writes to o->user: chown as root, else
 * the command to run is printed.  0, or -1 with err set. */
static int hand_over(const struct opts *o, const char *dir,
		     struct carb_error *err)
{
	struct passwd *pw;
	struct carb_buf cmd;
	int dfd;
	int rc = 0;

	if (o->user == NULL)
		return 0;
	pw = getpwnam(o->user);
	if (pw == NULL && strspn(o->user, "0123456789") == strlen(o->user))
		pw = getpwuid((uid_t)strtoul(o->user, NULL, 10));
	if (pw != NULL && pw->pw_uid == geteuid())
		return 0;
	if (pw != NULL && geteuid() == 0) {
		dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0)
			return carb_error_set(err, "cannot open %s: %s", dir,
					      strerror(errno));
		for (size_t i = 0; rc == 0 && i < NOWNED; i++) {
			char *shown = carb_xasprintf("%s/%s", dir,
						     owned_folders[i]);

			rc = chown_tree(dfd, owned_folders[i], shown,
					pw->pw_uid, pw->pw_gid, err);
			free(shown);
		}
		close(dfd);
		return rc;
	}
	/* Not root (or no such user yet): say exactly what to run. */
	carb_buf_init(&cmd);
	carb_buf_adds(&cmd, "sudo chown -R ");
	if (pw != NULL) {
		struct group *gr = getgrgid(pw->pw_gid);
		char *owner = gr != NULL
			? carb_xasprintf("%s:%s", o->user, gr->gr_name)
			: carb_xasprintf("%s:%u", o->user, (unsigned)pw->pw_gid);

		shell_word(&cmd, owner);
		free(owner);
	} else {
		char *owner = carb_xasprintf("%s:", o->user);

		shell_word(&cmd, owner);
		free(owner);
	}
	for (size_t i = 0; i < NOWNED; i++) {
		char *p = carb_xasprintf("%s/%s", dir, owned_folders[i]);

		carb_buf_addc(&cmd, ' ');
		shell_word(&cmd, p);
		free(p);
	}
	printf("\nThe service runs as %s, who must own state/ and archive/%s:\n  %s\n",
	       o->user, pw == NULL ? " (once the user exists)" : "",
	       cmd.data);
	carb_buf_release(&cmd);
	return 0;
}

/* ---- the command -------------------------------------------------------- */

/* Whether name is the user running init. */
static bool same_user(const char *name)
{
	struct passwd *pw = getpwnam(name);

	if (pw == NULL && strspn(name, "0123456789") == strlen(name))
		return strtoul(name, NULL, 10) == (unsigned long)geteuid();
	return pw != NULL && pw->pw_uid == geteuid();
}

static void print_done(const struct opts *o, const char *dir,
		       const struct out *outs, size_t n)
{
	printf("carbonation init: wrote the project in %s\n", dir);
	for (size_t i = 0; i < n; i++)
		printf("  %s\n", outs[i].target + strlen(dir) + 1);
	printf("\nNext:\n");
	if (o->dir != NULL && o->dir[strspn(o->dir, "abcdefghijklmnopqrstuvwxyz"
					     "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
					     "0123456789_./-+,:=@")] == '\0')
		printf("  cd %s\n", o->dir);
	else if (o->dir != NULL && strchr(o->dir, '\'') == NULL)
		printf("  cd '%s'\n", o->dir);
	else if (o->dir != NULL)
		printf("  cd %s\n", dir);
	printf("  make -C my_plugin\n"
	       "  carbonation check config\n");
	/* The catalog must belong to the service's user, or SQLite opens it
	 * read-only ("attempt to write a readonly database"). */
	if (o->user != NULL && !same_user(o->user))
		printf("  runuser -u %s -- carbonation db init\n"
		       "  runuser -u %s -- carbonation run --once\n",
		       o->user, o->user);
	else
		printf("  carbonation db init\n"
		       "  carbonation run --once\n");
	if (o->systemd)
		printf("\nThe service: sudo cp carbonation.service /etc/systemd/system/ &&\n"
		       "  sudo systemctl daemon-reload && sudo systemctl enable --now carbonation\n");
}

static int init_project(const struct opts *o)
{
	char *dir = absolute_dir(o->dir != NULL ? o->dir : ".");
	struct var vars[16];
	struct out outs[NTEMPLATES];
	struct carb_error err = { 0 };
	size_t nvars = 0;
	int n = -1;
	int rc = CARB_EXIT_FAIL;

	memset(outs, 0, sizeof(outs));
	vars[nvars++] = (struct var){ "VERSION", carb_xstrdup(PACKAGE_VERSION) };
	vars[nvars++] = (struct var){ "DIR", carb_xstrdup(dir) };
	if (!o->systemd || unit_vars(dir, o->user, vars, &nvars, &err) == 0)
		n = render_all(o, dir, vars, nvars, outs, &err);
	if (n < 0)
		carb_cli_errorf("init: %s", err.msg);
	else if (existing(outs, (size_t)n, o->force, dir) > 0)
		rc = CARB_EXIT_FAIL;
	else if (write_all(dir, outs, (size_t)n, &err) < 0)
		carb_cli_errorf("init: %s", err.msg);
	else {
		print_done(o, dir, outs, (size_t)n);
		if (hand_over(o, dir, &err) < 0)
			carb_cli_errorf("init: %s", err.msg);
		else
			rc = CARB_EXIT_OK;
	}
	for (int i = 0; i < n; i++) {
		free(outs[i].target);
		free(outs[i].data);
		free(outs[i].tmp);
	}
	for (size_t i = 0; i < nvars; i++)
		free(vars[i].value);
	free(dir);
	return rc;
}

int carb_cmd_init(struct carb_cli *cli, int argc, char **argv)
{
	struct opts o = { 0 };
	int rc = parse_args(argc, argv, &o);

	(void)cli;
	if (rc >= 0)
		return rc;
	if (o.systemd && o.user != NULL && getpwnam(o.user) == NULL &&
	    strspn(o.user, "0123456789") != strlen(o.user))
		fprintf(stderr, "carbonation: init: warning: no user \"%s\" on this host yet; create it before starting the service\n",
			o.user);
	return init_project(&o);
}
