/*
 * tcpecho - a TCP echo server on netfront and the kit's IPv4 stack:
 * everything a connection sends to port= (7) comes back on it; the
 * connection is closed once the peer closed and everything was echoed.
 * Up to NET_TCP_CONNS connections at once.  A UDP datagram "quit" to the
 * same port number ends it (or run_s passes).
 *   cmdline: ip=A.B.C.D/N (required) gw=A.B.C.D port= (7) run_s= (300)
 *            timeout_s= (60)
 * Prints "tcpecho: ready ...", a line per connection closed, its
 * counters and a verdict.
 */
#include "netserve.h"

struct echo {
	struct netserve n;
	int held[NET_TCP_CONNS]; /* connection numbers, -1 = none */
	uint64_t bytes[NET_TCP_CONNS];
	uint64_t conns, total;
	uint16_t port;
};

/* Move what the connection sent back to it, as far as the transmit
 * buffer takes it; close once the peer closed and all went back. */
static void pump(struct echo *e, unsigned int i)
{
	static uint8_t buf[NET_TCP_TXBUF];
	struct net_stack *s = &e->n.net;
	int id = e->held[i], r = -XEN_EAGAIN;

	for (int turns = 0; turns < 8; turns++) {
		unsigned int room = net_tcp_send_space(s, id);

		/* A dead connection has no room: read on to learn why. */
		if (!room && net_tcp_state_of(s, id) != NET_TCP_DEAD)
			break;
		r = net_tcp_recv(s, id, buf, room ? room : sizeof(buf));
		if (r <= 0 || !room)
			break;
		if (net_tcp_send(s, id, buf, (unsigned int)r) != r)
			printk("tcpecho: connection %d: short send\n", id); /* room said it fits */
		e->bytes[i] += (unsigned int)r;
		e->total += (unsigned int)r;
	}
	if (r == 0 || (r < 0 && r != -XEN_EAGAIN)) {
		printk("tcpecho: connection %d closed after %lu bytes (%d)\n", id,
		       (unsigned long)e->bytes[i], r);
		net_tcp_close(s, id);
		e->held[i] = -1;
	}
}

static void accept_all(struct echo *e)
{
	int id;

	while ((id = net_tcp_accept(&e->n.net, e->port)) >= 0) {
		e->held[id] = id; /* numbers are slots: one entry each */
		e->bytes[id] = 0;
		e->conns++;
	}
}

int main(const start_info_t *si)
{
	static struct echo e;
	uint64_t timeout = start_info_arg_ul("timeout_s", 60) * NSEC_PER_SEC;
	uint64_t until = now_ns() + start_info_arg_ul("run_s", 300) * NSEC_PER_SEC;
	char ip[16];
	int r = 0;

	e.port = (uint16_t)start_info_arg_ul("port", 7);
	for (unsigned int i = 0; i < NET_TCP_CONNS; i++)
		e.held[i] = -1;
	if (netserve_start(&e.n, si, e.port, e.port, timeout))
		return verdict_done("tcpecho");
	net_format_ipv4(e.n.net.ip, ip);
	printk("tcpecho: ready ip %s tcp %u\n", ip, e.port);
	while (!e.n.quit && now_ns() < until) {
		if ((r = netserve_input(&e.n)))
			break;
		accept_all(&e);
		for (unsigned int i = 0; i < NET_TCP_CONNS; i++)
			if (e.held[i] >= 0)
				pump(&e, i);
		netserve_wait(&e.n, until);
	}
	verdict_check(r == 0, "served until told to stop", "the device broke");
	printk("tcpecho: %lu connections, %lu bytes echoed\n", (unsigned long)e.conns,
	       (unsigned long)e.total);
	netserve_report("tcpecho", &e.n);
	net_tcp_poll(&e.n.net); /* the quit's answer is out; send what is due */
	verdict_rc("close", netfront_close(e.n.dev), 0);
	return verdict_done("tcpecho");
}
