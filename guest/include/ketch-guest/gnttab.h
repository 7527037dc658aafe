/*
 * Grant-table client (xen/grant_table.h, version 1): the granting side
 * (grant access to a frame, end access with the in-use check), the mapping
 * side (map a domain's grant at a guest-physical address above RAM and
 * reach it through the linear map), and grant copies.
 */
#ifndef KETCH_GUEST_GNTTAB_H
#define KETCH_GUEST_GNTTAB_H

#include <stdint.h>
#include <xen/xen.h>
#include <xen/grant_table.h>

/*
 * Set up a table of nr_frames frames: each is a frame of our RAM, taken
 * from the frame allocator and placed with XENMEM_add_to_physmap
 * (XENMAPSPACE_grant_table).  0 or a negative Xen errno.
 */
int gnttab_init(unsigned int nr_frames);
/*
 * After suspend_domain() returned 0 (a new domain): the same frames placed
 * again.  The new domain's table starts empty, as Xen's: every reference
 * still held reads as not granted, so its owner's end_access frees it
 * without waiting, and what each frontend shares it grants again.
 */
int gnttab_resume(void);
/* Frames of the table (GNTTABOP_query_size); negative Xen errno or GNTST_. */
int gnttab_query_size(uint32_t *nr_frames, uint32_t *max_frames);
/*
 * Let domid access frame gpfn (read-only if readonly).  Returns the
 * reference (never one of the GNTTAB_NR_RESERVED_ENTRIES) or -XEN_ENOSPC.
 */
int gnttab_grant_access(domid_t domid, unsigned long gpfn, int readonly);
/*
 * Revoke ref.  0 and the reference is free again; -XEN_EBUSY while the
 * grantee still has it mapped or a copy is in progress (GTF_reading /
 * GTF_writing), and nothing changes; -XEN_EINVAL for a reference not granted
 * (or already ended).
 */
int gnttab_end_access(grant_ref_t ref);
/*
 * Revoke ref even while GTF_reading/GTF_writing say it is in use.  Only
 * for a grantee known to be gone: Xen drops a dead mapper's pins itself,
 * but a control-domain backend pins our entries from its own process, so
 * one that was killed leaves them set (blkfront uses this when its backend
 * restarted).  0, or -XEN_EINVAL for a reference not granted.
 */
int gnttab_end_access_force(grant_ref_t ref);
/* The entry's current flags (for tests). */
uint16_t gnttab_entry_flags(grant_ref_t ref);

/* First guest-physical address a mapping may use: the end of RAM. */
uint64_t gnttab_map_base(void);
/*
 * Map dom's grant ref at guest-physical gpa (page aligned, at or above
 * gnttab_map_base()) and at virtual GK_VIRT_BASE + gpa.  Returns the GNTST_
 * status (a negative Xen errno if the call itself failed); *handle and
 * *va are set on GNTST_okay.
 */
int gnttab_map(domid_t dom, grant_ref_t ref, uint64_t gpa, int readonly,
	       grant_handle_t *handle, void **va);
/* Undo gnttab_map (the virtual mapping too).  GNTST_ status or -errno. */
int gnttab_unmap(grant_handle_t handle, uint64_t gpa);

/*
 * Copy len bytes between one of our frames and dom's grant ref.  to_ref:
 * our frame -> the grant; else the grant -> our frame.  Offsets and length
 * must stay within a page.  GNTST_ status, or a negative Xen errno.
 */
int gnttab_copy_ref(domid_t dom, grant_ref_t ref, uint16_t ref_off,
		    unsigned long gpfn, uint16_t off, uint16_t len, int to_ref);
/* Run a batch of copies; each op's status is set.  0 or a negative errno. */
int gnttab_copy_batch(gnttab_copy_t *ops, unsigned int n);

#endif
