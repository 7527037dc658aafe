/*
 * libketchgnt: how a control-domain backend reaches a guest's pages.  Only
 * pages the guest granted to the control domain (domid 0) are reachable:
 * every access reads the guest's grant entry, checks it exactly as ketch-hv
 * does (include/ketch/gnt_entry.h: type, domid, read-only) and marks it in
 * use with GTF_reading / GTF_writing for as long as the access lasts, so
 * the guest's end_access reports busy.  Nothing in this API yields a
 * pointer or offset into guest memory other than a granted page.
 *
 * Statuses are Xen's GNTST_ codes (GNTST_okay = 0).  A handle may be used
 * from several threads.  Grants of one guest to the control domain should
 * be used by one backend process: GTF bits are not counted across
 * processes.
 */
#ifndef KETCH_GNTACCESS_H
#define KETCH_GNTACCESS_H

#include <stdbool.h>
#include <stdint.h>
#include <xen/xen.h>
#include <xen/grant_table.h>

#include "ketch/ctl.h"

struct kctl;
struct kgnt;

/*
 * Persistent mappings (as blkback's persistent grants): kgnt_unmap keeps
 * the page mapped and its GTF bits set, and a later kgnt_map of the same
 * reference reuses it, until kgnt_flush or kgnt_close.
 */
#define KGNT_PERSISTENT 1u
#define KGNT_CACHE_MAX 1024  /* cached mappings kept at most */

/*
 * Open domid's grants through the control socket h (which must stay open
 * while the handle is used: the table's location is asked for again when
 * the guest grows it).  flags: 0 or KGNT_PERSISTENT.  NULL with *err set
 * (-ESRCH unknown domain, -ENOMEM, transport errors).
 */
struct kgnt *kgnt_open(struct kctl *h, uint32_t domid, unsigned int flags, int *err);
/*
 * The same from a memory descriptor and a table description (taken over:
 * closed by kgnt_close).  h may be NULL (no refresh).  For tests and for
 * callers that already hold the descriptor.
 */
struct kgnt *kgnt_open_fd(struct kctl *h, int memfd, const struct kctl_gnttab_info *info,
			  unsigned int flags, int *err);
/* Release every mapping and pin (clearing their GTF bits), close.  NULL ok. */
void kgnt_close(struct kgnt *g);

/*
 * Copy len bytes at offset in the page granted by ref into buf
 * (kgnt_copy_from) or from buf into it (kgnt_copy_to: the grant must be
 * writable).  GNTST_bad_copy_arg when offset + len passes the page,
 * GNTST_bad_gntref for a reference outside the table, GNTST_permission_denied
 * for a grant to another domain, GNTST_general_error for an invalid entry,
 * a read-only grant written, or a frame outside the guest's RAM.
 */
int16_t kgnt_copy_from(struct kgnt *g, grant_ref_t ref, uint16_t offset, void *buf,
		       uint16_t len);
int16_t kgnt_copy_to(struct kgnt *g, grant_ref_t ref, uint16_t offset, const void *buf,
		     uint16_t len);

/*
 * Map the page granted by ref (4 KiB, writable if writable) and keep it
 * pinned until kgnt_unmap.  Returns the page, or NULL with *status set
 * (the codes of kgnt_copy_from, GNTST_no_space when out of memory).  Mapping
 * a reference already mapped returns the same page (writable only if the
 * first mapping was).
 */
void *kgnt_map(struct kgnt *g, grant_ref_t ref, bool writable, int16_t *status);
/*
 * Map the n pages granted by refs[0..n-1] (writable if writable) at
 * consecutive addresses, as one region: a multi-page shared ring.  Each
 * reference must be distinct and not mapped already.  Returns the first
 * page, or NULL with *status set (as kgnt_map) and nothing left mapped.
 * Undone by kgnt_unmap of every reference.
 */
void *kgnt_map_ring(struct kgnt *g, const grant_ref_t *refs, unsigned int n, bool writable,
		    int16_t *status);
/* Undo one kgnt_map of ref.  GNTST_bad_handle if ref is not mapped. */
int16_t kgnt_unmap(struct kgnt *g, grant_ref_t ref);
/* Release cached persistent mappings nobody holds.  Returns how many. */
unsigned int kgnt_flush(struct kgnt *g);
/* Pins currently held (mappings held or cached), for tests and statistics. */
unsigned int kgnt_pinned(const struct kgnt *g);

#endif
