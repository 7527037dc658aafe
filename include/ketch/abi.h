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

#endif
