/*
 * Unit tests: the guest kit's TCP (guest/net_tcp*.c built for the host)
 * against a fake peer on a fake link that keeps every frame sent, and a
 * fake clock: the handshake and the MSS option, in-order and
 * out-of-order data, the peer's MSS and window, zero-window probes,
 * retransmission on the timer and after duplicate ACKs, FIN both ways,
 * TIME_WAIT, resets both ways, the connection limit, and hostile
 * segments (bad lengths, offsets, options, checksums, sequence numbers
 * and ACKs out of window).
 */
#include <check.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <ketch-guest/net_tcp.h>
#include "net_bytes.h"
#include <xen/errno.h>

/* What guest/net*.c reference from the rest of the kit. */
const char *start_info_cmdline(void);
const char *start_info_cmdline(void) { return "ip=10.0.0.2/24 gw=10.0.0.1"; }
static uint64_t fake_now = NSEC_PER_SEC;
uint64_t now_ns(void) { return fake_now; }

static const uint8_t our_mac[6] = { 0x00, 0x16, 0x3e, 0, 0, 0x2a };
static const uint8_t host_mac[6] = { 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff };
#define OUR_IP 0x0a000002u  /* 10.0.0.2 */
#define HOST_IP 0x0a000001u /* 10.0.0.1 */
#define PEER_ISS 1000u
#define FIN 0x01
#define SYN 0x02
#define RST 0x04
#define ACK 0x10

static struct net_stack s;
static struct net_tcp t;
#define MAX_SENT 128
static uint8_t sent[MAX_SENT][1600];
static unsigned int sent_len[MAX_SENT], nsent;
static uint8_t f[2048];
static uint16_t sport = 40000;

/* A segment we sent, taken apart (after its checksums were checked). */
struct out {
	uint16_t sport, dport, win, mss;
	uint32_t seq, ack;
	uint8_t flags;
	unsigned int dlen;
	const uint8_t *data;
};

static int fake_xmit(void *dev, const void *frame, unsigned int len)
{
	(void)dev;
	ck_assert_uint_lt(nsent, MAX_SENT);
	ck_assert_uint_le(len, sizeof(sent[0]));
	memcpy(sent[nsent], frame, len);
	sent_len[nsent++] = len;
	return 0;
}

static uint16_t tcp_sum(uint32_t src, uint32_t dst, const uint8_t *seg, unsigned int len)
{
	uint8_t ph[12];

	p32(ph, src);
	p32(ph + 4, dst);
	ph[8] = 0;
	ph[9] = 6;
	p16(ph + 10, len);
	return fold_sum(sum_be16(sum_be16(0, ph, 12), seg, len));
}

/* Sent frame i, checked (Ethernet to the host, IP and TCP checksums). */
static struct out out_at(unsigned int i)
{
	const uint8_t *fr = sent[i], *ip = fr + 14, *h = ip + 20;
	unsigned int tot = g16(ip + 2), hl;
	struct out o;

	ck_assert_uint_lt(i, nsent);
	ck_assert_mem_eq(fr, host_mac, 6);
	ck_assert_uint_eq(g16(fr + 12), 0x0800);
	ck_assert_uint_eq(ip[9], 6);
	ck_assert_uint_eq(fold_sum(sum_be16(0, ip, 20)), 0);
	ck_assert_uint_eq(14 + tot, sent_len[i]);
	ck_assert_uint_eq(tcp_sum(OUR_IP, HOST_IP, h, tot - 20), 0);
	hl = (h[12] >> 4) * 4u;
	o = (struct out){ .sport = g16(h), .dport = g16(h + 2), .seq = g32(h + 4),
			  .ack = g32(h + 8), .flags = h[13], .win = g16(h + 14),
			  .dlen = tot - 20 - hl, .data = h + hl };
	if (hl == 24 && h[20] == 2 && h[21] == 4)
		o.mss = g16(h + 22);
	return o;
}

static struct out last(void)
{
	ck_assert_uint_gt(nsent, 0);
	return out_at(nsent - 1);
}

/* A segment from the host's sport to dport; opts (a multiple of 4 bytes)
 * after the header; doff overrides the data offset (0: the right one);
 * bad_csum spoils the checksum; len_cut shortens the IP payload. */
