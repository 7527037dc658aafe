/* Guest rings through ketch-hv's control socket: map RAM, bind ports, watch deaths. */
#include "domain_ops_ketch.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "domain.h"
#include "loop.h"
#include "ketch/ketchctl.h"

#define XS_PAGE_SHIFT 12

/* What we hold for one introduced domain: its RAM mapping and bound port. */
struct ketch_dom {
	struct ketch_dom *next;
	uint16_t domid;
	void *base;
	uint64_t size;
	uint32_t port;
	bool bound;
};

struct xs_ketch {
	struct xs_domain_ops ops; /* ops.priv points back here */
	struct kctl *h;
	struct kctl_events *ev;
	char *path; /* NULL: libketchctl's default rule */
	struct ketch_dom *doms;
};

static struct ketch_dom *dom_get(struct xs_ketch *k, uint16_t domid, bool create)
{
	struct ketch_dom *d;

	for (d = k->doms; d; d = d->next)
		if (d->domid == domid)
			return d;
	if (!create || !(d = calloc(1, sizeof(*d))))
		return NULL;
	d->domid = domid;
	d->next = k->doms;
	k->doms = d;
	return d;
}

/* Forgets d once neither its memory nor its port is held any more. */
static void dom_put(struct xs_ketch *k, struct ketch_dom *d)
{
	if (d->base || d->bound)
		return;
	for (struct ketch_dom **pp = &k->doms; *pp; pp = &(*pp)->next)
		if (*pp == d) {
			*pp = d->next;
			free(d);
			return;
		}
}

static void ketch_unmap(void *priv, uint16_t domid, struct xenstore_domain_interface *page)
{
	struct xs_ketch *k = priv;
	struct ketch_dom *d = dom_get(k, domid, false);

	(void)page;
	if (!d || !d->base)
		return;
	kctl_unmap_memory(d->base, d->size);
	d->base = NULL;
	dom_put(k, d);
}

static int ketch_map(void *priv, uint16_t domid, uint64_t gfn,
		     struct xenstore_domain_interface **page)
{
	struct xs_ketch *k = priv;
	struct ketch_dom *d = dom_get(k, domid, true);
	int r;

	if (!d)
		return -ENOMEM;
	if (!d->base && (r = kctl_map_memory(k->h, domid, &d->base, &d->size)) < 0) {
		d->base = NULL;
		dom_put(k, d);
		return r;
	}
	/* The frame comes from the toolstack, but check it anyway: one whole
	 * page inside the mapping (no overflow: gfn is bounded first).  The
	 * daemon calls unmap_ring only after a success, so drop it here. */
	if (gfn >= d->size >> XS_PAGE_SHIFT) {
		ketch_unmap(k, domid, NULL);
		return -EINVAL;
	}
	*page = (struct xenstore_domain_interface *)((char *)d->base + (gfn << XS_PAGE_SHIFT));
	return 0;
}

static int set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	return fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0 ? -errno : 0;
}

static int ketch_bind(void *priv, uint16_t domid, uint32_t port, int *notify_fd, int *wake_fd)
{
	struct xs_ketch *k = priv;
	struct ketch_dom *d = dom_get(k, domid, true);
	int from = -1, to = -1, r;

	*notify_fd = *wake_fd = -1;
	if (!d)
		return -ENOMEM;
	r = d->bound ? -EBUSY : kctl_evtchn_bind(k->h, domid, port, &from, &to);
	if (r == 0 && ((r = set_nonblock(from)) || (r = set_nonblock(to)))) {
		close(from);
		close(to);
		kctl_evtchn_unbind(k->h, domid, port);
	}
	if (r) {
		dom_put(k, d);
		return r;
	}
	d->port = port;
	d->bound = true;
	*notify_fd = to;
	*wake_fd = from;
	return 0;
}

static void ketch_unbind(void *priv, uint16_t domid, int notify_fd, int wake_fd)
{
	struct xs_ketch *k = priv;
	struct ketch_dom *d = dom_get(k, domid, false);

	if (notify_fd >= 0)
		close(notify_fd);
	if (wake_fd >= 0)
		close(wake_fd);
	if (!d || !d->bound)
		return;
	/* Fails harmlessly (-ESRCH) once the domain is gone. */
	kctl_evtchn_unbind(k->h, domid, d->port);
	d->bound = false;
	dom_put(k, d);
}

struct xs_ketch *xs_ketch_open(const char *path, int *err)
{
	struct xs_ketch *k = calloc(1, sizeof(*k));
	int r = -ENOMEM;

	if (!k || (path && !(k->path = strdup(path))))
		goto fail;
	k->ops = (struct xs_domain_ops){k, ketch_map, ketch_unmap, ketch_bind, ketch_unbind};
	/* Subscribe first: a domain dying between the two is then still seen. */
	k->ev = kctl_subscribe(path, &r);
	if (k->ev)
		k->h = kctl_open(path, &r);
	if (k->h)
		return k;
fail:
	*err = r;
	xs_ketch_close(k);
	return NULL;
}

const struct xs_domain_ops *xs_ketch_ops(struct xs_ketch *k)
{
	return &k->ops;
}

int xs_ketch_events_fd(const struct xs_ketch *k)
{
	return k->ev ? kctl_events_fd(k->ev) : -1;
}

static void on_state(struct xs_ctx *ctx, uint32_t domid, uint32_t state)
{
	if (domid == 0 || domid > UINT16_MAX || !xs_domain_find(ctx, (uint16_t)domid))
		return;
	if (state == KCTL_STATE_DYING) {
		xs_log(ctx, "domain %u destroyed, releasing it", domid);
		xs_domain_release(ctx, (uint16_t)domid);
	} else if (state == KCTL_STATE_SHUTDOWN || state == KCTL_STATE_CRASHED) {
		xs_domain_shutdown(ctx, (uint16_t)domid);
	}
}

/* After a dropped stream: subscribe again, then ask about every domain we hold. */
static void resync(struct xs_ketch *k, struct xs_ctx *ctx)
{
	struct kctl_dominfo info;
	struct xs_domain *d, *next;
	int r;

	kctl_events_close(k->ev);
	k->ev = kctl_subscribe(k->path, &r);
	if (!k->ev) {
		xs_log(ctx, "lost ketch-hv's event stream (%s): domain deaths go unnoticed",
		       kctl_strerror(r));
		return;
	}
	xs_loop_add_source(ctx, kctl_events_fd(k->ev), ctx->src_ready, ctx->src_arg);
	for (d = ctx->domains; d; d = next) {
		next = d->next; /* d may be released */
		r = kctl_getinfo(k->h, d->domid, &info);
		on_state(ctx, d->domid, r == -ESRCH ? KCTL_STATE_DYING : r ? 0 : info.state);
	}
}

void xs_ketch_handle_events(struct xs_ketch *k, struct xs_ctx *ctx)
{
	struct kctl_dominfo info;
	int r;

	if (!k->ev)
		return;
	while ((r = kctl_next_event(k->ev, &info, 0)) == 0)
		on_state(ctx, info.domid, info.state);
	if (r != -ETIMEDOUT) {
		xs_log(ctx, "ketch-hv event stream: %s, resubscribing", kctl_strerror(r));
		resync(k, ctx);
	}
}

void xs_ketch_close(struct xs_ketch *k)
{
	if (!k)
		return;
	while (k->doms) {
		struct ketch_dom *d = k->doms;

		k->doms = d->next;
		if (d->base)
			kctl_unmap_memory(d->base, d->size);
		free(d);
	}
	kctl_events_close(k->ev);
	kctl_close(k->h);
	free(k->path);
	free(k);
}
