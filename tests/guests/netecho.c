/*
 * netecho - a network guest on netfront (pv-drivers/front) and the kit's
 * IPv4 stack: finds the one vif under device/vif, connects, answers ARP
 * and ping, and echoes every UDP datagram sent to its port back to its
 * sender, until a datagram "quit" arrives or run_s passes.  It watches
 * device/vif: a vif attached later is served too, with the address ip1=
 * (two at most); one the toolstack removes is let go and its devid may
 * come back.  netfront follows a backend that restarts.
 *   cmdline: ip=A.B.C.D/N (required) ip1=A.B.C.D/N (a second vif's)
 *            gw=A.B.C.D port= (7) run_s= (300)
 *            timeout_s= (60) chunk=N  send each frame in slots of N bytes
 *            hostile=1  first send malformed packets, each of which the
 *                       backend must refuse (NETIF_RSP_ERROR) without
 *                       harm; after the quit publish an impossible tx
 *                       index, expect the backend to close the vif,
 *                       connect again and serve until a second quit
 *            control=1  honour control/shutdown = suspend (Xen's protocol):
 *                       suspend, and resumed in a new domain reconnect every
 *                       vif (netfront_resume), then serve on
 * Prints "netecho: ready ...", then its counters and a verdict.
 */
#include <ketch-guest/kit.h>
#include <ketch-guest/gnttab.h>
#include <ketch-guest/net.h>
#include <ketch-guest/suspend.h>
#include <ketch-guest/xenbus.h>

#include "../../pv-drivers/front/netfront.h"
#include "verdict.h"

/* vif slot 0 takes ip=, slot 1 (a vif attached later) ip1=. */
#define VIFS 2
#define VIF_WATCH "netecho-vifs"
#define CTL_WATCH "netecho-ctl"

struct echo;

struct vif {
	struct echo *e;
	struct netfront *dev; /* NULL once closed, or if it never connected */
	struct net_stack net;
	unsigned int devid;
	int used;             /* devid is this slot's until its nodes go */
};

struct echo {
	struct vif vif[VIFS];
	unsigned int chunk;
	uint16_t port;
	uint64_t timeout;
	int quit;
};

/* The stack's link: netfront, waiting a little for a free buffer. */
static int xmit(void *arg, const void *frame, unsigned int len)
{
	struct vif *v = arg;
	int r = -XEN_EAGAIN;

	for (int tries = 0; v->dev && tries < 100 && r == -XEN_EAGAIN; tries++) {
		r = netfront_send(v->dev, frame, len, v->e->chunk);
		if (r == -XEN_EAGAIN)
			netfront_wait(v->dev, now_ns() + 10 * NSEC_PER_MSEC);
	}
	return v->dev ? r : -XEN_ENODEV;
}

static void on_udp(void *arg, uint32_t src, uint16_t sport, const uint8_t *data,
		   unsigned int len)
{
	struct vif *v = arg;
	int r;

	if (len == 4 && !memcmp(data, "quit", 4)) {
		v->e->quit = 1;
		data = (const uint8_t *)"bye";
		len = 3;
	}
	r = net_udp_send(&v->net, src, v->e->port, sport, data, len);
	if (r)
		printk("netecho: echo to port %u failed (%d)\n", sport, r);
}

static void on_frame(void *arg, const uint8_t *frame, unsigned int len)
{
	struct vif *v = arg;

	net_input(&v->net, frame, len);
}

/* Send slots as given; every one must come back NETIF_RSP_ERROR. */
static void refused(struct netfront *dev, const char *name, const netif_tx_request_t *slots,
		    unsigned int n)
{
	int16_t st[XEN_NETIF_NR_SLOTS_MIN + 1];
	char detail[64] = "";
	int r = netfront_send_raw(dev, slots, n, st);
	unsigned int bad = 0;

	for (unsigned int i = 0; !r && i < n; i++)
		bad += st[i] != NETIF_RSP_ERROR;
	snprintf(detail, sizeof(detail), "call %d, %u slots not refused", r, bad);
	verdict_check(!r && !bad, name, detail);
}

static void hostile_packets(struct netfront *dev)
{
	netif_tx_request_t many[XEN_NETIF_NR_SLOTS_MIN + 1];

	refused(dev, "cross-page slot refused",
		&(netif_tx_request_t){ .offset = 4000, .size = 200 }, 1);
	refused(dev, "bad grant refused", &(netif_tx_request_t){ .gref = 100000, .size = 60 }, 1);
	refused(dev, "oversize frame refused", &(netif_tx_request_t){ .size = 4000 }, 1);
	refused(dev, "runt frame refused", &(netif_tx_request_t){ .size = 10 }, 1);
	refused(dev, "slot bigger than its packet refused",
		(netif_tx_request_t[]){ { .size = 100, .flags = NETTXF_more_data }, { .size = 200 } },
		2);
	for (unsigned int i = 0; i <= XEN_NETIF_NR_SLOTS_MIN; i++)
		many[i] = (netif_tx_request_t){ .size = i ? 60 : 60 * (XEN_NETIF_NR_SLOTS_MIN + 1),
						.flags = i < XEN_NETIF_NR_SLOTS_MIN ? NETTXF_more_data : 0 };
	refused(dev, "too many slots refused", many, XEN_NETIF_NR_SLOTS_MIN + 1);
}

