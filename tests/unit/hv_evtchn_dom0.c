/*
 * Unit test: a send on a port bound to the control domain never writes to
 * a descriptor that a concurrent EVTCHNOP_close has closed.  One thread
 * sends again and again while another closes the port, opens a "victim"
 * eventfd (which reuses the closed descriptor's number) and binds the
 * port again; no send may ever land on a victim.  The sender's write(2)
 * is slowed down (this file's write() wraps the system call), which makes
 * the race window that a send outside the lock has wide enough to hit
 * every round.
 */
#include <check.h>
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

START_TEST(send_never_hits_a_reused_descriptor)
{
	unsigned long stray = 0;
	pthread_t t;

	hv.dom0_epoll = epoll_create1(0);
	d = calloc(1, sizeof(*d));
	d->hv = &hv;
	d->domid = 1;
	d->vmfd = -1;
	ck_assert_int_eq(evtchn_init(d, 0), 0);
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

int main(void)
{
	Suite *s = suite_create("hv_evtchn_dom0");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, send_never_hits_a_reused_descriptor);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
