/* xenbus ring transport: requests out, replies matched by req_id, watch events queued. */
#include <ketch-guest/kit.h>
#include <ketch-guest/xenbus.h>

#include "xenbus_internal.h"

/*
 * The page is shared with xenstored.  We own req_prod and rsp_cons; the
 * daemon owns req_cons and rsp_prod.  Its indices are read once per step
 * (acquire: the data it published is visible after the index), checked
 * (prod - cons never exceeds the ring, in unsigned arithmetic so wrapping
 * is fine), and our own are published with release order after the data.
 * Before giving space back (rsp_cons) a full fence orders our reads of the
 * data before the daemon's next writes.  Every step that moves an index
 * notifies the daemon, which may be waiting for data or for space.
 */
static struct {
	struct xenstore_domain_interface *intf;
	evtchn_port_t port;
	uint32_t req_id;
	struct xenbus_event *events, **tail;
	int broken;
} xb;

static void on_store_event(evtchn_port_t port, void *arg)
{
	(void)port;
	(void)arg; /* waiting is done on the ring indices themselves */
}

int init_xenbus(const start_info_t *si)
{
	if (!si->store_mfn || !si->store_evtchn)
		return -XEN_ENODEV;
	xb.intf = pfn_to_virt(si->store_mfn);
	xb.port = si->store_evtchn;
	xb.tail = &xb.events;
	events_bind_port(xb.port, 0, on_store_event, NULL);
	return 0;
}

int xenbus_resume(const start_info_t *si)
{
	if (!xb.intf)
		return 0; /* never connected */
	xb_drop_events(NULL);
	xb.broken = 0;
	if (init_xenbus(si))
		return -XEN_ENODEV;
	return xb_rewatch_all();
}

struct xenstore_domain_interface *xenbus_ring(void)
{
	return xb.intf;
}

