/*
 * guestmem.c - the one checked gateway from guest addresses to host
 * memory.  Hypercall arguments are guest virtual addresses: they are
 * translated by walking the guest's own 4-level page tables (from the CR3
 * ketch-hv tracks for the vCPU), requiring P and U at every level and RW
 * for writes, and every physical address met on the way - table or page -
 * must lie inside the domain's RAM.  Anything else is -EFAULT, never a
 * host fault.
 */
#include <stdint.h>
#include <errno.h>
#include <string.h>
#include <xen/errno.h>

#include "hv.h"

#define PTE_P (1ULL << 0)
#define PTE_RW (1ULL << 1)
#define PTE_U (1ULL << 2)
#define PTE_PS (1ULL << 7)
#define PTE_ADDR 0x000ffffffffff000ULL
#define LOWER_HALF_END 0x0000800000000000ULL

void *gm_gpa(struct domain *d, uint64_t gpa, size_t len)
{
	if (gpa >= d->mem_bytes || len > d->mem_bytes - gpa)
		return NULL;
	return d->mem + gpa;
}

static uint64_t read_entry(struct domain *d, uint64_t table, unsigned int idx,
			   bool *ok)
{
	uint64_t *t = gm_gpa(d, table, HV_PAGE_SIZE);

	if (!t) {
		*ok = false;
		return 0;
	}
	return __atomic_load_n(&t[idx], __ATOMIC_RELAXED);
}

int gm_translate(struct vcpu *v, uint64_t va, bool write, uint64_t *gpa)
{
	struct domain *d = v->d;
	uint64_t table = v->cr3 & PTE_ADDR, e = 0;
	bool ok = true;

	if (va >= LOWER_HALF_END)
		return -XEN_EFAULT;
	for (int level = 3; level >= 0; level--) {
		unsigned int idx = (va >> (12 + 9 * level)) & 511;

		e = read_entry(d, table, idx, &ok);
		if (!ok || !(e & PTE_P) || !(e & PTE_U))
			return -XEN_EFAULT;
		if (write && !(e & PTE_RW))
			return -XEN_EFAULT;
		if ((level == 1 || level == 2) && (e & PTE_PS)) {
			uint64_t size = 1ULL << (12 + 9 * level);
			uint64_t base = e & PTE_ADDR & ~(size - 1);

			*gpa = base + (va & (size - 1));
			return *gpa < d->mem_bytes ? 0 : -XEN_EFAULT;
		}
		table = e & PTE_ADDR;
	}
	*gpa = table + (va & 0xfff);
	return *gpa < d->mem_bytes ? 0 : -XEN_EFAULT;
}

static int copy(struct vcpu *v, uint64_t va, void *buf, size_t len, bool to)
{
	uint8_t *b = buf;

	if (len > LOWER_HALF_END || va + len < va)
		return -XEN_EFAULT;
	while (len) {
		size_t chunk = HV_PAGE_SIZE - (va & 0xfff);
		uint64_t gpa;
		int r;

		if (chunk > len)
			chunk = len;
		r = gm_translate(v, va, to, &gpa);
		if (r)
			return r;
		if (!gm_gpa(v->d, gpa, chunk))
			return -XEN_EFAULT;
		if (to)
			memcpy(v->d->mem + gpa, b, chunk);
		else
			memcpy(b, v->d->mem + gpa, chunk);
		va += chunk;
		b += chunk;
		len -= chunk;
	}
	return 0;
}

int gm_copy_from(struct vcpu *v, void *dst, uint64_t va, size_t len)
{
	return copy(v, va, dst, len, false);
}

int gm_copy_to(struct vcpu *v, uint64_t va, const void *src, size_t len)
{
	return copy(v, va, (void *)src, len, true);
}

uint64_t *gm_leaf_pte(struct vcpu *v, uint64_t va, int *err)
{
	struct domain *d = v->d;
	uint64_t table = v->cr3 & PTE_ADDR;

	*err = -XEN_EINVAL;
	if (va >= LOWER_HALF_END)
		return NULL;
	for (int level = 3; level >= 1; level--) {
		unsigned int idx = (va >> (12 + 9 * level)) & 511;
		bool ok = true;
		uint64_t e = read_entry(d, table, idx, &ok);

		if (!ok || !(e & PTE_P) || (e & PTE_PS))
			return NULL;
		table = e & PTE_ADDR;
	}
	uint64_t *t = gm_gpa(d, table, HV_PAGE_SIZE);

	if (!t)
		return NULL;
	*err = 0;
	return &t[(va >> 12) & 511];
}
