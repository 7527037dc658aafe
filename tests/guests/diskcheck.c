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
 * Sector s holds "ketch-blk sector %08lu seed %lu\n", then bytes
 * (s*7 + i*13 + seed) & 0xff, then a 64-bit FNV-1a of the first 504 bytes.
 */
#include <ketch-guest/kit.h>
#include <ketch-guest/gnttab.h>
#include <ketch-guest/xenbus.h>

#include <xen/io/blkif.h>

#include "../../pv-drivers/front/blkfront.h"
#include "verdict.h"

#define SECT 512
#define CHUNK 256      /* the discard check's range */
#define CHUNK_MAX 1024 /* sectors per call at most (chunk=) */
#define DISCARD_AT 4096
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

static void run(struct blkfront *d, unsigned char *buf)
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
	if (!start_info_arg_ul("verify", 0)) {
		printk("diskcheck: writing %lu sectors from %lu\n", count, base);
		verdict_rc("write pattern", write_pattern(d, buf, base, count), 0);
		verdict_rc("flush", blkfront_flush(d), 0);
	}
	verdict_rc("read pattern back", verify_pattern(d, buf, base, count, &bad), 0);
	snprintf(detail, sizeof(detail), "%lu bad sectors", bad);
	verdict_check(!bad, "every sector verifies", detail);
	printk("diskcheck: verified %lu sectors from %lu\n", count - bad, base);
	if (!start_info_arg_ul("ro", 0) && !start_info_arg_ul("verify", 0))
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
	run(d, buf);
	if (start_info_arg_ul("wait_detach", 0))
		wait_detach(ids[0], timeout);
	verdict_rc("close", blkfront_close(d), 0);
	return verdict_done("diskcheck");
}