struct in {
	uint16_t dport;
	uint8_t flags;
	uint32_t seq, ack;
	uint16_t win;
	const void *data;
	unsigned int dlen;
	const uint8_t *opts;
	unsigned int optlen, doff;
	bool bad_csum;
};

static void input(struct in g)
{
	uint8_t *ip = f + 14, *h = ip + 20;
	unsigned int hl = 20 + g.optlen, len = hl + g.dlen;

	memset(f, 0, sizeof(f));
	memcpy(f, our_mac, 6);
	memcpy(f + 6, host_mac, 6);
	p16(f + 12, 0x0800);
	ip[0] = 0x45;
	p16(ip + 2, 20 + len);
	ip[8] = 64;
	ip[9] = 6;
	p32(ip + 12, HOST_IP);
	p32(ip + 16, OUR_IP);
	p16(ip + 10, fold_sum(sum_be16(0, ip, 20)));
	p16(h, sport);
	p16(h + 2, g.dport ? g.dport : 7);
	p32(h + 4, g.seq);
	p32(h + 8, g.ack);
	h[12] = (uint8_t)((g.doff ? g.doff : hl / 4) << 4);
	h[13] = g.flags;
	p16(h + 14, g.win);
	if (g.optlen)
		memcpy(h + 20, g.opts, g.optlen);
	if (g.dlen)
		memcpy(h + hl, g.data, g.dlen);
	p16(h + 16, tcp_sum(HOST_IP, OUR_IP, h, len) ^ (g.bad_csum ? 1 : 0));
	net_input(&s, f, 14 + 20 + len);
}

static void setup(void)
{
	uint8_t *a = f + 14;

	net_init(&s, our_mac, fake_xmit, NULL);
	ck_assert_int_eq(net_config_cmdline(&s), 0);
	net_tcp_init(&s, &t);
	ck_assert_int_eq(net_tcp_listen(&s, 7), 0);
	fake_now = NSEC_PER_SEC;
	sport = 40000;
	/* The host asks for our address first, so its own is known. */
	memset(f, 0xff, 6);
	memcpy(f + 6, host_mac, 6);
	p16(f + 12, 0x0806);
	p16(a, 1);
	p16(a + 2, 0x0800);
	a[4] = 6;
	a[5] = 4;
	p16(a + 6, 1);
	memcpy(a + 8, host_mac, 6);
	p32(a + 14, HOST_IP);
	p32(a + 24, OUR_IP);
	net_input(&s, f, 42);
	nsent = 0;
}

static const uint8_t mss_opt[4] = { 2, 4, 0x03, 0xe8 }; /* 1000 */

/* Connect from sport with an MSS option of mss (0: none) and window win;
 * returns our ISS.  The connection is accepted and is id. */
static uint32_t connect_(uint16_t mss, uint16_t win, int *id)
{
	uint8_t opt[4] = { 2, 4, (uint8_t)(mss >> 8), (uint8_t)mss };
	struct out o;

	nsent = 0;
	input((struct in){ .flags = SYN, .seq = PEER_ISS, .win = win, .opts = opt,
			   .optlen = mss ? 4 : 0 });
	ck_assert_uint_eq(nsent, 1);
	o = last();
	ck_assert_uint_eq(o.flags, SYN | ACK);
	ck_assert_uint_eq(o.ack, PEER_ISS + 1);
	input((struct in){ .flags = ACK, .seq = PEER_ISS + 1, .ack = o.seq + 1, .win = win });
	*id = net_tcp_accept(&s, 7);
	ck_assert_int_ge(*id, 0);
	ck_assert_int_eq(net_tcp_state_of(&s, *id), NET_TCP_ESTABLISHED);
	nsent = 0;
	return o.seq;
}

