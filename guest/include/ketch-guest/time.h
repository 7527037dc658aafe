/*
 * Time from vCPU 0's vcpu_time_info in shared_info: converts TSC cycles to
 * nanoseconds when the hypervisor publishes a scale.
 */
#ifndef KETCH_GUEST_TIME_H
#define KETCH_GUEST_TIME_H

#include <stdint.h>
#include <xen/xen.h>

/* Read the TSC scale from shared_info (vcpu_info[0].time). */
void init_time(const start_info_t *si);

/* Nonzero when a TSC scale was published (tsc_to_system_mul != 0). */
int time_tsc_known(void);

/* Convert a TSC cycle count to ns; 0 when the scale is unknown. */
uint64_t time_tsc_to_ns(uint64_t cycles);

#endif
