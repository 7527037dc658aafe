/*
 * net_tcp_in.c - TCP segments in: each one checked whole (length, data
 * offset, checksum over the pseudo-header, options walked within the
 * header), matched to its connection or to a listening port, and run
 * through RFC 793's "segment arrives" steps for a server's states.
 * Everything here comes from the network: every length is checked
 * before use and the only loops are bounded by the header's 40 bytes of
 * options and the table's NET_TCP_CONNS.
 */
#include "net_tcp_internal.h"

/* The MSS option of a SYN; 0 if absent.  -1: an option overruns. */
static int parse_options(const uint8_t *o, unsigned int n, uint16_t *mss)
{
	unsigned int i = 0, l;

	while (i < n) {
		if (o[i] == 0) /* end of options */
			break;
		if (o[i] == 1) { /* no-op */
			i++;
			continue;
		}
		if (i + 1 >= n || (l = o[i + 1]) < 2 || i + l > n)
			return -1;
		if (o[i] == 2) {
			if (l != 4)
				return -1;
			*mss = get16(o + i + 2);
		}
		i += l;
	}
	return 0;
}

/* 0 and g filled when seg is a well-formed segment from src to dst. */
static int parse(uint32_t src, uint32_t dst, const uint8_t *seg, unsigned int len,
		 struct tcp_seg *g)
{
	unsigned int off;

	if (len < TCP_HLEN || (off = (seg[12] >> 4) * 4u) < TCP_HLEN || off > len)
		return -1;
	if (tcp_checksum(src, dst, seg, len) != 0)
		return -1;
	*g = (struct tcp_seg){ .src = src, .sport = get16(seg), .dport = get16(seg + 2),
			       .seq = get32(seg + 4), .ack = get32(seg + 8), .flags = seg[13],
			       .win = get16(seg + 14), .data = seg + off, .dlen = len - off };
	if (!g->sport || !g->dport)
		return -1;
	return parse_options(seg + TCP_HLEN, off - TCP_HLEN, &g->mss);
}

/* The live connection g belongs to (a DEAD one only waits for its
 * application: what its peer sends now is answered as if it were gone). */
static struct net_tcp_conn *lookup(struct net_tcp *t, const struct tcp_seg *g)
{
	for (unsigned int i = 0; i < NET_TCP_CONNS; i++) {
		struct net_tcp_conn *c = &t->conn[i];

		if (c->state != NET_TCP_FREE && c->state != NET_TCP_DEAD && c->peer_ip == g->src &&
		    c->rport == g->sport && c->lport == g->dport)
			return c;
	}
	return NULL;
}

static bool listening(const struct net_tcp *t, uint16_t port)
{
	for (unsigned int i = 0; i < NET_TCP_LISTENS; i++)
		if (t->listen[i] == port)
			return true;
	return false;
}

/* A free slot, else the one longest in TIME_WAIT (RFC 1122 4.2.2.13
 * lets a new connection take it over), else NULL. */
static struct net_tcp_conn *new_slot(struct net_tcp *t)
{
	struct net_tcp_conn *tw = NULL;

	for (unsigned int i = 0; i < NET_TCP_CONNS; i++) {
		struct net_tcp_conn *c = &t->conn[i];

		if (c->state == NET_TCP_FREE)
			return c;
		if (c->state == NET_TCP_TIME_WAIT && (!tw || c->state_at < tw->state_at))
			tw = c;
	}
	return tw;
}

/*
 * The initial sequence number: the clock in 4 µs steps as RFC 793
 * suggests, plus a hash of the connection's addresses and a per-stack
 * salt, so numbers are not shared between peers.  Not cryptographic.
 */
static uint32_t make_iss(const struct net_tcp *t, const struct tcp_seg *g)
{
	uint32_t h = t->iss_salt ^ g->src;

	h = (h ^ ((uint32_t)g->sport << 16 | g->dport)) * 0x9e3779b1u;
	h ^= h >> 15;
	return h + (uint32_t)(now_ns() >> 12);
}

/* A segment for a port with no connection of this peer's. */
static void listen_input(struct net_stack *s, struct net_tcp *t, const struct tcp_seg *g)
{
	struct net_tcp_conn *c;

	if (g->flags & TCP_RST)
		return;
	if (!(g->flags & TCP_SYN) || (g->flags & TCP_ACK) || !listening(t, g->dport)) {
		t->st.refused++;
		tcp_send_rst_for(s, g->src, g);
		return;
	}
	if (!(c = new_slot(t))) {
		t->st.full++; /* the peer will send its SYN again */
		return;
	}
	memset(c, 0, offsetof(struct net_tcp_conn, rx)); /* the buffers need no clearing */
	c->state = NET_TCP_SYN_RCVD;
	c->peer_ip = g->src;
	c->rport = g->sport;
	c->lport = g->dport;
	c->mss = g->mss ? g->mss : TCP_MSS_DEFAULT;
	c->mss = c->mss < NET_TCP_MSS_MIN ? NET_TCP_MSS_MIN : min_u32(c->mss, NET_TCP_MSS);
	c->irs = g->seq;
	c->rcv_nxt = c->rcv_adv = g->seq + 1; /* data on a SYN is not taken */
	c->iss = c->snd_una = c->snd_nxt = c->snd_max = make_iss(t, g);
	c->snd_end = c->iss + 1;
	c->snd_wnd = g->win;
	c->snd_wl1 = g->seq;
	c->rto = NSEC_PER_SEC; /* RFC 6298 2.1 */
	tcp_output(s, c);      /* SYN-ACK */
}

