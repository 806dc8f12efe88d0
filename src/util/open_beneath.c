/* Opening a path below a folder without ever leaving it.  Delivery folders
 * hold other people's files: a symlink there must never be followed, and
 * ".." must never climb out, whatever a file is called. */
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util/util.h"

static int open_how(int root_fd, const char *rel, int flags, uint64_t resolve)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC),
		.resolve = resolve,
	};

	return (int)syscall(SYS_openat2, root_fd, *rel != '\0' ? rel : ".",
			    &how, sizeof(how));
}

int carb_open_beneath(int root_fd, const char *rel, int flags)
{
	return open_how(root_fd, rel, flags, RESOLVE_BENEATH |
			RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
}

int carb_open_inside(int root_fd, const char *rel, int flags)
{
	return open_how(root_fd, rel, flags, RESOLVE_BENEATH |
			RESOLVE_NO_MAGICLINKS);
}
