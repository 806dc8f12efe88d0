/* Which watches need polling: inotify only sees changes made through the
 * local kernel, so on network and FUSE filesystems another host's writes
 * go unseen.  The magic numbers are those of statfs(2). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/vfs.h>

#include "pipeline/pipeline.h"

static const struct {
	unsigned long magic;
	const char *name;
} remote_fs[] = {
	{ 0x6969, "NFS" },
	{ 0xFF534D42, "CIFS/SMB" },
	{ 0xFE534D42, "SMB2" },
	{ 0x517B, "SMB" },
	{ 0x65735546, "FUSE" },
	{ 0x00C36400, "Ceph" },
	{ 0x0BD00BD0, "Lustre" },
	{ 0x01021997, "9p" },
	{ 0x5346414F, "AFS" },
	{ 0x6B414653, "AFS" },
	{ 0x47504653, "GPFS" },
	{ 0x564C, "NCP" },
};

int carb_watch_effective_mode(const struct carb_watch_config *w, bool *poll,
			      char *why, size_t why_size,
			      struct carb_error *err)
{
	struct statfs sf;

	if (w->mode == CARB_WATCH_POLL) {
		*poll = true;
		snprintf(why, why_size, "mode = \"poll\"");
		return 0;
	}
	if (statfs(w->path, &sf) < 0)
		return carb_error_set(err, "%s: %s", w->path, strerror(errno));
	for (size_t i = 0; i < sizeof(remote_fs) / sizeof(remote_fs[0]); i++) {
		if ((unsigned long)sf.f_type != remote_fs[i].magic)
			continue;
		*poll = w->mode == CARB_WATCH_AUTO;
		snprintf(why, why_size, "%s filesystem%s", remote_fs[i].name,
			 *poll ? ", which inotify cannot see" :
				 "; inotify may miss other hosts' writes");
		return 0;
	}
	*poll = false;
	snprintf(why, why_size, "local filesystem");
	return 0;
}
