/* events.c - the domain state-change stream (KCTL_OP_SUBSCRIBE). */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <unistd.h>

#include "kctl_private.h"

struct kctl_events {
	int fd;
};

struct kctl_events *kctl_subscribe_timeout(const char *path, int timeout_ms, int *err)
{
	struct kctl_hello hi = { .version = KCTL_VERSION }, rep;
	struct kctl_events *ev = NULL;
	int fd = kctl_connect(path, timeout_ms), r = fd;

	if (fd >= 0)
		r = kctl_exchange(fd, KCTL_OP_HELLO, 1, &hi, sizeof(hi), &rep,
				  sizeof(rep), NULL);
	if (r == 0)
		r = kctl_exchange(fd, KCTL_OP_SUBSCRIBE, 2, NULL, 0, NULL, 0, NULL);
	if (r == 0 && !(ev = malloc(sizeof(*ev))))
		r = -ENOMEM;
	if (r == 0)
		ev->fd = fd;
	else if (fd >= 0)
		close(fd);
	if (err)
		*err = r < 0 ? r : 0;
	return ev;
}

struct kctl_events *kctl_subscribe(const char *path, int *err)
{
	return kctl_subscribe_timeout(path, 0, err);
}

int kctl_events_fd(const struct kctl_events *ev)
{
	return ev->fd;
}

int kctl_next_event(struct kctl_events *ev, struct kctl_dominfo *info,
		    int timeout_ms)
{
	struct pollfd p = { .fd = ev->fd, .events = POLLIN };
	struct kctl_hdr h;
	int r;

	do
		r = poll(&p, 1, timeout_ms);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return -errno;
	if (r == 0)
		return -ETIMEDOUT;
	r = kctl_recv(ev->fd, &h, info, sizeof(*info), NULL);
	/* A frame stalled half-read (receive timeout) leaves the stream out of step too. */
	if (r)
		return r == -EPROTO || r == -EAGAIN ? -ECONNRESET : r;
	if (h.op != KCTL_OP_EVENT || h.len != sizeof(*info))
		return -EPROTO;
	info->crash_reason[sizeof(info->crash_reason) - 1] = '\0';
	return 0;
}

void kctl_events_close(struct kctl_events *ev)
{
	if (!ev)
		return;
	close(ev->fd);
	free(ev);
}
