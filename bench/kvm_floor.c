/*
 * kvm_floor.c - the floors ketch-hv's figures are compared against,
 * measured with bare KVM in the same run: a port-exit round trip from a
 * guest set up exactly like a Ketch guest, bare VM creation to first exit,
 * and the memory an idle bare VM costs.
 */
#include <stdint.h>
#include <stdlib.h>

#include "bench.h"
#include "hv_boot.h"
#include "kvm_bare.h"

/* out %al,$0x10 ; jmp back: one user-space exit per iteration */
static const uint8_t exit_code[] = { 0xe6, 0x10, 0xeb, 0xfc };

double floor_exit_us(int n)
{
	struct bare_vm b;
	double t0, us = -1;

	if (bare_create(&b, exit_code, sizeof(exit_code)) < 0)
		goto out;
	for (int i = 0; i < 100; i++)
		bare_run_once(&b);
	t0 = bench_now_us();
	for (int i = 0; i < n; i++)
		if (bare_run_once(&b) < 0)
			goto out;
	us = (bench_now_us() - t0) / n;
out:
	bare_destroy(&b);
	return us;
}

double floor_vm_boot_us(int n)
{
	double t0 = bench_now_us();

	for (int i = 0; i < n; i++) {
		struct bare_vm b;
		int r = bare_create(&b, exit_code, sizeof(exit_code));

		if (r == 0)
			r = bare_run_once(&b);
		bare_destroy(&b);
		if (r < 0)
			return -1;
	}
	return (bench_now_us() - t0) / n;
}

double floor_idle_vm_kib(int n)
{
	struct bare_vm *b = calloc((size_t)n, sizeof(*b));
	long before = hvb_used_kib(), after;
	int made = 0;

	if (!b)
		return -1;
	for (; made < n; made++)
		if (bare_create(&b[made], exit_code, sizeof(exit_code)) < 0 ||
		    bare_run_once(&b[made]) < 0)
			break;
	after = hvb_used_kib();
	for (int i = 0; i < made; i++)
		bare_destroy(&b[i]);
	free(b);
	return made == n ? (double)(after - before) / n : -1;
}