static void report(const struct vif *v)
{
	const struct net_stats *n = &v->net.st;
	const struct netfront_stats *f = netfront_get_stats(v->dev);

	printk("netecho: netfront vif %u tx slots %lu refused %lu dropped %lu rx %lu errors %lu "
	       "malformed %lu reconnects %lu\n", v->devid,
	       (unsigned long)f->tx_slots, (unsigned long)f->tx_slot_errors,
	       (unsigned long)f->tx_dropped, (unsigned long)f->rx_packets,
	       (unsigned long)f->rx_errors, (unsigned long)f->rx_malformed,
	       (unsigned long)f->reconnects);
	printk("netecho: stack frames %lu arp answered %lu icmp echo %lu udp in %lu out %lu "
	       "bad %lu not ours %lu\n",
	       (unsigned long)n->rx_frames, (unsigned long)n->arp_answered,
	       (unsigned long)n->icmp_echo, (unsigned long)n->udp_rx, (unsigned long)n->udp_tx,
	       (unsigned long)n->rx_bad, (unsigned long)n->rx_not_ours);
}

/* Connect devid in slot v, give it its address, bind the echo port. */
static int open_vif(struct echo *e, struct vif *v, unsigned int devid)
{
	static const char *const keys[VIFS] = { "ip", "ip1" };
	const uint8_t *m;
	char ip[16];
	int r;

	*v = (struct vif){ .e = e, .devid = devid, .used = 1 };
	if ((r = netfront_open(devid, e->timeout, &v->dev)))
		return r;
	net_init(&v->net, netfront_mac(v->dev), xmit, v);
	if ((r = net_config_cmdline_key(&v->net, keys[v - e->vif])) ||
	    (r = net_udp_bind(&v->net, e->port, on_udp, v)))
		return r;
	net_format_ipv4(v->net.ip, ip);
	m = v->net.mac;
	printk("netecho: ready vif %u mac %02x:%02x:%02x:%02x:%02x:%02x ip %s udp %u\n", devid,
	       m[0], m[1], m[2], m[3], m[4], m[5], ip, e->port);
	return 0;
}

static struct vif *vif_of(struct echo *e, unsigned int devid)
{
	for (unsigned int i = 0; i < VIFS; i++)
		if (e->vif[i].used && e->vif[i].devid == devid)
			return &e->vif[i];
	return NULL;
}

static int listed(const unsigned int *ids, unsigned int n, unsigned int devid)
{
	for (unsigned int i = 0; i < n; i++)
		if (ids[i] == devid)
			return 1;
	return 0;
}

/* device/vif changed: a slot whose vif closed and whose nodes are gone is
 * free again; a vif not seen before is connected in a free slot. */
static void scan_vifs(struct echo *e)
{
	unsigned int ids[8], n = 0;
	struct xenbus_event *ev;

	while (!xenbus_take_event(VIF_WATCH, &ev))
		free(ev);
	if (netfront_discover(ids, 8, &n))
		return;
	for (unsigned int i = 0; i < VIFS; i++)
		if (e->vif[i].used && !e->vif[i].dev && !listed(ids, n, e->vif[i].devid))
			e->vif[i].used = 0;
	for (unsigned int k = 0; k < n; k++) {
		struct vif *v = e->vif;
		int r;

		if (vif_of(e, ids[k]))
			continue;
		while (v < e->vif + VIFS && v->used)
			v++;
		if (v == e->vif + VIFS) {
			printk("netecho: vif %u not served: %u at most\n", ids[k], VIFS);
			continue;
		}
		if ((r = open_vif(e, v, ids[k])))
			printk("netecho: vif %u attached later: cannot serve it (%d)\n", ids[k], r);
	}
}

/* The backend closed v for good (the toolstack removed it). */
static void let_go(struct vif *v)
{
	report(v);
	printk("netecho: vif %u closed by the backend: %s\n", v->devid,
	       netfront_close(v->dev) ? "its pages stay shared" : "released");
	v->dev = NULL;
}

