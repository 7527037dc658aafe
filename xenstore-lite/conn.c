/* Connections: message assembly, reply/event queues, over any transport. */
#include "conn.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "dispatch.h"
#include "transaction.h"
#include "watch.h"

struct xs_conn *xs_conn_new(struct xs_ctx *ctx, const struct xs_transport *tp, void *tp_priv,
			    int fd, const struct xs_caller *caller)
{
	struct xs_conn *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->ctx = ctx;
	c->tp = tp;
	c->tp_priv = tp_priv;
	c->fd = fd;
	c->caller = *caller;
	c->out_tail = &c->out;
	if (ctx->epfd >= 0 && fd >= 0) {
		struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};

		if (epoll_ctl(ctx->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
			free(c);
			return NULL;
		}
		c->events = EPOLLIN;
	}
	c->next = ctx->conns;
	ctx->conns = c;
	return c;
}

/* Adds delta (possibly negative) to the bytes held for c's domain. */
static void charge(struct xs_conn *c, size_t delta)
{
	if (!c->caller.priv)
		c->ctx->mem_used[c->caller.domid] += delta; /* wraps back for a negative delta */
}

bool xs_conn_mem_room(struct xs_conn *c, size_t bytes)
{
	return c->caller.priv ||
	       c->ctx->mem_used[c->caller.domid] + bytes <= c->ctx->quota.memory;
}

void xs_conn_tx_charge(struct xs_conn *c, struct xs_tx *tx)
{
	size_t now = xs_tx_memory(tx);

	charge(c, now - tx->charged);
	tx->charged = now;
}

void xs_conn_tx_end(struct xs_conn *c, struct xs_tx *tx)
{
	struct xs_tx **pp;

	for (pp = &c->txs; *pp && *pp != tx; pp = &(*pp)->next)
		;
	if (*pp) {
		*pp = tx->next;
		c->ntx--;
	}
	charge(c, -tx->charged);
	xs_tx_free(tx);
}

static int queue(struct xs_conn *c, const struct xsd_sockmsg *h, const void *a, uint32_t alen,
		 const void *b, uint32_t blen)
{
	struct xs_outmsg *m = malloc(sizeof(*m) + sizeof(*h) + alen + blen);
	struct xsd_sockmsg hdr = *h;

	if (!m)
		return -ENOMEM;
	hdr.len = alen + blen;
	m->next = NULL;
	m->off = 0;
	m->len = (uint32_t)sizeof(hdr) + alen + blen;
	memcpy(m->data, &hdr, sizeof(hdr));
	if (alen)
		memcpy(m->data + sizeof(hdr), a, alen);
	if (blen)
		memcpy(m->data + sizeof(hdr) + alen, b, blen);
	*c->out_tail = m;
	c->out_tail = &m->next;
	c->out_bytes += m->len;
	charge(c, m->len);
	return 0;
}

int xs_conn_reply(struct xs_conn *c, const struct xsd_sockmsg *req, uint32_t type,
		  const void *data, uint32_t len)
{
	struct xsd_sockmsg h = {.type = type, .req_id = req->req_id, .tx_id = req->tx_id};

	return queue(c, &h, data, len, NULL, 0);
}

int xs_conn_error(struct xs_conn *c, const struct xsd_sockmsg *req, int err)
{
	const char *name = "EIO";

	for (size_t i = 0; i < sizeof(xsd_errors) / sizeof(xsd_errors[0]); i++)
		if (xsd_errors[i].errnum == -err)
			name = xsd_errors[i].errstring;
	return xs_conn_reply(c, req, XS_ERROR, name, (uint32_t)strlen(name) + 1);
}

void xs_conn_event(struct xs_conn *c, const char *path, const char *token)
{
	struct xsd_sockmsg h = {.type = XS_WATCH_EVENT};
	size_t len = strlen(path) + strlen(token) + 2;

	if (c->dead)
		return;
	if (len > XENSTORE_PAYLOAD_MAX) {
		xs_log(c->ctx, "watch event for %.64s... too long for one message: dropped", path);
		return;
	}
	if (c->out_bytes >= c->ctx->quota.event_queue || !xs_conn_mem_room(c, sizeof(h) + len) ||
	    queue(c, &h, path, (uint32_t)strlen(path) + 1, token, (uint32_t)strlen(token) + 1)) {
		if (c->dropped_events++ == 0)
			xs_log(c->ctx, "%s connection of domain %u not reading: dropping watch events",
			       c->tp->name, c->caller.domid);
		return;
	}
	c->more = true; /* the loop gives it a turn, which flushes */
	xs_conn_update_events(c);
}

void xs_conn_kill(struct xs_conn *c, const char *why)
{
	if (c->dead)
		return;
	if (c->ctx->verbose || c->dom)
		xs_log(c->ctx, "%s connection of domain %u closed: %s", c->tp->name,
		       c->caller.domid, why);
	c->dead = true;
}

