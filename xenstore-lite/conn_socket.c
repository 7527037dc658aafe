/* Socket transport: a Unix stream connection from a control-domain client. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "conn.h"
#include "conn_socket.h"

#define RX_BUF 16384

/*
 * Input is read in 16 KiB gulps (one recv for many small requests), into a
 * buffer that exists only while it holds unread bytes: an idle connection
 * holds none.  An emptied buffer is kept in ctx->rx_spare for the next
 * reader (the loop serves one connection at a time), so a busy daemon does
 * not allocate one per request.
 */
struct sock_priv {
	int fd;
	uint32_t len, off; /* buffered input: rbuf[off..len) */
	bool drained;      /* the last recv came back short: wait for epoll */
	char *rbuf;        /* NULL when nothing is buffered */
};

static void put_rbuf(struct xs_conn *c, struct sock_priv *s)
{
	if (!c->ctx->rx_spare)
		c->ctx->rx_spare = s->rbuf;
	else
		free(s->rbuf);
	s->rbuf = NULL;
	s->off = s->len = 0;
}

/* Fills rbuf with one recv; bytes read, 0 if none now, <0 when the peer is gone. */
static ssize_t fill(struct xs_conn *c, struct sock_priv *s)
{
	ssize_t r;

	if (!s->rbuf) {
		s->rbuf = c->ctx->rx_spare ? c->ctx->rx_spare : malloc(RX_BUF);
		c->ctx->rx_spare = NULL;
		if (!s->rbuf)
			return -ENOMEM;
	}
	r = recv(s->fd, s->rbuf, RX_BUF, MSG_DONTWAIT);
	if (r <= 0)
		put_rbuf(c, s);
	if (r == 0)
		return -EPIPE;
	if (r < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -EPIPE;
	s->off = 0;
	s->len = (uint32_t)r;
	s->drained = r < RX_BUF;
	return r;
}

static ssize_t sock_read(struct xs_conn *c, void *buf, size_t len)
{
	struct sock_priv *s = c->tp_priv;
	size_t n;

	if (!s->rbuf) {
		ssize_t r;

		if (s->drained)
			return 0; /* saves a recv that would say EAGAIN */
		if ((r = fill(c, s)) <= 0)
			return r;
	}
	n = s->len - s->off < len ? s->len - s->off : len;
	memcpy(buf, s->rbuf + s->off, n);
	s->off += (uint32_t)n;
	if (s->off == s->len)
		put_rbuf(c, s);
	return (ssize_t)n;
}

static ssize_t sock_write(struct xs_conn *c, const void *buf, size_t len)
{
	struct sock_priv *s = c->tp_priv;
	ssize_t r = send(s->fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);

	if (r < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -EPIPE;
	return r;
}

static bool sock_can_read(struct xs_conn *c)
{
	struct sock_priv *s = c->tp_priv;

	return s->rbuf != NULL;
}

static bool sock_can_write(struct xs_conn *c)
{
	(void)c;
	return true;
}

static void sock_destroy(struct xs_conn *c)
{
	struct sock_priv *s = c->tp_priv;

	close(s->fd);
	free(s->rbuf);
	free(s);
}

/* epoll says readable (or writable): allow the next recv. */
static void sock_poll_ready(struct xs_conn *c)
{
	((struct sock_priv *)c->tp_priv)->drained = false;
}

static const struct xs_transport socket_transport = {
	.name = "socket",
	.read = sock_read,
	.write = sock_write,
	.can_read = sock_can_read,
	.can_write = sock_can_write,
	.destroy = sock_destroy,
	.poll_ready = sock_poll_ready,
};

struct xs_conn *xs_conn_socket_new(struct xs_ctx *ctx, int fd)
{
	const struct xs_caller dom0 = {.domid = 0, .priv = true};
	struct sock_priv *s = calloc(1, sizeof(*s));
	struct xs_conn *c;

	if (!s)
		return NULL;
	s->fd = fd;
	c = xs_conn_new(ctx, &socket_transport, s, fd, &dom0);
	if (!c)
		free(s);
	return c;
}
