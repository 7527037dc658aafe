/*
 * net_tcp.c - TCP's side facing the application: listening ports,
 * accept, reading and writing the connection buffers, close and abort,
 * and net_tcp_poll, which runs the timers and transmits.  A connection
 * number stays the application's from accept until it closes it, even
 * when the peer resets it (it is then DEAD), so numbers are never reused
 * under an application's feet.
 */
#include "net_tcp_internal.h"

void net_tcp_init(struct net_stack *s, struct net_tcp *t)
{
	memset(t, 0, sizeof(*t));
	t->iss_salt = (uint32_t)now_ns() * 2654435761u ^ get32(s->mac + 2);
	s->tcp = t;
}

int net_tcp_listen(struct net_stack *s, uint16_t port)
{
	struct net_tcp *t = s->tcp;
	int free_at = -1;

	if (!port)
		return -XEN_EINVAL;
	for (int i = 0; i < NET_TCP_LISTENS; i++) {
		if (t->listen[i] == port)
			return -XEN_EADDRINUSE;
		if (!t->listen[i] && free_at < 0)
			free_at = i;
	}
	if (free_at < 0)
		return -XEN_ENOSPC;
	t->listen[free_at] = port;
	return 0;
}

void tcp_conn_end(struct net_tcp_conn *c, int err)
{
	if (c->accepted && !c->app_closed) {
		c->state = NET_TCP_DEAD;
		c->err = err ? err : -XEN_ENOTCONN;
	} else {
		c->state = NET_TCP_FREE;
	}
	c->rto_at = c->state_at = 0;
}

int net_tcp_accept(struct net_stack *s, uint16_t port)
{
	for (int i = 0; i < NET_TCP_CONNS; i++) {
		struct net_tcp_conn *c = &s->tcp->conn[i];

		if (!c->accepted && c->lport == port &&
		    (c->state == NET_TCP_ESTABLISHED || c->state == NET_TCP_CLOSE_WAIT)) {
			c->accepted = 1;
			return i;
		}
	}
	return -XEN_EAGAIN;
}

/* The application's connection id, or NULL. */
static struct net_tcp_conn *held(const struct net_stack *s, int id)
{
	struct net_tcp_conn *c;

	if (id < 0 || id >= NET_TCP_CONNS)
		return NULL;
	c = &s->tcp->conn[id];
	return c->state != NET_TCP_FREE && c->accepted && !c->app_closed ? c : NULL;
}

int net_tcp_recv(struct net_stack *s, int id, void *buf, unsigned int max)
{
	struct net_tcp_conn *c = held(s, id);
	uint32_t n, at, first;

	if (!c)
		return -XEN_EBADF;
	n = min_u32(tcp_rx_used(c), min_u32(max, 0x7fffffff));
	if (!n) {
		if (c->state == NET_TCP_DEAD)
			return c->err;
		return c->state == NET_TCP_ESTABLISHED ? -XEN_EAGAIN : 0; /* the peer's FIN */
	}
	at = c->rx_read % NET_TCP_RXBUF;
	first = min_u32(n, NET_TCP_RXBUF - at);
	memcpy(buf, c->rx + at, first);
	memcpy((uint8_t *)buf + first, c->rx, n - first);
	c->rx_read += n;
	return (int)n;
}

unsigned int net_tcp_send_space(const struct net_stack *s, int id)
{
	const struct net_tcp_conn *c = held(s, id);

	if (!c || (c->state != NET_TCP_ESTABLISHED && c->state != NET_TCP_CLOSE_WAIT))
		return 0;
	return NET_TCP_TXBUF - tcp_tx_used(c);
}

int net_tcp_send(struct net_stack *s, int id, const void *data, unsigned int len)
{
	struct net_tcp_conn *c = held(s, id);
	uint32_t n, at, first;

	if (!c)
		return -XEN_EBADF;
	if (c->state == NET_TCP_DEAD)
		return c->err;
	if (c->state != NET_TCP_ESTABLISHED && c->state != NET_TCP_CLOSE_WAIT)
		return -XEN_ENOTCONN;
	n = min_u32(min_u32(len, 0x7fffffff), NET_TCP_TXBUF - tcp_tx_used(c));
	if (!n)
		return len ? -XEN_EAGAIN : 0;
	at = (c->snd_end - c->iss - 1) % NET_TCP_TXBUF;
	first = min_u32(n, NET_TCP_TXBUF - at);
	memcpy(c->tx + at, data, first);
	memcpy(c->tx, (const uint8_t *)data + first, n - first);
	c->snd_end += n;
	return (int)n;
}

int net_tcp_close(struct net_stack *s, int id)
{
	struct net_tcp_conn *c = held(s, id);

	if (!c)
		return -XEN_EBADF;
	c->app_closed = 1; /* unread data is dropped; the window opens whole */
	if (c->state == NET_TCP_DEAD) {
		tcp_conn_end(c, 0);
		return 0;
	}
	c->fin_queued = 1;
	c->state = c->state == NET_TCP_ESTABLISHED ? NET_TCP_FIN_WAIT_1 : NET_TCP_LAST_ACK;
	return 0;
}

int net_tcp_abort(struct net_stack *s, int id)
{
	struct net_tcp_conn *c = held(s, id);

	if (!c)
		return -XEN_EBADF;
	if (c->state != NET_TCP_DEAD)
		tcp_send_ctl(s, c, c->snd_nxt, TCP_RST | TCP_ACK);
	c->app_closed = 1;
	tcp_conn_end(c, 0);
	return 0;
}

/* A window update is worth a segment once the window grew by two
 * segments or half the buffer since it was last announced (RFC 1122
 * 4.2.3.3's receiver side of silly window avoidance). */
static bool window_grew(const struct net_tcp_conn *c)
{
	uint32_t edge = c->rcv_nxt + tcp_rx_window(c);

	return (c->state == NET_TCP_ESTABLISHED || c->state == NET_TCP_FIN_WAIT_1 ||
		c->state == NET_TCP_FIN_WAIT_2) &&
	       seq_gt(edge, c->rcv_adv) &&
	       edge - c->rcv_adv >= min_u32(2 * NET_TCP_MSS, NET_TCP_RXBUF / 2);
}

uint64_t net_tcp_poll(struct net_stack *s)
{
	uint64_t now = now_ns(), next = UINT64_MAX;

	for (int i = 0; i < NET_TCP_CONNS; i++) {
		struct net_tcp_conn *c = &s->tcp->conn[i];

		if (c->state == NET_TCP_FREE || c->state == NET_TCP_DEAD)
			continue;
		tcp_timers(s, c, now);
		if (c->state == NET_TCP_FREE || c->state == NET_TCP_DEAD)
			continue;
		if (window_grew(c))
			c->ack_pending = 1;
		tcp_output(s, c);
		if (c->rto_at && c->rto_at < next)
			next = c->rto_at;
		if (c->state_at && c->state_at < next)
			next = c->state_at;
	}
	return next;
}

enum net_tcp_state net_tcp_state_of(const struct net_stack *s, int id)
{
	if (id < 0 || id >= NET_TCP_CONNS)
		return NET_TCP_FREE;
	return (enum net_tcp_state)s->tcp->conn[id].state;
}
