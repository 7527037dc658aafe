/*
 * net_tcp_internal.h - what net_tcp.c (the application's calls),
 * net_tcp_in.c (segments in) and net_tcp_out.c (segments out, timers)
 * share: the parsed segment, sequence arithmetic, buffer accounting.
 */
#ifndef KETCH_GUEST_NET_TCP_INTERNAL_H
#define KETCH_GUEST_NET_TCP_INTERNAL_H

#include "net_internal.h"
#include <ketch-guest/net_tcp.h>

#define TCP_HLEN 20u
#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_PSH 0x08
#define TCP_ACK 0x10
#define TCP_MSS_DEFAULT 536u /* RFC 1122: a peer that announced none */

/* One segment as received, every field checked against its length. */
struct tcp_seg {
	uint32_t src, seq, ack;
	uint16_t sport, dport, win, mss; /* mss 0: no option */
	uint8_t flags;
	const uint8_t *data;
	unsigned int dlen;
};

/* Sequence numbers compare modulo 2^32 (RFC 793 3.3). */
static inline bool seq_lt(uint32_t a, uint32_t b) { return (int32_t)(a - b) < 0; }
static inline bool seq_le(uint32_t a, uint32_t b) { return (int32_t)(a - b) <= 0; }
static inline bool seq_gt(uint32_t a, uint32_t b) { return (int32_t)(a - b) > 0; }

static inline uint32_t min_u32(uint32_t a, uint32_t b) { return a < b ? a : b; }

/* Bytes received and not yet read (0 once the application let go). */
static inline uint32_t tcp_rx_used(const struct net_tcp_conn *c)
{
	return c->app_closed ? 0 : c->rcv_nxt - (c->irs + 1) - c->fin_rcvd - c->rx_read;
}

/* The receive window: what fits in the buffer (all of it once the
 * application let go: data is then taken and thrown away). */
static inline uint32_t tcp_rx_window(const struct net_tcp_conn *c)
{
	return NET_TCP_RXBUF - tcp_rx_used(c);
}

/* The first sequence number of data (SYN is one before it). */
static inline uint32_t tcp_data_una(const struct net_tcp_conn *c)
{
	return c->snd_una == c->iss ? c->iss + 1 : c->snd_una;
}

/* Bytes queued and not yet acknowledged. */
static inline uint32_t tcp_tx_used(const struct net_tcp_conn *c)
{
	uint32_t una = tcp_data_una(c);

	return seq_lt(una, c->snd_end) ? c->snd_end - una : 0;
}

/* net_tcp.c: end a connection: freed, or DEAD with err while the
 * application holds it. */
void tcp_conn_end(struct net_tcp_conn *c, int err);

/* net_tcp_out.c */
/* The checksum over the pseudo-header and len bytes of segment. */
uint16_t tcp_checksum(uint32_t src, uint32_t dst, const uint8_t *seg, unsigned int len);
/* A segment with no data: flags at seq, acknowledging rcv_nxt. */
void tcp_send_ctl(struct net_stack *s, struct net_tcp_conn *c, uint32_t seq, uint8_t flags);
/* A reset answering g, which reached no connection (RFC 793 p.36). */
void tcp_send_rst_for(struct net_stack *s, uint32_t dst, const struct tcp_seg *g);
/* Send what is queued and the window allows, then a pending ACK. */
void tcp_output(struct net_stack *s, struct net_tcp_conn *c);
/* One segment of up to mss bytes at snd_una again (fast retransmit). */
void tcp_resend_first(struct net_stack *s, struct net_tcp_conn *c);
/* An ACK advanced snd_una to ack: RTT sample, timer re-armed. */
void tcp_acked(struct net_tcp_conn *c, uint32_t ack);
/* Timers of c that are due. */
void tcp_timers(struct net_stack *s, struct net_tcp_conn *c, uint64_t now);

#endif
