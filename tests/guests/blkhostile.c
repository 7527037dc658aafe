/*
 * blkhostile - a hostile block frontend: it connects to its one vbd with
 * its own ring (not blkfront, which never sends a bad request) and sends
 * what a broken or malicious guest might: grant refs that are no grant,
 * a grant to another domain, a read-only grant to read into, sectors past
 * the end and wrapping, too many or no segments, inverted or oversized
 * segments, unknown and unoffered ops, indirect requests with a bad
 * indirect page, too many or no segments, a bad segment inside, a bad
 * indirect_op.  Each must be answered with BLKIF_RSP_ERROR
 * (BLKIF_RSP_EOPNOTSUPP for an op not offered, as Linux's blkback), and a
 * good read must work after them all.  Then a req_prod far past the ring:
 * the backend must disconnect (Closing) and take nothing; so must it for
 * a ring published with such a req_prod, as it connects, and for a
 * ring-page-order or a queue count above what it offers, a queue count
 * that is no number, and two queues whose queue-<i>/ nodes are missing.  The device is
 * connected again and works.  Last, a request sent after we said Closing
 * must get no answer.
 *   cmdline: timeout_s= (60) each wait for the backend; quiet_ms= (2000)
 *            how long silence proves no answer
 */
#include <ketch-guest/kit.h>
#include <ketch-guest/gnttab.h>
#include <ketch-guest/xenbus.h>
#include <xen/io/protocols.h>

#include "../../pv-drivers/common/blkif_ring.h"
#include "../../pv-drivers/front/front_xenbus.h"
#include "verdict.h"

#define NO_ANSWER 1000 /* send()'s result when the backend kept silent */

static struct front_dev xb;
static blkif_front_ring_t ring;
static grant_ref_t ring_ref;
static evtchn_port_t port;
static uint64_t sectors, quiet_ns;
static uint64_t next_id = 1;
static const char *extra_key, *extra_val; /* one more key to publish */

static void on_event(evtchn_port_t p, void *arg)
{
	(void)p;
	(void)arg;
}

static int publish(xenbus_transaction_t t, void *arg)
{
	static const char *const optional[2] = { "ring-page-order", "multi-queue-num-queues" };
	char p[96];
	int r;

	(void)arg;
	if ((r = front_write_uint(&xb, t, "ring-ref", ring_ref)) ||
	    (r = front_write_uint(&xb, t, "event-channel", port)))
		return r;
	snprintf(p, sizeof(p), "%s/protocol", xb.fe);
	if ((r = xenbus_write(t, p, XEN_IO_PROTO_ABI_NATIVE)))
		return r;
	for (unsigned int i = 0; i < 2; i++) { /* what an earlier connection asked */
		snprintf(p, sizeof(p), "%s/%s", xb.fe, optional[i]);
		if ((r = xenbus_rm(t, p)) && r != -XEN_ENOENT)
			return r;
	}
	snprintf(p, sizeof(p), "%s/%s", xb.fe, extra_key ? extra_key : "");
	if (extra_key && (r = xenbus_write(t, p, extra_val)))
		return r;
	return front_switch_state(&xb, t, XenbusStateInitialised);
}

/* A fresh ring page and port, published (req_prod set to prod first). */
static int share_ring(RING_IDX prod)
{
	blkif_sring_t *s = alloc_page();
	int ref, r;

	if (!s)
		return -XEN_ENOMEM;
	memset(s, 0, 4096);
	SHARED_RING_INIT(s);
	FRONT_RING_INIT(&ring, s, 4096);
	s->req_prod = prod;
	if ((ref = gnttab_grant_access(xb.be_id, virt_to_pfn(s), 0)) < 0)
		return ref;
	ring_ref = (grant_ref_t)ref;
	if ((r = evtchn_alloc_unbound(xb.be_id, on_event, NULL, &port)) ||
	    (r = front_wait_backend(&xb, XenbusStateInitWait)))
		return r;
	return xenbus_transaction_retry(publish, NULL, 10);
}