static int any_work(void *arg)
{
	struct echo *e = arg;

	for (unsigned int i = 0; i < VIFS; i++)
		if (e->vif[i].dev && netfront_pending(e->vif[i].dev))
			return 1;
	return xenbus_event_pending(VIF_WATCH) || xenbus_event_pending(CTL_WATCH);
}

/* control/shutdown = suspend: suspend; in a new domain every vif is
 * connected to its new backend. */
static void control(struct echo *e)
{
	struct xenbus_event *ev;
	char *v = NULL;
	int rc;

	while (!xenbus_take_event(CTL_WATCH, &ev))
		free(ev);
	if (!(v = shutdown_request_take()))
		return;
	rc = strcmp(v, "suspend");
	free(v);
	if (rc)
		return; /* only suspend is ours to honour */
	printk("netecho: suspending\n");
	rc = suspend_domain();
	printk("netecho: suspend returned %d in domain %d\n", rc,
	       HYPERVISOR_xen_version(KETCH_XENVER_domid, NULL));
	for (unsigned int i = 0; rc == 0 && i < VIFS; i++)
		if (e->vif[i].dev)
			verdict_rc("netfront_resume", netfront_resume(e->vif[i].dev), 0);
	printk("netecho: serving again\n");
}

static void serve(struct echo *e, uint64_t until)
{
	int ok = 1;

	while (ok && !e->quit && now_ns() < until) {
		int got = 0;

		if (xenbus_event_pending(VIF_WATCH))
			scan_vifs(e);
		if (xenbus_event_pending(CTL_WATCH))
			control(e);
		for (unsigned int i = 0; ok && i < VIFS; i++) {
			struct vif *v = &e->vif[i];
			int r = v->dev ? netfront_poll(v->dev, on_frame, v) : 0;

			if (r == -XEN_ENODEV)
				let_go(v);
			else if (r < 0)
				ok = 0;
			else
				got += r;
		}
		if (ok && !got && !e->quit)
			events_block_until(any_work, e, until);
	}
	verdict_check(ok, "served until told to stop", "the device broke");
}

static int start(struct echo *e, const start_info_t *si)
{
	unsigned int ids[4], n = 0;

	verdict_rc("xenbus", init_xenbus(si), 0);
	verdict_rc("grant table", gnttab_init(2), 0);
	verdict_rc("device/vif watched", xenbus_watch("device/vif", VIF_WATCH), 0);
	if (start_info_arg_ul("control", 0))
		verdict_rc("control/shutdown watched", xenbus_watch("control/shutdown", CTL_WATCH), 0);
	verdict_rc("device/vif listed", netfront_discover(ids, 4, &n), 0);
	verdict_check(n == 1, "one vif", "none or several");
	if (verdict_failures)
		return -1;
	verdict_rc("connect, ip= and gw= from the command line, udp port bound",
		   open_vif(e, &e->vif[0], ids[0]), 0);
	return verdict_failures || !e->vif[0].dev ? -1 : 0;
}

/*
 * After an impossible index the backend closed the vif: close our end,
 * connect again (the backend goes back to InitWait), keep the stack and
 * its ARP cache on the new device, and serve until the next quit.
 */
static void reconnect(struct echo *e, uint64_t until)
{
	struct vif *v = &e->vif[0];

	verdict_rc("close after the impossible index", netfront_close(v->dev), 0);
	v->dev = NULL;
	verdict_rc("reconnected", netfront_open(v->devid, e->timeout, &v->dev), 0);
	if (!v->dev)
		return;
	e->quit = 0;
	printk("netecho: ready again\n");
	serve(e, until);
	report(v);
}

int main(const start_info_t *si)
{
	static struct echo e;
	uint64_t until = now_ns() + start_info_arg_ul("run_s", 300) * NSEC_PER_SEC;
	int hostile = start_info_arg_ul("hostile", 0) != 0;

	e.timeout = start_info_arg_ul("timeout_s", 60) * NSEC_PER_SEC;
	e.port = (uint16_t)start_info_arg_ul("port", 7);
	e.chunk = (unsigned int)start_info_arg_ul("chunk", 0);
	if (start(&e, si))
		return verdict_done("netecho");
	if (hostile)
		hostile_packets(e.vif[0].dev);
	serve(&e, until);
	for (unsigned int i = 0; i < VIFS; i++)
		if (e.vif[i].dev)
			report(&e.vif[i]);
	if (hostile && e.vif[0].dev) {
		verdict_rc("impossible tx index: the backend closed the vif",
			   netfront_send_bad_index(e.vif[0].dev, 1000), 0);
		reconnect(&e, until);
	}
	for (unsigned int i = 0; i < VIFS; i++)
		if (e.vif[i].dev)
			verdict_rc("close", netfront_close(e.vif[i].dev), 0);
	return verdict_done("netecho");
}
