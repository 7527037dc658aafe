/*
 * gnt_entry.h - the one rule for taking and releasing a version-1 grant
 * entry (xen/grant_table.h), shared by ketch-hv and the control-domain
 * grant library so both check an entry exactly alike.  An entry is the
 * granter's memory: it is read with atomics only, and GTF_reading /
 * GTF_writing are set with a compare-and-swap on the 32-bit flags+domid
 * word, as Xen does, so the granter's own compare-and-swap in end_access
 * sees them.  The frame word is read only after the pin succeeded.
 */
#ifndef KETCH_GNT_ENTRY_H
#define KETCH_GNT_ENTRY_H

#include <stdbool.h>
#include <stdint.h>
#include <xen/xen.h>
#include <xen/grant_table.h>

#define KGNT_PAGE_SIZE 4096u
#define KGNT_PER_FRAME (KGNT_PAGE_SIZE / sizeof(grant_entry_v1_t)) /* 512 */
#define KGNT_PIN_RETRIES 5 /* an entry still changing after this is refused */

/*
 * Pin the entry at e (8 bytes of the granter's table) for an access by
 * domain dom.  pinned: the caller already holds a pin on this entry (then,
 * as in Xen, the type and domid are not checked again: the caller checked
 * them when it took the first pin).  Returns GNTST_okay with GTF_reading
 * set, and GTF_writing too unless readonly; GNTST_general_error when the
 * entry does not permit access (GTF_invalid, transfer, transitive), when a
 * writable pin meets GTF_readonly, or when the entry keeps changing;
 * GNTST_permission_denied when it is granted to another domain.
 */
static inline int16_t gnt_entry_pin(void *e, domid_t dom, bool readonly,
				    bool pinned)
{
	uint32_t *word = e;

	for (int i = 0; i < KGNT_PIN_RETRIES; i++) {
		uint32_t old = __atomic_load_n(word, __ATOMIC_ACQUIRE);
		uint16_t flags = (uint16_t)old, edom = (uint16_t)(old >> 16);
		uint32_t new = old | GTF_reading;

		if (!pinned && (flags & GTF_type_mask) != GTF_permit_access)
			return GNTST_general_error;
		if (!pinned && edom != dom)
			return GNTST_permission_denied;
		if (!readonly) {
			if (flags & GTF_readonly)
				return GNTST_general_error;
			new |= GTF_writing;
		}
		if (new == old ||
		    __atomic_compare_exchange_n(word, &old, new, false,
						__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			return GNTST_okay;
	}
	return GNTST_general_error;
}

/* The frame an entry names; read after a successful pin. */
static inline uint32_t gnt_entry_frame(const void *e)
{
	return __atomic_load_n((const uint32_t *)e + 1, __ATOMIC_ACQUIRE);
}

/* Clear bits (GTF_reading and/or GTF_writing) when the last such pin goes. */
static inline void gnt_entry_clear(void *e, uint16_t bits)
{
	__atomic_fetch_and((uint32_t *)e, ~(uint32_t)bits, __ATOMIC_RELEASE);
}

#endif
