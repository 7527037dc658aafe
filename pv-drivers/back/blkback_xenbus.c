/*
 * blkback_xenbus.c - the backend half of Xen's xenbus handshake for one
 * vbd, as Linux's blkback runs it (xen/io/xenbus.h):
 *
 *   start: features written, InitWait (Closed if the frontend is still
 *          connected to an earlier instance of us: it must start over)
 *   frontend Initialised/Connected: negotiate, map each queue's ring,
 *            bind its event-channel (blkback_connect.c), write
 *            sectors/info/sector-size, Connected
 *   frontend Closing: drain I/O, unmap, Closing
 *   frontend Closed: Closed; exit if the toolstack set online to 0
 *   frontend Initialising after Closed: InitWait again (a reconnect)
 *   frontend state gone, or its domain stopped: exit
 *
 * The toolstack wrote our directory (libxl's layout: frontend,
 * frontend-id, online, state, mode, params...) before starting us.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blkback.h"

/* Our directory is still there: once the toolstack removed it (the disk
 * is going), a write would create nodes nobody removes. */
static bool dir_present(struct bb *b, xs_transaction_t t)
{
	char path[192], *fe;

	snprintf(path, sizeof(path), "%s/frontend", b->x.be);
	fe = xs_read(b->x.xs, t, path, NULL);
	free(fe);
	return fe != NULL;
}

static bool fill_state(void *arg, xs_transaction_t t)
{
	struct bb *b = arg;

	return !dir_present(b, t) || bkx_put_ull(&b->x, t, "state", b->x.state);
}

void bb_switch_state(struct bb *b, XenbusState s)
{
	b->x.state = s;
	if (!bkx_transaction(&b->x, fill_state, b))
		bk_log("cannot write state %d: %s", s, strerror(errno));
}

/* What Linux's blkback offers at probe (and feature-persistent, which it
 * writes when connecting; written here so a frontend reads it before). */
static bool fill_features(void *arg, xs_transaction_t t)
{
	struct bb *b = arg;
	bool ok = bkx_put_ull(&b->x, t, "feature-flush-cache", 1) &&
		  bkx_put_ull(&b->x, t, "feature-max-indirect-segments", BB_MAX_SEGS) &&
		  bkx_put_ull(&b->x, t, "max-ring-page-order", b->offer.max_order) &&
		  bkx_put_ull(&b->x, t, "multi-queue-max-queues", b->offer.max_queues) &&
		  bkx_put_ull(&b->x, t, "feature-persistent", b->offer.persistent);

	if (!b->readonly)
		ok = ok && bkx_put_ull(&b->x, t, "feature-discard", 1) &&
		     bkx_put_ull(&b->x, t, "discard-granularity", 4096) &&
		     bkx_put_ull(&b->x, t, "discard-alignment", 0);
	return ok;
}

/* The disk, written when connecting (it could have changed meanwhile). */
static bool fill_disk(void *arg, xs_transaction_t t)
{
	struct bb *b = arg;

	if (!dir_present(b, t))
		return true;
	return bkx_put_ull(&b->x, t, "sectors", b->sectors) &&
	       bkx_put_ull(&b->x, t, "info", b->readonly ? VDISK_READONLY : 0) &&
	       bkx_put_ull(&b->x, t, "sector-size", BLKIF_SECTOR) &&
	       bkx_put_ull(&b->x, t, "physical-sector-size", BLKIF_SECTOR);
}

/*
 * A frontend already Initialised or Connected at our start belongs to an
 * earlier backend of this disk: we say Closed, and the frontend starts
 * over from Initialising, which brings us to InitWait (see follow).
 */
int bb_xenbus_start(struct bb *b)
{
	int r = bkx_open(&b->x, "vbd", "disk");

	if (r)
		return r;
	if (!bkx_transaction(&b->x, fill_features, b)) {
		bk_log("xenstore: cannot write the features: %s", strerror(errno));
		return -errno;
	}
	bb_switch_state(b, bkx_stale_frontend(&b->x) ? XenbusStateClosed : XenbusStateInitWait);
	if (!bkx_watch(&b->x)) {
		bk_log("xenstore: cannot watch: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

void bb_disconnect(struct bb *b)
{
	if (!b->connected)
		return;
	b->disk->drain(b);
	bb_release_rings(b);
}

static void connect_frontend(struct bb *b)
{
	if (b->x.state == XenbusStateConnected)
		return;
	if (bb_connect_rings(b) || !bkx_transaction(&b->x, fill_disk, b)) {
		bb_disconnect(b);
		bb_switch_state(b, XenbusStateClosing);
		return;
	}
	bb_switch_state(b, XenbusStateConnected);
	bk_log("connected: ring-ref %u, event channel %u, %llu sectors%s; %u queues, "
	       "%u ring pages, persistent grants %s", b->q[0].ring_ref[0], b->q[0].port,
	       (unsigned long long)b->sectors, b->readonly ? ", read-only" : "",
	       b->conn.nr_queues, b->conn.nr_pages, b->conn.persistent ? "on" : "off");
	if (!bb_ring_work(b)) { /* requests queued before we looked */
		bb_disconnect(b);
		bb_switch_state(b, XenbusStateClosing);
	}
}

void bb_xenbus_follow(struct bb *b, XenbusState fs)
{
	switch (fs) {
	case XenbusStateInitialising:
		if (b->x.state == XenbusStateClosed)
			bb_switch_state(b, XenbusStateInitWait);
		break;
	case XenbusStateInitialised:
	case XenbusStateConnected:
		/* Only from InitWait: after Closed the frontend must start over. */
		if (b->x.state == XenbusStateInitWait)
			connect_frontend(b);
		break;
	case XenbusStateClosing:
		bb_disconnect(b);
		bb_switch_state(b, XenbusStateClosing);
		break;
	case XenbusStateClosed:
		bb_disconnect(b);
		bb_switch_state(b, XenbusStateClosed);
		if (!bkx_online(&b->x))
			b->x.quit = true; /* the toolstack is removing the disk */
		break;
	case XenbusStateUnknown:
		if (b->x.fe_seen) { /* the frontend's directory was removed */
			bb_disconnect(b);
			b->x.quit = true;
		}
		break;
	default:
		break;
	}
}