/* RFC 793's acceptance test against our receive window. */
static bool acceptable(const struct net_tcp_conn *c, const struct tcp_seg *g)
{
	uint32_t wnd = tcp_rx_window(c), n = g->dlen + !!(g->flags & TCP_SYN) +
					     !!(g->flags & TCP_FIN);
	uint32_t end = c->rcv_nxt + wnd;

	if (n == 0)
		return wnd ? seq_le(c->rcv_nxt, g->seq) && seq_lt(g->seq, end)
			   : g->seq == c->rcv_nxt;
	if (wnd == 0)
		return g->seq == c->rcv_nxt; /* its ACK still counts; its data will not fit */
	return (seq_le(c->rcv_nxt, g->seq) && seq_lt(g->seq, end)) ||
	       (seq_le(c->rcv_nxt, g->seq + n - 1) && seq_lt(g->seq + n - 1, end));
}

/* The ACK field: 0 to go on with the segment, -1 when it was dealt with. */
static int ack_input(struct net_stack *s, struct net_tcp_conn *c, const struct tcp_seg *g)
{
	struct net_tcp *t = s->tcp;
	bool syn_rcvd = c->state == NET_TCP_SYN_RCVD;

	if (seq_gt(g->ack, c->snd_max) || (syn_rcvd && !seq_gt(g->ack, c->snd_una))) {
		t->st.out_of_window++;
		if (syn_rcvd)
			tcp_send_rst_for(s, c->peer_ip, g);
		else
			tcp_send_ctl(s, c, c->snd_nxt, TCP_ACK); /* RFC 793: ack it, drop it */
		return -1;
	}
	if (seq_lt(g->ack, c->snd_una))
		return 0; /* an old duplicate: its data may still be new */
	if (syn_rcvd) {
		c->state = NET_TCP_ESTABLISHED;
		t->st.accepted++;
	}
	if (seq_gt(g->ack, c->snd_una)) {
		tcp_acked(c, g->ack);
	} else if (!g->dlen && g->win == c->snd_wnd && c->snd_una != c->snd_max &&
		   !(g->flags & TCP_FIN) && ++c->dupacks == 3) {
		t->st.fast_retransmits++;
		tcp_resend_first(s, c);
	}
	/* RFC 793's window update rule: only from a newer segment. */
	if (seq_lt(c->snd_wl1, g->seq) || (c->snd_wl1 == g->seq && seq_le(c->snd_wl2, g->ack))) {
		if (!c->snd_wnd && g->win) {
			c->snd_nxt = c->snd_una; /* what went past the shut window were probes */
			c->rtt_timing = 0;
		}
		c->snd_wnd = g->win;
		c->snd_wl1 = g->seq;
		c->snd_wl2 = g->ack;
		if (!g->win)
			c->retries = 0; /* the peer answers: it is alive, only full */
	}
	return 0;
}

/* Our FIN has been acknowledged: the closing states move on. */
static int fin_acked(struct net_tcp_conn *c, const struct tcp_seg *g)
{
	if (!c->fin_queued || seq_lt(g->ack, c->snd_end + 1) || seq_lt(c->snd_max, c->snd_end + 1))
		return 0;
	switch (c->state) {
	case NET_TCP_FIN_WAIT_1:
		c->state = NET_TCP_FIN_WAIT_2;
		c->state_at = now_ns() + NET_TCP_FIN_WAIT_NS;
		break;
	case NET_TCP_CLOSING:
		c->state = NET_TCP_TIME_WAIT;
		c->state_at = now_ns() + NET_TCP_TIME_WAIT_NS;
		break;
	case NET_TCP_LAST_ACK:
		tcp_conn_end(c, 0);
		return -1;
	default:
		break;
	}
	return 0;
}

/*
 * Data at rcv_nxt into the receive buffer (thrown away once the
 * application let go), trimmed to the window; bytes we already have are
 * skipped.  false when it starts beyond rcv_nxt: dropped, not kept.
 */
