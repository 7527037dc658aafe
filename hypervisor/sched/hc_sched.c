/* hc_sched.c - HYPERVISOR_sched_op: yield, shutdown, shutdown_code. */
#include <stdint.h>
#include <sched.h>
#include <xen/errno.h>
#include <xen/sched.h>

#include "hv.h"

static long read_reason(struct vcpu *v, uint64_t va, unsigned int *reason)
{
	struct sched_shutdown s;

	if (gm_copy_from(v, &s, va, sizeof(s)))
		return -XEN_EFAULT;
	if (s.reason > SHUTDOWN_MAX)
		return -XEN_EINVAL;
	*reason = s.reason;
	return 0;
}

long hc_sched_op(struct vcpu *v, const uint64_t a[6])
{
	unsigned int reason;
	long r;

	switch (a[0]) {
	case SCHEDOP_yield:
		sched_yield();
		return 0;
	case SCHEDOP_block:
		return sched_block(v);
	case SCHEDOP_poll:
		return sched_poll(v, a[1]);
	case SCHEDOP_shutdown:
		r = read_reason(v, a[1], &reason);
		if (r == 0)
			domain_shutdown(v->d, (int)reason);
		return r;
	case SCHEDOP_shutdown_code: {
		/*
		 * Xen records the value unchecked for the toolstack to read
		 * back; `ketch-hv run` turns it into its exit status.
		 */
		struct sched_shutdown s;

		if (gm_copy_from(v, &s, a[1], sizeof(s)))
			return -XEN_EFAULT;
		pthread_mutex_lock(&v->d->lock);
		v->d->shutdown_code = (int)(s.reason & 0x7fffffff);
		pthread_mutex_unlock(&v->d->lock);
		return 0;
	}
	default:
		return -XEN_ENOSYS;
	}
}
