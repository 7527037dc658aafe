/*
 * smp: bring up every vCPU (run with --vcpus 4), give each an IPI port,
 * and have vCPU 0 ping them round-robin (rounds=N, default 1000) while each
 * answers on its own reply port; counts must be exact and every handler
 * must run on the vCPU its port is bound to.  Also VCPUOP_is_up, down/up of
 * a running vCPU, get_runstate_info and bring-up errors.  upcall=1: the
 * secondaries spin with upcalls enabled instead of blocking.  Exit code =
 * number of failures.  Spinning secondaries each hold a host CPU: use
 * upcall=1 only with no more vCPUs than host CPUs.
 */
#include "verdict.h"
#include <xen/vcpu.h>

#define WAIT_NS (5 * NSEC_PER_SEC)

struct peer {
	evtchn_port_t ipi;   /* bound to the peer: vCPU 0 sends here */
	evtchn_port_t reply; /* bound to vCPU 0: the peer answers here */
	volatile unsigned long received, replies, wrong_cpu;
	unsigned long sent;
	uint64_t slept_ns;
};

static struct peer peers[GK_MAX_VCPUS];
static volatile int stop;
static int spin_mode;

static void on_ipi(evtchn_port_t port, void *arg)
{
	struct peer *p = arg;

	(void)port;
	if (smp_processor_id() != (unsigned int)(p - peers))
		p->wrong_cpu++;
	p->received++;
	evtchn_send(p->reply);
}

static void on_reply(evtchn_port_t port, void *arg)
{
	struct peer *p = arg;

	(void)port;
	if (smp_processor_id() != 0)
		p->wrong_cpu++;
	p->replies++;
}

static int stopped(void *arg)
{
	(void)arg;
	return stop;
}

static int answered(void *arg)
{
	struct peer *p = arg;

	return p->replies == p->sent;
}

/* What each secondary runs: a timed sleep, then serve IPIs until stop. */
static void secondary(void *arg)
{
	struct peer *p = arg;
	uint64_t t0 = now_ns();

	sleep_ns(NSEC_PER_MSEC); /* this vCPU's own VIRQ_TIMER */
	p->slept_ns = now_ns() - t0;
	if (!spin_mode) {
		events_block_until(stopped, NULL, 0);
		return;
	}
	events_restore_upcalls(0);
	while (!stop)
		cpu_relax();
	events_mask_upcalls();
}

static int bring_up(unsigned int n)
{
	char name[48];

	for (unsigned int i = 1; i < n; i++) {
		struct peer *p = &peers[i];

		snprintf(name, sizeof(name), "vcpu %u ports", i);
		verdict_check(evtchn_bind_ipi(i, on_ipi, p, &p->ipi) == 0 &&
				      evtchn_bind_ipi(0, on_reply, p, &p->reply) == 0,
			      name, "bind_ipi failed");
		snprintf(name, sizeof(name), "start vcpu %u", i);
		verdict_rc(name, smp_start_cpu(i, secondary, p), 0);
	}
	verdict_rc("all vcpus online", smp_wait_online(n, WAIT_NS), 0);
	for (unsigned int i = 1; i < n; i++) {
		snprintf(name, sizeof(name), "is_up(%u)", i);
		verdict_rc(name, HYPERVISOR_vcpu_op(VCPUOP_is_up, i, NULL), 1);
	}
	return verdict_failures ? -1 : 0;
}

/* One ping to peer i and its answer; 0 or -XEN_ETIME. */
static int ping(unsigned int i)
{
	struct peer *p = &peers[i];

	p->sent++;
	evtchn_send(p->ipi);
	return events_block_until(answered, p, now_ns() + WAIT_NS);
}

static void round_robin(unsigned int n, unsigned long rounds)
{
	unsigned long timeouts = 0;

	for (unsigned long r = 0; r < rounds && timeouts < 3; r++)
		for (unsigned int i = 1; i < n; i++)
			timeouts += ping(i) != 0;
	verdict_check(timeouts == 0, "every ping answered", "timed out");
	for (unsigned int i = 1; i < n; i++) {
		struct peer *p = &peers[i];
		char name[48];

		printk("smp vcpu %u sent=%lu received=%lu replies=%lu slept=%luus\n",
		       i, p->sent, p->received, p->replies,
		       (unsigned long)(p->slept_ns / 1000));
		snprintf(name, sizeof(name), "vcpu %u exact counts", i);
		verdict_check(p->received == rounds && p->replies == rounds, name, "");
		snprintf(name, sizeof(name), "vcpu %u handlers on their vcpu", i);
		verdict_check(p->wrong_cpu == 0, name, "");
		snprintf(name, sizeof(name), "vcpu %u slept 1ms", i);
		verdict_check(p->slept_ns >= NSEC_PER_MSEC, name, "");
	}
}

