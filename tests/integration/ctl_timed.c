/*
 * ctl_timed: time control operations as ketch-hv serves them, without the
 * start-up of a client process (which dominates under emulation).
 *   ctl_timed SOCKET pause|unpause|destroy|list|create DOMID-or-MiB
 * Prints "<milliseconds> <status>" (status 0 or a negative errno).
 * destroy waits for the domain's `dying` event, which ketch-hv sends once
 * the domain is torn down; create prints the new domain id as a third field.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ketch/ketchctl.h"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* ev: subscribed before the clock started, so only the destroy is timed. */
static int destroy_wait(struct kctl *h, struct kctl_events *ev, uint32_t domid)
{
	struct kctl_dominfo i;
	int r = ev ? kctl_destroy(h, domid) : -ENOTCONN;

	while (r == 0 && (r = kctl_next_event(ev, &i, 10000)) == 0)
		if (i.domid == domid && i.state == KCTL_STATE_DYING)
			break;
	return r;
}

static int run(struct kctl *h, struct kctl_events *ev, const char *op,
	       unsigned long arg, uint32_t *created)
{
	uint32_t ids[KCTL_MAX_DOMIDS];
	int n;

	if (!strcmp(op, "pause"))
		return kctl_pause(h, (uint32_t)arg);
	if (!strcmp(op, "unpause"))
		return kctl_unpause(h, (uint32_t)arg);
	if (!strcmp(op, "destroy"))
		return destroy_wait(h, ev, (uint32_t)arg);
	if (!strcmp(op, "list"))
		return (n = kctl_list(h, ids, KCTL_MAX_DOMIDS)) < 0 ? n : 0;
	if (!strcmp(op, "create"))
		return kctl_create(h, (uint64_t)arg << 20, 1, NULL, created);
	return -EINVAL;
}

int main(int argc, char **argv)
{
	struct kctl_events *ev = NULL;
	struct kctl *h;
	uint32_t created = 0;
	double t0;
	int r;

	if (argc != 4) {
		fprintf(stderr, "usage: ctl_timed SOCKET OP ARG\n");
		return 2;
	}
	h = kctl_open(argv[1], &r);
	if (!h) {
		printf("0 %d\n", r);
		return 1;
	}
	if (!strcmp(argv[2], "destroy"))
		ev = kctl_subscribe(argv[1], NULL);
	t0 = now_ms();
	r = run(h, ev, argv[2], strtoul(argv[3], NULL, 0), &created);
	printf("%.0f %d", now_ms() - t0, r);
	if (created)
		printf(" %u", created);
	printf("\n");
	kctl_events_close(ev);
	kctl_close(h);
	return r != 0;
}
