/*
 * blk_floor - the host's own figures on a file, through io_uring as
 * ketch-blkback reaches an image (buffered, no O_DIRECT), for
 * bench/50-block.sh to print beside the diskbench guest's: the first MB
 * MiB written then read sequentially in 1 MiB requests one at a time,
 * IOS random 4 KiB reads in that range at queue depth 1 (each timed) and
 * 8 x IOS at queue depth 32.
 *   usage: blk_floor FILE MB IOS
 * Prints "floor <name>=<value>" lines (times in ns), as diskbench does.
 */
#include <fcntl.h>
#include <liburing.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MIB (1024 * 1024)
#define IO 4096
#define QD 32

static uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* One request of len bytes at off, waited for; false on any error. */
static bool one(struct io_uring *r, int fd, bool write, void *buf, unsigned int len, uint64_t off)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(r);
	struct io_uring_cqe *cqe;
	bool ok;

	if (write)
		io_uring_prep_write(sqe, fd, buf, len, off);
	else
		io_uring_prep_read(sqe, fd, buf, len, off);
	if (io_uring_submit(r) != 1 || io_uring_wait_cqe(r, &cqe))
		return false;
	ok = cqe->res == (int)len;
	io_uring_cqe_seen(r, cqe);
	return ok;
}

static uint64_t xorshift(uint64_t *x)
{
	*x ^= *x << 13, *x ^= *x >> 7, *x ^= *x << 17;
	return *x;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* n random 4 KiB reads within mb MiB, QD at a time; the time taken, 0 on
 * an error. */
static uint64_t reads_qd32(struct io_uring *r, int fd, char *bufs, unsigned long mb,
			   unsigned long n)
{
	uint64_t x = 0x9e3779b97f4a7c15ULL, slots = mb * (MIB / IO), t0 = now_ns();
	unsigned long sent = 0, done = 0;
	struct io_uring_cqe *cqe;

	while (done < n) {
		while (sent < n && sent - done < QD) {
			struct io_uring_sqe *sqe = io_uring_get_sqe(r);

			io_uring_prep_read(sqe, fd, bufs + (sent % QD) * IO, IO,
					   (xorshift(&x) % slots) * IO);
			sent++;
		}
		if (io_uring_submit_and_wait(r, 1) < 0 || io_uring_wait_cqe(r, &cqe))
			return 0;
		if (cqe->res != IO)
			return 0;
		io_uring_cqe_seen(r, cqe);
		done++;
	}
	return now_ns() - t0;
}

int main(int argc, char **argv)
{
	struct io_uring r;
	unsigned long mb = argc == 4 ? strtoul(argv[2], NULL, 10) : 0;
	unsigned long ios = argc == 4 ? strtoul(argv[3], NULL, 10) : 0;
	int fd = argc == 4 ? open(argv[1], O_RDWR) : -1;
	char *buf = aligned_alloc(4096, MIB);
	uint64_t *lat = calloc(ios + 1, sizeof(*lat));
	uint64_t t0, w, rd, q1, q32, x = 0x9e3779b97f4a7c15ULL;

	if (!mb || !ios || fd < 0 || !buf || !lat || io_uring_queue_init(2 * QD, &r, 0)) {
		fprintf(stderr, "usage: blk_floor FILE MB IOS (FILE readable and writable)\n");
		return 2;
	}
	memset(buf, 0x5a, MIB);
	t0 = now_ns();
	for (unsigned long i = 0; i < mb; i++)
		if (!one(&r, fd, true, buf, MIB, i * MIB))
			return 1;
	w = now_ns() - t0;
	fdatasync(fd);
	t0 = now_ns();
	for (unsigned long i = 0; i < mb; i++)
		if (!one(&r, fd, false, buf, MIB, i * MIB))
			return 1;
	rd = now_ns() - t0;
	t0 = now_ns();
	for (unsigned long i = 0; i < ios; i++) {
		uint64_t t = now_ns();

		if (!one(&r, fd, false, buf, IO, (xorshift(&x) % (mb * (MIB / IO))) * IO))
			return 1;
		lat[i] = now_ns() - t;
	}
	q1 = now_ns() - t0;
	if (!(q32 = reads_qd32(&r, fd, buf, mb, 8 * ios)))
		return 1;
	qsort(lat, ios, sizeof(*lat), cmp_u64);
	printf("floor seq_bytes=%lu\nfloor seq_write_ns=%llu\nfloor seq_read_ns=%llu\n",
	       mb * MIB, (unsigned long long)w, (unsigned long long)rd);
	printf("floor rand_ios=%lu\nfloor rand_qd1_ns=%llu\nfloor rand_p50_ns=%llu\n"
	       "floor rand_p99_ns=%llu\nfloor rand_qd32_ios=%lu\nfloor rand_qd32_ns=%llu\n",
	       ios, (unsigned long long)q1, (unsigned long long)lat[ios / 2],
	       (unsigned long long)lat[ios * 99 / 100], 8 * ios, (unsigned long long)q32);
	return 0;
}
