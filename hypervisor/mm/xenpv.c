/*
 * xenpv.c - the hypervisor-owned frames and tables of a classic Xen PV
 * domain (see xenpv.h): shared_info and grant frames outside RAM, the
 * read-only M2P in L4 slot 256, and the page-table levels mmu_update
 * checks against.  Set up once, when the builder places shared_info at
 * KETCH_XENPV_SHINFO_GPA, before the first vCPU context is loaded.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hv.h"
#include "entry/entry.h"
#include "gnttab/gnttab.h"
#include "xenpv.h"

#define PG HV_PAGE_SIZE
#define PTE_P 0x1ULL
#define PTE_U 0x4ULL
#define PTE_A 0x20ULL
#define PTE_D 0x40ULL
#define PTE_PS 0x80ULL
#define PTE_ADDR 0x000ffffffffff000ULL
#define SUPERPAGE (2ULL << 20)
#define SLOT_PAGES (ENTRY_LAST_SLOT + 1)
#define SLOT_TABLES (ENTRY_LAST_SLOT + 2)
#define SLOT_M2P (ENTRY_LAST_SLOT + 3)

static void *anon(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/*
 * shared_info and the grant frames live in a memfd of their own, not in
 * anonymous memory: a control-domain backend must read and pin the grant
 * entries there as ketch-hv does (GNTTAB_FRAMES hands it over).
 */
static void *frames_memfd(struct xenpv *x)
{
	void *p;

	x->pages_fd = memfd_create("ketch-xenpv-frames", MFD_CLOEXEC);
	if (x->pages_fd < 0 || ftruncate(x->pages_fd, XENPV_NR_PAGES * PG))
		return NULL;
	p = mmap(NULL, XENPV_NR_PAGES * PG, PROT_READ | PROT_WRITE, MAP_SHARED, x->pages_fd, 0);
	return p == MAP_FAILED ? NULL : p;
}

void xenpv_free(struct domain *d)
{
	struct xenpv *x = d->xenpv;

	if (!x)
		return;
	if (x->pages)
		munmap(x->pages, XENPV_NR_PAGES * PG);
	if (x->pages_fd >= 0)
		close(x->pages_fd);
	if (x->tables)
		munmap(x->tables, 2 * PG);
	if (x->m2p)
		munmap(x->m2p, x->m2p_len);
	free(x->ptlevel);
	free(x);
	d->xenpv = NULL;
}

/* The identity M2P and the L3 -> L2 -> 2 MiB pages that map it. */
static void build_m2p(struct domain *d, struct xenpv *x)
{
	uint64_t *l3 = (uint64_t *)x->tables, *l2 = (uint64_t *)(x->tables + PG);

	for (uint64_t i = 0; i < d->nr_pages; i++)
		x->m2p[i] = i;
	l3[0] = (XENPV_TABLES_GPA + PG) | PTE_P | PTE_U | PTE_A;
	for (uint64_t i = 0; i < x->m2p_len / SUPERPAGE; i++)
		l2[i] = (XENPV_M2P_GPA + i * SUPERPAGE) | PTE_P | PTE_U | PTE_A | PTE_D | PTE_PS;
}

static int add_slots(struct domain *d, struct xenpv *x)
{
	int r = entry_add_slot(d, SLOT_PAGES, XENPV_PAGES_GPA, x->pages, XENPV_NR_PAGES * PG, false);

	if (r == 0)
		r = entry_add_slot(d, SLOT_TABLES, XENPV_TABLES_GPA, x->tables, 2 * PG, false);
	if (r == 0)
		r = entry_add_slot(d, SLOT_M2P, XENPV_M2P_GPA, x->m2p, x->m2p_len, true);
	return r;
}

