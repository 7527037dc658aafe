/*
 * diskbench - disk figures from a guest through blkfront's public API
 * (pv-drivers/front/blkfront.h), for bench/50-block.sh: the first mb= MiB
 * of the one vbd written then read sequentially in 1 MiB calls, then ios=
 * 4 KiB reads at random 4 KiB-aligned places in that range, one at a time
 * (queue depth 1), each timed, then 8 x ios= more with qd= (32) of them in
 * flight through the asynchronous calls, twice: all on the first queue
 * (blkfront_submit_queue), then spread over every queue negotiated.
 * Nothing is verified: diskcheck does that.
 *   cmdline: mb= (32) ios= (2000, at most 20000) qd= (32, at most 64)
 *            queues= (blkfront's default) the queues asked for
 *            seed= (1) timeout_s= (60)
 * Prints "bench <name>=<value>" lines (times in ns), then a verdict.
 */
#include <ketch-guest/kit.h>
#include <ketch-guest/gnttab.h>
#include <ketch-guest/xenbus.h>

#include "../../pv-drivers/front/blkfront.h"
#include "verdict.h"

#define SECT 512
#define MIB_SECTS (1024 * 1024 / SECT)
#define IO_SECTS (4096 / SECT)
#define IOS_MAX 20000
#define QD_MAX 64

static uint64_t lat[IOS_MAX];

/* mb MiB from sector 0, in 1 MiB calls; the time taken, 0 on an error. */
static uint64_t sequential(struct blkfront *d, int write, void *buf, unsigned long mb)
{
	uint64_t t0 = now_ns();

	for (unsigned long i = 0; i < mb; i++) {
		int r = write ? blkfront_write(d, i * MIB_SECTS, buf, MIB_SECTS)
			      : blkfront_read(d, i * MIB_SECTS, buf, MIB_SECTS);

		if (r) {
			printk("diskbench: %s at MiB %lu: %d\n", write ? "write" : "read", i, r);
			return 0;
		}
	}
	return now_ns() - t0;
}

/* Shell sort: a few thousand latencies, no library to hand. */
static void sort(uint64_t *v, unsigned long n)
{
	for (unsigned long gap = n / 2; gap; gap /= 2)
		for (unsigned long i = gap; i < n; i++)
			for (unsigned long j = i; j >= gap && v[j - gap] > v[j]; j -= gap) {
				uint64_t t = v[j];

				v[j] = v[j - gap];
				v[j - gap] = t;
			}
}

/* ios random 4 KiB reads within the first mb MiB, each timed into lat[];
 * the total time, 0 on an error. */
static uint64_t random_reads(struct blkfront *d, void *buf, unsigned long mb, unsigned long ios)
{
	uint64_t x = start_info_arg_ul("seed", 1) * 0x9e3779b97f4a7c15ULL | 1;
	uint64_t slots = mb * (MIB_SECTS / IO_SECTS), t0 = now_ns();

	for (unsigned long i = 0; i < ios; i++) {
		uint64_t t = now_ns();
		int r;

		x ^= x << 13, x ^= x >> 7, x ^= x << 17; /* xorshift64 */
		if ((r = blkfront_read(d, (x % slots) * IO_SECTS, buf, IO_SECTS))) {
			printk("diskbench: random read %lu: %d\n", i, r);
			return 0;
		}
		lat[i] = now_ns() - t;
	}
	return now_ns() - t0;
}

/* n random 4 KiB reads within the first mb MiB, qd of them in flight;
 * the total time, 0 on an error.  Each reaped slot is refilled at once. */
