/*
 * netfront_follow.c - netfront following its backend once connected
 * (the decision is netfront_state.c's).  A backend that started over
 * gets a fresh connection: frames in flight are dropped, as Linux's
 * netfront drops them when it connects again (the peers' protocols send
 * again), and every receive buffer is posted on the new ring.  A vif the
 * toolstack removes is closed: Closing, Closed, then grants and port
 * taken back, so the toolstack's detach need not wait out its timeout.
 */
#include "netfront_internal.h"

static int reconnect(struct netfront *d, long was)
{
	int r;

	printk("netfront %s: backend state %ld, not Connected: connecting again\n", d->xb.fe, was);
	if ((r = nf_connect(d, 1))) {
		printk("netfront %s: connecting again failed (%d)\n", d->xb.fe, r);
		d->broken = 1;
		return -XEN_EBADMSG;
	}
	d->st.reconnects++;
	printk("netfront %s: connected again (%lu); %lu slots in flight dropped so far\n",
	       d->xb.fe, (unsigned long)d->st.reconnects, (unsigned long)d->st.tx_dropped);
	return 0;
}

static int close_for_good(struct netfront *d, long was)
{
	int r = 0;

	printk("netfront %s: backend state %ld, the vif is being removed: closing\n", d->xb.fe,
	       was);
	/* With its directory gone there is no one to tell. */
	if (was != XenbusStateUnknown && (r = front_leave(&d->xb)))
		printk("netfront %s: closing: %d\n", d->xb.fe, r);
	d->gone = 1;
	r = nf_release(d);
	printk("netfront %s: closed%s\n", d->xb.fe, r ? "; the backend still holds pages" : "");
	return -XEN_ENODEV;
}

int nf_follow_backend(struct netfront *d)
{
	long s;
	int r;

	if (!d->watching || (r = front_backend_news(&d->xb, &s)) == 0)
		return 0;
	if (r < 0)
		return r;
	switch (nf_backend_action(s, front_backend_online(&d->xb))) {
	case NF_STAY:
		return 0;
	case NF_RECONNECT:
		return reconnect(d, s);
	case NF_CLOSE:
		return close_for_good(d, s);
	default:
		printk("netfront %s: backend state %ld is none of Xen's\n", d->xb.fe, s);
		d->broken = 1;
		return -XEN_EBADMSG;
	}
}