START_TEST(handshake_with_mss)
{
	struct out o;
	int id;

	setup();
	input((struct in){ .flags = SYN, .seq = PEER_ISS, .win = 8192, .opts = mss_opt,
			   .optlen = 4 });
	ck_assert_uint_eq(nsent, 1);
	o = last();
	ck_assert_uint_eq(o.flags, SYN | ACK);
	ck_assert_uint_eq(o.sport, 7);
	ck_assert_uint_eq(o.dport, 40000);
	ck_assert_uint_eq(o.ack, PEER_ISS + 1);
	ck_assert_uint_eq(o.mss, NET_TCP_MSS);
	ck_assert_uint_eq(o.win, NET_TCP_RXBUF);
	ck_assert_int_eq(net_tcp_accept(&s, 7), -XEN_EAGAIN); /* not established yet */
	/* Its SYN again: our SYN-ACK again, same sequence number. */
	input((struct in){ .flags = SYN, .seq = PEER_ISS, .win = 8192, .opts = mss_opt,
			   .optlen = 4 });
	ck_assert_uint_eq(nsent, 2);
	ck_assert_uint_eq(last().seq, o.seq);
	/* An ACK of something else: reset with its ack as our sequence. */
	input((struct in){ .flags = ACK, .seq = PEER_ISS + 1, .ack = o.seq + 5, .win = 8192 });
	ck_assert_uint_eq(last().flags, RST);
	ck_assert_uint_eq(last().seq, o.seq + 5);
	input((struct in){ .flags = ACK, .seq = PEER_ISS + 1, .ack = o.seq + 1, .win = 8192 });
	id = net_tcp_accept(&s, 7);
	ck_assert_int_eq(id, 0);
	ck_assert_int_eq(net_tcp_accept(&s, 7), -XEN_EAGAIN);
	ck_assert_uint_eq(t.st.accepted, 1);
	ck_assert_uint_eq(t.conn[id].mss, 1000);
	ck_assert_int_eq(net_tcp_listen(&s, 7), -XEN_EADDRINUSE);
}
END_TEST

START_TEST(data_in_order_only)
{
	char buf[64];
	int id;

	setup();
	connect_(1460, 8192, &id);
	input((struct in){ .flags = ACK, .seq = PEER_ISS + 1, .win = 8192, .data = "hello",
			   .dlen = 5, .ack = t.conn[id].snd_una });
	ck_assert_uint_eq(nsent, 0); /* the ACK waits for the poll */
	net_tcp_poll(&s);
	ck_assert_uint_eq(nsent, 1);
	ck_assert_uint_eq(last().ack, PEER_ISS + 6);
	ck_assert_uint_eq(last().win, NET_TCP_RXBUF - 5);
	/* Ahead of what is expected: dropped, the expected byte asked for. */
	input((struct in){ .flags = ACK, .seq = PEER_ISS + 9, .win = 8192, .data = "later",
			   .dlen = 5, .ack = t.conn[id].snd_una });
	ck_assert_uint_eq(nsent, 2);
	ck_assert_uint_eq(last().ack, PEER_ISS + 6);
	ck_assert_uint_eq(t.st.out_of_order, 1);
	/* Overlapping what we have: only the new bytes are taken. */
	input((struct in){ .flags = ACK, .seq = PEER_ISS + 4, .win = 8192, .data = "lo, you",
			   .dlen = 7, .ack = t.conn[id].snd_una });
	ck_assert_int_eq(net_tcp_recv(&s, id, buf, sizeof(buf)), 10);
	ck_assert_mem_eq(buf, "hello, you", 10);
	ck_assert_int_eq(net_tcp_recv(&s, id, buf, sizeof(buf)), -XEN_EAGAIN);
	ck_assert_int_eq(net_tcp_recv(&s, 5, buf, sizeof(buf)), -XEN_EBADF);
	ck_assert_int_eq(net_tcp_recv(&s, -1, buf, sizeof(buf)), -XEN_EBADF);
}
END_TEST

START_TEST(peer_mss_and_window_respected)
{
	static uint8_t data[1000];
	uint32_t iss;
	int id;

	setup();
	iss = connect_(100, 250, &id);
	for (unsigned int i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)i;
	ck_assert_int_eq(net_tcp_send(&s, id, data, sizeof(data)), 1000);
	net_tcp_poll(&s);
	ck_assert_uint_eq(nsent, 3); /* 100 + 100 + 50: the window */
	ck_assert_uint_eq(out_at(0).dlen, 100);
	ck_assert_uint_eq(out_at(0).seq, iss + 1);
	ck_assert_mem_eq(out_at(1).data, data + 100, 100);
	ck_assert_uint_eq(out_at(2).dlen, 50);
	ck_assert_uint_eq(out_at(2).seq, iss + 201);
	nsent = 0;
	input((struct in){ .flags = ACK, .seq = PEER_ISS + 1, .ack = iss + 251, .win = 2000 });
	net_tcp_poll(&s);
	ck_assert_uint_eq(nsent, 8); /* the other 750 bytes */
	ck_assert_uint_eq(out_at(7).dlen, 50);
	ck_assert_uint_eq(out_at(7).flags, ACK | 0x08);
	ck_assert_mem_eq(out_at(7).data, data + 950, 50);
	/* A peer announcing no MSS gets 536-byte segments; a tiny MSS is raised. */
	sport++;
	connect_(0, 8192, &id);
	ck_assert_uint_eq(t.conn[id].mss, 536);
	sport++;
	connect_(1, 8192, &id);
	ck_assert_uint_eq(t.conn[id].mss, NET_TCP_MSS_MIN);
}
END_TEST