int xenpv_enable(struct domain *d)
{
	struct xenpv *x;
	int r;

	/* Their exceptions and direct iretq need the entry area's ring 0. */
	if (!entry_active(d) ||
	    ioctl(d->hv->kvm, KVM_CHECK_EXTENSION, KVM_CAP_NR_MEMSLOTS) <= SLOT_M2P) {
		hv_log("d%u: refused: an unmodified Xen PV guest (its image does not require "
		       "XENFEAT_auto_translated_physmap) needs ring 0 for its trap table; "
		       "this %s host runs guests without it, so only Ketch guests run here",
		       d->domid, hv_flavour_name(d->hv->flavour));
		return -EOPNOTSUPP;
	}
	if (d->xenpv)
		return 0;
	x = calloc(1, sizeof(*x));
	if (!x)
		return -ENOMEM;
	d->xenpv = x;
	x->pages_fd = -1;
	x->m2p_len = (d->nr_pages * 8 + SUPERPAGE - 1) & ~(SUPERPAGE - 1);
	x->pages = frames_memfd(x);
	x->tables = anon(2 * PG);
	x->m2p = anon(x->m2p_len);
	x->ptlevel = calloc(d->nr_pages, 1);
	if (!x->pages || !x->tables || !x->m2p || !x->ptlevel) {
		xenpv_free(d);
		return -ENOMEM;
	}
	build_m2p(d, x);
	r = add_slots(d, x);
	if (r)
		xenpv_free(d);
	return r;
}

void xenpv_map_l4(struct domain *d, uint64_t *l4)
{
	if (d->xenpv)
		__atomic_store_n(&l4[XENPV_M2P_L4_SLOT], XENPV_TABLES_GPA | PTE_P | PTE_U | PTE_A,
				 __ATOMIC_RELAXED);
}

void *xenpv_frame(struct domain *d, uint64_t gfn)
{
	uint64_t first = XENPV_PAGES_GPA / PG;

	if (!d->xenpv || gfn < first || gfn >= first + XENPV_NR_PAGES)
		return NULL;
	return d->xenpv->pages + (gfn - first) * PG;
}

int xenpv_frames_fd(struct domain *d, uint64_t *first_gfn, uint32_t *nr)
{
	int fd;

	if (!d->xenpv)
		return -ENOENT;
	fd = fcntl(d->xenpv->pages_fd, F_DUPFD_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	*first_gfn = XENPV_PAGES_GPA / PG;
	*nr = XENPV_NR_PAGES;
	return fd;
}

void *xenpv_grant_frame(struct domain *d, unsigned int idx, uint64_t *gfn)
{
	if (!d->xenpv || idx >= XENPV_NR_PAGES - 1)
		return NULL;
	*gfn = XENPV_PAGES_GPA / PG + 1 + idx;
	return d->xenpv->pages + (1 + idx) * PG;
}

/*
 * Mark frame f as a table of level lvl and, the first time, the tables its
 * present entries name (lower half only at the L4).  Each frame is
 * descended into once per level, so a hostile tree of shared tables costs
 * at most 512 reads per frame.
 */
static void note_table(struct domain *d, uint64_t f, unsigned int lvl)
{
	uint64_t *t;
	unsigned int n = lvl == 4 ? XENPV_L4_FIRST_RESERVED : 512;

	if (f >= d->nr_pages || d->xenpv->ptlevel[f] == lvl)
		return;
	d->xenpv->ptlevel[f] = (uint8_t)lvl;
	if (lvl == 1)
		return;
	t = (uint64_t *)(d->mem + f * PG);
	for (unsigned int i = 0; i < n; i++) {
		uint64_t e = __atomic_load_n(&t[i], __ATOMIC_RELAXED);

		if ((e & PTE_P) && !(e & PTE_PS))
			note_table(d, (e & PTE_ADDR) / PG, lvl - 1);
	}
}

void xenpv_note_base(struct domain *d, uint64_t cr3)
{
	if (d->xenpv)
		note_table(d, (cr3 & PTE_ADDR) / PG, 4);
}