/* Share a ring, wait for Connected, read the disk's size. */
static int connect(void)
{
	char p[160];
	long v = 0;
	int r;

	if ((r = share_ring(0)) || (r = front_wait_backend(&xb, XenbusStateConnected)))
		return r;
	snprintf(p, sizeof(p), "%s/sectors", xb.be);
	if ((r = xenbus_read_integer(XBT_NIL, p, &v)))
		return r;
	sectors = (uint64_t)v;
	return front_switch_state(&xb, XBT_NIL, XenbusStateConnected);
}

static int has_responses(void *arg)
{
	(void)arg;
	return blkif_front_final_check(&ring);
}

/* Queue q, kick, and wait (up to wait_ns) for its response: its status,
 * NO_ANSWER, or -XEN_EBADMSG for a response to something else. */
static int send_wait(blkif_request_t q, uint64_t wait_ns)
{
	blkif_response_t rsp;
	uint64_t deadline = now_ns() + wait_ns;

	q.id = next_id++;
	*RING_GET_REQUEST(&ring, ring.req_prod_pvt) = q;
	ring.req_prod_pvt++;
	if (blkif_front_push(&ring))
		evtchn_send(port);
	while (blkif_front_next(&ring, &rsp) != 1) {
		if (now_ns() >= deadline)
			return NO_ANSWER;
		events_block_until(has_responses, NULL, deadline);
	}
	return rsp.id == q.id && rsp.operation == blkif_rsp_op(&q) ? rsp.status : -XEN_EBADMSG;
}

static int send(blkif_request_t q)
{
	return send_wait(q, xb.timeout_ns);
}

/* A read or write of one segment (gref, first..last) at sector. */
static blkif_request_t rw(uint8_t op, uint64_t sector, grant_ref_t gref, uint8_t first,
			  uint8_t last)
{
	blkif_request_t q = { .operation = op, .nr_segments = 1, .sector_number = sector };

	q.seg[0] = (struct blkif_request_segment){ .gref = gref, .first_sect = first,
						   .last_sect = last };
	return q;
}

static void expect(const char *name, blkif_request_t q, int want)
{
	verdict_rc(name, send(q), want);
}

/* Grants: none, another domain's, read-only for a read. */
static void bad_grants(grant_ref_t own)
{
	unsigned long pfn = virt_to_pfn(alloc_page());
	int other = gnttab_grant_access(xb.be_id + 7, pfn, 0); /* not the backend's */
	int ro = gnttab_grant_access(xb.be_id, pfn, 1);
	int ended = gnttab_grant_access(xb.be_id, pfn, 0);

	gnttab_end_access((grant_ref_t)ended);
	expect("grant ref past the table: BLKIF_RSP_ERROR",
	       rw(BLKIF_OP_READ, 0, 0xffffffu, 0, 7), BLKIF_RSP_ERROR);
	expect("grant ref 0xffffffff: BLKIF_RSP_ERROR",
	       rw(BLKIF_OP_READ, 0, 0xffffffffu, 0, 7), BLKIF_RSP_ERROR);
	expect("grant ref ended: BLKIF_RSP_ERROR",
	       rw(BLKIF_OP_READ, 0, (grant_ref_t)ended, 0, 7), BLKIF_RSP_ERROR);
	expect("grant to another domain: BLKIF_RSP_ERROR",
	       rw(BLKIF_OP_READ, 0, (grant_ref_t)other, 0, 7), BLKIF_RSP_ERROR);
	expect("read into a read-only grant: BLKIF_RSP_ERROR",
	       rw(BLKIF_OP_READ, 0, (grant_ref_t)ro, 0, 7), BLKIF_RSP_ERROR);
	expect("write from a read-only grant works", rw(BLKIF_OP_WRITE, 100, (grant_ref_t)ro, 0, 7),
	       BLKIF_RSP_OKAY);
	{
		blkif_request_t q = rw(BLKIF_OP_READ, 0, own, 0, 7);

		q.nr_segments = 2; /* the second segment's grant is another domain's */
		q.seg[1] = (struct blkif_request_segment){ .gref = (grant_ref_t)other,
							   .last_sect = 7 };
		expect("second segment's grant another domain's: BLKIF_RSP_ERROR", q,
		       BLKIF_RSP_ERROR);
	}
}

