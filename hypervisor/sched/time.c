/*
 * time.c - guest time, Xen's way: each vCPU's vcpu_time_info (pvclock:
 * system time at a TSC stamp plus a TSC scale) and the shared wall clock.
 * System time is the host's CLOCK_MONOTONIC in ns.  Also runstate
 * accounting for VCPUOP_get_runstate_info.
 */
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <x86intrin.h>
#include <xen/vcpu.h>
#include <xen/xen.h>

#include "hv.h"

#define MSR_IA32_TSC 0x10

/* ns = ((tsc_delta << shift) * mul) >> 32, with the most precise mul < 2^32. */
static void tsc_scale(uint64_t tsc_khz, uint32_t *mul, int8_t *shift)
{
	for (int s = -8; s <= 8; s++) {
		unsigned __int128 m = (unsigned __int128)1000000ULL << 32;

		m = s >= 0 ? m / ((unsigned __int128)tsc_khz << s) : (m << -s) / tsc_khz;
		if (m < (1ULL << 32)) {
			*mul = (uint32_t)m;
			*shift = (int8_t)s;
			return;
		}
	}
	*mul = 0;
	*shift = 0;
}

/* The guest's TSC now; falls back to the host's when KVM will not say. */
static uint64_t guest_tsc(struct vcpu *v)
{
	struct {
		struct kvm_msrs h;
		struct kvm_msr_entry e;
	} m = { .h.nmsrs = 1, .e.index = MSR_IA32_TSC };

	if (ioctl(v->fd, KVM_GET_MSRS, &m) == 1)
		return m.e.data;
	return __rdtsc();
}

/* Refresh v's vcpu_time_info; call from v's own thread (KVM vcpu ioctls). */
void time_update_vcpu(struct vcpu *v)
{
	vcpu_info_t *vi = vcpu_info_of(v);
	vcpu_time_info_t *t;
	long khz;

	if (!vi)
		return;
	khz = ioctl(v->fd, KVM_GET_TSC_KHZ, 0);
	if (khz <= 0)
		return;
	t = &vi->time;
	__atomic_add_fetch(&t->version, 1, __ATOMIC_SEQ_CST); /* odd: updating */
	t->tsc_timestamp = guest_tsc(v);
	t->system_time = hv_now_ns();
	tsc_scale((uint64_t)khz, &t->tsc_to_system_mul, &t->tsc_shift);
	t->flags = XEN_PVCLOCK_TSC_STABLE_BIT;
	__atomic_add_fetch(&t->version, 1, __ATOMIC_SEQ_CST);
}

/* Wall clock at system time 0, in shared_info (version odd while updating). */
void time_init_domain(struct domain *d)
{
	struct timespec rt, mono;
	shared_info_t *s = shinfo(d);
	uint64_t base;

	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_MONOTONIC, &mono);
	base = ((uint64_t)rt.tv_sec * 1000000000ULL + (uint64_t)rt.tv_nsec) -
	       ((uint64_t)mono.tv_sec * 1000000000ULL + (uint64_t)mono.tv_nsec);
	d->wc_base_ns = base;
	if (!s)
		return;
	__atomic_add_fetch(&s->wc_version, 1, __ATOMIC_SEQ_CST);
	s->wc_sec = (uint32_t)(base / 1000000000ULL);
	s->wc_sec_hi = (uint32_t)((base / 1000000000ULL) >> 32);
	s->wc_nsec = (uint32_t)(base % 1000000000ULL);
	__atomic_add_fetch(&s->wc_version, 1, __ATOMIC_SEQ_CST);
}

void vcpu_runstate(struct vcpu *v, uint32_t state)
{
	uint64_t now = hv_now_ns();

	if (v->runstate_entry && v->runstate < 4)
		v->runstate_time[v->runstate] += now - v->runstate_entry;
	v->runstate = state;
	v->runstate_entry = now;
}

void vcpu_runstate_info(struct vcpu *v, struct vcpu_runstate_info *out)
{
	uint64_t now = hv_now_ns();

	memset(out, 0, sizeof(*out));
	out->state = (int)v->runstate;
	out->state_entry_time = v->runstate_entry;
	memcpy(out->time, v->runstate_time, sizeof(out->time));
	if (v->runstate_entry && v->runstate < 4)
		out->time[v->runstate] += now - v->runstate_entry;
}
