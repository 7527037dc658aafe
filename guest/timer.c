/*
 * Timers: this vCPU's VIRQ_TIMER port (bound lazily) and singleshot timer,
 * and sleeping on top of events_block_until().
 */
#include <ketch-guest/kit.h>
#include <xen/vcpu.h>

static void timer_event(evtchn_port_t port, void *arg)
{
	(void)port;
	((struct gk_cpu *)arg)->timer_events++;
}

long time_timer_port(void)
{
	struct gk_cpu *c = this_cpu();
	evtchn_port_t port;
	int rc;

	if (c->timer_port)
		return c->timer_port;
	rc = evtchn_bind_virq(VIRQ_TIMER, c->id, timer_event, c, &port);
	if (rc < 0)
		return rc;
	c->timer_port = port;
	return port;
}

int time_arm_timer(uint64_t deadline)
{
	struct vcpu_set_singleshot_timer t = { .timeout_abs_ns = deadline };
	long port;

	/* No published clock: a deadline would never be seen to pass. */
	if (this_cpu()->vi->time.tsc_to_system_mul == 0)
		return -XEN_ENOSYS;
	port = time_timer_port();
	if (port < 0)
		return (int)port;
	return HYPERVISOR_vcpu_op(VCPUOP_set_singleshot_timer,
				  smp_processor_id(), &t);
}

int time_stop_timer(void)
{
	return HYPERVISOR_vcpu_op(VCPUOP_stop_singleshot_timer,
				  smp_processor_id(), NULL);
}

int sleep_ns(uint64_t ns)
{
	int rc = events_block_until(NULL, NULL, deadline_after_ns(ns));

	return rc == -XEN_ETIME ? 0 : rc;
}
