/*
 * pvclock system time and the wall clock from shared_info; the boot TSC
 * scale.  Timers and sleeping are in timer.c.
 */
#include <ketch-guest/kit.h>

static uint32_t tsc_mul;
static int8_t tsc_shift;

void init_time(const start_info_t *si)
{
	shared_info_t *s = gpa_to_virt(si->shared_info);
	volatile struct vcpu_time_info *t = &s->vcpu_info[0].time;

	/* Seqlock read; give up (scale unknown) if it never settles. */
	for (int tries = 0; tries < 1000; tries++) {
		uint32_t v = t->version;
		rmb();
		uint32_t mul = t->tsc_to_system_mul;
		int8_t shift = t->tsc_shift;
		rmb();
		if (!(v & 1) && v == t->version) {
			tsc_mul = mul;
			tsc_shift = shift;
			return;
		}
	}
}

int time_tsc_known(void)
{
	return tsc_mul != 0;
}

static uint64_t scale(uint64_t cycles, uint32_t mul, int8_t shift)
{
	if (shift >= 0)
		cycles <<= shift;
	else
		cycles >>= -shift;
	return (uint64_t)(((unsigned __int128)cycles * mul) >> 32);
}

uint64_t time_tsc_to_ns(uint64_t cycles)
{
	return scale(cycles, tsc_mul, tsc_shift);
}

/* rdtsc that is not executed ahead of the version read before it. */
static inline uint64_t rdtsc_ordered(void)
{
	__asm__ volatile("lfence" ::: "memory");
	return rdtsc();
}

uint64_t now_ns(void)
{
	volatile struct vcpu_time_info *t = &this_cpu()->vi->time;
	uint32_t v, mul;
	uint64_t sys, stamp, tsc;
	int8_t shift;

	do {
		v = t->version;
		rmb();
		tsc = rdtsc_ordered();
		sys = t->system_time;
		stamp = t->tsc_timestamp;
		mul = t->tsc_to_system_mul;
		shift = t->tsc_shift;
		rmb();
	} while ((v & 1) || v != t->version);
	/* A stamp taken after our rdtsc (another CPU's TSC) adds nothing. */
	return sys + (tsc > stamp ? scale(tsc - stamp, mul, shift) : 0);
}

uint64_t time_wallclock_ns(void)
{
	volatile shared_info_t *s = start_info_shared();
	uint32_t v, nsec;
	uint64_t sec;

	do {
		v = s->wc_version;
		rmb();
		sec = s->wc_sec | ((uint64_t)s->xen_wc_sec_hi << 32);
		nsec = s->wc_nsec;
		rmb();
	} while ((v & 1) || v != s->wc_version);
	return sec * NSEC_PER_SEC + nsec + now_ns();
}
