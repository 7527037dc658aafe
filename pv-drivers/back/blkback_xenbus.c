/*
 * blkback_xenbus.c - the backend half of Xen's xenbus handshake for one
 * vbd, as Linux's blkback runs it (xen/io/xenbus.h):
 *
 *   start: features written, InitWait (Closed if the frontend is still
 *          connected to an earlier instance of us: it must start over)
 *   frontend Initialised/Connected: map ring-ref, bind event-channel,
 *            write sectors/info/sector-size, Connected
 *   frontend Closing: drain I/O, unmap, Closing
 *   frontend Closed: Closed; exit if the toolstack set online to 0
 *   frontend Initialising after Closed: InitWait again (a reconnect)
 *   frontend state gone, or its domain stopped: exit
 *
 * The toolstack wrote our directory (libxl's layout: frontend,
 * frontend-id, online, state, mode, params...) before starting us.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xen/io/protocols.h>

#include "blkback.h"

/* Read dir/name; NULL if missing.  Free the result. */
static char *xs_get(struct bb *b, const char *dir, const char *name)
{
	char path[192];
	unsigned int len;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return xs_read(b->xs, XBT_NULL, path, &len);
}

static bool xs_get_ulong(struct bb *b, const char *dir, const char *name, unsigned long *v)
{
	char *s = xs_get(b, dir, name), *end;
	bool ok = false;

	if (s) {
		errno = 0;
		*v = strtoul(s, &end, 10);
		ok = !errno && end != s && !*end;
		free(s);
	}
	return ok;
}

static bool xs_put(struct bb *b, xs_transaction_t t, const char *name, const char *fmt,
		   unsigned long long v)
{
	char path[192], val[32];

	snprintf(path, sizeof(path), "%s/%s", b->be, name);
	snprintf(val, sizeof(val), fmt, v);
	return xs_write(b->xs, t, path, val, strlen(val));
}

static bool write_all(struct bb *b, bool (*fill)(struct bb *, xs_transaction_t));

/* Our directory is still there: once the toolstack removed it (the disk
 * is going), a write would create nodes nobody removes. */
static bool dir_present(struct bb *b, xs_transaction_t t)
{
	char path[192], *fe;

	snprintf(path, sizeof(path), "%s/frontend", b->be);
	fe = xs_read(b->xs, t, path, NULL);
	free(fe);
	return fe != NULL;
}

static bool fill_state(struct bb *b, xs_transaction_t t)
{
	return !dir_present(b, t) || xs_put(b, t, "state", "%llu", b->state);
}

void bb_switch_state(struct bb *b, XenbusState s)
{
	b->state = s;
	if (!write_all(b, fill_state))
		bb_log("cannot write state %d: %s", s, strerror(errno));
}

/* Write what one transaction holds, retrying while it conflicts. */
static bool write_all(struct bb *b, bool (*fill)(struct bb *, xs_transaction_t))
{
	for (int tries = 0; tries < 10; tries++) {
		xs_transaction_t t = xs_transaction_start(b->xs);

		if (t == XBT_NULL)
			return false;
		if (!fill(b, t)) {
			xs_transaction_end(b->xs, t, true);
			return false;
		}
		if (xs_transaction_end(b->xs, t, false))
			return true;
		if (errno != EAGAIN)
			return false;
	}
	return false;
}

/* What Linux's blkback offers at probe. */
static bool fill_features(struct bb *b, xs_transaction_t t)
{
	bool ok = xs_put(b, t, "feature-flush-cache", "%llu", 1);

	if (!b->readonly)
		ok = ok && xs_put(b, t, "feature-discard", "%llu", 1) &&
		     xs_put(b, t, "discard-granularity", "%llu", 4096) &&
		     xs_put(b, t, "discard-alignment", "%llu", 0);
	return ok;
}