/* Sectors past the end, or wrapping. */
static void bad_sectors(grant_ref_t own)
{
	blkif_request_discard_t d = { .operation = BLKIF_OP_DISCARD, .sector_number = sectors - 4,
				      .nr_sectors = 8 };
	blkif_request_t q = { 0 };

	expect("read at the last sector works", rw(BLKIF_OP_READ, sectors - 1, own, 0, 0),
	       BLKIF_RSP_OKAY);
	expect("read at the size: BLKIF_RSP_ERROR", rw(BLKIF_OP_READ, sectors, own, 0, 0),
	       BLKIF_RSP_ERROR);
	expect("write across the end: BLKIF_RSP_ERROR",
	       rw(BLKIF_OP_WRITE, sectors - 1, own, 0, 1), BLKIF_RSP_ERROR);
	expect("sector that wraps: BLKIF_RSP_ERROR",
	       rw(BLKIF_OP_READ, ~0ULL - 3, own, 0, 7), BLKIF_RSP_ERROR);
	memcpy(&q, &d, sizeof(d));
	expect("discard across the end: BLKIF_RSP_ERROR", q, BLKIF_RSP_ERROR);
}

/* Segment counts and bounds. */
static void bad_segments(grant_ref_t own)
{
	blkif_request_t q = rw(BLKIF_OP_READ, 0, own, 0, 7);

	q.nr_segments = BLKIF_MAX_SEGMENTS_PER_REQUEST + 1;
	expect("12 segments: BLKIF_RSP_ERROR", q, BLKIF_RSP_ERROR);
	q.nr_segments = 255;
	expect("255 segments: BLKIF_RSP_ERROR", q, BLKIF_RSP_ERROR);
	q.nr_segments = 0;
	expect("no segment: BLKIF_RSP_ERROR", q, BLKIF_RSP_ERROR);
	expect("first_sect > last_sect: BLKIF_RSP_ERROR", rw(BLKIF_OP_READ, 0, own, 5, 4),
	       BLKIF_RSP_ERROR);
	expect("last_sect 8 (past the page): BLKIF_RSP_ERROR", rw(BLKIF_OP_READ, 0, own, 0, 8),
	       BLKIF_RSP_ERROR);
	expect("first_sect 255: BLKIF_RSP_ERROR", rw(BLKIF_OP_WRITE, 0, own, 255, 255),
	       BLKIF_RSP_ERROR);
	q = rw(BLKIF_OP_FLUSH_DISKCACHE, 0, own, 0, 7);
	expect("flush with a segment: BLKIF_RSP_ERROR", q, BLKIF_RSP_ERROR);
}

static void bad_ops(grant_ref_t own)
{
	expect("unknown op 200: BLKIF_RSP_EOPNOTSUPP", rw(200, 0, own, 0, 7),
	       BLKIF_RSP_EOPNOTSUPP);
	expect("write barrier (not offered): BLKIF_RSP_EOPNOTSUPP",
	       rw(BLKIF_OP_WRITE_BARRIER, 0, own, 0, 7), BLKIF_RSP_EOPNOTSUPP);
}

/* An indirect request of nseg segments (op iop) whose one indirect page
 * holds seg[]. */
static blkif_request_t ind_req(uint8_t iop, uint16_t nseg, uint64_t sector, grant_ref_t page)
{
	blkif_request_t q;

	blkif_indirect_init(&q, iop, nseg, 0, sector, &page);
	return q;
}

/* Indirect requests (feature-max-indirect-segments): one good, then bad
 * pages, counts, segments and ops. */
