/*
 * run_console.c - the console backend of `ketch-hv run`: ketch-hv binds the
 * guest's console event channel as the control domain would, and a thread
 * drains the xencons_interface output ring (pv-drivers/common/cons_ring.c)
 * to stdout each time the guest notifies, then tells the guest the space is
 * free.  A guest that writes impossible indexes loses its console, nothing
 * else.
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <xen/io/console.h>

#include "hv.h"
#include "run.h"
#include "../../pv-drivers/common/cons_ring.h"

struct run_console {
	struct domain *d;
	struct xencons_interface *intf;
	int to_dom0, from_dom0, stop;
	pthread_t thread;
	bool broken;
};

/* Copy out everything the guest produced; false if the ring is corrupt. */
static bool drain(struct run_console *c)
{
	char buf[sizeof(c->intf->out)];
	int n = cons_ring_take_out(c->intf, buf, sizeof(buf));
	uint64_t one = 1;

	if (n < 0)
		return false;
	if (n) {
		fwrite(buf, 1, (size_t)n, stdout);
		fflush(stdout);
		if (write(c->from_dom0, &one, sizeof(one)) < 0)
			return true; /* counter full: the guest is notified anyway */
	}
	return true;
}

static void *console_thread(void *arg)
{
	struct run_console *c = arg;
	struct pollfd p[2] = { { c->to_dom0, POLLIN, 0 }, { c->stop, POLLIN, 0 } };
	uint64_t n;

	while (!c->broken && poll(p, 2, -1) >= 0 && !(p[1].revents & POLLIN)) {
		if ((p[0].revents & POLLIN) && read(c->to_dom0, &n, sizeof(n)) < 0 &&
		    errno != EAGAIN)
			break;
		if (!drain(c)) {
			c->broken = true;
			hv_log("d%u: console ring indexes are corrupt; console detached",
			       c->d->domid);
		}
	}
	return NULL;
}

struct run_console *run_console_start(struct domain *d, uint64_t gpfn, uint32_t port)
{
	struct run_console *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->d = d;
	c->intf = gm_gpa(d, gpfn * HV_PAGE_SIZE, HV_PAGE_SIZE);
	c->stop = eventfd(0, EFD_CLOEXEC);
	if (!c->intf || c->stop < 0 ||
	    evtchn_dom0_bind(d, port, &c->to_dom0, &c->from_dom0) < 0 ||
	    pthread_create(&c->thread, NULL, console_thread, c)) {
		hv_log("d%u: cannot attach the console ring", d->domid);
		if (c->stop >= 0)
			close(c->stop);
		free(c);
		return NULL;
	}
	return c;
}

void run_console_stop(struct run_console *c)
{
	uint64_t one = 1;

	if (!c)
		return;
	if (write(c->stop, &one, sizeof(one)) == sizeof(one))
		pthread_join(c->thread, NULL);
	if (!c->broken)
		drain(c); /* what the guest wrote just before it stopped */
	close(c->stop);
	close(c->to_dom0);
	close(c->from_dom0);
	free(c);
}
