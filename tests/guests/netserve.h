/*
 * netserve.h - what the TCP example guests (tcpecho, httpd) share: find
 * and connect the one vif, start the kit's IPv4 stack with TCP on it,
 * and one turn of the serving loop (frames in, the application's work,
 * TCP's timers and transmits, then a wait for the next frame or timer).
 * A UDP datagram "quit" to the guest's UDP port ends the loop.
 */
#ifndef TESTS_GUESTS_NETSERVE_H
#define TESTS_GUESTS_NETSERVE_H

#include <ketch-guest/kit.h>
#include <ketch-guest/gnttab.h>
#include <ketch-guest/net_tcp.h>
#include <ketch-guest/xenbus.h>

#include "../../pv-drivers/front/netfront.h"
#include "verdict.h"

struct netserve {
	struct netfront *dev;
	struct net_stack net;
	struct net_tcp tcp;
	int quit;
};

/* The stack's link: netfront, waiting a little for a free buffer. */
static inline int netserve_xmit(void *arg, const void *frame, unsigned int len)
{
	struct netserve *n = arg;
	int r = -XEN_EAGAIN;

	for (int tries = 0; tries < 100 && r == -XEN_EAGAIN; tries++) {
		r = netfront_send(n->dev, frame, len, 0);
		if (r == -XEN_EAGAIN)
			netfront_wait(n->dev, now_ns() + 10 * NSEC_PER_MSEC);
	}
	return r;
}

static inline void netserve_frame(void *arg, const uint8_t *frame, unsigned int len)
{
	net_input(&((struct netserve *)arg)->net, frame, len);
}

static inline void netserve_udp(void *arg, uint32_t src, uint16_t sport, const uint8_t *data,
			 unsigned int len)
{
	struct netserve *n = arg;

	if (len == 4 && !memcmp(data, "quit", 4)) {
		n->quit = 1;
		net_udp_send(&n->net, src, n->net.udp[0].port, sport, "bye", 3);
	}
}

/* Connect the vif, configure the stack from the command line, listen on
 * tcp_port and take "quit" on udp_port.  0, or -1 after a FAIL line. */
static inline int netserve_start(struct netserve *n, const start_info_t *si, uint16_t tcp_port,
			  uint16_t udp_port, uint64_t timeout)
{
	unsigned int ids[4], count = 0;

	verdict_rc("xenbus", init_xenbus(si), 0);
	verdict_rc("grant table", gnttab_init(2), 0);
	verdict_rc("device/vif listed", netfront_discover(ids, 4, &count), 0);
	verdict_check(count == 1, "one vif", "none or several");
	if (verdict_failures)
		return -1;
	verdict_rc("connect", netfront_open(ids[0], timeout, &n->dev), 0);
	if (!n->dev)
		return -1;
	net_init(&n->net, netfront_mac(n->dev), netserve_xmit, n);
	verdict_rc("ip= and gw= from the command line", net_config_cmdline(&n->net), 0);
	net_tcp_init(&n->net, &n->tcp);
	verdict_rc("tcp port listening", net_tcp_listen(&n->net, tcp_port), 0);
	verdict_rc("udp port bound", net_udp_bind(&n->net, udp_port, netserve_udp, n), 0);
	return verdict_failures ? -1 : 0;
}

/* Frames in: 0, or the device's error. */
static inline int netserve_input(struct netserve *n)
{
	int r = netfront_poll(n->dev, netserve_frame, n);

	return r < 0 ? r : 0;
}

/* TCP's timers and transmits, then wait for a frame, TCP's next deadline
 * or until, whichever comes first. */
static inline void netserve_wait(struct netserve *n, uint64_t until)
{
	uint64_t next = net_tcp_poll(&n->net);

	if (!n->quit)
		netfront_wait(n->dev, next < until ? next : until);
}

static inline void netserve_report(const char *guest, const struct netserve *n)
{
	const struct net_tcp_stats *t = &n->tcp.st;
	const struct netfront_stats *f = netfront_get_stats(n->dev);

	printk("%s: tcp segs in %lu out %lu accepted %lu bad %lu out-of-window %lu "
	       "out-of-order %lu refused %lu full %lu rst in %lu out %lu retransmits %lu "
	       "fast %lu timeouts %lu\n",
	       guest, (unsigned long)t->segs_in, (unsigned long)t->segs_out,
	       (unsigned long)t->accepted, (unsigned long)t->bad, (unsigned long)t->out_of_window,
	       (unsigned long)t->out_of_order, (unsigned long)t->refused, (unsigned long)t->full,
	       (unsigned long)t->rst_in, (unsigned long)t->rst_out, (unsigned long)t->retransmits,
	       (unsigned long)t->fast_retransmits, (unsigned long)t->timeouts);
	printk("%s: netfront rx %lu errors %lu malformed %lu; stack tx errors %lu no route %lu\n",
	       guest, (unsigned long)f->rx_packets, (unsigned long)f->rx_errors,
	       (unsigned long)f->rx_malformed, (unsigned long)n->net.st.tx_errors,
	       (unsigned long)n->net.st.tx_no_route);
}

#endif