static uint64_t random_reads_qd(struct blkfront *d, void *buf, unsigned long mb, unsigned long n,
				unsigned int qd, int queue)
{
	static struct blkfront_aio io[QD_MAX];
	struct blkfront_aio *done[QD_MAX];
	uint64_t x = start_info_arg_ul("seed", 1) * 0x2545f4914f6cdd1dULL | 1;
	uint64_t slots = mb * (MIB_SECTS / IO_SECTS), t0 = now_ns();
	unsigned long sent = 0, got = 0;
	unsigned int idle[QD_MAX], nidle = 0;
	int r;

	for (; nidle < qd; nidle++)
		idle[nidle] = nidle;
	while (got < n) {
		while (sent < n && nidle) {
			struct blkfront_aio *a = &io[idle[nidle - 1]];

			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			*a = (struct blkfront_aio){ .op = BLKFRONT_READ, .sector = (x % slots) * IO_SECTS,
						    .nsect = IO_SECTS,
						    .buf = (char *)buf + (size_t)(a - io) * 4096 };
			if ((r = blkfront_submit_queue(d, a, queue)) == -XEN_EAGAIN && sent > got)
				break; /* the rings are full: reap first */
			if (r) {
				printk("diskbench: submit %lu: %d\n", sent, r);
				return 0;
			}
			nidle--, sent++;
		}
		if ((r = blkfront_reap(d, done, QD_MAX, 1)) <= 0) {
			printk("diskbench: reap after %lu: %d\n", got, r);
			return 0;
		}
		for (int j = 0; j < r; j++) {
			if (done[j]->status) {
				printk("diskbench: random read: %d\n", done[j]->status);
				return 0;
			}
			idle[nidle++] = (unsigned int)(done[j] - io);
		}
		got += (unsigned long)r;
	}
	return now_ns() - t0;
}

static void run(struct blkfront *d, void *buf)
{
	unsigned long mb = start_info_arg_ul("mb", 32), ios = start_info_arg_ul("ios", 2000);
	unsigned long qd = start_info_arg_ul("qd", 32);
	uint64_t sectors = blkfront_get_info(d)->sectors * blkfront_get_info(d)->sector_size / SECT;
	uint64_t w, r, q, q32, q32one;

	if (ios > IOS_MAX)
		ios = IOS_MAX;
	qd = qd < 1 ? 1 : qd > QD_MAX ? QD_MAX : qd;
	verdict_check(ios && mb && mb * MIB_SECTS <= sectors, "mb= fits the disk", "disk too small");
	if (verdict_failures)
		return;
	memset(buf, 0x5a, 1024 * 1024);
	w = sequential(d, 1, buf, mb);
	verdict_rc("flush", blkfront_flush(d), 0);
	r = sequential(d, 0, buf, mb);
	q = random_reads(d, buf, mb, ios);
	q32one = random_reads_qd(d, buf, mb, 8 * ios, (unsigned int)qd, 0);
	q32 = random_reads_qd(d, buf, mb, 8 * ios, (unsigned int)qd, BLKFRONT_QUEUE_ANY);
	verdict_check(w && r && q && q32 && q32one, "every request answered", "an error (above)");
	sort(lat, ios);
	printk("bench seq_bytes=%lu\n", mb * 1024 * 1024);
	printk("bench seq_write_ns=%llu\n", (unsigned long long)w);
	printk("bench seq_read_ns=%llu\n", (unsigned long long)r);
	printk("bench rand_ios=%lu\n", ios);
	printk("bench rand_qd1_ns=%llu\n", (unsigned long long)q);
	printk("bench rand_p50_ns=%llu\n", (unsigned long long)lat[ios / 2]);
	printk("bench rand_p99_ns=%llu\n", (unsigned long long)lat[ios * 99 / 100]);
	printk("bench rand_qd=%lu\n", qd);
	printk("bench rand_qd_ios=%lu\n", 8 * ios);
	printk("bench rand_qd_ns=%llu\n", (unsigned long long)q32);
	printk("bench rand_qd_one_queue_ns=%llu\n", (unsigned long long)q32one);
	printk("bench queues=%u\n", blkfront_get_info(d)->queues);
}

int main(const start_info_t *si)
{
	unsigned int ids[4], n = 0;
	struct blkfront *d = NULL;
	struct blkfront_opts opts = blkfront_default_opts;
	void *buf = alloc_pages(1024 * 1024 / 4096);
	uint64_t timeout = start_info_arg_ul("timeout_s", 60) * NSEC_PER_SEC;

	verdict_rc("xenbus", init_xenbus(si), 0);
	verdict_rc("grant table", gnttab_init(1), 0);
	verdict_rc("device/vbd listed", blkfront_discover(ids, 4, &n), 0);
	verdict_check(n == 1 && buf, "one disk and a buffer", "none or several");
	if (verdict_failures)
		return verdict_done("diskbench");
	opts.max_queues = (unsigned int)start_info_arg_ul("queues", opts.max_queues);
	verdict_rc("connect", blkfront_open_opts(ids[0], timeout, &opts, &d), 0);
	if (!d)
		return verdict_done("diskbench");
	run(d, buf);
	verdict_rc("close", blkfront_close(d), 0);
	return verdict_done("diskbench");
}