/* The disk, written when connecting (it could have changed meanwhile). */
static bool fill_disk(struct bb *b, xs_transaction_t t)
{
	if (!dir_present(b, t))
		return true;
	return xs_put(b, t, "sectors", "%llu", b->sectors) &&
	       xs_put(b, t, "info", "%llu", b->readonly ? VDISK_READONLY : 0) &&
	       xs_put(b, t, "sector-size", "%llu", BLKIF_SECTOR) &&
	       xs_put(b, t, "physical-sector-size", "%llu", BLKIF_SECTOR);
}

static XenbusState fe_state(struct bb *b);

/*
 * A frontend already Initialised or Connected at our start was talking to
 * an earlier backend of this disk (one that died: the toolstack restarts
 * us).  Its ring-ref and port belong to that connection, so we do not
 * take them: we say Closed, and the frontend starts over from
 * Initialising, which brings us to InitWait (the reconnect path below).
 */
static bool stale_frontend(struct bb *b)
{
	XenbusState s = fe_state(b);

	if (s != XenbusStateInitialised && s != XenbusStateConnected)
		return false;
	bb_log("frontend is in state %d from an earlier backend: asking it to reconnect", s);
	return true;
}

int bb_xenbus_start(struct bb *b)
{
	char *fe;

	b->xs = xs_open(0);
	if (!b->xs)
		return -errno;
	snprintf(b->be, sizeof(b->be), "/local/domain/0/backend/vbd/%u/%u", b->domid, b->devid);
	fe = xs_get(b, b->be, "frontend");
	if (!fe) {
		bb_log("%s/frontend is missing: the toolstack has not set the disk up", b->be);
		return -ENOENT;
	}
	snprintf(b->fe, sizeof(b->fe), "%s", fe);
	free(fe);
	if (!write_all(b, fill_features))
		return -errno;
	bb_switch_state(b, stale_frontend(b) ? XenbusStateClosed : XenbusStateInitWait);
	char path[192];

	snprintf(path, sizeof(path), "%s/state", b->fe);
	if (!xs_watch(b->xs, path, "fe") || !xs_watch(b->xs, "@releaseDomain", "rel"))
		return -errno;
	return 0;
}

/* The protocol the frontend names must be ours (x86-64); none means native. */
static bool protocol_ok(struct bb *b)
{
	char *p = xs_get(b, b->fe, "protocol");
	bool ok = !p || !strcmp(p, XEN_IO_PROTO_ABI_NATIVE);

	if (!ok)
		bb_log("frontend protocol %s is not offered", p);
	free(p);
	return ok;
}

static int map_ring(struct bb *b)
{
	int16_t st;
	int err = 0;
	void *sring;

	b->gnt = kgnt_open(b->hv, b->domid, 0, &err);
	if (!b->gnt)
		return err;
	sring = kgnt_map(b->gnt, b->ring_ref, true, &st);
	if (!sring) {
		bb_log("ring-ref %u refused (status %d)", b->ring_ref, st);
		kgnt_close(b->gnt);
		b->gnt = NULL;
		return -EACCES;
	}
	BACK_RING_INIT(&b->ring, (blkif_sring_t *)sring, 4096);
	return 0;
}

static int connect_ring(struct bb *b)
{
	unsigned long ref, port;
	int r;

	if (!xs_get_ulong(b, b->fe, "ring-ref", &ref) ||
	    !xs_get_ulong(b, b->fe, "event-channel", &port) || ref > UINT32_MAX ||
	    port > UINT32_MAX || !protocol_ok(b)) {
		bb_log("frontend's ring-ref, event-channel or protocol missing or bad");
		return -EINVAL;
	}
	b->ring_ref = (grant_ref_t)ref;
	b->port = (uint32_t)port;
	r = map_ring(b);
	if (r)
		return r;
	r = kctl_evtchn_bind(b->hv, b->domid, b->port, &b->from_guest, &b->to_guest);
	if (r) {
		bb_log("cannot bind event channel %u: %s", b->port, kctl_strerror(r));
		kgnt_close(b->gnt);
		b->gnt = NULL;
		return r;
	}
	fcntl(b->from_guest, F_SETFL, fcntl(b->from_guest, F_GETFL) | O_NONBLOCK);
	fcntl(b->to_guest, F_SETFL, fcntl(b->to_guest, F_GETFL) | O_NONBLOCK);
	b->connected = true;
	return 0;
}

