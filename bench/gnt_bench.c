/*
 * gnt_bench - libketchgnt costs on a fake guest (a memfd with a grant
 * table granting 16 pages to the control domain) beside their floors:
 *   gnt_bench copy N      kgnt_copy_from of 4 KiB and of 64 KiB (16 refs),
 *                         memcpy of the same sizes
 *   gnt_bench map N       kgnt_map+kgnt_unmap, the persistent variant, and
 *                         mmap+munmap of one page of the memfd
 * Prints "name value" lines (ns per operation).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "ketch/gntaccess.h"

#define PAGES 48
#define TABLE_PFN 1
#define NREFS 16

static int memfd;

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static struct kgnt *fake_guest(unsigned int flags)
{
	struct kctl_gnttab_info info = { .domid = 1, .nr_frames = 1, .max_frames = 32,
		.nr_pages = PAGES };
	grant_entry_v1_t *t;
	int err;

	memfd = memfd_create("bench-guest", 0);
	if (memfd < 0 || ftruncate(memfd, PAGES * 4096) < 0)
		exit(1);
	t = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, TABLE_PFN * 4096);
	if (t == MAP_FAILED)
		exit(1);
	for (int i = 0; i < NREFS; i++)
		t[8 + i] = (grant_entry_v1_t){ .flags = GTF_permit_access, .domid = 0,
			.frame = 16 + i };
	for (int i = 0; i < KCTL_GNT_MAX_FRAMES; i++)
		info.gpfn[i] = ~0ULL;
	info.gpfn[0] = TABLE_PFN;
	return kgnt_open_fd(NULL, memfd, &info, flags, &err);
}

static void bench_copy(long n)
{
	struct kgnt *g = fake_guest(0);
	static uint8_t buf[NREFS * 4096], src[NREFS * 4096];
	double t0;

	memset(src, 1, sizeof(src));
	t0 = now_ns();
	for (long i = 0; i < n; i++)
		kgnt_copy_from(g, 8, 0, buf, 4096);
	printf("kgnt_copy_4k_ns %.0f\n", (now_ns() - t0) / n);
	t0 = now_ns();
	for (long i = 0; i < n; i++)
		for (int r = 0; r < NREFS; r++)
			kgnt_copy_from(g, 8 + r, 0, buf + r * 4096, 4096);
	printf("kgnt_copy_64k_ns %.0f\n", (now_ns() - t0) / n);
	t0 = now_ns();
	for (long i = 0; i < n; i++) {
		memcpy(buf, src, 4096);
		__asm__ volatile("" ::: "memory");
	}
	printf("memcpy_4k_ns %.0f\n", (now_ns() - t0) / n);
	t0 = now_ns();
	for (long i = 0; i < n; i++) {
		memcpy(buf, src, sizeof(buf));
		__asm__ volatile("" ::: "memory");
	}
	printf("memcpy_64k_ns %.0f\n", (now_ns() - t0) / n);
	kgnt_close(g);
}

static void bench_map(long n)
{
	struct kgnt *g = fake_guest(0), *p = fake_guest(KGNT_PERSISTENT);
	int16_t st;
	double t0 = now_ns();

	for (long i = 0; i < n; i++) {
		volatile uint8_t *x = kgnt_map(g, 8, true, &st);

		x[0] = 1; /* touch it, as a backend would */
		kgnt_unmap(g, 8);
	}
	printf("kgnt_map_unmap_ns %.0f\n", (now_ns() - t0) / n);
	t0 = now_ns();
	for (long i = 0; i < n; i++) {
		volatile uint8_t *x = kgnt_map(p, 8, true, &st);

		x[0] = 1;
		kgnt_unmap(p, 8);
	}
	printf("kgnt_map_unmap_persistent_ns %.0f\n", (now_ns() - t0) / n);
	t0 = now_ns();
	for (long i = 0; i < n; i++) {
		volatile uint8_t *x = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, memfd,
					   16 * 4096);

		x[0] = 1;
		munmap((void *)x, 4096);
	}
	printf("mmap_munmap_ns %.0f\n", (now_ns() - t0) / n);
	kgnt_close(g);
	kgnt_close(p);
}

int main(int argc, char **argv)
{
	long n = argc > 2 ? atol(argv[2]) : 100000;

	if (argc < 2 || n <= 0) {
		fprintf(stderr, "usage: %s copy|map [N]\n", argv[0]);
		return 2;
	}
	if (!strcmp(argv[1], "copy"))
		bench_copy(n);
	else if (!strcmp(argv[1], "map"))
		bench_map(n);
	else
		return 2;
	return 0;
}