static int runstate(unsigned int id, struct vcpu_runstate_info *rs)
{
	memset(rs, 0, sizeof(*rs));
	return HYPERVISOR_vcpu_op(VCPUOP_get_runstate_info, id, rs);
}

/* Take the last vCPU down while it runs; IPIs wait until it is up again. */
static void down_up(unsigned int id)
{
	struct peer *p = &peers[id];
	struct vcpu_runstate_info rs;

	verdict_rc("VCPUOP_down(running peer)",
		   HYPERVISOR_vcpu_op(VCPUOP_down, id, NULL), 0);
	verdict_rc("is_up after down", HYPERVISOR_vcpu_op(VCPUOP_is_up, id, NULL), 0);
	/* Like Xen, a running vCPU stops asynchronously: give it a moment. */
	uint64_t deadline = now_ns() + WAIT_NS;
	while (runstate(id, &rs) == 0 && rs.state != RUNSTATE_offline &&
	       !deadline_passed(deadline))
		sched_yield();
	verdict_check(rs.state == RUNSTATE_offline, "runstate offline", "");
	p->sent++;
	evtchn_send(p->ipi);
	verdict_rc("no answer while down",
		   events_block_until(answered, p, now_ns() + 20 * NSEC_PER_MSEC),
		   -XEN_ETIME);
	verdict_rc("VCPUOP_up again", HYPERVISOR_vcpu_op(VCPUOP_up, id, NULL), 0);
	verdict_rc("answer after up",
		   events_block_until(answered, p, now_ns() + WAIT_NS), 0);
	p->received--; /* keep the round-robin totals comparable */
	p->replies--;
	p->sent--;
}

static void queries(unsigned int n)
{
	struct vcpu_runstate_info rs;
	struct vcpu_guest_context *ctx = calloc(1, sizeof(*ctx));

	verdict_check(runstate(0, &rs) == 0 && rs.state == RUNSTATE_running,
		      "runstate of self running", "");
	verdict_check(rs.time[RUNSTATE_running] > 0, "running time counted", "");
	verdict_rc("is_up(n)", HYPERVISOR_vcpu_op(VCPUOP_is_up, n, NULL), -XEN_ENOENT);
	verdict_rc("up(n)", HYPERVISOR_vcpu_op(VCPUOP_up, n, NULL), -XEN_ENOENT);
	verdict_rc("runstate(n)", runstate(n, &rs), -XEN_ENOENT);
	verdict_rc("initialise(1) twice",
		   HYPERVISOR_vcpu_op(VCPUOP_initialise, 1, ctx), -XEN_EEXIST);
	verdict_rc("kit refuses vcpu n", smp_start_cpu(n, secondary, NULL), -XEN_EINVAL);
	free(ctx);
}

/* Ask every secondary to finish; each takes itself down. */
static void finish(unsigned int n)
{
	uint64_t deadline = now_ns() + WAIT_NS;
	unsigned int up = 0;

	stop = 1;
	for (unsigned int i = 1; i < n; i++)
		evtchn_send(peers[i].ipi);
	for (unsigned int i = 1; i < n; i++)
		while (HYPERVISOR_vcpu_op(VCPUOP_is_up, i, NULL) == 1 &&
		       !deadline_passed(deadline))
			sched_yield();
	for (unsigned int i = 1; i < n; i++)
		up += HYPERVISOR_vcpu_op(VCPUOP_is_up, i, NULL) == 1;
	verdict_check(up == 0, "secondaries took themselves down", "");
}

int main(const start_info_t *si)
{
	unsigned int n = smp_nr_cpus();
	unsigned long rounds = start_info_arg_ul("rounds", 1000);

	(void)si;
	spin_mode = start_info_arg_ul("upcall", 0) != 0;
	printk("smp vcpus=%u rounds=%lu mode=%s\n", n, rounds,
	       spin_mode ? "upcall" : "block");
	verdict_check(n >= 2, "more than one vcpu", "run with --vcpus N");
	if (n < 2)
		return verdict_done("smp");
	if (spin_mode)
		verdict_rc("register callback", events_register_callback(), 0);
	if (bring_up(n) == 0) {
		round_robin(n, rounds);
		queries(n);
		down_up(n - 1);
		finish(n);
	}
	return verdict_done("smp");
}
