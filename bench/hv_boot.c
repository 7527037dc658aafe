/*
 * hv_boot.c - boot-rate and idle-memory benchmarks, run inside one
 * hypervisor instance (libketchhv), so the figures are the hypervisor's
 * own cost rather than process start-up.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../hypervisor/hv.h"
#include "../hypervisor/run/run.h"
#include "bench.h"
#include "hv_boot.h"

static void discard(struct domain *d, const char *buf, size_t len, void *o)
{
	(void)d, (void)buf, (void)len, (void)o;
}

static void quiet(const char *line, void *o)
{
	(void)line, (void)o;
}

static int boot_n(struct hv *hv, int n, struct hv_boot *b, uint32_t *ids)
{
	char err[256];

	for (int i = 0; i < n; i++)
		if (hv_boot(hv, b, &ids[i], err, sizeof(err)) < 0) {
			fprintf(stderr, "hv_bench: boot %d: %s\n", i, err);
			return -1;
		}
	return 0;
}

int hvb_boot_many(int n, const char *kernel)
{
	static struct hv hv;
	struct hv_boot b = { .mem_bytes = 16ULL << 20, .vcpus = 1,
			     .console_fn = discard };
	uint32_t *ids = calloc((size_t)n, sizeof(*ids));
	double t0;
	int bad = 0;

	hv_log_set_sink(quiet, NULL);
	b.kernel = run_read_file(kernel, &b.kernel_len);
	if (!ids || !b.kernel || hv_init(&hv) < 0)
		return 1;
	t0 = bench_now_us();
	if (boot_n(&hv, n, &b, ids) < 0)
		return 1;
	for (int i = 0; i < n; i++) {
		struct domain *d = domain_get(&hv, ids[i]);
		struct kctl_dominfo info;

		domain_wait_stopped(d, 30000);
		domain_info(d, &info);
		bad += info.state != KCTL_STATE_SHUTDOWN;
		domain_put(d);
	}
	printf("boot_many_per_s %.1f\n", n / ((bench_now_us() - t0) / 1e6));
	for (int i = 0; i < n; i++)
		domain_destroy(&hv, ids[i]);
	domain_reap_wait(&hv);
	printf("boot_many_failed %d\n", bad);
	return bad != 0;
}

static long sum_fields(const char *path, const char *const *keys)
{
	char line[256], name[64];
	long v, sum = 0;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%63[^:]: %ld", name, &v) == 2)
			for (const char *const *k = keys; *k; k++)
				if (!strcmp(name, *k))
					sum += v;
	fclose(f);
	return sum;
}

/*
 * Memory a domain costs the host beyond guest RAM: kernel allocations
 * (slab, stacks, page tables incl. KVM's, vmalloc) plus this process's
 * anonymous memory.  MemAvailable is too noisy here (free page reporting).
 */
long hvb_used_kib(void)
{
	static const char *const kernel[] = { "Slab", "KernelStack", "PageTables",
		"SecPageTables", "VmallocUsed", NULL };
	static const char *const self[] = { "RssAnon", NULL };
	long k = sum_fields("/proc/meminfo", kernel);
	long a = sum_fields("/proc/self/status", self);

	return k < 0 || a < 0 ? -1 : k + a;
}

static long resident_kib(struct domain *d)
{
	size_t pages = d->mem_bytes / 4096;
	unsigned char *vec = malloc(pages);
	long n = 0;

	if (vec && mincore(d->mem, d->mem_bytes, vec) == 0)
		for (size_t i = 0; i < pages; i++)
			n += vec[i] & 1;
	free(vec);
	return n * 4;
}

int hvb_idle_mem(int n, const char *kernel)
{
	static struct hv hv;
	struct hv_boot b = { .mem_bytes = 16ULL << 20, .vcpus = 1, .paused = true };
	uint32_t *ids = calloc((size_t)n, sizeof(*ids));
	long before, after, guest = 0;

	hv_log_set_sink(quiet, NULL);
	b.kernel = run_read_file(kernel, &b.kernel_len);
	if (!ids || !b.kernel || hv_init(&hv) < 0)
		return 1;
	before = hvb_used_kib();
	if (boot_n(&hv, n, &b, ids) < 0)
		return 1;
	after = hvb_used_kib();
	for (int i = 0; i < n; i++) {
		struct domain *d = domain_get(&hv, ids[i]);

		guest += resident_kib(d);
		domain_put(d);
	}
	if (before < 0 || after < 0) {
		printf("idle_mem_kib_per_domain unavailable\n");
		return 1;
	}
	printf("idle_mem_kib_per_domain %.1f\n", (double)(after - before) / n);
	printf("idle_guest_resident_kib_per_domain %.1f\n", (double)guest / n);
	for (int i = 0; i < n; i++)
		domain_destroy(&hv, ids[i]);
	domain_reap_wait(&hv);
	return 0;
}