START_TEST(zero_window_probed)
{
	uint32_t iss;
	int id;

	setup();
	iss = connect_(1460, 0, &id);
	ck_assert_int_eq(net_tcp_send(&s, id, "0123456789", 10), 10);
	ck_assert_uint_gt(net_tcp_poll(&s), fake_now);
	ck_assert_uint_eq(nsent, 0);
	fake_now += 2 * NSEC_PER_SEC;
	net_tcp_poll(&s);
	ck_assert_uint_eq(nsent, 1);
	ck_assert_uint_eq(last().dlen, 1); /* one byte past the shut window */
	ck_assert_uint_eq(last().seq, iss + 1);
	/* Still shut: many probes do not give the connection up. */
	for (int i = 0; i < NET_TCP_RETRIES + 3; i++) {
		input((struct in){ .flags = ACK, .seq = PEER_ISS + 1, .ack = iss + 1, .win = 0 });
		fake_now += NET_TCP_RTO_MAX_NS + 1;
		net_tcp_poll(&s);
	}
	ck_assert_int_eq(net_tcp_state_of(&s, id), NET_TCP_ESTABLISHED);
	nsent = 0;
	input((struct in){ .flags = ACK, .seq = PEER_ISS + 1, .ack = iss + 1, .win = 100 });
	net_tcp_poll(&s);
	ck_assert_uint_eq(nsent, 1);
	ck_assert_uint_eq(last().dlen, 10);
	ck_assert_mem_eq(last().data, "0123456789", 10);
}
END_TEST

START_TEST(retransmitted_until_given_up)
{
	char buf[8];
	uint32_t iss;
	uint64_t at;
	int id;

	setup();
	iss = connect_(1460, 8192, &id);
	ck_assert_int_eq(net_tcp_send(&s, id, "data", 4), 4);
	at = net_tcp_poll(&s);
	ck_assert_uint_eq(nsent, 1);
	ck_assert_uint_eq(at, fake_now + NSEC_PER_SEC); /* the initial RTO */
	fake_now = at - 1;
	net_tcp_poll(&s);
	ck_assert_uint_eq(nsent, 1);
	fake_now = at;
	at = net_tcp_poll(&s);
	ck_assert_uint_eq(nsent, 2);
	ck_assert_uint_eq(last().seq, iss + 1);
	ck_assert_mem_eq(last().data, "data", 4);
	ck_assert_uint_eq(at, fake_now + 2 * NSEC_PER_SEC); /* backed off */
	ck_assert_uint_eq(t.st.retransmits, 1);
	for (int i = 0; i < NET_TCP_RETRIES; i++) {
		fake_now = at;
		at = net_tcp_poll(&s);
	}
	ck_assert_uint_eq(last().flags, RST | ACK);
	ck_assert_uint_eq(t.st.timeouts, 1);
	ck_assert_int_eq(net_tcp_state_of(&s, id), NET_TCP_DEAD);
	ck_assert_int_eq(net_tcp_recv(&s, id, buf, sizeof(buf)), -XEN_ETIMEDOUT);
	ck_assert_int_eq(net_tcp_send(&s, id, "x", 1), -XEN_ETIMEDOUT);
	ck_assert_int_eq(net_tcp_close(&s, id), 0);
	ck_assert_int_eq(net_tcp_state_of(&s, id), NET_TCP_FREE);
	ck_assert_int_eq(net_tcp_close(&s, id), -XEN_EBADF);
}
END_TEST

