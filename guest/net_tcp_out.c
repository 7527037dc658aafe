/*
 * net_tcp_out.c - TCP segments out and the timers that make them go
 * again: segments built from a connection's transmit buffer within the
 * peer's window and MSS, the FIN behind the last byte, resets, the
 * retransmission timer with RFC 6298's estimate (Karn's rule, doubling
 * per timeout, go-back-N from snd_una), zero-window probes, and the
 * TIME_WAIT and FIN_WAIT_2 limits.
 */
#include "net_tcp_internal.h"

uint16_t tcp_checksum(uint32_t src, uint32_t dst, const uint8_t *seg, unsigned int len)
{
	uint8_t ph[12];

	put32(ph, src);
	put32(ph + 4, dst);
	ph[8] = 0;
	ph[9] = IP_PROTO_TCP;
	put16(ph + 10, (uint16_t)len);
	return net_csum_fold(net_csum_add(net_csum_add(0, ph, 12), seg, len));
}

/* The header at h (no options) and the segment sent to dst. */
static void finish(struct net_stack *s, uint32_t dst, uint8_t *h, unsigned int hl, unsigned int len)
{
	h[12] = (uint8_t)(hl / 4 << 4);
	put16(h + 16, 0);
	put16(h + 18, 0);
	put16(h + 16, tcp_checksum(s->ip, dst, h, len));
	if (net_ip_send(s, dst, IP_PROTO_TCP, len, NULL) == 0)
		s->tcp->st.segs_out++;
}

/* flags at seq with n bytes of the transmit buffer from seq, our ACK and
 * window; the MSS option on a SYN.  A segment that cannot go out (no ARP
 * entry yet, the link full) counts as lost: the timer sends it again. */
static void send_seg(struct net_stack *s, struct net_tcp_conn *c, uint32_t seq, uint8_t flags,
		     uint32_t n)
{
	uint8_t *h = s->out + ETH_HLEN + IP_HLEN;
	unsigned int hl = flags & TCP_SYN ? TCP_HLEN + 4 : TCP_HLEN;
	uint32_t wnd = min_u32(tcp_rx_window(c), 65535), at, first;

	if (n) {
		at = (seq - c->iss - 1) % NET_TCP_TXBUF;
		first = min_u32(n, NET_TCP_TXBUF - at);
		memcpy(h + hl, c->tx + at, first);
		memcpy(h + hl + first, c->tx, n - first);
	}
	put16(h, c->lport);
	put16(h + 2, c->rport);
	put32(h + 4, seq);
	put32(h + 8, c->rcv_nxt);
	h[13] = flags;
	put16(h + 14, (uint16_t)wnd);
	if (flags & TCP_SYN) {
		h[20] = 2;
		h[21] = 4;
		put16(h + 22, NET_TCP_MSS);
	}
	finish(s, c->peer_ip, h, hl, hl + n);
	if (flags & TCP_ACK) {
		c->rcv_adv = c->rcv_nxt + wnd;
		c->ack_pending = 0;
	}
	if (flags & TCP_RST)
		s->tcp->st.rst_out++;
}

void tcp_send_ctl(struct net_stack *s, struct net_tcp_conn *c, uint32_t seq, uint8_t flags)
{
	send_seg(s, c, seq, flags, 0);
}

void tcp_send_rst_for(struct net_stack *s, uint32_t dst, const struct tcp_seg *g)
{
	uint8_t *h = s->out + ETH_HLEN + IP_HLEN;
	uint32_t n = g->dlen + !!(g->flags & TCP_SYN) + !!(g->flags & TCP_FIN);

	put16(h, g->dport);
	put16(h + 2, g->sport);
	put32(h + 4, g->flags & TCP_ACK ? g->ack : 0);
	put32(h + 8, g->seq + n);
	h[13] = g->flags & TCP_ACK ? TCP_RST : TCP_RST | TCP_ACK;
	put16(h + 14, 0);
	finish(s, dst, h, TCP_HLEN, TCP_HLEN);
	s->tcp->st.rst_out++;
}

static bool can_send_data(const struct net_tcp_conn *c)
{
	return c->state == NET_TCP_ESTABLISHED || c->state == NET_TCP_CLOSE_WAIT ||
	       c->state == NET_TCP_FIN_WAIT_1 || c->state == NET_TCP_CLOSING ||
	       c->state == NET_TCP_LAST_ACK;
}

/*
 * One segment at snd_nxt: as much unsent data as the MSS and the peer's
 * window allow (one byte past a shut window when probing), the FIN with
 * the last byte.  false when there was nothing it could send.
 */
