/* The helper protocol's encoding and framing (wire.h).  Numbers go in
 * the host's byte order: both ends are the same program on the same
 * machine. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "plugin/wire.h"

/* ---- building ------------------------------------------------------------ */

void carb_wire_u8(struct carb_buf *b, uint8_t v)
{
	carb_buf_add(b, &v, 1);
}

void carb_wire_u32(struct carb_buf *b, uint32_t v)
{
	carb_buf_add(b, &v, sizeof(v));
}

void carb_wire_i64(struct carb_buf *b, int64_t v)
{
	carb_buf_add(b, &v, sizeof(v));
}

void carb_wire_f64(struct carb_buf *b, double v)
{
	carb_buf_add(b, &v, sizeof(v));
}

/* A missing value is length UINT32_MAX, which no frame can hold. */
void carb_wire_bytes(struct carb_buf *b, const char *s, size_t len)
{
	carb_wire_u32(b, s == NULL ? UINT32_MAX : (uint32_t)len);
	if (s != NULL)
		carb_buf_add(b, s, len);
}

void carb_wire_str(struct carb_buf *b, const char *s)
{
	carb_wire_bytes(b, s, s ? strlen(s) : 0);
}

/* ---- reading ------------------------------------------------------------- */

static const unsigned char *take(struct carb_wire_in *in, size_t n)
{
	const unsigned char *at = in->p;

	if (in->bad || in->left < n) {
		in->bad = true;
		return NULL;
	}
	in->p += n;
	in->left -= n;
	return at;
}

uint8_t carb_wire_get_u8(struct carb_wire_in *in)
{
	const unsigned char *at = take(in, 1);

	return at ? *at : 0;
}

uint32_t carb_wire_get_u32(struct carb_wire_in *in)
{
	const unsigned char *at = take(in, sizeof(uint32_t));
	uint32_t v = 0;

	if (at != NULL)
		memcpy(&v, at, sizeof(v));
	return v;
}

int64_t carb_wire_get_i64(struct carb_wire_in *in)
{
	const unsigned char *at = take(in, sizeof(int64_t));
	int64_t v = 0;

	if (at != NULL)
		memcpy(&v, at, sizeof(v));
	return v;
}

double carb_wire_get_f64(struct carb_wire_in *in)
{
	const unsigned char *at = take(in, sizeof(double));
	double v = 0;

	if (at != NULL)
		memcpy(&v, at, sizeof(v));
	return v;
}

const char *carb_wire_get_bytes(struct carb_wire_in *in, size_t *len)
{
	uint32_t n = carb_wire_get_u32(in);
	const unsigned char *at;

	*len = 0;
	if (in->bad || n == UINT32_MAX)
		return NULL;
	at = take(in, n);
	if (at == NULL)
		return NULL;
	*len = n;
	/* a view of an empty string still needs an address */
	return (const char *)at;
}

char *carb_wire_get_str(struct carb_wire_in *in)
{
	size_t len;
	const char *s = carb_wire_get_bytes(in, &len);

	if (s == NULL)
		return NULL;
	if (memchr(s, '\0', len) != NULL) {
		in->bad = true;
		return NULL;
	}
	return carb_xstrndup(s, len);
}

/* ---- frames -------------------------------------------------------------- */

/* Waits until fd is ready for events, at most until deadline_ms. */
static int wait_for(int fd, short events, int64_t deadline_ms)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	int64_t left;
	int rc;

	for (;;) {
		left = deadline_ms < 0 ? -1 : deadline_ms - carb_monotonic_ms();
		if (deadline_ms >= 0 && left <= 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		rc = poll(&pfd, 1, left > 1000000 ? 1000000 : (int)left);
		if (rc > 0)
			return 0;
		if (rc < 0 && errno != EINTR)
			return -1;
	}
}

