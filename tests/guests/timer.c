/*
 * timer: system time and the wall clock, sleeps of 1, 10 and 100 ms
 * (singleshot timer + SCHEDOP_block), set_timer_op, the periodic timer,
 * stopping a timer and SCHEDOP_poll's timeout.  Prints
 * "sleep <N>ms measured=<us>us error=<us>us"; asserts only what must hold
 * whatever the load (a sleep is never shorter than asked).  Exit code =
 * number of failures.
 */
#include "verdict.h"
#include <xen/vcpu.h>

static unsigned long ticks;

static void tick(evtchn_port_t port, void *arg)
{
	(void)port;
	(void)arg;
	ticks++;
}

static int ticks_at_least(void *arg)
{
	return ticks >= *(unsigned long *)arg;
}

static void clocks(void)
{
	uint64_t prev = now_ns(), wall = time_wallclock_ns();
	int monotonic = 1;

	for (int i = 0; i < 10000; i++) {
		uint64_t t = now_ns();

		monotonic &= t >= prev;
		prev = t;
	}
	verdict_check(monotonic, "now_ns monotonic", "");
	verdict_check(prev > 0, "system time advances", "");
	printk("timer wallclock=%lus\n", (unsigned long)(wall / NSEC_PER_SEC));
	/* 2020-01-01: a wall clock before that was not set. */
	verdict_check(wall / NSEC_PER_SEC > 1577836800UL, "wallclock set", "");
}

static void sleeps(void)
{
	static const unsigned long ms[] = { 1, 10, 100 };

	for (unsigned int i = 0; i < ARRAY_SIZE(ms); i++) {
		uint64_t want = ms[i] * NSEC_PER_MSEC;
		uint64_t t0 = now_ns(), w0 = time_wallclock_ns();
		int rc = sleep_ns(want);
		uint64_t took = now_ns() - t0, wall = time_wallclock_ns() - w0;
		char name[32];

		printk("sleep %lums measured=%luus error=%luus wall=%luus\n", ms[i],
		       (unsigned long)(took / 1000),
		       (unsigned long)((took - want) / 1000),
		       (unsigned long)(wall / 1000));
		snprintf(name, sizeof(name), "sleep %lums", ms[i]);
		verdict_check(rc == 0 && took >= want, name, "shorter than asked");
	}
}

/* set_timer_op (hypercall 15) also fires VIRQ_TIMER. */
static void timer_op(void)
{
	uint64_t t0 = now_ns(), deadline = t0 + 5 * NSEC_PER_MSEC;
	unsigned long want = ticks + 1;
	long rc = HYPERVISOR_set_timer_op(deadline);

	verdict_rc("set_timer_op", rc, 0);
	if (rc == 0)
		events_block_until(ticks_at_least, &want, 0);
	verdict_check(now_ns() >= deadline, "set_timer_op fires at deadline", "");
}

static void periodic(void)
{
	struct vcpu_set_periodic_timer p = { .period_ns = 2 * NSEC_PER_MSEC };
	unsigned long want = ticks + 5;
	uint64_t t0 = now_ns();
	int rc = HYPERVISOR_vcpu_op(VCPUOP_set_periodic_timer, 0, &p);

	verdict_rc("set_periodic_timer", rc, 0);
	if (rc == 0)
		rc = events_block_until(ticks_at_least, &want,
					t0 + NSEC_PER_SEC);
	verdict_rc("5 periodic ticks within 1 s", rc, 0);
	verdict_check(now_ns() - t0 >= 8 * NSEC_PER_MSEC, "ticks not early", "");
	verdict_rc("stop_periodic_timer",
		   HYPERVISOR_vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL), 0);
}

/* A stopped singleshot timer stays quiet; poll's timeout still ends it. */
static void stop_and_poll(evtchn_port_t port)
{
	unsigned long before;
	uint64_t t0;
	int rc;

	do_events();
	before = ticks;
	verdict_rc("arm singleshot", time_arm_timer(now_ns() + 5 * NSEC_PER_MSEC), 0);
	verdict_rc("stop singleshot", time_stop_timer(), 0);
	t0 = now_ns();
	rc = events_poll(&port, 1, t0 + 20 * NSEC_PER_MSEC);
	verdict_rc("poll times out", rc, 0);
	verdict_check(now_ns() - t0 >= 20 * NSEC_PER_MSEC, "poll waited", "");
	do_events();
	verdict_check(ticks == before, "stopped timer did not fire", "");

	struct vcpu_set_singleshot_timer past = {
		.timeout_abs_ns = 1, .flags = VCPU_SSHOTTMR_future
	};
	rc = HYPERVISOR_vcpu_op(VCPUOP_set_singleshot_timer, 0, &past);
	verdict_check(rc == -XEN_ETIME || rc == 0, "past deadline with future flag", "");
	verdict_rc("timer on another vcpu",
		   HYPERVISOR_vcpu_op(VCPUOP_set_singleshot_timer, 1, &past),
		   smp_nr_cpus() > 1 ? -XEN_EINVAL : -XEN_ENOENT);
}

int main(const start_info_t *si)
{
	long port;

	(void)si;
	clocks();
	port = time_timer_port();
	verdict_check(port > 0, "bind VIRQ_TIMER", "no port");
	if (port <= 0)
		return verdict_done("timer");
	events_bind_port((evtchn_port_t)port, 0, tick, NULL);
	sleeps();
	timer_op();
	periodic();
	stop_and_poll((evtchn_port_t)port);
	return verdict_done("timer");
}