void bb_disconnect(struct bb *b)
{
	if (!b->connected)
		return;
	bb_io_drain(b);
	b->connected = false;
	kgnt_unmap(b->gnt, b->ring_ref);
	kgnt_close(b->gnt);
	b->gnt = NULL;
	kctl_evtchn_unbind(b->hv, b->domid, b->port); /* fails if the domain died */
	close(b->from_guest);
	close(b->to_guest);
	b->from_guest = b->to_guest = -1;
}

static void connect_frontend(struct bb *b)
{
	if (b->state == XenbusStateConnected)
		return;
	if (connect_ring(b) || !write_all(b, fill_disk)) {
		bb_disconnect(b);
		bb_switch_state(b, XenbusStateClosing);
		return;
	}
	bb_switch_state(b, XenbusStateConnected);
	bb_log("connected: ring-ref %u, event channel %u, %llu sectors%s", b->ring_ref,
	       b->port, (unsigned long long)b->sectors, b->readonly ? ", read-only" : "");
	bb_ring_work(b); /* requests queued before we looked */
}

static XenbusState fe_state(struct bb *b)
{
	unsigned long s;

	return xs_get_ulong(b, b->fe, "state", &s) ? (XenbusState)s : XenbusStateUnknown;
}

static bool online(struct bb *b)
{
	unsigned long v;

	return !xs_get_ulong(b, b->be, "online", &v) || v != 0;
}

/* The frontend's domain stopped or is gone: nobody left to serve. */
static bool domain_gone(struct bb *b)
{
	struct kctl_dominfo info;
	int r = kctl_getinfo(b->hv, b->domid, &info);

	return r == -ESRCH || (r == 0 && (info.state == KCTL_STATE_SHUTDOWN ||
					  info.state == KCTL_STATE_CRASHED ||
					  info.state == KCTL_STATE_DYING));
}

static void follow(struct bb *b, XenbusState fs)
{
	switch (fs) {
	case XenbusStateInitialising:
		if (b->state == XenbusStateClosed)
			bb_switch_state(b, XenbusStateInitWait);
		break;
	case XenbusStateInitialised:
	case XenbusStateConnected:
		/* Only from InitWait: after Closed the frontend must start over. */
		if (b->state == XenbusStateInitWait)
			connect_frontend(b);
		break;
	case XenbusStateClosing:
		bb_disconnect(b);
		bb_switch_state(b, XenbusStateClosing);
		break;
	case XenbusStateClosed:
		bb_disconnect(b);
		bb_switch_state(b, XenbusStateClosed);
		if (!online(b))
			b->quit = true; /* the toolstack is removing the disk */
		break;
	case XenbusStateUnknown:
		if (b->fe_seen) { /* the frontend's directory was removed */
			bb_disconnect(b);
			b->quit = true;
		}
		break;
	default:
		break;
	}
}

void bb_xenbus_changed(struct bb *b)
{
	bool release = false;
	char **w;

	while ((w = xs_check_watch(b->xs))) {
		release |= !strcmp(w[XS_WATCH_TOKEN], "rel");
		free(w);
	}
	if (errno != EAGAIN) {
		bb_log("lost xenstore: %s", strerror(errno));
		b->quit = true;
		return;
	}
	if (release && domain_gone(b)) {
		bb_log("domain %u stopped", b->domid);
		bb_disconnect(b);
		b->quit = true;
		return;
	}
	XenbusState fs = fe_state(b);

	follow(b, fs);
	if (fs != XenbusStateUnknown)
		b->fe_seen = true;
}
