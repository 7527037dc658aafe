/*
 * diskcheck - a disk checker on blkfront (pv-drivers/front): finds the one
 * vbd under device/vbd, connects, reads the marker the host wrote at
 * sector 7, writes a checksummed pattern over count sectors from base,
 * flushes, reads it back and verifies every sector, then (if the backend
 * offers discard) discards a written range and expects zeros.
 *   cmdline: base= (64) count= (2048) seed= (1) timeout_s= (60)
 *            verify=1  only read back and verify a pattern written before
 *            ro=1      expect a read-only disk: writes, flush, discard refused
 *            gap_ms=N  pause N ms between write calls: a burst long enough for
 *                      a test to kill the backend in the middle of it
 *            wait_detach=1  before closing, wait for the backend to go Closing
 *                      (the toolstack detaching the disk, as xl block-detach)
 *            chunk=N   sectors per read or write call (256; at most 1024)
 *            order= queues= indirect= persistent=  the features asked for
 *                      (blkfront_default_opts when not given; 0 turns one off)
 *            suspend=1 write the first half, flush, then wait for the toolstack's
 *                      control/shutdown = suspend and suspend (Xen's protocol);
 *                      resumed in a new domain, blkfront_resume; then the
 *                      second half, and the whole range read back
 *            reread=1  with suspend=1: while waiting for the request, read the
 *                      first chunk of the pattern again and again (blkback
 *                      writing guest memory, as during a migration's live
 *                      rounds); resumed, what the last read left must verify
 *            aio=N     write, flush and read back through the asynchronous
 *                      calls instead, up to N (at most 64) requests of chunk
 *                      sectors in flight, and check what they refuse
 *            pin=1     with aio=: the writes placed by the caller, the k-th on
 *                      queue k mod queues (blkfront_submit_queue), so every
 *                      queue writes a stripe of the pattern
 *            ticks=1   with suspend=1: "diskcheck: tick N" every 100 ms while
 *                      it waits, and five more after the resume before the
 *                      second half: a guest that counts on its console and
 *                      writes its disk across a migration
 * Sector s holds "ketch-blk sector %08lu seed %lu\n", then bytes
 * (s*7 + i*13 + seed) & 0xff, then a 64-bit FNV-1a of the first 504 bytes.
 */
#include <ketch-guest/kit.h>
#include <ketch-guest/gnttab.h>
#include <ketch-guest/suspend.h>
#include <ketch-guest/xenbus.h>

#include <xen/io/blkif.h>

#include "../../pv-drivers/front/blkfront.h"
#include "verdict.h"

#define SECT 512
#define CHUNK 256      /* the discard check's range */
#define CHUNK_MAX 1024 /* sectors per call at most (chunk=) */
#define DISCARD_AT 4096
#define AIO_MAX 64     /* aio= at most */
#define HOST_MARK "KETCH-HOST-MARK"

static unsigned long seed, gap_ms;
static unsigned long chunk = CHUNK; /* sectors per read or write call */

static uint64_t fnv1a(const unsigned char *p, unsigned int n)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (unsigned int i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return h;
}

static void fill(unsigned char *p, unsigned long s)
{
	int h = snprintf((char *)p, SECT, "ketch-blk sector %08lu seed %lu\n", s, seed);
	uint64_t sum;

	for (int i = h; i < SECT - 8; i++)
		p[i] = (unsigned char)((s * 7 + (unsigned long)i * 13 + seed) & 0xff);
	sum = fnv1a(p, SECT - 8);
	memcpy(p + SECT - 8, &sum, 8);
}

static int sector_ok(const unsigned char *p, unsigned long s)
{
	unsigned char want[SECT];

	fill(want, s);
	return !memcmp(p, want, SECT);
}

/* Pattern over [base, base+count) in calls of chunk sectors; returns the
 * first error. */
static int write_pattern(struct blkfront *d, unsigned char *buf, unsigned long base,
			 unsigned long count)
{
	for (unsigned long s = base; s < base + count; s += chunk) {
		unsigned int n = base + count - s < chunk ? (unsigned int)(base + count - s) :
							    (unsigned int)chunk;
		int r;

		for (unsigned int i = 0; i < n; i++)
			fill(buf + i * SECT, s + i);
		if ((r = blkfront_write(d, s, buf, n)))
			return r;
		if (gap_ms)
			sleep_ns(gap_ms * 1000000ULL);
	}
	return 0;
}

