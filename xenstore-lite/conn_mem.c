/* In-memory transport: the daemon's message path without a socket (tests, fuzzing). */
#include "conn_mem.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct buf {
	char *p;
	size_t len, off;
};

struct mem_priv {
	struct buf in, out;
	bool hangup;
};

static int buf_add(struct buf *b, const void *d, size_t n)
{
	char *p = realloc(b->p, b->len + n + 1);

	if (!p)
		return -ENOMEM;
	memcpy(p + b->len, d, n);
	b->p = p;
	b->len += n;
	return 0;
}

/* Forgets what was consumed once all of it was, so a long test does not
 * keep (and copy on every append) everything it ever sent. */
static void buf_consumed(struct buf *b, size_t n)
{
	b->off += n;
	if (b->off < b->len)
		return;
	free(b->p);
	b->p = NULL;
	b->len = b->off = 0;
}

static ssize_t mem_read(struct xs_conn *c, void *buf, size_t len)
{
	struct mem_priv *m = c->tp_priv;
	size_t n = m->in.len - m->in.off;

	if (n == 0)
		return m->hangup ? -EPIPE : 0;
	if (n > len)
		n = len;
	memcpy(buf, m->in.p + m->in.off, n);
	buf_consumed(&m->in, n);
	return (ssize_t)n;
}

static ssize_t mem_write(struct xs_conn *c, const void *buf, size_t len)
{
	struct mem_priv *m = c->tp_priv;

	return buf_add(&m->out, buf, len) ? 0 : (ssize_t)len;
}

static bool mem_can_read(struct xs_conn *c)
{
	struct mem_priv *m = c->tp_priv;

	return m->in.off < m->in.len;
}

static bool mem_can_write(struct xs_conn *c)
{
	(void)c;
	return true;
}

static void mem_destroy(struct xs_conn *c)
{
	struct mem_priv *m = c->tp_priv;

	free(m->in.p);
	free(m->out.p);
	free(m);
}

static const struct xs_transport mem_transport = {
	.name = "memory",
	.read = mem_read,
	.write = mem_write,
	.can_read = mem_can_read,
	.can_write = mem_can_write,
	.destroy = mem_destroy,
};

struct xs_conn *xs_conn_mem_new(struct xs_ctx *ctx, const struct xs_caller *caller)
{
	struct mem_priv *m = calloc(1, sizeof(*m));
	struct xs_conn *c = m ? xs_conn_new(ctx, &mem_transport, m, -1, caller) : NULL;

	if (!c)
		free(m);
	return c;
}

int xs_conn_mem_feed(struct xs_conn *c, const void *data, size_t len)
{
	return buf_add(&((struct mem_priv *)c->tp_priv)->in, data, len);
}

void xs_conn_mem_hangup(struct xs_conn *c)
{
	((struct mem_priv *)c->tp_priv)->hangup = true;
}

int xs_conn_mem_next(struct xs_conn *c, struct xsd_sockmsg *hdr, char *payload, size_t cap)
{
	struct buf *o = &((struct mem_priv *)c->tp_priv)->out;
	size_t n;

	if (o->len - o->off < sizeof(*hdr))
		return 0;
	memcpy(hdr, o->p + o->off, sizeof(*hdr));
	if (o->len - o->off < sizeof(*hdr) + hdr->len)
		return 0;
	n = hdr->len < cap ? hdr->len : cap;
	memcpy(payload, o->p + o->off + sizeof(*hdr), n);
	if (n < cap)
		payload[n] = '\0';
	buf_consumed(o, sizeof(*hdr) + hdr->len);
	return 1;
}
