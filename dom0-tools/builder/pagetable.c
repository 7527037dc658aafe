/*
 * Bootstrap page tables: 4-level, 4 KiB pages, virt_base+X -> gpa X over the
 * whole start-of-day region.  Every level is P|RW|U (the guest kernel runs
 * in ring 3); leaves also carry A|D, and the tables themselves are
 * read-only for a classic (not auto-translated) Xen PV guest.  Frames are taken in order from
 * plan->pt, so the first one is the L4 (cr3 / pt_base).
 */
#include "kb_private.h"

#define PTE_P (1ULL << 0)
#define PTE_RW (1ULL << 1)
#define PTE_U (1ULL << 2)
#define PTE_A (1ULL << 5)
#define PTE_D (1ULL << 6)
#define PTE_TABLE (PTE_P | PTE_RW | PTE_U)
#define PTE_LEAF (PTE_TABLE | PTE_A | PTE_D)
#define PTE_ADDR 0x000ffffffffff000ULL

struct pt_alloc {
	uint8_t *mem;
	uint64_t next; /* gpa of the next free table frame */
	uint64_t used;
};

static uint64_t pte_get(uint8_t *mem, uint64_t table, unsigned int idx)
{
	uint64_t v;

	memcpy(&v, mem + table + idx * 8ULL, 8);
	return v;
}

static void pte_set(uint8_t *mem, uint64_t table, unsigned int idx, uint64_t v)
{
	memcpy(mem + table + idx * 8ULL, &v, 8);
}

/* The table that entry idx of table points to, allocating it if absent. */
static uint64_t next_level(struct pt_alloc *a, uint64_t table, unsigned int idx)
{
	uint64_t e = pte_get(a->mem, table, idx);

	if (e & PTE_P)
		return e & PTE_ADDR;
	e = a->next;
	a->next += KB_PAGE_SIZE;
	a->used++;
	memset(a->mem + e, 0, KB_PAGE_SIZE);
	pte_set(a->mem, table, idx, e | PTE_TABLE);
	return e;
}

uint64_t kb_pt_build(uint8_t *mem, const struct kb_plan *plan)
{
	struct pt_alloc a = { .mem = mem, .next = plan->pt + KB_PAGE_SIZE, .used = 1 };
	uint64_t l4 = plan->pt;

	memset(mem + l4, 0, KB_PAGE_SIZE);
	for (uint64_t gpa = 0; gpa < plan->region_end; gpa += KB_PAGE_SIZE) {
		uint64_t va = plan->virt_base + gpa;
		uint64_t l3 = next_level(&a, l4, (va >> 39) & 511);
		uint64_t l2 = next_level(&a, l3, (va >> 30) & 511);
		uint64_t l1 = next_level(&a, l2, (va >> 21) & 511);

		uint64_t leaf = gpa | PTE_LEAF;

		/* Xen maps a classic PV guest's page tables read-only. */
		if (plan->xen_pv && gpa >= plan->pt &&
		    gpa < plan->pt + plan->pt_pages * KB_PAGE_SIZE)
			leaf &= ~PTE_RW;
		pte_set(mem, l1, (va >> 12) & 511, leaf);
	}
	return a.used;
}