/* Read back and count bad sectors into *bad; returns the first error. */
static int verify_pattern(struct blkfront *d, unsigned char *buf, unsigned long base,
			  unsigned long count, unsigned long *bad)
{
	*bad = 0;
	for (unsigned long s = base; s < base + count; s += chunk) {
		unsigned int n = base + count - s < chunk ? (unsigned int)(base + count - s) :
							    (unsigned int)chunk;
		int r;

		memset(buf, 0xee, (size_t)n * SECT);
		if ((r = blkfront_read(d, s, buf, n)))
			return r;
		for (unsigned int i = 0; i < n; i++)
			*bad += !sector_ok(buf + i * SECT, s + i);
	}
	return 0;
}

static int all_zero(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

static void check_discard(struct blkfront *d, unsigned char *buf)
{
	unsigned long bad;

	if (!blkfront_get_info(d)->discard) {
		verdict_check(0, "backend offers discard", "feature-discard missing");
		return;
	}
	verdict_rc("write before discard", write_pattern(d, buf, DISCARD_AT, CHUNK), 0);
	verdict_rc("flush before discard", blkfront_flush(d), 0);
	verdict_rc("discard", blkfront_discard(d, DISCARD_AT, CHUNK), 0);
	verdict_rc("read after discard", blkfront_read(d, DISCARD_AT, buf, CHUNK), 0);
	verdict_check(all_zero(buf, CHUNK * SECT), "discarded range reads zero", "data left");
	verify_pattern(d, buf, DISCARD_AT - CHUNK, CHUNK, &bad);
	verdict_check(bad == CHUNK, "sectors before the discard untouched (never written)",
		      "unexpected content");
}

static void check_readonly(struct blkfront *d, unsigned char *buf)
{
	verdict_check(blkfront_get_info(d)->info & VDISK_READONLY, "info says read-only",
		      "VDISK_READONLY not set");
	fill(buf, 10);
	verdict_rc("write refused: BLKIF_RSP_ERROR", blkfront_write(d, 10, buf, 1), -XEN_EIO);
	verdict_rc("flush refused: BLKIF_RSP_ERROR", blkfront_flush(d), -XEN_EIO);
	verdict_check(!blkfront_get_info(d)->discard, "no discard offered", "feature-discard");
}

static void check_host_mark(struct blkfront *d, unsigned char *buf)
{
	verdict_rc("read sector 7", blkfront_read(d, 7, buf, 1), 0);
	verdict_check(!memcmp(buf, HOST_MARK, sizeof(HOST_MARK) - 1), "host's marker read",
		      (char *)buf);
}

/* ---- the asynchronous calls ---------------------------------------------- */

struct aio_run {
	struct blkfront *d;
	struct blkfront_aio io[AIO_MAX];
	unsigned int free[AIO_MAX], nfree, inflight, deepest;
	unsigned char *bufs;
	unsigned int per; /* sectors per aio: a multiple of 8, so buffers stay page-aligned */
	unsigned long bad;
	int pin;                  /* writes on the caller's queue (pin=1) */
	unsigned long nwrites;    /* writes submitted so far */
	unsigned long by_queue[4]; /* pinned writes submitted to each queue */
};

/* Submit io: a pinned write on queue k mod queues for the k-th write. */
static int aio_submit(struct aio_run *a, struct blkfront_aio *io)
{
	unsigned int nq = blkfront_get_info(a->d)->queues, q;
	int r;

	if (!a->pin || io->op != BLKFRONT_WRITE)
		return blkfront_submit(a->d, io);
	q = (unsigned int)(a->nwrites % nq);
	if (!(r = blkfront_submit_queue(a->d, io, (int)q))) {
		a->nwrites++;
		a->by_queue[q % 4]++;
	}
	return r;
}

/* Reap at least one aio; a read's sectors are verified.  0 or the first
 * error. */
static int aio_reap(struct aio_run *a)
{
	struct blkfront_aio *done[AIO_MAX];
	int n = blkfront_reap(a->d, done, AIO_MAX, 1), r = 0;

	if (n <= 0)
		return n ? n : -XEN_EIO; /* nothing came back though one was in flight */
	for (int j = 0; j < n; j++) {
		struct blkfront_aio *io = done[j];

		if (io->status && !r)
			r = io->status;
		if (!io->status && io->op == BLKFRONT_READ)
			for (unsigned int i = 0; i < io->nsect; i++)
				a->bad += !sector_ok((unsigned char *)io->buf + i * SECT, io->sector + i);
		a->free[a->nfree++] = (unsigned int)(io - a->io);
		a->inflight--;
	}
	return r;
}

/* The pattern written or read over [base, base+count), up to depth aios
 * in flight; -XEN_EAGAIN from submit only means "reap first". */
static int aio_pass(struct aio_run *a, enum blkfront_op op, unsigned long base,
		    unsigned long count, unsigned int depth)
{
	unsigned long s = base, end = base + count;
	int r;

	while (s < end || a->inflight) {
		while (s < end && a->inflight < depth) {
			unsigned int n = end - s < a->per ? (unsigned int)(end - s) : a->per;
			unsigned int i = a->free[--a->nfree];
			struct blkfront_aio *io = &a->io[i];

			*io = (struct blkfront_aio){ .op = op, .sector = s, .nsect = n,
						     .buf = a->bufs + (size_t)i * a->per * SECT };
			for (unsigned int k = 0; op == BLKFRONT_WRITE && k < n; k++)
				fill((unsigned char *)io->buf + k * SECT, s + k);
			if (op == BLKFRONT_READ)
				memset(io->buf, 0xee, (size_t)n * SECT);
			if ((r = aio_submit(a, io))) {
				a->nfree++;
				if (r != -XEN_EAGAIN || !a->inflight)
					return r;
				break;
			}
			s += n;
			if (++a->inflight > a->deepest)
				a->deepest = a->inflight;
		}
		if ((r = aio_reap(a)))
			return r;
	}
	return 0;
}

/* One aio of op, submitted and reaped alone: its status. */
static int aio_one(struct aio_run *a, enum blkfront_op op, uint64_t sector, unsigned int nsect)
{
	struct blkfront_aio io = { .op = op, .sector = sector, .nsect = nsect, .buf = a->bufs };
	struct blkfront_aio *done[1];
	int r = blkfront_submit(a->d, &io), n;

	if (r)
		return r;
	n = blkfront_reap(a->d, done, 1, 1);
	return n < 0 ? n : n != 1 || done[0] != &io ? -XEN_EIO : io.status;
}

/* What the asynchronous calls refuse, and that the synchronous ones wait
 * while an aio is in flight. */
static void aio_refusals(struct aio_run *a)
{
	struct blkfront_aio io = { .op = BLKFRONT_READ, .nsect = 1, .buf = a->bufs };
	struct blkfront_aio *done[1];
	uint64_t sectors = blkfront_get_info(a->d)->sectors;

	verdict_rc("aio: a range past the end refused", aio_one(a, BLKFRONT_READ, sectors - 1, 2),
		   -XEN_EINVAL);
	verdict_rc("aio: more sectors than one request refused",
		   aio_one(a, BLKFRONT_READ, 0, blkfront_aio_max_sectors(a->d) + 8), -XEN_EINVAL);
	io.sector = 7;
	verdict_rc("aio: a queue past the device's refused",
		   blkfront_submit_queue(a->d, &io, (int)blkfront_get_info(a->d)->queues),
		   -XEN_EINVAL);
	io.sector = 7;
	verdict_rc("aio: read submitted", blkfront_submit(a->d, &io), 0);
	verdict_rc("aio: a synchronous read waits its turn (EBUSY)",
		   blkfront_read(a->d, 7, a->bufs + 4096, 1), -XEN_EBUSY);
	verdict_rc("aio: close refused while one is unreaped", blkfront_close(a->d), -XEN_EBUSY);
	verdict_rc("aio: reaped", blkfront_reap(a->d, done, 1, 1), 1);
	verdict_check(io.status == 0 && !memcmp(a->bufs, HOST_MARK, sizeof(HOST_MARK) - 1),
		      "aio: it read the host's marker", "wrong status or data");
}

static void run_aio(struct blkfront *d, unsigned long base, unsigned long count,
		    unsigned int depth)
{
	static struct aio_run a;
	char detail[64];

	a.d = d;
	a.pin = start_info_arg_ul("pin", 0) != 0;
	a.per = (unsigned int)(chunk < blkfront_aio_max_sectors(d) ? chunk :
						       blkfront_aio_max_sectors(d)) & ~7u;
	a.per = a.per ? a.per : 8;
	a.bufs = alloc_pages((size_t)depth * a.per * SECT / 4096);
	for (a.nfree = 0; a.nfree < depth; a.nfree++)
		a.free[a.nfree] = a.nfree;
	verdict_check(a.bufs != NULL, "aio: buffers", "out of memory");
	if (!a.bufs)
		return;
	aio_refusals(&a);
	printk("diskcheck: aio: %lu sectors from %lu, %u sectors each, up to %u in flight\n",
	       count, base, a.per, depth);
	verdict_rc("aio: write pattern", aio_pass(&a, BLKFRONT_WRITE, base, count, depth), 0);
	verdict_rc("aio: flush", aio_one(&a, BLKFRONT_FLUSH, 0, 0), 0);
	verdict_rc("aio: read pattern back", aio_pass(&a, BLKFRONT_READ, base, count, depth), 0);
	snprintf(detail, sizeof(detail), "%lu bad sectors", a.bad);
	verdict_check(!a.bad, "aio: every sector verifies", detail);
	printk("diskcheck: aio: deepest queue %u\n", a.deepest);
	if (a.pin)
		printk("diskcheck: aio: pinned writes by queue %lu, %lu, %lu, %lu\n", a.by_queue[0],
		       a.by_queue[1], a.by_queue[2], a.by_queue[3]);
}

/* ---- across a suspend ---------------------------------------------------- */

static unsigned long tick_n; /* ticks=1's last line; in guest memory, so it moves with it */
static uint64_t tick_at;

static void tick(void)
{
	if (!start_info_arg_ul("ticks", 0) || now_ns() < tick_at)
		return;
	tick_at = now_ns() + 100 * 1000000ULL;
	printk("diskcheck: tick %lu\n", ++tick_n);
}

/* The toolstack's control/shutdown = suspend, waited for (bounded):
 * 0 once it came. */
static int wait_suspend_request(uint64_t timeout, struct blkfront *d, unsigned char *held,
				unsigned long base, unsigned long n, unsigned long *reads)
{
	uint64_t end = now_ns() + timeout;

	while (now_ns() < end) {
		char *v = shutdown_request_take();
		int got = v && !strcmp(v, "suspend");

		free(v);
		if (got)
			return 0;
		tick();
		if (held) {
			memset(held, 0xee, n * SECT);
			*reads += blkfront_read(d, base, held, n) == 0;
		} else {
			sleep_ns(50 * 1000000ULL);
		}
	}
	return -XEN_ETIME;
}

/* What the last read before the suspend left in held, checked after it. */
static void check_held(const unsigned char *held, unsigned long base, unsigned long n,
		       unsigned long reads)
{
	unsigned long bad = 0;
	char detail[64];

	for (unsigned long i = 0; i < n; i++)
		bad += !sector_ok(held + i * SECT, base + i);
	snprintf(detail, sizeof(detail), "%lu reads, %lu bad sectors", reads, bad);
	printk("diskcheck: reread %lu times before the suspend\n", reads);
	verdict_check(reads && !bad, "what was read before the suspend verifies", detail);
}

/* Half the pattern, a suspend, the other half: blkfront carried across. */
static void run_suspend(struct blkfront *d, unsigned char *buf, unsigned long base,
			unsigned long count, uint64_t timeout)
{
	unsigned long half = count / 2 / 8 * 8, reads = 0;
	unsigned long n = half < chunk ? half : chunk;
	unsigned char *held = start_info_arg_ul("reread", 0) ? alloc_pages(n * SECT / 4096 + 1)
							     : NULL;
	int rc;

	verdict_rc("write the first half", write_pattern(d, buf, base, half), 0);
	verdict_rc("flush the first half", blkfront_flush(d), 0);
	printk("diskcheck: waiting for the suspend request\n");
	verdict_rc("suspend requested", wait_suspend_request(4 * timeout, d, held, base, n, &reads),
		   0);
	printk("diskcheck: suspending\n");
	rc = suspend_domain();
	printk("diskcheck: suspend returned %d in domain %d\n", rc,
	       HYPERVISOR_xen_version(KETCH_XENVER_domid, NULL));
	if (held)
		check_held(held, base, n, reads);
	if (rc == 0)
		verdict_rc("blkfront_resume", blkfront_resume(d), 0);
	else
		verdict_rc("suspend cancelled", rc, 1);
	for (int i = 0; start_info_arg_ul("ticks", 0) && i < 5; i++) {
		sleep_ns(100 * 1000000ULL);
		tick();
	}
	verdict_rc("write the second half", write_pattern(d, buf, base + half, count - half), 0);
	verdict_rc("flush the second half", blkfront_flush(d), 0);
}

static void run(struct blkfront *d, unsigned char *buf, uint64_t timeout_ns)
{
	unsigned long base = start_info_arg_ul("base", 64);
	unsigned long count = start_info_arg_ul("count", 2048);
	const struct blkfront_info *in = blkfront_get_info(d);
	unsigned long bad = 0;
	char detail[64];

	printk("diskcheck: sectors=%lu sector-size=%u info=%u flush=%d discard=%d\n",
	       (unsigned long)in->sectors, in->sector_size, in->info, in->flush, in->discard);
	printk("diskcheck: ring-pages=%u queues=%u indirect=%u persistent=%d\n", in->ring_pages,
	       in->queues, in->indirect, in->persistent);
	check_host_mark(d, buf);
	verdict_rc("read past the end refused", blkfront_read(d, in->sectors - 1, buf, 2),
		   -XEN_EINVAL);
	if (start_info_arg_ul("ro", 0))
		check_readonly(d, buf);
	if (start_info_arg_ul("aio", 0)) {
		unsigned long depth = start_info_arg_ul("aio", 0);

		run_aio(d, base, count, depth < AIO_MAX ? (unsigned int)depth : AIO_MAX);
		return;
	}
	if (start_info_arg_ul("suspend", 0)) {
		run_suspend(d, buf, base, count, timeout_ns);
	} else if (!start_info_arg_ul("verify", 0)) {
		printk("diskcheck: writing %lu sectors from %lu\n", count, base);
		verdict_rc("write pattern", write_pattern(d, buf, base, count), 0);
		verdict_rc("flush", blkfront_flush(d), 0);
	}
	verdict_rc("read pattern back", verify_pattern(d, buf, base, count, &bad), 0);
	snprintf(detail, sizeof(detail), "%lu bad sectors", bad);
	verdict_check(!bad, "every sector verifies", detail);
	printk("diskcheck: verified %lu sectors from %lu\n", count - bad, base);
	if (!start_info_arg_ul("ro", 0) && !start_info_arg_ul("verify", 0) &&
	    !start_info_arg_ul("suspend", 0))
		check_discard(d, buf);
}

/* The toolstack's block-detach: the backend's state becomes Closing. */
static void wait_detach(unsigned int devid, uint64_t timeout)
{
	char p[64], *be = NULL, state[160];

	snprintf(p, sizeof(p), "device/vbd/%u/backend", devid);
	if (xenbus_read(XBT_NIL, p, &be, NULL)) {
		verdict_check(0, "backend path", p);
		return;
	}
	snprintf(state, sizeof(state), "%s/state", be);
	free(be);
	printk("diskcheck: waiting for the toolstack to detach the disk\n");
	verdict_rc("backend Closing (detach)",
		   xenbus_wait_for_state(state, XenbusStateClosing, NULL, now_ns() + timeout), 0);
}

int main(const start_info_t *si)
{
	unsigned int ids[4], n = 0;
	struct blkfront *d = NULL;
	unsigned char *buf = alloc_pages(CHUNK_MAX * SECT / 4096);
	uint64_t timeout = start_info_arg_ul("timeout_s", 60) * NSEC_PER_SEC;
	struct blkfront_opts opts = {
		.max_order = (unsigned int)start_info_arg_ul("order", blkfront_default_opts.max_order),
		.max_queues = (unsigned int)start_info_arg_ul("queues",
							      blkfront_default_opts.max_queues),
		.max_indirect = (unsigned int)start_info_arg_ul("indirect",
								blkfront_default_opts.max_indirect),
		.persistent = (int)start_info_arg_ul("persistent", blkfront_default_opts.persistent),
	};

	seed = start_info_arg_ul("seed", 1);
	gap_ms = start_info_arg_ul("gap_ms", 0);
	chunk = start_info_arg_ul("chunk", CHUNK);
	if (chunk == 0 || chunk > CHUNK_MAX)
		chunk = CHUNK;
	verdict_rc("xenbus", init_xenbus(si), 0);
	verdict_rc("grant table", gnttab_init(1), 0);
	verdict_rc("device/vbd listed", blkfront_discover(ids, 4, &n), 0);
	verdict_check(n == 1 && buf, "one disk", "none or several");
	if (verdict_failures)
		return verdict_done("diskcheck");
	printk("diskcheck: vbd %u\n", ids[0]);
	verdict_rc("connect", blkfront_open_opts(ids[0], timeout, &opts, &d), 0);
	if (!d)
		return verdict_done("diskcheck");
	run(d, buf, timeout);
	if (start_info_arg_ul("wait_detach", 0))
		wait_detach(ids[0], timeout);
	verdict_rc("close", blkfront_close(d), 0);
	return verdict_done("diskcheck");
}