START_TEST(acks_time_the_round_trip_and_three_duplicates_resend)
{
	static uint8_t data[5000];
	uint32_t iss;
	int id;

	setup();
	iss = connect_(1000, 60000, &id);
	ck_assert_int_eq(net_tcp_send(&s, id, data, sizeof(data)), 5000);
	net_tcp_poll(&s);
	ck_assert_uint_eq(nsent, 5);
	fake_now += 10 * NSEC_PER_MSEC;
	input((struct in){ .flags = ACK, .seq = PEER_ISS + 1, .ack = iss + 1001, .win = 60000 });
	ck_assert_uint_eq(t.conn[id].rto, NET_TCP_RTO_MIN_NS); /* 10 ms + 4 * 5 ms, raised */
	for (int i = 0; i < 3; i++)
		input((struct in){ .flags = ACK, .seq = PEER_ISS + 1, .ack = iss + 1001,
				   .win = 60000 });
	ck_assert_uint_eq(nsent, 6);
	ck_assert_uint_eq(last().seq, iss + 1001);
	ck_assert_uint_eq(last().dlen, 1000);
	ck_assert_uint_eq(t.st.fast_retransmits, 1);
	/* An ACK beyond what was sent is answered and changes nothing. */
	input((struct in){ .flags = ACK, .seq = PEER_ISS + 1, .ack = iss + 9999, .win = 60000 });
	ck_assert_uint_eq(nsent, 7);
	ck_assert_uint_eq(last().dlen, 0);
	ck_assert_uint_eq(t.conn[id].snd_una, iss + 1001);
	input((struct in){ .flags = ACK, .seq = PEER_ISS + 1, .ack = iss + 5001, .win = 60000 });
	ck_assert_uint_eq(net_tcp_poll(&s), UINT64_MAX); /* all acknowledged: no timer */
}
END_TEST

START_TEST(peer_closes_first)
{
	char buf[8];
	uint32_t iss;
	int id;

	setup();
	iss = connect_(1460, 8192, &id);
	input((struct in){ .flags = ACK | FIN, .seq = PEER_ISS + 1, .ack = iss + 1, .win = 8192,
			   .data = "ab", .dlen = 2 });
	net_tcp_poll(&s);
	ck_assert_uint_eq(last().ack, PEER_ISS + 4);
	ck_assert_int_eq(net_tcp_state_of(&s, id), NET_TCP_CLOSE_WAIT);
	ck_assert_int_eq(net_tcp_recv(&s, id, buf, sizeof(buf)), 2);
	ck_assert_int_eq(net_tcp_recv(&s, id, buf, sizeof(buf)), 0);
	ck_assert_int_eq(net_tcp_send(&s, id, "bye", 3), 3);
	ck_assert_int_eq(net_tcp_close(&s, id), 0);
	ck_assert_int_eq(net_tcp_send(&s, id, "x", 1), -XEN_EBADF);
	net_tcp_poll(&s);
	ck_assert_uint_eq(last().flags & FIN, FIN); /* the data and the FIN together */
	ck_assert_uint_eq(last().dlen, 3);
	ck_assert_int_eq(net_tcp_state_of(&s, id), NET_TCP_LAST_ACK);
	input((struct in){ .flags = ACK, .seq = PEER_ISS + 4, .ack = iss + 5, .win = 8192 });
	ck_assert_int_eq(net_tcp_state_of(&s, id), NET_TCP_FREE);
	/* A FIN behind missing data is not taken. */
	iss = connect_(1460, 8192, &id);
	input((struct in){ .flags = ACK | FIN, .seq = PEER_ISS + 3, .ack = iss + 1, .win = 8192 });
	ck_assert_int_eq(net_tcp_state_of(&s, id), NET_TCP_ESTABLISHED);
	ck_assert_uint_eq(last().ack, PEER_ISS + 1);
}
END_TEST