static void bad_indirect(grant_ref_t own)
{
	struct blkif_request_segment *seg = alloc_page();
	unsigned long pfn = virt_to_pfn(alloc_page());
	int other = gnttab_grant_access(xb.be_id + 7, pfn, 0);
	int iref = gnttab_grant_access(xb.be_id, virt_to_pfn(seg), 1);
	grant_ref_t page = (grant_ref_t)iref;

	for (unsigned int i = 0; i < 512; i++)
		seg[i] = (struct blkif_request_segment){ .gref = own, .last_sect = 7 };
	expect("indirect read of 16 segments works", ind_req(BLKIF_OP_READ, 16, 0, page),
	       BLKIF_RSP_OKAY);
	expect("indirect with 257 segments: BLKIF_RSP_ERROR", ind_req(BLKIF_OP_READ, 257, 0, page),
	       BLKIF_RSP_ERROR);
	expect("indirect with no segment: BLKIF_RSP_ERROR", ind_req(BLKIF_OP_READ, 0, 0, page),
	       BLKIF_RSP_ERROR);
	expect("indirect flush: BLKIF_RSP_ERROR", ind_req(BLKIF_OP_FLUSH_DISKCACHE, 16, 0, page),
	       BLKIF_RSP_ERROR);
	expect("indirect page ref 0xffffffff: BLKIF_RSP_ERROR",
	       ind_req(BLKIF_OP_READ, 16, 0, 0xffffffffu), BLKIF_RSP_ERROR);
	expect("indirect page granted to another domain: BLKIF_RSP_ERROR",
	       ind_req(BLKIF_OP_READ, 16, 0, (grant_ref_t)other), BLKIF_RSP_ERROR);
	expect("indirect past the end: BLKIF_RSP_ERROR",
	       ind_req(BLKIF_OP_READ, 16, sectors - 64, page), BLKIF_RSP_ERROR);
	seg[9].gref = (grant_ref_t)other;
	expect("indirect segment's grant another domain's: BLKIF_RSP_ERROR",
	       ind_req(BLKIF_OP_READ, 16, 0, page), BLKIF_RSP_ERROR);
	seg[9] = (struct blkif_request_segment){ .gref = own, .first_sect = 0, .last_sect = 8 };
	expect("indirect segment last_sect 8: BLKIF_RSP_ERROR",
	       ind_req(BLKIF_OP_READ, 16, 0, page), BLKIF_RSP_ERROR);
}

static int backend_is(XenbusState want, uint64_t wait_ns)
{
	char p[160];

	snprintf(p, sizeof(p), "%s/state", xb.be);
	return xenbus_wait_for_state(p, want, NULL, now_ns() + wait_ns) == 0;
}

/* The same from a state the wait above calls final (Closed): polled. */
static int backend_polled(XenbusState want, uint64_t wait_ns)
{
	uint64_t deadline = now_ns() + wait_ns;
	XenbusState st = XenbusStateUnknown;
	char p[160];

	snprintf(p, sizeof(p), "%s/state", xb.be);
	while ((xenbus_read_state(p, &st) || st != want) && now_ns() < deadline)
		sleep_ns(10 * 1000000ULL);
	return st == want;
}

/* req_prod far past the ring: the backend must disconnect, answer nothing. */
static void runaway_index(grant_ref_t own)
{
	RING_IDX rsp = ring.sring->rsp_prod;

	*RING_GET_REQUEST(&ring, ring.req_prod_pvt) = rw(BLKIF_OP_READ, 0, own, 0, 7);
	__atomic_store_n(&ring.sring->req_prod, ring.rsp_cons + 1000, __ATOMIC_RELEASE);
	evtchn_send(port);
	verdict_check(backend_is(XenbusStateClosing, xb.timeout_ns),
		      "req_prod 1000 past the responses: backend disconnects (Closing)",
		      "backend state not Closing");
	verdict_rc("and answered nothing", (long)(ring.sring->rsp_prod - rsp), 0);
}

/* The way back after a disconnect: Closed, the old ring given back,
 * Initialising (as a frontend whose backend restarted). */
static void leave(void)
{
	evtchn_close(port);
	verdict_rc("frontend Closing, Closed", front_leave(&xb), 0);
	verdict_check(backend_is(XenbusStateClosed, xb.timeout_ns), "backend follows to Closed",
		      "backend state not Closed");
	verdict_rc("old ring page released by the backend", gnttab_end_access(ring_ref), 0);
	verdict_rc("frontend Initialising", front_switch_state(&xb, XBT_NIL,
							       XenbusStateInitialising), 0);
	/* As xenbus says: publish a new ring only once the backend is back
	 * in InitWait (before, it may still be Closed and refuse us). */
	verdict_check(backend_polled(XenbusStateInitWait, xb.timeout_ns),
		      "backend back in InitWait", "backend state not InitWait");
}

/* A ring whose req_prod is impossible before the backend ever looks: it
 * must disconnect as it connects, with no kick. */