static bool data_input(struct net_tcp *t, struct net_tcp_conn *c, const struct tcp_seg *g)
{
	const uint8_t *d = g->data;
	uint32_t n = g->dlen, skip, at, first;

	if (seq_gt(g->seq, c->rcv_nxt)) {
		t->st.out_of_order++;
		return false;
	}
	skip = c->rcv_nxt - g->seq;
	if (skip >= n)
		return true;
	d += skip;
	n = min_u32(n - skip, tcp_rx_window(c));
	if (!c->app_closed) {
		at = (c->rcv_nxt - c->irs - 1) % NET_TCP_RXBUF;
		first = min_u32(n, NET_TCP_RXBUF - at);
		memcpy(c->rx + at, d, first);
		memcpy(c->rx, d + first, n - first);
	} else {
		c->rx_read += n;
	}
	c->rcv_nxt += n;
	c->ack_pending = 1;
	return true;
}

/* The peer's FIN, in order: the receiving half closes. */
static void fin_input(struct net_tcp_conn *c)
{
	c->rcv_nxt++;
	c->fin_rcvd = 1;
	c->ack_pending = 1;
	switch (c->state) {
	case NET_TCP_ESTABLISHED:
		c->state = NET_TCP_CLOSE_WAIT;
		break;
	case NET_TCP_FIN_WAIT_1:
		c->state = NET_TCP_CLOSING;
		break;
	case NET_TCP_FIN_WAIT_2:
		c->state = NET_TCP_TIME_WAIT;
		c->state_at = now_ns() + NET_TCP_TIME_WAIT_NS;
		break;
	default:
		break;
	}
}

static bool receiving(const struct net_tcp_conn *c)
{
	return c->state == NET_TCP_ESTABLISHED || c->state == NET_TCP_FIN_WAIT_1 ||
	       c->state == NET_TCP_FIN_WAIT_2;
}

/* RST and SYN on a connection (RFC 5961: only an exact RST counts; an
 * in-window one or a SYN gets a challenge ACK).  true when dealt with. */
static bool rst_syn_input(struct net_stack *s, struct net_tcp_conn *c, const struct tcp_seg *g)
{
	if (g->flags & TCP_RST) {
		if (g->seq != c->rcv_nxt) {
			tcp_send_ctl(s, c, c->snd_nxt, TCP_ACK);
			return true;
		}
		s->tcp->st.rst_in++;
		tcp_conn_end(c, -XEN_ENOTCONN);
		return true;
	}
	if (g->flags & TCP_SYN) {
		tcp_send_ctl(s, c, c->snd_nxt, TCP_ACK);
		return true;
	}
	return !(g->flags & TCP_ACK); /* RFC 793: without ACK, drop */
}

static void conn_input(struct net_stack *s, struct net_tcp_conn *c, const struct tcp_seg *g)
{
	struct net_tcp *t = s->tcp;

	if (c->state == NET_TCP_SYN_RCVD && (g->flags & (TCP_SYN | TCP_ACK)) == TCP_SYN &&
	    g->seq == c->irs) {
		c->snd_nxt = c->iss; /* its SYN again: so is our SYN-ACK */
		tcp_output(s, c);
		return;
	}
	if (!acceptable(c, g)) {
		t->st.out_of_window++;
		if (!(g->flags & TCP_RST))
			tcp_send_ctl(s, c, c->snd_nxt, TCP_ACK);
		return;
	}
	if (rst_syn_input(s, c, g) || ack_input(s, c, g) || fin_acked(c, g))
		return;
	if (g->dlen && receiving(c) && !data_input(t, c, g)) {
		tcp_send_ctl(s, c, c->snd_nxt, TCP_ACK); /* ask again for what is missing */
		return;
	}
	if (!(g->flags & TCP_FIN) || !receiving(c))
		return;
	if (g->seq + g->dlen == c->rcv_nxt)
		fin_input(c);
	else if (seq_gt(g->seq + g->dlen, c->rcv_nxt) && !g->dlen)
		tcp_send_ctl(s, c, c->snd_nxt, TCP_ACK); /* a FIN ahead of missing data */
}

void net_tcp_input(struct net_stack *s, uint32_t src, uint32_t dst, const uint8_t *seg,
		   unsigned int len)
{
	struct net_tcp *t = s->tcp;
	struct net_tcp_conn *c;
	struct tcp_seg g;

	if (!t || dst != s->ip) { /* no TCP here, or a broadcast */
		s->st.rx_not_ours++;
		return;
	}
	t->st.segs_in++;
	if (parse(src, dst, seg, len, &g)) {
		t->st.bad++;
		return;
	}
	c = lookup(t, &g);
	if (c && c->state == NET_TCP_TIME_WAIT && (g.flags & (TCP_SYN | TCP_ACK)) == TCP_SYN &&
	    seq_gt(g.seq, c->rcv_nxt)) {
		c->state = NET_TCP_FREE; /* a new incarnation (RFC 1122 4.2.2.13) */
		c = NULL;
	}
	if (c)
		conn_input(s, c, &g);
	else
		listen_input(s, t, &g);
}
