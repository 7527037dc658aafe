/*
 * Unit test: a send on a port bound to the control domain never writes to
 * a descriptor that a concurrent EVTCHNOP_close has closed.  One thread
 * sends again and again while another closes the port, opens a "victim"
 * eventfd (which reuses the closed descriptor's number) and binds the
 * port again; no send may ever land on a victim.  The sender's write(2)
 * is slowed down (this file's write() wraps the system call), which makes
 * the race window that a send outside the lock has wide enough to hit
 * every round.
 *
 * Also: a domain's control-domain notifications are watched by the poller
 * thread's set exactly while none of its vCPUs sleeps on them, and one
 * that arrives across the hand-over is neither lost nor raised twice.
 */
#include <check.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../../hypervisor/hv.h"

#define PORT 5
#define ROUNDS 300

static struct hv hv;
static struct domain *d;
static atomic_bool done;
static _Thread_local bool in_sender;

/* Every write(2) in this program; the sender's take 200 us longer. */
ssize_t write(int fd, const void *buf, size_t len)
{
	if (in_sender)
		usleep(200);
	return syscall(SYS_write, fd, buf, len);
}

static void bind_port(int fd)
{
	pthread_mutex_lock(&d->evtchn_lock);
	d->evtchn[PORT] = (struct evtchn){ .state = ECS_INTERDOMAIN, .remote_dom = 0,
		.remote_port = PORT, .to_dom0_fd = fd, .from_dom0_fd = -1 };
	pthread_mutex_unlock(&d->evtchn_lock);
}

static void *sender(void *arg)
{
	(void)arg;
	in_sender = true;
	while (!atomic_load(&done))
		evtchn_send(d, PORT);
	return NULL;
}

static void make_domain(void)
{
	hv.dom0_epoll = epoll_create1(0);
	d = calloc(1, sizeof(*d));
	d->hv = &hv;
	d->domid = 1;
	d->vmfd = -1;
	ck_assert_int_eq(evtchn_init(d, 0), 0);
}

START_TEST(send_never_hits_a_reused_descriptor)
{
	unsigned long stray = 0;
	pthread_t t;

	make_domain();
	bind_port(eventfd(0, EFD_NONBLOCK));
	ck_assert_int_eq(pthread_create(&t, NULL, sender, NULL), 0);
	for (int i = 0; i < ROUNDS; i++) {
		uint64_t n = 0;
		int victim;

		usleep(100); /* the sender is now inside a send on the bound port */
		evtchn_close(d, PORT);
		victim = eventfd(0, EFD_NONBLOCK); /* likely the number just closed */
		usleep(1000); /* let a send in flight land */
		if (read(victim, &n, sizeof(n)) == sizeof(n))
			stray += n;
		close(victim);
		bind_port(eventfd(0, EFD_NONBLOCK));
	}
	atomic_store(&done, true);
	pthread_join(t, NULL);
	ck_assert_uint_eq(stray, 0);
	evtchn_free(d);
	free(d);
}
END_TEST

/* Events the poller thread's set has ready now (no poller runs here). */
static int poller_ready(void)
{
	struct epoll_event ev;

	return epoll_wait(hv.dom0_epoll, &ev, 1, 0);
}

START_TEST(poller_and_sleeping_vcpu_hand_over)
{
	struct pollfd p;
	uint64_t one = 1, n;
	int fd = eventfd(0, EFD_NONBLOCK), backend = dup(fd);

	make_domain();
	pthread_mutex_lock(&d->evtchn_lock);
	d->evtchn[PORT] = (struct evtchn){ .state = ECS_INTERDOMAIN, .remote_dom = 0,
		.remote_port = PORT, .to_dom0_fd = -1, .from_dom0_fd = fd };
	ck_assert_int_eq(evtchn_dom0_watch(d, PORT, fd), 0);
	pthread_mutex_unlock(&d->evtchn_lock);
	ck_assert_int_eq(write(fd, &one, sizeof(one)), sizeof(one));
	ck_assert_int_eq(poller_ready(), 1);

	evtchn_dom0_sleeping(d, true); /* a vCPU blocks: the set is its alone */
	ck_assert_int_eq(poller_ready(), 0);
	p = (struct pollfd){ .fd = d->dom0_epfd, .events = POLLIN };
	ck_assert_int_eq(poll(&p, 1, 0), 1);

	evtchn_dom0_sleeping(d, false); /* it runs again: still pending */
	ck_assert_int_eq(poller_ready(), 1);
	evtchn_dom0_drain(d);
	ck_assert_int_lt(read(fd, &n, sizeof(n)), 0); /* taken once */
	ck_assert_int_eq(poller_ready(), 0);

	/* Closed: the backend's copy of the eventfd wakes nobody any more. */
	evtchn_close(d, PORT);
	ck_assert_int_eq(write(backend, &one, sizeof(one)), sizeof(one));
	ck_assert_int_eq(poller_ready(), 0);
	ck_assert_int_eq(poll(&p, 1, 0), 0);
	close(backend);
	evtchn_free(d);
	free(d);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("hv_evtchn_dom0");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, send_never_hits_a_reused_descriptor);
	tcase_add_test(tc, poller_and_sleeping_vcpu_hand_over);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
