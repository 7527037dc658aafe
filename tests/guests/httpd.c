/*
 * httpd - a small HTTP/1.0 server on netfront and the kit's TCP: GET /
 * is a small HTML page, GET /stats its own counters as plain text,
 * anything else 404 (400 for what is not a GET request line).  A request
 * may arrive in as many segments as the peer likes, up to REQ_MAX bytes
 * of head; every answer says "Connection: close" and the connection is
 * closed after it.  A UDP datagram "quit" to port udp= (7) ends it.
 *   cmdline: ip=A.B.C.D/N (required) gw=A.B.C.D port= (80) udp= (7)
 *            run_s= (300) timeout_s= (60)
 */
#include "netserve.h"

#define REQ_MAX 1024u

struct req {
	int id; /* -1: slot unused */
	unsigned int len;
	char head[REQ_MAX];
};

struct httpd {
	struct netserve n;
	struct req r[NET_TCP_CONNS];
	uint64_t conns, requests, not_found, bad, bytes_in, bytes_out, resets;
	uint16_t port;
};

static const char page[] =
	"<!DOCTYPE html>\n<html><head><title>Ketch</title></head>\n"
	"<body><h1>Hello from a Ketch guest</h1>\n"
	"<p>Served over the guest kit's TCP, through netfront.</p></body></html>\n";

/* Where the head ends (the blank line), or 0 while it has not come. */
static unsigned int head_end(const struct req *q)
{
	for (unsigned int i = 0; i + 1 < q->len; i++) {
		if (q->head[i] == '\n' && q->head[i + 1] == '\n')
			return i + 2;
		if (i + 3 < q->len && !memcmp(q->head + i, "\r\n\r\n", 4))
			return i + 4;
	}
	return 0;
}

/* The stack's drops: segments malformed, outside the window, ahead of
 * a gap, or SYNs with every slot busy. */
static uint64_t drops(const struct httpd *h)
{
	const struct net_tcp_stats *t = &h->n.tcp.st;

	return t->bad + t->out_of_window + t->out_of_order + t->full;
}

static unsigned int stats_text(const struct httpd *h, char *buf, unsigned int size)
{
	return (unsigned int)snprintf(
		buf, size,
		"connections %lu\nrequests %lu\nnot_found %lu\nbad_requests %lu\n"
		"bytes_in %lu\nbytes_out %lu\nresets %lu\ndrops %lu\nretransmits %lu\n",
		(unsigned long)h->conns, (unsigned long)h->requests, (unsigned long)h->not_found,
		(unsigned long)h->bad, (unsigned long)h->bytes_in, (unsigned long)h->bytes_out,
		(unsigned long)h->resets, (unsigned long)drops(h),
		(unsigned long)(h->n.tcp.st.retransmits + h->n.tcp.st.fast_retransmits));
}

/* Status, type and body for the request line at the head's start. */
static void route(struct httpd *h, const struct req *q, char *body, unsigned int size,
		  const char **status, const char **type)
{
	const char *p = q->head + 4, *end = q->head + q->len;
	unsigned int n = 0;

	*type = "text/plain";
	if (q->len < 4 || memcmp(q->head, "GET ", 4)) {
		h->bad++;
		*status = "400 Bad Request";
		snprintf(body, size, "bad request\n");
		return;
	}
	while (p + n < end && p[n] != ' ' && p[n] != '\r' && p[n] != '\n')
		n++;
	if (n == 1 && p[0] == '/') {
		*status = "200 OK";
		*type = "text/html";
		snprintf(body, size, "%s", page);
	} else if (n == 6 && !memcmp(p, "/stats", 6)) {
		*status = "200 OK";
		stats_text(h, body, size);
	} else {
		h->not_found++;
		*status = "404 Not Found";
		snprintf(body, size, "not found\n");
	}
}

static void answer(struct httpd *h, struct req *q)
{
	static char body[1024], out[1536];
	const char *status, *type;
	unsigned int blen, len;
	int r;

	h->requests++;
	route(h, q, body, sizeof(body), &status, &type);
	blen = (unsigned int)strlen(body);
	len = (unsigned int)snprintf(out, sizeof(out),
				     "HTTP/1.0 %s\r\nServer: ketch-httpd\r\nContent-Type: %s\r\n"
				     "Content-Length: %u\r\nConnection: close\r\n\r\n%s",
				     status, type, blen, body);
	r = net_tcp_send(&h->n.net, q->id, out, len);
	if (r > 0)
		h->bytes_out += (unsigned int)r;
	if (r != (int)len)
		printk("httpd: connection %d: answer cut (%d of %u)\n", q->id, r, len);
}

/* Take what the connection sent; answer once the head is whole. */
static void serve(struct httpd *h, struct req *q)
{
	int r = net_tcp_recv(&h->n.net, q->id, q->head + q->len, REQ_MAX - q->len);

	if (r == -XEN_EAGAIN)
		return;
	if (r > 0) {
		q->len += (unsigned int)r;
		h->bytes_in += (unsigned int)r;
		if (head_end(q)) {
			answer(h, q);
		} else if (q->len < REQ_MAX) {
			return; /* the rest is still on its way */
		} else {
			q->len = 0; /* a head larger than we keep */
			answer(h, q);
		}
	} else if (r < 0) {
		h->resets++;
	}
	net_tcp_close(&h->n.net, q->id);
	q->id = -1;
}

int main(const start_info_t *si)
{
	static struct httpd h;
	uint64_t timeout = start_info_arg_ul("timeout_s", 60) * NSEC_PER_SEC;
	uint64_t until = now_ns() + start_info_arg_ul("run_s", 300) * NSEC_PER_SEC;
	char ip[16];
	int r = 0, id;

	h.port = (uint16_t)start_info_arg_ul("port", 80);
	for (unsigned int i = 0; i < NET_TCP_CONNS; i++)
		h.r[i].id = -1;
	if (netserve_start(&h.n, si, h.port, (uint16_t)start_info_arg_ul("udp", 7), timeout))
		return verdict_done("httpd");
	net_format_ipv4(h.n.net.ip, ip);
	printk("httpd: ready ip %s tcp %u\n", ip, h.port);
	while (!h.n.quit && now_ns() < until) {
		if ((r = netserve_input(&h.n)))
			break;
		while ((id = net_tcp_accept(&h.n.net, h.port)) >= 0) {
			h.r[id] = (struct req){ .id = id }; /* numbers are slots */
			h.conns++;
		}
		for (unsigned int i = 0; i < NET_TCP_CONNS; i++)
			if (h.r[i].id >= 0)
				serve(&h, &h.r[i]);
		netserve_wait(&h.n, until);
	}
	verdict_check(r == 0, "served until told to stop", "the device broke");
	stats_text(&h, h.r[0].head, REQ_MAX);
	printk("httpd: %s", h.r[0].head);
	netserve_report("httpd", &h.n);
	net_tcp_poll(&h.n.net);
	verdict_rc("close", netfront_close(h.n.dev), 0);
	return verdict_done("httpd");
}