static void runaway_at_connect(void)
{
	verdict_rc("ring shared with req_prod 1000", share_ring(1000), 0);
	verdict_check(backend_is(XenbusStateClosing, xb.timeout_ns),
		      "req_prod impossible at connection: backend disconnects (Closing)",
		      "backend state not Closing");
	verdict_rc("and answered nothing", (long)ring.sring->rsp_prod, 0);
}

/* A ring published with key=val, beyond what the backend offers: it must
 * refuse to connect (Closing), as Linux's blkback. */
static void refused_key(const char *key, const char *val, const char *name)
{
	extra_key = key;
	extra_val = val;
	verdict_rc("ring shared", share_ring(0), 0);
	verdict_check(backend_is(XenbusStateClosing, xb.timeout_ns), name,
		      "backend state not Closing");
	extra_key = NULL;
}

/* We say Closing; a request after that must go unanswered. */
static void after_closing(grant_ref_t own)
{
	verdict_rc("frontend Closing", front_switch_state(&xb, XBT_NIL, XenbusStateClosing), 0);
	verdict_check(backend_is(XenbusStateClosing, xb.timeout_ns), "backend follows to Closing",
		      "backend state not Closing");
	verdict_rc("read after Closing: no answer", send_wait(rw(BLKIF_OP_READ, 0, own, 0, 7),
							     quiet_ns), NO_ANSWER);
	verdict_rc("frontend Closed", front_switch_state(&xb, XBT_NIL, XenbusStateClosed), 0);
	verdict_check(backend_is(XenbusStateClosed, xb.timeout_ns), "backend Closed",
		      "backend state not Closed");
}

int main(const start_info_t *si)
{
	unsigned int ids[4], n = 0;
	void *buf;
	int own;

	xb.timeout_ns = start_info_arg_ul("timeout_s", 60) * NSEC_PER_SEC;
	quiet_ns = start_info_arg_ul("quiet_ms", 2000) * 1000000ULL;
	verdict_rc("xenbus", init_xenbus(si), 0);
	verdict_rc("grant table", gnttab_init(1), 0);
	verdict_rc("device/vbd listed", front_discover("vbd", ids, 4, &n), 0);
	if (verdict_failures || n != 1 || front_find_backend(&xb, "vbd", ids[0]))
		return verdict_done("blkhostile");
	verdict_rc("connect", connect(), 0);
	buf = alloc_page();
	own = gnttab_grant_access(xb.be_id, virt_to_pfn(buf), 0);
	if (verdict_failures || own < 0)
		return verdict_done("blkhostile");
	printk("blkhostile: vbd %u, %lu sectors\n", ids[0], (unsigned long)sectors);
	expect("a good read works", rw(BLKIF_OP_READ, 0, (grant_ref_t)own, 0, 7), BLKIF_RSP_OKAY);
	bad_grants((grant_ref_t)own);
	bad_sectors((grant_ref_t)own);
	bad_segments((grant_ref_t)own);
	bad_ops((grant_ref_t)own);
	bad_indirect((grant_ref_t)own);
	expect("a good read still works after them all",
	       rw(BLKIF_OP_READ, 8, (grant_ref_t)own, 0, 7), BLKIF_RSP_OKAY);
	runaway_index((grant_ref_t)own);
	leave();
	runaway_at_connect();
	leave();
	refused_key("ring-page-order", "5", "ring-page-order 5: backend refuses (Closing)");
	leave();
	refused_key("multi-queue-num-queues", "5", "5 queues: backend refuses (Closing)");
	leave();
	refused_key("multi-queue-num-queues", "0", "0 queues: backend refuses (Closing)");
	leave();
	refused_key("multi-queue-num-queues", "x", "queue count not a number: backend refuses (Closing)");
	leave();
	/* 2 queues (within the offer) but the one ring published flat, as for
	 * one queue: queue-0/ and queue-1/ are missing. */
	refused_key("multi-queue-num-queues", "2",
		    "2 queues without queue-<i>/ nodes: backend refuses (Closing)");
	leave();
	verdict_rc("connected again", connect(), 0);
	expect("a good read works on the new ring", rw(BLKIF_OP_READ, 0, (grant_ref_t)own, 0, 7),
	       BLKIF_RSP_OKAY);
	after_closing((grant_ref_t)own);
	return verdict_done("blkhostile");
}