static XENSTORE_RING_IDX acquire(const XENSTORE_RING_IDX *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

/* Nonzero when there is something to do: space to write / data to read, or a
 * broken ring. */
static int req_space(void *arg)
{
	(void)arg;
	return acquire(&xb.intf->req_prod) - acquire(&xb.intf->req_cons) < XENSTORE_RING_SIZE ||
	       xb.intf->error;
}

static int rsp_data(void *arg)
{
	(void)arg;
	return acquire(&xb.intf->rsp_prod) != xb.intf->rsp_cons || xb.intf->error;
}

static int ring_broken(void)
{
	if (!xb.broken && xb.intf->error) {
		printk("xenbus: the daemon closed the ring (error %u)\n", xb.intf->error);
		xb.broken = 1;
	}
	return xb.broken;
}

/* Copy len bytes onto the request ring, waiting for space. */
static int put(const char *data, unsigned int len)
{
	struct xenstore_domain_interface *in = xb.intf;

	while (len) {
		XENSTORE_RING_IDX cons = acquire(&in->req_cons), prod = in->req_prod;
		unsigned int n = 0;

		if (prod - cons > XENSTORE_RING_SIZE)
			return -XEN_EIO;
		while (n < len && prod - cons < XENSTORE_RING_SIZE)
			in->req[MASK_XENSTORE_IDX(prod++)] = data[n++];
		__atomic_store_n(&in->req_prod, prod, __ATOMIC_RELEASE);
		evtchn_send(xb.port);
		data += n;
		len -= n;
		if (len && (events_block_until(req_space, NULL, 0) || ring_broken()))
			return -XEN_EIO;
	}
	return 0;
}

/* Take exactly len bytes off the response ring, waiting until deadline (0: none). */
static int take(char *buf, unsigned int len, uint64_t deadline)
{
	struct xenstore_domain_interface *in = xb.intf;
	int r;

	while (len) {
		XENSTORE_RING_IDX prod = acquire(&in->rsp_prod), cons = in->rsp_cons;
		unsigned int n = 0;

		if (prod - cons > XENSTORE_RING_SIZE)
			return -XEN_EIO;
		while (n < len && cons != prod)
			buf[n++] = in->rsp[MASK_XENSTORE_IDX(cons++)];
		if (n) {
			__atomic_thread_fence(__ATOMIC_SEQ_CST); /* data read before space freed */
			__atomic_store_n(&in->rsp_cons, cons, __ATOMIC_RELAXED);
			evtchn_send(xb.port);
		}
		buf += n;
		len -= n;
		if (len && (r = events_block_until(rsp_data, NULL, deadline)))
			return r;
		if (len && ring_broken())
			return -XEN_EIO;
	}
	return 0;
}

/* Queue a watch event: payload is "<path>\0<token>\0". */
static void queue_event(char *payload, unsigned int len)
{
	unsigned int plen = (unsigned int)strnlen(payload, len);
	struct xenbus_event *ev;

	if (plen + 1 >= len || !(ev = malloc(sizeof(*ev) + len + 1))) {
		printk("xenbus: dropped a malformed or unqueueable watch event\n");
		return;
	}
	memcpy(ev + 1, payload, len);
	ev->path = (char *)(ev + 1);
	ev->path[len] = '\0';
	ev->token = ev->path + plen + 1;
	ev->next = NULL;
	*xb.tail = ev;
	xb.tail = &ev->next;
}

/*
 * Read one whole message; watch events are queued and reported with
 * *payload NULL.  The first byte is waited for until deadline; once a
 * header has arrived the rest is read without one.
 */
static int read_msg(struct xsd_sockmsg *h, char **payload, uint64_t deadline)
{
	int r = take((char *)h, 1, deadline);
	char *p;

	if (!r)
		r = take((char *)h + 1, sizeof(*h) - 1, 0);
	if (r)
		return r;
	if (h->len > XENSTORE_PAYLOAD_MAX || !(p = malloc(h->len + 1)))
		return -XEN_EIO; /* cannot resynchronise */
	if ((r = take(p, h->len, 0))) {
		free(p);
		return r;
	}
	p[h->len] = '\0';
	*payload = p;
	if (h->type == XS_WATCH_EVENT) {
		queue_event(p, h->len);
		free(p);
		*payload = NULL;
	}
	return 0;
}

/* The daemon's error name ("EACCES") as a negative Xen errno. */
static int xs_error(const char *name)
{
	static const struct {
		const char *name;
		int value;
	} table[] = {
#define XEN_ERRNO(n, v) {#n, v},
#include <xen/errno.h>
	};

	for (unsigned int i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (!strcmp(table[i].name, name))
			return -table[i].value;
	return -XEN_EIO;
}

static int send_req(uint32_t type, xenbus_transaction_t t, const struct xb_iov *iov,
		    unsigned int n)
{
	struct xsd_sockmsg h = {.type = type, .req_id = ++xb.req_id, .tx_id = t};
	int r;

	for (unsigned int i = 0; i < n; i++)
		h.len += iov[i].len;
	if (h.len > XENSTORE_PAYLOAD_MAX)
		return -XEN_E2BIG;
	r = put((const char *)&h, sizeof(h));
	for (unsigned int i = 0; !r && i < n; i++)
		r = put(iov[i].base, iov[i].len);
	return r;
}

int xb_request(uint32_t type, xenbus_transaction_t t, const struct xb_iov *iov, unsigned int n,
	       char **reply, unsigned int *len)
{
	struct xsd_sockmsg h;
	char *p = NULL;
	int r;

	if (!xb.intf)
		return -XEN_ENODEV;
	if (ring_broken())
		return -XEN_EIO;
	if ((r = send_req(type, t, iov, n)))
		return r;
	do {
		if ((r = read_msg(&h, &p, 0)))
			return r;
		if (p && h.req_id != xb.req_id) { /* one outstanding: a stray reply */
			printk("xenbus: dropped a reply to request %u\n", h.req_id);
			free(p);
			p = NULL;
		}
	} while (!p);
	if (h.type == XS_ERROR) {
		r = xs_error(p);
		free(p);
		return r;
	}
	if (h.type != type) {
		free(p);
		return -XEN_EIO;
	}
	if (len)
		*len = h.len;
	if (reply)
		*reply = p;
	else
		free(p);
	return 0;
}

int xb_request_str(uint32_t type, xenbus_transaction_t t, const char *arg, char **reply,
		   unsigned int *len)
{
	struct xb_iov iov = {arg, (unsigned int)strlen(arg) + 1};

	return xb_request(type, t, &iov, 1, reply, len);
}

/* Unlink and return the oldest queued event for token (NULL: any). */
static struct xenbus_event *dequeue(const char *token)
{
	for (struct xenbus_event **pp = &xb.events; *pp; pp = &(*pp)->next) {
		struct xenbus_event *ev = *pp;

		if (token && strcmp(ev->token, token))
			continue;
		*pp = ev->next;
		if (xb.tail == &ev->next)
			xb.tail = pp;
		ev->next = NULL;
		return ev;
	}
	return NULL;
}

void xb_drop_events(const char *token)
{
	struct xenbus_event *ev;

	while ((ev = dequeue(token)))
		free(ev);
}

int xenbus_event_pending(const char *token)
{
	for (const struct xenbus_event *ev = xb.events; ev; ev = ev->next)
		if (!token || !strcmp(ev->token, token))
			return 1;
	return xb.intf && rsp_data(NULL);
}

int xenbus_take_event(const char *token, struct xenbus_event **ev)
{
	/* A deadline long past: what the daemon already sent is read, no more. */
	int r = xenbus_wait_event(token, ev, 1);

	return r == -XEN_ETIME ? -XEN_EAGAIN : r;
}

int xenbus_wait_event(const char *token, struct xenbus_event **ev, uint64_t deadline)
{
	struct xsd_sockmsg h;
	char *p = NULL;
	int r;

	if (!xb.intf)
		return -XEN_ENODEV;
	while (!(*ev = dequeue(token))) {
		if (ring_broken())
			return -XEN_EIO;
		if ((r = read_msg(&h, &p, deadline)))
			return r;
		if (p) { /* no request is outstanding between calls */
			printk("xenbus: dropped an unexpected reply\n");
			free(p);
		}
	}
	return 0;
}