/*
 * Reads one message; 1 when complete (payload in c->in, which the caller
 * frees), 0 when more bytes are needed, <0 on error.  The payload buffer is
 * allocated once the header says how long it is, so an idle connection
 * holds none.
 */
static int read_message(struct xs_conn *c)
{
	const size_t hs = sizeof(c->hdr);
	ssize_t n;

	if (c->in_got < hs) {
		n = c->tp->read(c, (char *)&c->hdr + c->in_got, hs - c->in_got);
		if (n <= 0)
			return (int)n;
		c->in_got += (uint32_t)n;
		if (c->in_got < hs)
			return 0;
		if (c->hdr.len > XENSTORE_PAYLOAD_MAX)
			return -E2BIG;
		c->in = malloc(c->hdr.len + 1);
		if (!c->in)
			return -ENOMEM;
	}
	if (c->in_got < hs + c->hdr.len) {
		n = c->tp->read(c, c->in + (c->in_got - hs), hs + c->hdr.len - c->in_got);
		if (n <= 0)
			return (int)n;
		c->in_got += (uint32_t)n;
		if (c->in_got < hs + c->hdr.len)
			return 0;
	}
	c->in[c->hdr.len] = '\0';
	c->in_got = 0;
	return 1;
}

void xs_conn_service(struct xs_conn *c)
{
	unsigned budget = c->ctx->quota.outstanding ? c->ctx->quota.outstanding : 1;
	int r = 0;

	while (!c->dead && budget && c->out_bytes < c->ctx->quota.out_queue) {
		r = read_message(c);
		if (r <= 0)
			break;
		budget--;
		xs_dispatch(c, &c->hdr, c->in);
		free(c->in);
		c->in = NULL;
	}
	if (r == -E2BIG) {
		/* The stream cannot be resynchronised: answer, then hang up. */
		xs_conn_error(c, &c->hdr, -E2BIG);
		xs_conn_flush(c);
		if (c->tp->protocol_error)
			c->tp->protocol_error(c);
		xs_conn_kill(c, "message longer than XENSTORE_PAYLOAD_MAX");
	} else if (r == -EPIPE) {
		xs_conn_flush(c); /* a half-closed peer still gets its replies */
		xs_conn_kill(c, "peer closed");
	} else if (r == -ENOMEM) {
		xs_conn_kill(c, "out of memory");
	} else if (r < 0) {
		xs_conn_kill(c, "transport error");
	}
	if (!c->dead && xs_conn_flush(c) < 0)
		xs_conn_kill(c, "peer closed while writing");
	c->more = !c->dead && c->out_bytes < c->ctx->quota.out_queue && c->tp->can_read(c);
	xs_conn_update_events(c);
}

int xs_conn_flush(struct xs_conn *c)
{
	while (c->out) {
		struct xs_outmsg *m = c->out;
		ssize_t n = c->tp->write(c, m->data + m->off, m->len - m->off);

		if (n < 0)
			return (int)n;
		if (n == 0)
			break;
		m->off += (uint32_t)n;
		c->out_bytes -= (size_t)n;
		charge(c, -(size_t)n);
		if (m->off < m->len)
			break;
		c->out = m->next;
		if (!c->out)
			c->out_tail = &c->out;
		free(m);
	}
	return 0;
}

void xs_conn_update_events(struct xs_conn *c)
{
	uint32_t want = 0;
	struct epoll_event ev;

	if (c->ctx->epfd < 0 || c->fd < 0 || c->dead || c->dom)
		return; /* ring wakeups are eventfds: always polled for input */
	if (c->out_bytes < c->ctx->quota.out_queue)
		want |= EPOLLIN;
	if (c->out)
		want |= EPOLLOUT;
	if (want == c->events)
		return;
	ev.events = want;
	ev.data.ptr = c;
	if (epoll_ctl(c->ctx->epfd, EPOLL_CTL_MOD, c->fd, &ev) == 0)
		c->events = want;
}

void xs_conn_free(struct xs_conn *c)
{
	struct xs_conn **pp;

	for (pp = &c->ctx->conns; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	xs_watch_del_conn(c->ctx, c);
	while (c->txs)
		xs_conn_tx_end(c, c->txs);
	charge(c, -c->out_bytes);
	while (c->out) {
		struct xs_outmsg *m = c->out;

		c->out = m->next;
		free(m);
	}
	if (c->ctx->epfd >= 0 && c->fd >= 0)
		epoll_ctl(c->ctx->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	c->tp->destroy(c);
	c->ctx->conns_closed++; /* a descriptor may have freed up: see loop.c */
	free(c->in);
	free(c);
}

void xs_conn_reap(struct xs_ctx *ctx)
{
	struct xs_conn *c = ctx->conns, *next;

	for (; c; c = next) {
		next = c->next;
		if (c->dead)
			xs_conn_free(c);
	}
}
