/* old-kernel-linkat COMMAND [ARG...]: runs COMMAND as a kernel before
 * 6.10 treats a caller without CAP_DAC_READ_SEARCH, which is how Debian
 * 12 (Linux 6.1) runs a service under its own user: linkat() with
 * AT_EMPTY_PATH fails with ENOENT.  A seccomp filter, inherited by every
 * thread of COMMAND, gives that answer; everything else is untouched.
 *
 * The archive layer then has to name its nameless copies through
 * /proc/self/fd, the way production on such a kernel does, while the
 * test machines themselves (root, newer kernels) would always take the
 * AT_EMPTY_PATH path.
 *
 * Exit 77 (the test skips) where the filter cannot be installed or this
 * architecture is not known here; 1 when the filter does not take; else
 * COMMAND's own status through exec. */
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__x86_64__)
#define FILTER_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define FILTER_ARCH AUDIT_ARCH_AARCH64
#endif

/* The low 32 bits of linkat's flags argument, where AT_EMPTY_PATH is. */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define FLAGS_LOW offsetof(struct seccomp_data, args[4])
#else
#define FLAGS_LOW (offsetof(struct seccomp_data, args[4]) + 4)
#endif

#ifdef FILTER_ARCH
static int deny_empty_path_links(void)
{
	struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, FILTER_ARCH, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_linkat, 0, 3),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, FLAGS_LOW),
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, AT_EMPTY_PATH, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOENT),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {
		.len = sizeof(code) / sizeof(code[0]),
		.filter = code,
	};

	/* Lets an unprivileged caller install a filter; it also keeps
	 * set-uid programs from gaining anything, which COMMAND needs not. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -1;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
}
#endif

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: old-kernel-linkat COMMAND [ARG...]\n");
		return 2;
	}
#ifndef FILTER_ARCH
	fprintf(stderr, "old-kernel-linkat: no seccomp filter for this "
		"architecture\n");
	return 77;
#else
	if (deny_empty_path_links() < 0) {
		fprintf(stderr, "old-kernel-linkat: seccomp: %s\n",
			strerror(errno));
		return 77;
	}
	/* The kernel says EBADF for fd -1 on its own; ENOENT can only be
	 * the filter's. */
	if (linkat(-1, "", AT_FDCWD, "old-kernel-linkat-probe",
		   AT_EMPTY_PATH) == 0 || errno != ENOENT) {
		fprintf(stderr, "old-kernel-linkat: the filter did not take "
			"(linkat said %s)\n", strerror(errno));
		return 1;
	}
	execvp(argv[1], argv + 1);
	fprintf(stderr, "old-kernel-linkat: %s: %s\n", argv[1],
		strerror(errno));
	return 127;
#endif
}