static bool send_one(struct net_stack *s, struct net_tcp_conn *c)
{
	uint32_t wnd_end = c->snd_una + c->snd_wnd, n;
	uint32_t unsent = seq_lt(c->snd_nxt, c->snd_end) ? c->snd_end - c->snd_nxt : 0;
	uint32_t room = seq_lt(c->snd_nxt, wnd_end) ? wnd_end - c->snd_nxt : 0;
	bool fin;

	n = min_u32(unsent, min_u32(c->mss, room));
	if (!n && unsent && c->probe)
		n = 1;
	c->probe = 0;
	fin = c->fin_queued && seq_le(c->snd_nxt, c->snd_end) && c->snd_nxt + n == c->snd_end;
	if (!n && !fin)
		return false;
	if (!c->rtt_timing && !seq_lt(c->snd_nxt, c->snd_max)) { /* new data: time it */
		c->rtt_timing = 1;
		c->rtt_seq = c->snd_nxt + n + fin;
		c->rtt_start = now_ns();
	}
	send_seg(s, c, c->snd_nxt,
		 (uint8_t)(TCP_ACK | (n && n == unsent ? TCP_PSH : 0) | (fin ? TCP_FIN : 0)), n);
	c->snd_nxt += n + fin;
	if (seq_gt(c->snd_nxt, c->snd_max))
		c->snd_max = c->snd_nxt;
	if (!c->rto_at)
		c->rto_at = now_ns() + c->rto;
	return true;
}

void tcp_output(struct net_stack *s, struct net_tcp_conn *c)
{
	if (c->state == NET_TCP_SYN_RCVD && c->snd_nxt == c->iss) {
		send_seg(s, c, c->iss, TCP_SYN | TCP_ACK, 0);
		c->snd_nxt = c->snd_max = c->iss + 1;
		if (!c->rto_at)
			c->rto_at = now_ns() + c->rto;
	}
	/* At most a transmit buffer of minimal segments, and a FIN. */
	for (unsigned int i = 0; can_send_data(c) && i <= NET_TCP_TXBUF / NET_TCP_MSS_MIN; i++)
		if (!send_one(s, c))
			break;
	if (can_send_data(c) && c->snd_nxt != c->snd_end && c->snd_una == c->snd_max && !c->rto_at)
		c->rto_at = now_ns() + c->rto; /* the window is shut: probe it later */
	if (c->ack_pending)
		send_seg(s, c, c->snd_nxt, TCP_ACK, 0);
}

void tcp_resend_first(struct net_stack *s, struct net_tcp_conn *c)
{
	uint32_t nxt = c->snd_nxt;

	c->snd_nxt = c->snd_una;
	c->rtt_timing = 0; /* Karn: no sample from a segment sent twice */
	send_one(s, c);
	if (seq_gt(nxt, c->snd_nxt))
		c->snd_nxt = nxt;
}

/* RFC 6298 2.2-2.4 from a sample r, and the timeout from the estimate. */
static void rtt_sample(struct net_tcp_conn *c, uint64_t r)
{
	uint64_t d;

	if (!c->srtt) {
		c->srtt = r ? r : 1;
		c->rttvar = r / 2;
	} else {
		d = c->srtt > r ? c->srtt - r : r - c->srtt;
		c->rttvar = (3 * c->rttvar + d) / 4;
		c->srtt = (7 * c->srtt + r) / 8;
	}
}

void tcp_acked(struct net_tcp_conn *c, uint32_t ack)
{
	uint64_t now = now_ns();

	if (c->rtt_timing && !seq_lt(ack, c->rtt_seq)) {
		rtt_sample(c, now - c->rtt_start);
		c->rtt_timing = 0;
	}
	if (c->srtt) {
		c->rto = c->srtt + 4 * c->rttvar;
		c->rto = c->rto < NET_TCP_RTO_MIN_NS ? NET_TCP_RTO_MIN_NS : c->rto;
		c->rto = c->rto > NET_TCP_RTO_MAX_NS ? NET_TCP_RTO_MAX_NS : c->rto;
	}
	c->snd_una = ack;
	if (seq_lt(c->snd_nxt, ack))
		c->snd_nxt = ack;
	c->retries = 0;
	c->dupacks = 0;
	c->rto_at = c->snd_una == c->snd_max ? 0 : now + c->rto;
}

/* The retransmission timer ran out: back off, go back to snd_una (or
 * probe a shut window), and give up after NET_TCP_RETRIES in a row. */
static void rto_expired(struct net_stack *s, struct net_tcp_conn *c, uint64_t now)
{
	if (++c->retries > NET_TCP_RETRIES) {
		s->tcp->st.timeouts++;
		tcp_send_ctl(s, c, c->snd_nxt, TCP_RST | TCP_ACK);
		tcp_conn_end(c, -XEN_ETIMEDOUT);
		return;
	}
	c->rto = c->rto * 2 > NET_TCP_RTO_MAX_NS ? NET_TCP_RTO_MAX_NS : c->rto * 2;
	c->rtt_timing = 0;
	c->dupacks = 0;
	c->probe = c->snd_wnd == 0; /* one byte past a shut window asks for news */
	if (c->snd_una != c->snd_max)
		s->tcp->st.retransmits++;
	c->snd_nxt = c->snd_una;
	c->rto_at = now + c->rto;
}

void tcp_timers(struct net_stack *s, struct net_tcp_conn *c, uint64_t now)
{
	if (c->state_at && now >= c->state_at) {
		tcp_conn_end(c, 0); /* TIME_WAIT over, or a FIN_WAIT_2 peer gone quiet */
		return;
	}
	if (c->rto_at && now >= c->rto_at)
		rto_expired(s, c, now);
}