START_TEST(we_close_first_time_wait_short)
{
	uint32_t iss;
	int id;

	setup();
	iss = connect_(1460, 8192, &id);
	ck_assert_int_eq(net_tcp_close(&s, id), 0);
	net_tcp_poll(&s);
	ck_assert_uint_eq(last().flags, FIN | ACK);
	ck_assert_uint_eq(last().seq, iss + 1);
	ck_assert_int_eq(net_tcp_state_of(&s, id), NET_TCP_FIN_WAIT_1);
	input((struct in){ .flags = ACK, .seq = PEER_ISS + 1, .ack = iss + 2, .win = 8192 });
	ck_assert_int_eq(net_tcp_state_of(&s, id), NET_TCP_FIN_WAIT_2);
	/* Data after our close is acknowledged and thrown away. */
	input((struct in){ .flags = ACK | FIN, .seq = PEER_ISS + 1, .ack = iss + 2, .win = 8192,
			   .data = "late", .dlen = 4 });
	ck_assert_int_eq(net_tcp_state_of(&s, id), NET_TCP_TIME_WAIT);
	net_tcp_poll(&s);
	ck_assert_uint_eq(last().ack, PEER_ISS + 6);
	/* Its FIN again: acknowledged again. */
	nsent = 0;
	input((struct in){ .flags = ACK | FIN, .seq = PEER_ISS + 5, .ack = iss + 2, .win = 8192 });
	ck_assert_uint_eq(nsent, 1);
	ck_assert_uint_eq(last().ack, PEER_ISS + 6);
	fake_now += NET_TCP_TIME_WAIT_NS;
	net_tcp_poll(&s);
	ck_assert_int_eq(net_tcp_state_of(&s, id), NET_TCP_FREE);
}
END_TEST

START_TEST(resets_both_ways)
{
	char buf[8];
	uint32_t iss;
	int id;

	setup();
	iss = connect_(1460, 8192, &id);
	/* Out of the window: ignored.  In it but not exact: a challenge ACK. */
	input((struct in){ .flags = RST, .seq = PEER_ISS + 100000 });
	ck_assert_uint_eq(nsent, 0);
	input((struct in){ .flags = RST, .seq = PEER_ISS + 10 });
	ck_assert_uint_eq(nsent, 1);
	ck_assert_uint_eq(last().flags, ACK);
	ck_assert_int_eq(net_tcp_state_of(&s, id), NET_TCP_ESTABLISHED);
	/* A SYN on the connection: a challenge ACK too. */
	input((struct in){ .flags = SYN, .seq = PEER_ISS + 5, .win = 8192 });
	ck_assert_uint_eq(nsent, 2);
	ck_assert_int_eq(net_tcp_state_of(&s, id), NET_TCP_ESTABLISHED);
	input((struct in){ .flags = RST, .seq = PEER_ISS + 1 });
	ck_assert_int_eq(net_tcp_state_of(&s, id), NET_TCP_DEAD);
	ck_assert_int_eq(net_tcp_recv(&s, id, buf, sizeof(buf)), -XEN_ENOTCONN);
	ck_assert_uint_eq(t.st.rst_in, 1);
	ck_assert_int_eq(net_tcp_close(&s, id), 0);
	/* The next connection from the same port is unharmed. */
	iss = connect_(1460, 8192, &id);
	ck_assert_int_eq(net_tcp_send(&s, id, "ok", 2), 2);
	/* Our abort: a reset at snd_nxt, the slot free. */
	ck_assert_int_eq(net_tcp_abort(&s, id), 0);
	ck_assert_uint_eq(last().flags, RST | ACK);
	ck_assert_uint_eq(last().seq, iss + 1);
	ck_assert_int_eq(net_tcp_state_of(&s, id), NET_TCP_FREE);
	/* A reset before the application took the connection frees it. */
	connect_(1460, 8192, &id);
	(void)net_tcp_close(&s, id);
	sport++;
	input((struct in){ .flags = SYN, .seq = PEER_ISS, .win = 8192 });
	input((struct in){ .flags = RST, .seq = PEER_ISS + 1 });
	ck_assert_int_eq(net_tcp_accept(&s, 7), -XEN_EAGAIN);
}
END_TEST

START_TEST(closed_ports_answered_with_resets)
{
	setup();
	input((struct in){ .dport = 9, .flags = SYN, .seq = 5000, .win = 8192 });
	ck_assert_uint_eq(nsent, 1);
	ck_assert_uint_eq(last().flags, RST | ACK);
	ck_assert_uint_eq(last().seq, 0);
	ck_assert_uint_eq(last().ack, 5001);
	input((struct in){ .dport = 9, .flags = ACK, .seq = 5000, .ack = 777, .win = 8192,
			   .data = "x", .dlen = 1 });
	ck_assert_uint_eq(last().flags, RST);
	ck_assert_uint_eq(last().seq, 777);
	input((struct in){ .dport = 9, .flags = RST, .seq = 5000 });
	ck_assert_uint_eq(nsent, 2); /* never a reset for a reset */
	ck_assert_uint_eq(t.st.refused, 2);
	/* An ACK to a listening port with no connection: a reset too. */
	input((struct in){ .flags = ACK, .seq = 5000, .ack = 123, .win = 8192 });
	ck_assert_uint_eq(last().flags, RST);
	ck_assert_uint_eq(last().seq, 123);
}
END_TEST

