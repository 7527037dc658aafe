/*
 * xenpv.h - what an unmodified (classic, not auto-translated) Xen PV guest
 * needs beyond a Ketch guest: the hypervisor-owned frames it maps itself
 * (shared_info, grant-table frames), the read-only machine-to-phys table
 * at HYPERVISOR_VIRT_START, and the page-table bookkeeping behind
 * mmu_update's validation.  A domain becomes classic when its builder
 * places shared_info at KETCH_XENPV_SHINFO_GPA; only VT-x and SVM hosts
 * run such guests (their exceptions need the entry area's ring 0).
 *
 * Guest-physical layout, all outside RAM (above the entry area):
 *   KETCH_XENPV_SHINFO_GPA: shared_info, then GNT_MAX_FRAMES grant frames
 *     (one writable KVM slot, backed by a memfd that control-domain
 *     backends get to read grant entries);
 *   XENPV_TABLES_GPA: the L3 and L2 that map the M2P (writable slot: page
 *     walks may set accessed bits; the guest has no writable mapping);
 *   XENPV_M2P_GPA: the M2P itself, 8 bytes per RAM frame, read-only slot.
 * The M2P appears in L4 slot 256 of every page table the guest loads
 * (0xffff800000000000, Xen's RO_MPT_VIRT_START), user-readable, no write.
 */
#ifndef KETCH_HV_XENPV_H
#define KETCH_HV_XENPV_H

#include <stdbool.h>
#include <stdint.h>

#include "ketch/abi.h"

struct domain;
struct vcpu;

#define XENPV_PAGES_GPA KETCH_XENPV_SHINFO_GPA
#define XENPV_NR_PAGES 33 /* shared_info + GNT_MAX_FRAMES */
#define XENPV_TABLES_GPA (KETCH_XENPV_SHINFO_GPA + (2ULL << 20))
#define XENPV_M2P_GPA ((1ULL << 39) + (1ULL << 30))
#define XENPV_M2P_VA 0xffff800000000000ULL
#define XENPV_M2P_L4_SLOT 256
/* Xen's reserved L4 slots in a 64-bit PV guest: 256-271. */
#define XENPV_L4_FIRST_RESERVED 256
#define XENPV_L4_LAST_RESERVED 271

/* Page-table levels known for a RAM frame (0: not known as a table). */
struct xenpv {
	uint8_t *pages;      /* XENPV_NR_PAGES, shared_info first */
	int pages_fd;        /* the memfd behind pages */
	uint8_t *tables;     /* M2P L3, L2 */
	uint64_t *m2p;
	uint64_t m2p_len;    /* bytes, 2 MiB multiple */
	uint8_t *ptlevel;    /* per RAM frame: 1-4 when used as that level */
};

/*
 * Makes d a classic PV domain (the builder put shared_info at
 * KETCH_XENPV_SHINFO_GPA): sets up the frames and the M2P.  -EOPNOTSUPP
 * (with a logged reason) where the flavour cannot run such a guest.
 */
int xenpv_enable(struct domain *d);
void xenpv_free(struct domain *d);
/* Writes the M2P into L4 slot 256 of the table l4 (every CR3 load). */
void xenpv_map_l4(struct domain *d, uint64_t *l4);
/* Host address of hypervisor-owned frame gfn of d, or NULL. */
void *xenpv_frame(struct domain *d, uint64_t gfn);
/*
 * A new descriptor of the memfd behind d's hypervisor-owned frames (gfn
 * *first_gfn + i is its page i, *nr pages), or -ENOENT for a domain that
 * is not classic, or another negative errno.
 */
int xenpv_frames_fd(struct domain *d, uint64_t *first_gfn, uint32_t *nr);
/* Host address of grant frame idx (placed on first use), or NULL. */
void *xenpv_grant_frame(struct domain *d, unsigned int idx, uint64_t *gfn);
/* Marks the tables reachable from the L4 at cr3 with their levels. */
void xenpv_note_base(struct domain *d, uint64_t cr3);

/* pvmmu.c: mmu_update's rules, on a domain's RAM and xenpv bookkeeping. */
/*
 * One MMU_NORMAL_PT_UPDATE: validates val for the table frame ptr lies in
 * and writes it.  0 or a negative Xen errno.
 */
int pvmmu_pt_update(struct domain *d, uint64_t ptr, uint64_t val);
/* One MMU_MACHPHYS_UPDATE: M2P entry of mfn := pfn.  0 or -errno. */
int pvmmu_machphys(struct domain *d, uint64_t mfn, uint64_t pfn);
/* May v's domain point a PTE at frame gfn (writable or not)? */
bool pvmmu_frame_ok(struct domain *d, uint64_t gfn, bool writable);

#endif
