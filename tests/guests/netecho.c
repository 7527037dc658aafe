/*
 * netecho - a network guest on netfront (pv-drivers/front) and the kit's
 * IPv4 stack: finds the one vif under device/vif, connects, answers ARP
 * and ping, and echoes every UDP datagram sent to its port back to its
 * sender, until a datagram "quit" arrives or run_s passes.
 *   cmdline: ip=A.B.C.D/N (required) gw=A.B.C.D port= (7) run_s= (300)
 *            timeout_s= (60) chunk=N  send each frame in slots of N bytes
 *            hostile=1  first send malformed packets, each of which the
 *                       backend must refuse (NETIF_RSP_ERROR) without
 *                       harm; after the quit publish an impossible tx
 *                       index, expect the backend to close the vif,
 *                       connect again and serve until a second quit
 * Prints "netecho: ready ...", then its counters and a verdict.
 */
#include <ketch-guest/kit.h>
#include <ketch-guest/gnttab.h>
#include <ketch-guest/net.h>
#include <ketch-guest/xenbus.h>

#include "../../pv-drivers/front/netfront.h"
#include "verdict.h"

struct echo {
	struct netfront *dev;
	struct net_stack net;
	unsigned int chunk, devid;
	uint16_t port;
	int quit;
};

/* The stack's link: netfront, waiting a little for a free buffer. */
static int xmit(void *arg, const void *frame, unsigned int len)
{
	struct echo *e = arg;
	int r = -XEN_EAGAIN;

	for (int tries = 0; tries < 100 && r == -XEN_EAGAIN; tries++) {
		r = netfront_send(e->dev, frame, len, e->chunk);
		if (r == -XEN_EAGAIN)
			netfront_wait(e->dev, now_ns() + 10 * NSEC_PER_MSEC);
	}
	return r;
}

static void on_udp(void *arg, uint32_t src, uint16_t sport, const uint8_t *data,
		   unsigned int len)
{
	struct echo *e = arg;
	int r;

	if (len == 4 && !memcmp(data, "quit", 4)) {
		e->quit = 1;
		data = (const uint8_t *)"bye";
		len = 3;
	}
	r = net_udp_send(&e->net, src, e->port, sport, data, len);
	if (r)
		printk("netecho: echo to port %u failed (%d)\n", sport, r);
}

static void on_frame(void *arg, const uint8_t *frame, unsigned int len)
{
	struct echo *e = arg;

	net_input(&e->net, frame, len);
}

/* Send slots as given; every one must come back NETIF_RSP_ERROR. */
static void refused(struct echo *e, const char *name, const netif_tx_request_t *slots,
		    unsigned int n)
{
	int16_t st[XEN_NETIF_NR_SLOTS_MIN + 1];
	char detail[64] = "";
	int r = netfront_send_raw(e->dev, slots, n, st);
	unsigned int bad = 0;

	for (unsigned int i = 0; !r && i < n; i++)
		bad += st[i] != NETIF_RSP_ERROR;
	snprintf(detail, sizeof(detail), "call %d, %u slots not refused", r, bad);
	verdict_check(!r && !bad, name, detail);
}

static void hostile_packets(struct echo *e)
{
	netif_tx_request_t many[XEN_NETIF_NR_SLOTS_MIN + 1];

	refused(e, "cross-page slot refused",
		&(netif_tx_request_t){ .offset = 4000, .size = 200 }, 1);
	refused(e, "bad grant refused", &(netif_tx_request_t){ .gref = 100000, .size = 60 }, 1);
	refused(e, "oversize frame refused", &(netif_tx_request_t){ .size = 4000 }, 1);
	refused(e, "runt frame refused", &(netif_tx_request_t){ .size = 10 }, 1);
	refused(e, "slot bigger than its packet refused",
		(netif_tx_request_t[]){ { .size = 100, .flags = NETTXF_more_data }, { .size = 200 } },
		2);
	for (unsigned int i = 0; i <= XEN_NETIF_NR_SLOTS_MIN; i++)
		many[i] = (netif_tx_request_t){ .size = i ? 60 : 60 * (XEN_NETIF_NR_SLOTS_MIN + 1),
						.flags = i < XEN_NETIF_NR_SLOTS_MIN ? NETTXF_more_data : 0 };
	refused(e, "too many slots refused", many, XEN_NETIF_NR_SLOTS_MIN + 1);
}

