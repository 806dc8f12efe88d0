/* SIGTERM, SIGINT and SIGHUP arrive as a readable descriptor, so the loop
 * acts on them between two steps, never inside one. */
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "service/service_internal.h"

static void service_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGHUP);
}

int carb_service_block_signals(void)
{
	sigset_t set;

	service_signals(&set);
	return sigprocmask(SIG_BLOCK, &set, NULL);
}

int carb_signals_open(void)
{
	sigset_t set;

	service_signals(&set);
	return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

enum carb_signal carb_signals_read(int fd)
{
	struct signalfd_siginfo si;
	enum carb_signal got = CARB_SIG_NONE;

	while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			if (got == CARB_SIG_NONE)
				got = CARB_SIG_RELOAD;
		} else {
			got = CARB_SIG_STOP;
		}
	}
	return got;
}
