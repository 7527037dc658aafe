/* Ring transport: a guest's xenstore_domain_interface page plus two eventfds. */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "conn.h"
#include "domain.h"

/*
 * The page is shared with a guest that may write anything at any time.  Each
 * call reads both indices once, checks prod - cons <= XENSTORE_RING_SIZE
 * (unsigned arithmetic, so wrap-around is fine), fences, and only then
 * copies.  Our own index is written back from the value we validated, never
 * re-read.  A bad index shuts this ring only.
 */
static struct xs_domain *dom_of(struct xs_conn *c)
{
	return c->tp_priv;
}

static XENSTORE_RING_IDX load_idx(const XENSTORE_RING_IDX *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static void store_idx(XENSTORE_RING_IDX *p, XENSTORE_RING_IDX v)
{
	__atomic_store_n(p, v, __ATOMIC_RELAXED);
}

static void kick(struct xs_domain *d)
{
	uint64_t one = 1;

	if (write(d->notify_fd, &one, sizeof(one)) < 0) {
		/* An eventfd write only fails at counter overflow: the guest is
		 * already signalled. */
	}
}

static ssize_t bad_ring(struct xs_conn *c, uint32_t err)
{
	struct xs_domain *d = dom_of(c);

	__atomic_store_n(&d->intf->error, err, __ATOMIC_RELAXED);
	xs_log(c->ctx, "domain %u: %s, ring disconnected", d->domid,
	       err == XENSTORE_ERROR_RINGIDX ? "invalid ring index" : "protocol violation");
	return -EIO;
}

static ssize_t ring_read(struct xs_conn *c, void *buf, size_t len)
{
	struct xs_domain *d = dom_of(c);
	struct xenstore_domain_interface *in;
	XENSTORE_RING_IDX cons, prod;
	size_t n = 0;

	if (!d)
		return -EPIPE;
	in = d->intf;
	cons = load_idx(&in->req_cons);
	prod = load_idx(&in->req_prod);
	__atomic_thread_fence(__ATOMIC_ACQUIRE); /* indices before data */
	if ((XENSTORE_RING_IDX)(prod - cons) > XENSTORE_RING_SIZE)
		return bad_ring(c, XENSTORE_ERROR_RINGIDX);
	while (n < len && cons != prod) {
		size_t off = MASK_XENSTORE_IDX(cons);
		size_t chunk = XENSTORE_RING_SIZE - off;

		if (chunk > (XENSTORE_RING_IDX)(prod - cons))
			chunk = (XENSTORE_RING_IDX)(prod - cons);
		if (chunk > len - n)
			chunk = len - n;
		memcpy((char *)buf + n, in->req + off, chunk);
		n += chunk;
		cons += (XENSTORE_RING_IDX)chunk;
	}
	if (n) {
		__atomic_thread_fence(__ATOMIC_SEQ_CST); /* data copied before space freed */
		store_idx(&in->req_cons, cons);
		kick(d);
	}
	return (ssize_t)n;
}

static ssize_t ring_write(struct xs_conn *c, const void *buf, size_t len)
{
	struct xs_domain *d = dom_of(c);
	struct xenstore_domain_interface *in;
	XENSTORE_RING_IDX cons, prod;
	size_t n = 0;

	if (!d)
		return -EPIPE;
	in = d->intf;
	cons = load_idx(&in->rsp_cons);
	prod = load_idx(&in->rsp_prod);
	__atomic_thread_fence(__ATOMIC_SEQ_CST); /* indices before we overwrite space */
	if ((XENSTORE_RING_IDX)(prod - cons) > XENSTORE_RING_SIZE)
		return bad_ring(c, XENSTORE_ERROR_RINGIDX);
	while (n < len && (XENSTORE_RING_IDX)(prod - cons) < XENSTORE_RING_SIZE) {
		size_t off = MASK_XENSTORE_IDX(prod);
		size_t space = XENSTORE_RING_SIZE - (XENSTORE_RING_IDX)(prod - cons);
		size_t chunk = XENSTORE_RING_SIZE - off;

		if (chunk > space)
			chunk = space;
		if (chunk > len - n)
			chunk = len - n;
		memcpy(in->rsp + off, (const char *)buf + n, chunk);
		n += chunk;
		prod += (XENSTORE_RING_IDX)chunk;
	}
	if (n) {
		__atomic_thread_fence(__ATOMIC_RELEASE); /* data before index */
		store_idx(&in->rsp_prod, prod);
		kick(d);
	}
	return (ssize_t)n;
}

static bool ring_can_read(struct xs_conn *c)
{
	struct xs_domain *d = dom_of(c);

	return d && load_idx(&d->intf->req_prod) != load_idx(&d->intf->req_cons);
}

static bool ring_can_write(struct xs_conn *c)
{
	struct xs_domain *d = dom_of(c);

	return d && (XENSTORE_RING_IDX)(load_idx(&d->intf->rsp_prod) -
					load_idx(&d->intf->rsp_cons)) < XENSTORE_RING_SIZE;
}

static void ring_destroy(struct xs_conn *c)
{
	struct xs_domain *d = dom_of(c);

	if (d)
		d->conn = NULL; /* the domain stays introduced until RELEASE */
}

/* The guest kicked: reset the wakeup eventfd's counter. */
static void ring_poll_ready(struct xs_conn *c)
{
	struct xs_domain *d = dom_of(c);
	uint64_t v;

	if (d && read(d->wake_fd, &v, sizeof(v)) < 0) {
		/* EAGAIN: a spurious wakeup, nothing to drain. */
	}
}

/* An oversized message: flag it in the page (XENSTORE_SERVER_FEATURE_ERROR). */
static void ring_protocol_error(struct xs_conn *c)
{
	if (dom_of(c))
		bad_ring(c, XENSTORE_ERROR_PROTO);
}

static const struct xs_transport ring_transport = {
	.name = "ring",
	.read = ring_read,
	.write = ring_write,
	.can_read = ring_can_read,
	.can_write = ring_can_write,
	.destroy = ring_destroy,
	.poll_ready = ring_poll_ready,
	.protocol_error = ring_protocol_error,
};

struct xs_conn *xs_conn_ring_new(struct xs_ctx *ctx, struct xs_domain *dom)
{
	struct xs_caller caller = {
		.domid = dom->domid,
		.has_target = dom->has_target,
		.target = dom->target,
	};
	struct xs_conn *c;

	dom->intf->server_features = XENSTORE_SERVER_FEATURE_ERROR;
	dom->intf->connection = XENSTORE_CONNECTED;
	dom->intf->error = XENSTORE_ERROR_NONE;
	c = xs_conn_new(ctx, &ring_transport, dom, dom->wake_fd, &caller);
	if (c)
		c->dom = dom;
	return c;
}
