/* cons_ring.c - backend side of the PV console ring (see cons_ring.h). */
#include "cons_ring.h"

int cons_ring_take_out(struct xencons_interface *r, char *buf, size_t cap)
{
	XENCONS_RING_IDX cons = r->out_cons;
	XENCONS_RING_IDX prod = __atomic_load_n(&r->out_prod, __ATOMIC_ACQUIRE);
	size_t n = 0;

	if ((XENCONS_RING_IDX)(prod - cons) > sizeof(r->out))
		return -1;
	while (cons != prod && n < cap)
		buf[n++] = r->out[MASK_XENCONS_IDX(cons++, r->out)];
	__atomic_store_n(&r->out_cons, cons, __ATOMIC_RELEASE);
	return (int)n;
}

int cons_ring_put_in(struct xencons_interface *r, const char *buf, size_t len)
{
	XENCONS_RING_IDX cons = __atomic_load_n(&r->in_cons, __ATOMIC_ACQUIRE);
	XENCONS_RING_IDX prod = r->in_prod;
	size_t n = 0;

	if ((XENCONS_RING_IDX)(prod - cons) > sizeof(r->in))
		return -1;
	while (n < len && (XENCONS_RING_IDX)(prod - cons) < sizeof(r->in))
		r->in[MASK_XENCONS_IDX(prod++, r->in)] = buf[n++];
	__atomic_store_n(&r->in_prod, prod, __ATOMIC_RELEASE);
	return (int)n;
}
