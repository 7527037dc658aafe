/*
 * cons_ring.h - the backend side of the PV console ring (xen/io/console.h),
 * written once for every console backend (ketch-hv run, ketchd).  Indexes
 * are read once, checked, then fenced; impossible ones are reported, never
 * followed.
 */
#ifndef KETCH_CONS_RING_H
#define KETCH_CONS_RING_H

#include <stddef.h>
#include <stdint.h>
#include <xen/io/console.h>

/*
 * Take everything the guest produced in out[] (at most cap bytes) into buf
 * and release the space.  Returns the byte count, or -1 if the guest's
 * indexes are impossible (more outstanding than the ring holds).
 */
int cons_ring_take_out(struct xencons_interface *r, char *buf, size_t cap);

/*
 * Put up to len bytes of input into in[] for the guest.  Returns the count
 * written (0 when full), or -1 if the indexes are impossible.
 */
int cons_ring_put_in(struct xencons_interface *r, const char *buf, size_t len);

#endif
