/*
 * Time, from the pvclock in each vCPU's vcpu_time_info and the wall clock
 * in shared_info, and timers that fire VIRQ_TIMER on the vCPU that set
 * them.  System time is nanoseconds since the domain's time base; the wall
 * clock is shared_info's wc_* (the time of day at system time 0) plus it.
 */
#ifndef KETCH_GUEST_TIME_H
#define KETCH_GUEST_TIME_H

#include <stdint.h>
#include <xen/xen.h>
#include <xen/event_channel.h>

#define NSEC_PER_USEC 1000ULL
#define NSEC_PER_MSEC 1000000ULL
#define NSEC_PER_SEC 1000000000ULL

/* Read the TSC scale from shared_info (vcpu_info[0].time). */
void init_time(const start_info_t *si);

/* Nonzero when a TSC scale was published (tsc_to_system_mul != 0). */
int time_tsc_known(void);

/* Convert a TSC cycle count to ns with the boot scale; 0 if unknown. */
uint64_t time_tsc_to_ns(uint64_t cycles);

/*
 * System time in ns from this vCPU's vcpu_time_info: system_time plus the
 * TSC delta since tsc_timestamp, scaled; read under the version seqlock
 * (odd = update in progress).  Monotonic on one vCPU.
 */
uint64_t now_ns(void);

/* Wall-clock time in ns since the Unix epoch (wc_* + now_ns()). */
uint64_t time_wallclock_ns(void);

/* The system time ns from now, for events_block_until() and friends. */
static inline uint64_t deadline_after_ns(uint64_t ns)
{
	return now_ns() + ns;
}

/* Nonzero once system time has reached deadline. */
static inline int deadline_passed(uint64_t deadline)
{
	return now_ns() >= deadline;
}

/*
 * This vCPU's VIRQ_TIMER port, bound on first use (the kit's handler just
 * counts).  A guest may install its own handler with events_bind_port().
 * Returns the port, or a negative Xen errno if binding failed.
 */
long time_timer_port(void);

/*
 * Arm this vCPU's singleshot timer for system time deadline (ns)
 * (VCPUOP_set_singleshot_timer; a deadline in the past fires at once),
 * binding VIRQ_TIMER first if needed.  0 or a negative Xen errno;
 * -XEN_ENOSYS when this vCPU's vcpu_time_info has no TSC scale (no clock
 * to measure the deadline by).
 */
int time_arm_timer(uint64_t deadline);

/* Cancel it (VCPUOP_stop_singleshot_timer).  0 or a negative errno. */
int time_stop_timer(void);

/*
 * Sleep until system time has advanced by ns, handling events meanwhile
 * (events_block_until).  Returns 0, or a negative errno if no timer works.
 */
int sleep_ns(uint64_t ns);

#endif
