/*
 * evtchn_dom0_poll.c - who reads the control domain's notifications.
 *
 * A backend notifies a guest by writing the port's dom0 -> guest eventfd.
 * Each domain keeps those eventfds in an epoll set of its own (dom0_epfd).
 * While no vCPU of the domain is blocked, that set sits in the poller
 * thread's set and the poller raises what it finds.  While a vCPU sleeps
 * in SCHEDOP_block/poll, the set leaves the poller's and the vCPU thread
 * sleeps on it itself (sched_wait.c): the backend's write then wakes the
 * one thread that must run anyway.  Going through the poller meant two
 * thread wake-ups in a row (poller, then the vCPU through a condition
 * variable), which made a round trip several times the bare ioeventfd
 * ping-pong.  The set is handed back to the poller when the vCPU wakes, so
 * a guest running its own code still gets its events raised (and upcalls
 * kicked) promptly; a set that was ready meanwhile wakes the poller at once.
 *
 * Reading an eventfd and raising its port always happen under the port
 * lock (deliver), whichever thread does it: a racing EVTCHNOP_close closes
 * the descriptor under that same lock, so no read lands on a reused one.
 */
#include <errno.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "hv.h"

#define DRAIN_BATCH 32

int evtchn_dom0_init(struct domain *d)
{
	d->dom0_epfd = epoll_create1(EPOLL_CLOEXEC);
	if (d->dom0_epfd < 0)
		return -errno;
	pthread_mutex_init(&d->dom0_lock, NULL);
	d->dom0_sleepers = 0;
	d->dom0_used = d->dom0_polled = false;
	return 0;
}

void evtchn_dom0_fini(struct domain *d)
{
	if (d->dom0_epfd < 0)
		return;
	if (d->dom0_polled)
		epoll_ctl(d->hv->dom0_epoll, EPOLL_CTL_DEL, d->dom0_epfd, NULL);
	close(d->dom0_epfd);
	d->dom0_epfd = -1;
	pthread_mutex_destroy(&d->dom0_lock);
}

/*
 * The poller watches d's set exactly when d has bound a port to the
 * control domain and none of its vCPUs sleeps on the set.  Caller holds
 * d->dom0_lock.
 */
static void poller_update(struct domain *d)
{
	bool want = d->dom0_used && d->dom0_sleepers == 0;
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = d->domid };

	if (want == d->dom0_polled)
		return;
	if (epoll_ctl(d->hv->dom0_epoll, want ? EPOLL_CTL_ADD : EPOLL_CTL_DEL,
		      d->dom0_epfd, &ev) == 0)
		d->dom0_polled = want;
	else if (want)
		hv_log("d%u: cannot poll control-domain notifications: errno %d",
		       d->domid, errno);
}

int evtchn_dom0_watch(struct domain *d, uint32_t port, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = port };

	if (epoll_ctl(d->dom0_epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		return -errno;
	pthread_mutex_lock(&d->dom0_lock);
	d->dom0_used = true;
	poller_update(d);
	pthread_mutex_unlock(&d->dom0_lock);
	return 0;
}

/* Before the descriptor is closed: the backend's copy keeps the file open. */
void evtchn_dom0_unwatch(struct domain *d, int fd)
{
	epoll_ctl(d->dom0_epfd, EPOLL_CTL_DEL, fd, NULL);
}

void evtchn_dom0_sleeping(struct domain *d, bool sleeping)
{
	pthread_mutex_lock(&d->dom0_lock);
	if (sleeping)
		d->dom0_sleepers++;
	else
		d->dom0_sleepers--;
	poller_update(d);
	pthread_mutex_unlock(&d->dom0_lock);
}

static void deliver(struct domain *d, uint32_t port)
{
	uint64_t n;

	pthread_mutex_lock(&d->evtchn_lock);
	if (evtchn_valid(d, port) && d->evtchn[port].from_dom0_fd >= 0 &&
	    read(d->evtchn[port].from_dom0_fd, &n, sizeof(n)) == sizeof(n))
		evtchn_raise(d, port, d->evtchn[port].notify_vcpu);
	pthread_mutex_unlock(&d->evtchn_lock);
}

/*
 * The set is level-triggered: what is left past one batch, or read by
 * another thread meanwhile (the read fails, nothing is raised twice),
 * sorts itself out on the next wake.
 */
void evtchn_dom0_drain(struct domain *d)
{
	struct epoll_event ev[DRAIN_BATCH];
	int n = epoll_wait(d->dom0_epfd, ev, DRAIN_BATCH, 0);

	for (int i = 0; i < n; i++)
		deliver(d, (uint32_t)ev[i].data.u64);
}

static void *dom0_poller(void *arg)
{
	struct hv *hv = arg;
	struct epoll_event ev[DRAIN_BATCH];

	for (;;) {
		int n = epoll_wait(hv->dom0_epoll, ev, DRAIN_BATCH, -1);

		if (n < 0 && errno != EINTR)
			break;
		for (int i = 0; i < n; i++) {
			struct domain *d = domain_get(hv, (uint32_t)ev[i].data.u64);

			if (d) {
				evtchn_dom0_drain(d);
				domain_put(d);
			}
		}
	}
	return NULL;
}

int evtchn_dom0_start(struct hv *hv)
{
	pthread_t t;

	hv->dom0_epoll = epoll_create1(EPOLL_CLOEXEC);
	if (hv->dom0_epoll < 0)
		return -errno;
	if (hv_thread_create(&t, dom0_poller, hv))
		return -EAGAIN;
	pthread_detach(t);
	return 0;
}