static ssize_t send_some(int fd, const char *p, size_t n, int pass_fd)
{
	union {
		struct cmsghdr h;
		char space[CMSG_SPACE(sizeof(int))];
	} ctl;
	struct iovec iov = { .iov_base = (void *)p, .iov_len = n };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (pass_fd >= 0) {
		memset(&ctl, 0, sizeof(ctl));
		msg.msg_control = ctl.space;
		msg.msg_controllen = sizeof(ctl.space);
		ctl.h.cmsg_level = SOL_SOCKET;
		ctl.h.cmsg_type = SCM_RIGHTS;
		ctl.h.cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(&ctl.h), &pass_fd, sizeof(int));
	}
	return sendmsg(fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
}

int carb_wire_send(int fd, enum carb_wire_type t, const struct carb_buf *b,
		   int pass_fd, int64_t deadline_ms)
{
	struct carb_buf frame;
	uint32_t len = (uint32_t)(b->len + 1);
	size_t off = 0;
	int rc = 0;

	carb_buf_init(&frame);
	carb_buf_add(&frame, &len, sizeof(len));
	carb_wire_u8(&frame, (uint8_t)t);
	carb_buf_add(&frame, b->data, b->len);
	while (off < frame.len) {
		/* the descriptor goes with the first byte that leaves */
		ssize_t n = send_some(fd, frame.data + off, frame.len - off,
				      off == 0 ? pass_fd : -1);

		if (n > 0) {
			off += (size_t)n;
		} else if (n < 0 && errno != EAGAIN && errno != EINTR) {
			rc = -1;
			break;
		} else if (wait_for(fd, POLLOUT, deadline_ms) < 0) {
			rc = -1;
			break;
		}
	}
	carb_buf_release(&frame);
	return rc;
}

static void keep_fds(struct msghdr *msg, int *got_fd)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c != NULL;
	     c = CMSG_NXTHDR(msg, c)) {
		size_t n;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < n; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (got_fd != NULL && *got_fd < 0)
				*got_fd = fd;
			else
				close(fd);
		}
	}
}

/* Reads exactly n bytes into p; 1, 0 at a clean end of stream before the
 * first byte, -1 otherwise. */
static int recv_all(int fd, char *p, size_t n, int *got_fd,
		    int64_t deadline_ms)
{
	union {
		struct cmsghdr h;
		char space[CMSG_SPACE(4 * sizeof(int))];
	} ctl;
	size_t off = 0;

	while (off < n) {
		struct iovec iov = { .iov_base = p + off, .iov_len = n - off };
		struct msghdr msg = {
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = ctl.space,
			.msg_controllen = sizeof(ctl.space),
		};
		ssize_t r = recvmsg(fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);

		if (r > 0) {
			keep_fds(&msg, got_fd);
			off += (size_t)r;
		} else if (r == 0) {
			if (off == 0)
				return 0;
			errno = EPIPE;
			return -1;
		} else if ((errno != EAGAIN && errno != EINTR) ||
			   wait_for(fd, POLLIN, deadline_ms) < 0) {
			return -1;
		}
	}
	return 1;
}

int carb_wire_recv(int fd, enum carb_wire_type *t, struct carb_buf *b,
		   int *got_fd, int64_t deadline_ms)
{
	uint32_t len;
	int rc;

	if (got_fd != NULL)
		*got_fd = -1;
	b->len = 0;
	rc = recv_all(fd, (char *)&len, sizeof(len), got_fd, deadline_ms);
	if (rc <= 0)
		return rc;
	if (len == 0 || len > CARB_WIRE_MAX_FRAME) {
		errno = EPROTO;
		return -1;
	}
	if (b->cap < len + 1) {
		b->data = carb_xrealloc(b->data, len + 1);
		b->cap = len + 1;
	}
	rc = recv_all(fd, b->data, len, got_fd, deadline_ms);
	if (rc <= 0) {
		errno = rc == 0 ? EPIPE : errno;
		return -1;
	}
	*t = (enum carb_wire_type)(unsigned char)b->data[0];
	memmove(b->data, b->data + 1, len - 1);
	b->len = len - 1;
	b->data[b->len] = '\0';
	return 1;
}
