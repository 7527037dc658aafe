/*
 * Unit tests: the guest kit's 2-level event scan (guest/events_dispatch.c
 * and guest/events.c built for the host) on a fake shared_info: Xen's
 * order and rules, per-vCPU port ownership, masked ports, the rescan when
 * a handler raises another event, and the shared_info bit helpers.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <xen/xen.h>
#include <xen/event_channel.h>
#include <ketch-guest/smp.h>
#include <ketch-guest/events.h>

/* The kit's internals under test (guest/events_internal.h). */
extern shared_info_t *gk_shared;
unsigned int gk_events_scan(struct gk_cpu *c);

/* What the kit files reference but these tests never reach. */
char hypercall_page[4096], gk_upcall_entry[1], gk_failsafe_entry[1];
shared_info_t *start_info_shared(void);
uint64_t now_ns(void);
int time_arm_timer(uint64_t deadline);
void crash(const char *msg);
shared_info_t *start_info_shared(void) { return gk_shared; }
uint64_t now_ns(void) { return 0; }
int time_arm_timer(uint64_t deadline) { (void)deadline; return -1; }
void crash(const char *msg) { (void)msg; abort(); }

#define BITS (sizeof(xen_ulong_t) * 8)

static shared_info_t *shared;
static struct gk_cpu cpu[2];
static unsigned int calls[GK_NR_EVTCHNS];
static evtchn_port_t raise_from, raise_to; /* a handler that raises */

/* Mark port pending for vCPU v as the hypervisor does (Xen's rules). */
static void raise_port(evtchn_port_t port, unsigned int v)
{
	struct vcpu_info *vi = &shared->vcpu_info[v];

	shared->evtchn_pending[port / BITS] |= (xen_ulong_t)1 << (port % BITS);
	if (shared->evtchn_mask[port / BITS] & ((xen_ulong_t)1 << (port % BITS)))
		return;
	vi->evtchn_pending_sel |= (xen_ulong_t)1 << (port / BITS);
	vi->evtchn_upcall_pending = 1;
}

static void count(evtchn_port_t port, void *arg)
{
	ck_assert_ptr_eq(arg, &calls[port]);
	calls[port]++;
	/* Xen's rule: the pending bit is already clear when we run. */
	ck_assert(!evtchn_is_pending(port));
	if (port == raise_from)
		raise_port(raise_to, 0);
}

static void setup(void)
{
	shared = calloc(1, sizeof(*shared));
	gk_shared = shared;
	memset(calls, 0, sizeof(calls));
	raise_from = raise_to = 0;
	for (unsigned int v = 0; v < 2; v++) {
		cpu[v].self = &cpu[v];
		cpu[v].id = v;
		cpu[v].vi = &shared->vcpu_info[v];
	}
	for (evtchn_port_t p = 1; p < 300; p++)
		events_bind_port(p, p == 5 ? 1 : 0, count, &calls[p]);
}

static void teardown(void)
{
	free(shared);
}

START_TEST(handles_each_pending_port_once)
{
	raise_port(3, 0);
	raise_port(70, 0);
	raise_port(70, 0); /* second send before handling: one event */
	ck_assert_uint_eq(gk_events_scan(&cpu[0]), 2);
	ck_assert_uint_eq(calls[3], 1);
	ck_assert_uint_eq(calls[70], 1);
	ck_assert_uint_eq(shared->vcpu_info[0].evtchn_upcall_pending, 0);
	ck_assert_uint_eq(shared->vcpu_info[0].evtchn_pending_sel, 0);
	ck_assert_uint_eq(gk_events_scan(&cpu[0]), 0);
}
END_TEST

START_TEST(masked_port_stays_pending)
{
	evtchn_mask(7);
	ck_assert(evtchn_is_masked(7));
	raise_port(7, 0);
	raise_port(3, 0);
	ck_assert_uint_eq(gk_events_scan(&cpu[0]), 1);
	ck_assert_uint_eq(calls[7], 0);
	ck_assert(evtchn_is_pending(7));
	/* Unmasking is the hypervisor's job (EVTCHNOP_unmask); emulate it. */
	shared->evtchn_mask[0] = 0;
	raise_port(7, 0);
	ck_assert_uint_eq(gk_events_scan(&cpu[0]), 1);
	ck_assert_uint_eq(calls[7], 1);
}
END_TEST

START_TEST(ports_belong_to_their_vcpu)
{
	/* Port 5 is vCPU 1's; the same word also selects vCPU 0's port 3. */
	raise_port(5, 1);
	raise_port(3, 0);
	ck_assert_uint_eq(gk_events_scan(&cpu[0]), 1);
	ck_assert_uint_eq(calls[5], 0);
	ck_assert(evtchn_is_pending(5));
	ck_assert_uint_eq(gk_events_scan(&cpu[1]), 1);
	ck_assert_uint_eq(calls[5], 1);
	ck_assert(!evtchn_is_pending(5));
}
END_TEST

START_TEST(event_raised_while_scanning_is_handled)
{
	raise_from = 3;
	raise_to = 200; /* another word: its selector bit is set anew */
	raise_port(3, 0);
	ck_assert_uint_eq(gk_events_scan(&cpu[0]), 2);
	ck_assert_uint_eq(calls[200], 1);
	raise_to = 4; /* the same word, already emptied by the scan */
	raise_port(3, 0);
	ck_assert_uint_eq(gk_events_scan(&cpu[0]), 2);
	ck_assert_uint_eq(calls[4], 1);
}
END_TEST

START_TEST(port_without_handler_is_dropped_and_counted)
{
	unsigned long before = events_unhandled();

	events_bind_port(9, 0, NULL, NULL);
	raise_port(9, 0);
	ck_assert_uint_eq(gk_events_scan(&cpu[0]), 1);
	ck_assert(!evtchn_is_pending(9));
	ck_assert_uint_eq(events_unhandled(), before + 1);
}
END_TEST

START_TEST(bit_helpers)
{
	evtchn_port_t last = GK_NR_EVTCHNS - 1;

	raise_port(last, 0);
	ck_assert(evtchn_is_pending(last));
	evtchn_clear(last);
	ck_assert(!evtchn_is_pending(last));
	ck_assert_uint_eq(shared->evtchn_pending[last / BITS], 0);
	evtchn_mask(last);
	ck_assert(evtchn_is_masked(last));
	ck_assert_uint_eq(shared->evtchn_mask[last / BITS], (xen_ulong_t)1 << (BITS - 1));
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("guest_events");
	TCase *tc = tcase_create("scan");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, handles_each_pending_port_once);
	tcase_add_test(tc, masked_port_stays_pending);
	tcase_add_test(tc, ports_belong_to_their_vcpu);
	tcase_add_test(tc, event_raised_while_scanning_is_handled);
	tcase_add_test(tc, port_without_handler_is_dropped_and_counted);
	tcase_add_test(tc, bit_helpers);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
