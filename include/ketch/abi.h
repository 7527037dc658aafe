/*
 * Ketch's additions to the Xen guest ABI.  Everything else a guest sees is
 * defined by Xen's public headers (the xen/ directory); each item here is listed with
 * its reason in docs/abi.md.  Plain C with fixed-width types, so both the
 * hypervisor and freestanding guests include it.
 */
#ifndef KETCH_ABI_H
#define KETCH_ABI_H

/*
 * xen_version(KETCH_XENVER_domid, NULL) returns the caller's domain id.
 * Xen guests learn it from xenstore ("domid"); a Ketch guest may run with no
 * xenstore at all (`ketch-hv run`).  Xen answers unknown commands with
 * -ENOSYS, so a guest can probe for it.  The value is far above Xen's own
 * XENVER_* numbers so they cannot collide.
 */
#define KETCH_XENVER_domid 0x4b00

/* Default virtual base of guests built with the Ketch guest kit. */
#define KETCH_GUEST_VIRT_BASE 0x400000ULL

/*
 * Where an unmodified Xen PV guest finds shared_info (start_info.shared_info).
 * Such a guest (its image does not require XENFEAT_auto_translated_physmap)
 * treats every frame below nr_pages as its own free memory, so the page
 * cannot be in its RAM: as on Xen it is a frame the hypervisor owns, here a
 * guest-physical page outside RAM that the guest maps with
 * update_va_mapping or mmu_update.  Guests that are auto-translated get a
 * page inside their bootstrap region instead (docs/abi.md).
 */
#define KETCH_XENPV_SHINFO_GPA ((1ULL << 39) + (4ULL << 20))

#endif
