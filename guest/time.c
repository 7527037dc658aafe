/* TSC-to-nanosecond scale from vCPU 0's vcpu_time_info. */
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

uint64_t time_tsc_to_ns(uint64_t cycles)
{
	if (tsc_shift >= 0)
		cycles <<= tsc_shift;
	else
		cycles >>= -tsc_shift;
	return (uint64_t)(((unsigned __int128)cycles * tsc_mul) >> 32);
}