static void serve(struct echo *e, uint64_t until)
{
	int r = 0;

	while (!e->quit && now_ns() < until) {
		r = netfront_poll(e->dev, on_frame, e);
		if (r < 0)
			break;
		if (!r && !e->quit)
			netfront_wait(e->dev, until);
	}
	verdict_check(r >= 0, "served until told to stop", "the device broke");
}

static void report(const struct echo *e)
{
	const struct net_stats *n = &e->net.st;
	const struct netfront_stats *f = netfront_get_stats(e->dev);

	printk("netecho: netfront tx slots %lu refused %lu rx %lu errors %lu malformed %lu\n",
	       (unsigned long)f->tx_slots, (unsigned long)f->tx_slot_errors,
	       (unsigned long)f->rx_packets, (unsigned long)f->rx_errors,
	       (unsigned long)f->rx_malformed);
	printk("netecho: stack frames %lu arp answered %lu icmp echo %lu udp in %lu out %lu "
	       "bad %lu not ours %lu\n",
	       (unsigned long)n->rx_frames, (unsigned long)n->arp_answered,
	       (unsigned long)n->icmp_echo, (unsigned long)n->udp_rx, (unsigned long)n->udp_tx,
	       (unsigned long)n->rx_bad, (unsigned long)n->rx_not_ours);
}

static int start(struct echo *e, const start_info_t *si, uint64_t timeout)
{
	unsigned int ids[4], n = 0;
	char ip[16];

	verdict_rc("xenbus", init_xenbus(si), 0);
	verdict_rc("grant table", gnttab_init(2), 0);
	verdict_rc("device/vif listed", netfront_discover(ids, 4, &n), 0);
	verdict_check(n == 1, "one vif", "none or several");
	if (verdict_failures)
		return -1;
	e->devid = ids[0];
	verdict_rc("connect", netfront_open(ids[0], timeout, &e->dev), 0);
	if (!e->dev)
		return -1;
	net_init(&e->net, netfront_mac(e->dev), xmit, e);
	verdict_rc("ip= and gw= from the command line", net_config_cmdline(&e->net), 0);
	verdict_rc("udp port bound", net_udp_bind(&e->net, e->port, on_udp, e), 0);
	if (verdict_failures)
		return -1;
	net_format_ipv4(e->net.ip, ip);
	printk("netecho: ready vif %u mac %02x:%02x:%02x:%02x:%02x:%02x ip %s udp %u\n", ids[0],
	       e->net.mac[0], e->net.mac[1], e->net.mac[2], e->net.mac[3], e->net.mac[4],
	       e->net.mac[5], ip, e->port);
	return 0;
}

/*
 * After an impossible index the backend closed the vif: close our end,
 * connect again (the backend goes back to InitWait), keep the stack and
 * its ARP cache on the new device, and serve until the next quit.
 */
static void reconnect(struct echo *e, unsigned int devid, uint64_t timeout, uint64_t until)
{
	verdict_rc("close after the impossible index", netfront_close(e->dev), 0);
	e->dev = NULL;
	verdict_rc("reconnected", netfront_open(devid, timeout, &e->dev), 0);
	if (!e->dev)
		return;
	e->quit = 0;
	printk("netecho: ready again\n");
	serve(e, until);
	report(e);
}

int main(const start_info_t *si)
{
	static struct echo e;
	uint64_t timeout = start_info_arg_ul("timeout_s", 60) * NSEC_PER_SEC;
	uint64_t until = now_ns() + start_info_arg_ul("run_s", 300) * NSEC_PER_SEC;
	int hostile = start_info_arg_ul("hostile", 0) != 0;

	e.port = (uint16_t)start_info_arg_ul("port", 7);
	e.chunk = (unsigned int)start_info_arg_ul("chunk", 0);
	if (start(&e, si, timeout))
		return verdict_done("netecho");
	if (hostile)
		hostile_packets(&e);
	serve(&e, until);
	report(&e);
	if (hostile) {
		verdict_rc("impossible tx index: the backend closed the vif",
			   netfront_send_bad_index(e.dev, 1000), 0);
		reconnect(&e, e.devid, timeout, until);
	}
	if (e.dev)
		verdict_rc("close", netfront_close(e.dev), 0);
	return verdict_done("netecho");
}
