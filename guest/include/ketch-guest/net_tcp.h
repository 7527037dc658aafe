/*
 * TCP for the kit's IPv4 stack, enough for a server: passive open on up
 * to NET_TCP_LISTENS ports, at most NET_TCP_CONNS connections at once,
 * in-order delivery only (a segment ahead of the next expected byte is
 * dropped and the expected one asked for again), retransmission on a
 * timer (RFC 6298's estimate, go-back-N) and after three duplicate ACKs,
 * the MSS option, the peer's window respected and probed when it is
 * zero, FIN and RST both ways.  No active open, window scaling, SACK,
 * timestamps, urgent data or congestion control (a LAN peer is assumed).
 * TIME_WAIT lasts NET_TCP_TIME_WAIT_NS and its slot is taken over by a
 * new connection whenever the table is full.
 *
 * Sockets-like and polled: the application accepts, reads, writes and
 * closes by connection number; the stack only queues segments while it
 * takes frames (net_input) and transmits from net_tcp_poll, which the
 * application calls after every batch of frames and whenever the deadline
 * it returned has passed.  Time is now_ns().  No allocation: the caller
 * owns the struct net_tcp.
 */
#ifndef KETCH_GUEST_NET_TCP_H
#define KETCH_GUEST_NET_TCP_H

#include <stdint.h>
#include <ketch-guest/net.h>
#include <ketch-guest/time.h>

#define NET_TCP_CONNS 8
#define NET_TCP_LISTENS 4
#define NET_TCP_RXBUF 32768u /* powers of two, at most 65535 (no scaling) */
#define NET_TCP_TXBUF 32768u
#define NET_TCP_MSS (NET_MTU - 40u)        /* what we announce */
#define NET_TCP_MSS_MIN 64u                /* a peer's smaller MSS is raised */
#define NET_TCP_RETRIES 8                  /* timeouts in a row, then reset */
#define NET_TCP_RTO_MIN_NS (200 * NSEC_PER_MSEC)
#define NET_TCP_RTO_MAX_NS (10 * NSEC_PER_SEC)
#define NET_TCP_TIME_WAIT_NS (1 * NSEC_PER_SEC)
#define NET_TCP_FIN_WAIT_NS (15 * NSEC_PER_SEC) /* FIN_WAIT_2 without a FIN */

enum net_tcp_state {
	NET_TCP_FREE,
	NET_TCP_SYN_RCVD,
	NET_TCP_ESTABLISHED,
	NET_TCP_CLOSE_WAIT,
	NET_TCP_FIN_WAIT_1,
	NET_TCP_FIN_WAIT_2,
	NET_TCP_CLOSING,
	NET_TCP_LAST_ACK,
	NET_TCP_TIME_WAIT,
	NET_TCP_DEAD, /* reset or timed out; kept until the application closes it */
};

struct net_tcp_stats {
	uint64_t segs_in, segs_out;
	uint64_t bad;           /* short, bad offset, bad checksum, bad option */
	uint64_t out_of_window; /* sequence or ACK outside what is allowed */
	uint64_t out_of_order;  /* ahead of the next expected byte: dropped */
	uint64_t refused;       /* no listener: answered with a reset */
	uint64_t full;          /* a SYN dropped: every slot busy */
	uint64_t accepted;      /* handshakes completed */
	uint64_t rst_in, rst_out;
	uint64_t retransmits, fast_retransmits, timeouts;
};

struct net_tcp_conn {
	uint8_t state;      /* enum net_tcp_state */
	uint8_t accepted;   /* handed to the application */
	uint8_t app_closed; /* the application let go: data in is discarded */
	uint8_t fin_queued; /* a FIN follows the queued data */
	uint8_t fin_rcvd;   /* the peer's FIN is in (one past its last byte) */
	uint8_t ack_pending, probe, dupacks, retries;
	int err;            /* why DEAD: -XEN_ENOTCONN (reset), -XEN_ETIMEDOUT */
	uint32_t peer_ip;
	uint16_t lport, rport;
	uint16_t mss;       /* the peer's, bounded */
	/* Send side (RFC 793 names); snd_end follows the last queued byte. */
	uint32_t iss, snd_una, snd_nxt, snd_max, snd_end, snd_wnd, snd_wl1, snd_wl2;
	/* Receive side; rx_read is the next byte the application reads. */
	uint32_t irs, rcv_nxt, rcv_adv, rx_read;
	/* Timers (system time, 0 = off) and the round-trip estimate. */
	uint64_t rto_at, state_at, rto, srtt, rttvar, rtt_start;
	uint32_t rtt_seq;
	uint8_t rtt_timing;
	uint8_t rx[NET_TCP_RXBUF]; /* stream byte o lives at [o % size] */
	uint8_t tx[NET_TCP_TXBUF];
};

struct net_tcp {
	uint16_t listen[NET_TCP_LISTENS]; /* 0 = unused */
	struct net_tcp_conn conn[NET_TCP_CONNS];
	uint32_t iss_salt;
	struct net_tcp_stats st;
};

/* Attach t to s: segments to us are now handled (before this they are
 * counted as not ours). */
void net_tcp_init(struct net_stack *s, struct net_tcp *t);
/* Accept connections to port.  -XEN_EADDRINUSE, -XEN_ENOSPC. */
int net_tcp_listen(struct net_stack *s, uint16_t port);
/* A connection to port, established and not yet handed over: its number
 * (0..NET_TCP_CONNS-1), or -XEN_EAGAIN. */
int net_tcp_accept(struct net_stack *s, uint16_t port);
/*
 * Up to max bytes received in order: the count, 0 once the peer closed
 * and everything was read, -XEN_EAGAIN when nothing is there yet,
 * c->err when the connection died, -XEN_EBADF for a number not held.
 */
int net_tcp_recv(struct net_stack *s, int id, void *buf, unsigned int max);
/* Queue up to len bytes: the count (may be short), -XEN_EAGAIN when the
 * transmit buffer is full, c->err once it died, -XEN_EBADF. */
int net_tcp_send(struct net_stack *s, int id, const void *data, unsigned int len);
/* Room in the transmit buffer (0 when the connection cannot send). */
unsigned int net_tcp_send_space(const struct net_stack *s, int id);
/* Let go of the connection: a FIN after the queued data (the stack ends
 * it), or the slot freed at once if it died.  The number is not ours
 * afterwards.  -XEN_EBADF. */
int net_tcp_close(struct net_stack *s, int id);
/* Send a reset and free the slot.  -XEN_EBADF. */
int net_tcp_abort(struct net_stack *s, int id);
/* Run the timers, send what is queued and due.  Returns the system time
 * at which it wants calling again (UINT64_MAX: only when frames come). */
uint64_t net_tcp_poll(struct net_stack *s);
/* The state of a connection number, for reports and tests. */
enum net_tcp_state net_tcp_state_of(const struct net_stack *s, int id);

#endif