START_TEST(hostile_segments_dropped)
{
	static const uint8_t zero_len_opt[4] = { 8, 0, 1, 1 };
	static const uint8_t past_end_opt[4] = { 1, 1, 8, 10 };
	static const uint8_t bad_mss_opt[4] = { 2, 3, 1, 0 };
	static const uint8_t lone_kind_opt[4] = { 1, 1, 1, 3 };
	uint8_t *ip = f + 14;
	uint32_t iss;
	int id;

	setup();
	input((struct in){ .flags = SYN, .seq = 1, .win = 1, .bad_csum = true });
	input((struct in){ .flags = SYN, .seq = 1, .win = 1, .doff = 4 });
	input((struct in){ .flags = SYN, .seq = 1, .win = 1, .doff = 15 });
	input((struct in){ .flags = SYN, .seq = 1, .win = 1, .opts = zero_len_opt, .optlen = 4 });
	input((struct in){ .flags = SYN, .seq = 1, .win = 1, .opts = past_end_opt, .optlen = 4 });
	input((struct in){ .flags = SYN, .seq = 1, .win = 1, .opts = bad_mss_opt, .optlen = 4 });
	input((struct in){ .flags = SYN, .seq = 1, .win = 1, .opts = lone_kind_opt, .optlen = 4 });
	ck_assert_uint_eq(t.st.bad, 7);
	/* Shorter than a header, as the IP header says. */
	input((struct in){ .flags = SYN, .seq = 1, .win = 1 });
	p16(ip + 2, 20 + 12);
	p16(ip + 10, 0);
	p16(ip + 10, fold_sum(sum_be16(0, ip, 20)));
	net_input(&s, f, 14 + 20 + 12);
	ck_assert_uint_eq(t.st.bad, 8);
	ck_assert_uint_eq(nsent, 1); /* only the good SYN's SYN-ACK */
	/* Port 0 is nobody's. */
	sport = 0;
	input((struct in){ .flags = SYN, .seq = 1, .win = 1 });
	ck_assert_uint_eq(t.st.bad, 9);
	sport = 41000;
	/* On a connection: data outside the window, an ACK of data never
	 * sent: each answered with an ACK and not taken. */
	iss = connect_(1460, 8192, &id);
	input((struct in){ .flags = ACK, .seq = PEER_ISS + 1 + NET_TCP_RXBUF, .ack = iss + 1,
			   .win = 8192, .data = "far", .dlen = 3 });
	ck_assert_uint_eq(nsent, 1);
	ck_assert_uint_eq(last().ack, PEER_ISS + 1);
	input((struct in){ .flags = ACK, .seq = PEER_ISS - 100, .ack = iss + 1, .win = 8192,
			   .data = "old", .dlen = 3 });
	ck_assert_uint_eq(nsent, 2);
	input((struct in){ .flags = ACK, .seq = PEER_ISS + 1, .ack = iss + 50, .win = 8192,
			   .data = "abc", .dlen = 3 });
	ck_assert_uint_eq(nsent, 3);
	ck_assert_uint_eq(last().ack, PEER_ISS + 1);
	ck_assert_uint_eq(t.st.out_of_window, 3);
	/* No ACK flag: dropped. */
	input((struct in){ .seq = PEER_ISS + 1, .data = "abc", .dlen = 3 });
	ck_assert_uint_eq(net_tcp_recv(&s, id, f, 10), -XEN_EAGAIN);
}
END_TEST

