/*
 * ctl_events.c - the event stream: every domain state change becomes a
 * KCTL_OP_EVENT frame on each subscribed connection.  ctl_events_push runs
 * on vCPU threads as well as the loop, so it only ever sends with
 * MSG_DONTWAIT under sub_lock: a subscriber whose socket buffer is full is
 * shut down (the loop then closes it) rather than stalling a vCPU.
 */
#include <stdint.h>
#include <errno.h>
#include <sys/socket.h>

#include "ctl_internal.h"
#include "hv.h"
#include "ketch/ketchctl.h"

void ctl_events_init(struct ctl_server *srv)
{
	pthread_mutex_init(&srv->sub_lock, NULL);
	for (int i = 0; i < CTL_MAX_SUBS; i++)
		srv->subs[i] = (struct ctl_sub){ .fd = -1 };
}

int ctl_events_add(struct ctl_server *srv, struct ctl_conn *c, uint32_t req_id)
{
	struct kctl_hdr h;
	int r = -EUSERS;

	pthread_mutex_lock(&srv->sub_lock);
	for (int i = 0; i < CTL_MAX_SUBS; i++) {
		if (srv->subs[i].fd >= 0)
			continue;
		/* The reply goes out under the lock so no event overtakes it. */
		kctl_hdr_init(&h, KCTL_OP_SUBSCRIBE, req_id, 0, 0);
		r = kctl_send(c->fd, &h, NULL, -1, MSG_DONTWAIT);
		if (r == 0)
			srv->subs[i] = (struct ctl_sub){ .fd = c->fd };
		break;
	}
	pthread_mutex_unlock(&srv->sub_lock);
	return r;
}

void ctl_events_remove(struct ctl_server *srv, int fd)
{
	pthread_mutex_lock(&srv->sub_lock);
	for (int i = 0; i < CTL_MAX_SUBS; i++)
		if (srv->subs[i].fd == fd)
			srv->subs[i] = (struct ctl_sub){ .fd = -1 };
	pthread_mutex_unlock(&srv->sub_lock);
}

void ctl_events_push(struct hv *hv, const struct kctl_dominfo *info, void *opaque)
{
	struct ctl_server *srv = opaque;
	struct kctl_hdr h;

	(void)hv;
	kctl_hdr_init(&h, KCTL_OP_EVENT, 0, 0, sizeof(*info));
	pthread_mutex_lock(&srv->sub_lock);
	for (int i = 0; i < CTL_MAX_SUBS; i++) {
		struct ctl_sub *s = &srv->subs[i];

		if (s->fd < 0 || s->dead)
			continue;
		if (kctl_send(s->fd, &h, info, -1, MSG_DONTWAIT) < 0) {
			/* Too slow or gone: end the stream; the loop sees EOF/HUP. */
			/* Logged first: the subscriber may act on the EOF at once. */
			hv_log("ctl: event subscriber fd %d cannot keep up; dropped", s->fd);
			s->dead = true;
			shutdown(s->fd, SHUT_RDWR);
		}
	}
	pthread_mutex_unlock(&srv->sub_lock);
}
