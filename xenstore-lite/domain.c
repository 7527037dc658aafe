/* Introduced domains: their ring mapping, event channel and connection. */
#include "domain.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/epoll.h>

#include "conn.h"
#include "watch.h"

struct xs_domain *xs_domain_find(struct xs_ctx *ctx, uint16_t domid)
{
	for (struct xs_domain *d = ctx->domains; d; d = d->next)
		if (d->domid == domid)
			return d;
	return NULL;
}

static void domain_free(struct xs_ctx *ctx, struct xs_domain *d)
{
	if (d->conn) {
		/* The connection may be mid-iteration in the loop: detach it now,
		 * let the reaper free it. */
		if (ctx->epfd >= 0 && d->conn->fd >= 0)
			epoll_ctl(ctx->epfd, EPOLL_CTL_DEL, d->conn->fd, NULL);
		d->conn->fd = -1;
		d->conn->tp_priv = NULL;
		d->conn->dom = NULL;
		xs_conn_kill(d->conn, "domain released");
	}
	if (d->notify_fd >= 0 || d->wake_fd >= 0)
		ctx->dops->unbind_evtchn(ctx->dops->priv, d->domid, d->notify_fd, d->wake_fd);
	if (d->intf)
		ctx->dops->unmap_ring(ctx->dops->priv, d->domid, d->intf);
	free(d);
}

int xs_domain_introduce(struct xs_ctx *ctx, uint16_t domid, uint64_t gfn, uint32_t port)
{
	struct xs_domain *d = xs_domain_find(ctx, domid);
	int r;

	if (d) {
		if (d->gfn != gfn || d->port != port)
			return -EEXIST;
		/* Same ring again: reconnect it if it was shut for misbehaviour. */
		if (!d->conn && !(d->conn = xs_conn_ring_new(ctx, d)))
			return -ENOMEM;
		return 0;
	}
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->domid = domid;
	d->gfn = gfn;
	d->port = port;
	d->notify_fd = d->wake_fd = -1;
	r = ctx->dops->map_ring(ctx->dops->priv, domid, gfn, &d->intf);
	if (r == 0)
		r = ctx->dops->bind_evtchn(ctx->dops->priv, domid, port, &d->notify_fd,
					   &d->wake_fd);
	if (r == 0) {
		d->conn = xs_conn_ring_new(ctx, d);
		if (!d->conn)
			r = -ENOMEM;
	}
	if (r) {
		domain_free(ctx, d);
		return r;
	}
	d->next = ctx->domains;
	ctx->domains = d;
	xs_watch_fire(ctx, "@introduceDomain", NULL, NULL);
	return 0;
}

int xs_domain_release(struct xs_ctx *ctx, uint16_t domid)
{
	for (struct xs_domain **pp = &ctx->domains; *pp; pp = &(*pp)->next) {
		struct xs_domain *d = *pp;

		if (d->domid == domid) {
			*pp = d->next;
			domain_free(ctx, d);
			xs_watch_fire(ctx, "@releaseDomain", NULL, NULL);
			return 0;
		}
	}
	return -ENOENT;
}

int xs_domain_shutdown(struct xs_ctx *ctx, uint16_t domid)
{
	struct xs_domain *d = xs_domain_find(ctx, domid);

	if (!d)
		return -ENOENT;
	if (!d->shutdown) {
		d->shutdown = true;
		xs_watch_fire(ctx, "@releaseDomain", NULL, NULL);
	}
	return 0;
}

int xs_domain_set_target(struct xs_ctx *ctx, uint16_t domid, uint16_t target)
{
	struct xs_domain *d = xs_domain_find(ctx, domid);

	if (!d)
		return -ENOENT;
	d->has_target = true;
	d->target = target;
	if (d->conn) {
		d->conn->caller.has_target = true;
		d->conn->caller.target = target;
	}
	return 0;
}