START_TEST(our_window_fills_and_reopens)
{
	static uint8_t data[1460], buf[NET_TCP_RXBUF];
	uint32_t seq = PEER_ISS + 1, iss;
	unsigned int n = 0;
	int id;

	setup();
	iss = connect_(1460, 8192, &id);
	for (unsigned int i = 0; n < NET_TCP_RXBUF; i++) {
		unsigned int len = NET_TCP_RXBUF - n < 1460 ? NET_TCP_RXBUF - n : 1460;

		memset(data, (int)i, len);
		input((struct in){ .flags = ACK, .seq = seq, .ack = iss + 1, .win = 8192,
				   .data = data, .dlen = len });
		seq += len;
		n += len;
	}
	net_tcp_poll(&s);
	ck_assert_uint_eq(last().win, 0);
	ck_assert_uint_eq(last().ack, seq);
	/* With the window shut, more data is not taken; its ACK is. */
	input((struct in){ .flags = ACK, .seq = seq, .ack = iss + 1, .win = 8192, .data = "more",
			   .dlen = 4 });
	ck_assert_uint_eq(t.conn[id].rcv_nxt, seq);
	ck_assert_uint_eq(last().ack, seq);
	/* Read: the window reopens and is announced without being asked. */
	ck_assert_int_eq(net_tcp_recv(&s, id, buf, sizeof(buf)), (int)NET_TCP_RXBUF);
	ck_assert_uint_eq(buf[NET_TCP_RXBUF - 1], (NET_TCP_RXBUF - 1) / 1460);
	nsent = 0;
	net_tcp_poll(&s);
	ck_assert_uint_eq(nsent, 1);
	ck_assert_uint_eq(last().win, NET_TCP_RXBUF);
}
END_TEST

START_TEST(connection_limit)
{
	int id;

	setup();
	for (int i = 0; i < NET_TCP_CONNS; i++) {
		sport = (uint16_t)(42000 + i);
		input((struct in){ .flags = SYN, .seq = PEER_ISS, .win = 8192 });
	}
	ck_assert_uint_eq(nsent, NET_TCP_CONNS);
	sport = 43000;
	input((struct in){ .flags = SYN, .seq = PEER_ISS, .win = 8192 });
	ck_assert_uint_eq(nsent, NET_TCP_CONNS); /* dropped: it will try again */
	ck_assert_uint_eq(t.st.full, 1);
	/* Half-open connections are given up after their retries. */
	for (int i = 0; i <= NET_TCP_RETRIES; i++) {
		fake_now += NET_TCP_RTO_MAX_NS + 1;
		net_tcp_poll(&s);
	}
	for (int i = 0; i < NET_TCP_CONNS; i++)
		ck_assert_int_eq(net_tcp_state_of(&s, i), NET_TCP_FREE);
	connect_(1460, 8192, &id);
	ck_assert_int_ge(id, 0);
	/* Listening ports: NET_TCP_LISTENS at most (7 is one). */
	ck_assert_int_eq(net_tcp_listen(&s, 80), 0);
	ck_assert_int_eq(net_tcp_listen(&s, 81), 0);
	ck_assert_int_eq(net_tcp_listen(&s, 82), 0);
	ck_assert_int_eq(net_tcp_listen(&s, 83), -XEN_ENOSPC);
}
END_TEST

START_TEST(time_wait_slot_reused)
{
	uint32_t iss;
	int id;

	setup();
	for (int i = 0; i < NET_TCP_CONNS; i++) {
		sport = (uint16_t)(42000 + i);
		iss = connect_(1460, 8192, &id);
		ck_assert_int_eq(net_tcp_close(&s, id), 0);
		net_tcp_poll(&s);
		input((struct in){ .flags = ACK | FIN, .seq = PEER_ISS + 1, .ack = iss + 2,
				   .win = 8192 });
		ck_assert_int_eq(net_tcp_state_of(&s, id), NET_TCP_TIME_WAIT);
	}
	sport = 43000;
	connect_(1460, 8192, &id);
	ck_assert_uint_eq(t.st.full, 0);
}
END_TEST

int main(void)
{
	Suite *su = suite_create("guest_net_tcp");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, handshake_with_mss);
	tcase_add_test(tc, data_in_order_only);
	tcase_add_test(tc, peer_mss_and_window_respected);
	tcase_add_test(tc, zero_window_probed);
	tcase_add_test(tc, retransmitted_until_given_up);
	tcase_add_test(tc, acks_time_the_round_trip_and_three_duplicates_resend);
	tcase_add_test(tc, peer_closes_first);
	tcase_add_test(tc, we_close_first_time_wait_short);
	tcase_add_test(tc, resets_both_ways);
	tcase_add_test(tc, closed_ports_answered_with_resets);
	tcase_add_test(tc, hostile_segments_dropped);
	tcase_add_test(tc, our_window_fills_and_reopens);
	tcase_add_test(tc, connection_limit);
	tcase_add_test(tc, time_wait_slot_reused);
	suite_add_tcase(su, tc);
	sr = srunner_create(su);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
