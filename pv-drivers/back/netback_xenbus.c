/*
 * netback_xenbus.c - the backend half of Xen's xenbus handshake for one
 * vif, as Linux's xen-netback runs it (xen/io/netif.h, xen/io/xenbus.h):
 *
 *   start: features written, hotplug-status "connected" (we set the TAP
 *          up ourselves, the job of Xen's vif-bridge script), InitWait;
 *          Closed instead if the frontend is still connected to an
 *          earlier instance of us (it must start over from Initialising)
 *   frontend Initialised: nothing yet (netback waits for Connected)
 *   frontend Connected: our mac, the frontend's tx-ring-ref, rx-ring-ref,
 *          event-channel, request-rx-copy (required), feature-rx-notify;
 *          map both rings, bind the port, Connected
 *   frontend Closing / Closed / Initialising: toward Closing / Closed /
 *          InitWait (a reconnect), disconnecting on the way; exit on
 *          Closed if the toolstack set online to 0
 *   frontend state gone, or its domain stopped: exit
 * Each move walks Linux's set_backend_state path, writing every state on
 * the way (from Closing to Connected: Closed, InitWait, Connected).
 *
 * The toolstack wrote our directory (libxl's layout: frontend,
 * frontend-id, online, state, mac, bridge, handle, type...) first.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "netback.h"

/* A frontend flag: 1 if present and non-zero, else def. */
static bool fe_flag(struct nb *b, const char *name, bool def)
{
	unsigned long v;

	return bkx_get_ulong(&b->x, b->x.fe, name, &v) ? v != 0 : def;
}

void nb_switch_state(struct nb *b, XenbusState s)
{
	if (!bkx_switch_state(&b->x, s))
		bk_log("cannot write state %d: %s", s, strerror(errno));
}

/* What we offer.  Not offered (Linux's netback does): GSO, IPv6 checksum
 * offload, split event channels, multiple queues, multicast control, the
 * control ring. */
static bool fill_features(void *arg, xs_transaction_t t)
{
	static const char *const on[] = { "feature-sg", "feature-rx-copy" };
	static const char *const off[] = { "feature-rx-flip", "feature-split-event-channels" };
	struct bkx *x = arg;
	bool ok = true;

	for (unsigned int i = 0; ok && i < 2; i++)
		ok = bkx_put(x, t, on[i], "1") && bkx_put(x, t, off[i], "0");
	return ok && bkx_put(x, t, "hotplug-status", "connected");
}

/* Linux's netback follows its "rate" node while connected: so do we. */
static bool watch_rate(struct nb *b)
{
	char path[192];

	snprintf(path, sizeof(path), "%s/rate", b->x.be);
	return xs_watch(b->x.xs, path, "rate");
}

void nb_rate_update(struct nb *b, bool connecting)
{
	char *v = bkx_get(&b->x, b->x.be, "rate");
	uint64_t bytes = 0, usecs = 0;
	bool same = v ? b->rate && !strcmp(v, b->rate) : !b->rate;

	if (same && !connecting) {
		free(v);
		return;
	}
	if (v && !nb_credit_parse(v, &bytes, &usecs))
		bk_log("rate \"%.40s\" is not <bytes>,<usecs>: not limited", v);
	else if (!same && usecs)
		bk_log("tx limited to %llu bytes every %llu us", (unsigned long long)bytes,
		       (unsigned long long)usecs);
	else if (!same)
		bk_log("tx not limited");
	if (connecting)
		nb_credit_init(&b->credit, bytes, usecs, nb_now_ns());
	else
		nb_credit_change(&b->credit, bytes, usecs, nb_now_ns());
	free(b->rate);
	b->rate = v;
}

int nb_xenbus_start(struct nb *b)
{
	if (!bkx_transaction(&b->x, fill_features, &b->x)) {
		bk_log("xenstore: cannot write the features: %s", strerror(errno));
		return -errno;
	}
	b->stale = bkx_stale_frontend(&b->x);
	nb_switch_state(b, b->stale ? XenbusStateClosed : XenbusStateInitWait);
	if (!bkx_watch(&b->x) || !watch_rate(b)) {
		bk_log("xenstore: cannot watch: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

static int map_rings(struct nb *b)
{
	int16_t st = 0;
	int err = 0;
	void *tx, *rx = NULL;

	b->gnt = kgnt_open(b->x.hv, b->x.domid, 0, &err);
	if (!b->gnt)
		return err;
	tx = kgnt_map(b->gnt, b->tx_ref, true, &st);
	if (tx)
		rx = kgnt_map(b->gnt, b->rx_ref, true, &st);
	if (!rx) {
		bk_log("ring grant refused (status %d)", st);
		kgnt_close(b->gnt); /* releases the tx mapping too */
		b->gnt = NULL;
		return -EACCES;
	}
	BACK_RING_INIT(&b->tx, (netif_tx_sring_t *)tx, NETIF_PAGE);
	BACK_RING_INIT(&b->rx, (netif_rx_sring_t *)rx, NETIF_PAGE);
	return 0;
}

/* Our mac node, the guest's address, as Linux's netback requires it. */
static bool mac_ok(struct nb *b)
{
	char *m = bkx_get(&b->x, b->x.be, "mac");
	unsigned int x[6];
	char end;
	bool ok = m && strlen(m) == 17 &&
		  sscanf(m, "%2x:%2x:%2x:%2x:%2x:%2x%c", &x[0], &x[1], &x[2], &x[3], &x[4], &x[5],
			 &end) == 6;

	if (ok)
		snprintf(b->mac, sizeof(b->mac), "%s", m);
	else
		bk_log("%s/mac is missing or not an address", b->x.be);
	free(m);
	return ok;
}

/* What the frontend must have written; false (logged) if it cannot be
 * served. */
static bool read_frontend(struct nb *b)
{
	unsigned long tx, rx, port, queues;

	if (!bkx_get_ulong(&b->x, b->x.fe, "tx-ring-ref", &tx) ||
	    !bkx_get_ulong(&b->x, b->x.fe, "rx-ring-ref", &rx) ||
	    !bkx_get_ulong(&b->x, b->x.fe, "event-channel", &port) || tx > UINT32_MAX ||
	    rx > UINT32_MAX || port > UINT32_MAX) {
		bk_log("frontend's tx-ring-ref, rx-ring-ref or event-channel missing or bad");
		return false;
	}
	if (bkx_get_ulong(&b->x, b->x.fe, "multi-queue-num-queues", &queues) && queues != 1) {
		bk_log("frontend asks for %lu queues: one is offered", queues);
		return false;
	}
	if (!mac_ok(b))
		return false;
	if (!fe_flag(b, "request-rx-copy", false)) {
		bk_log("frontend does not support rx-copy");
		return false;
	}
	b->tx_ref = (grant_ref_t)tx;
	b->rx_ref = (grant_ref_t)rx;
	b->port = (uint32_t)port;
	b->rx_notify = fe_flag(b, "feature-rx-notify", false);
	return true;
}

static int connect_rings(struct nb *b)
{
	int r;

	if (!read_frontend(b))
		return -EINVAL;
	if ((r = map_rings(b)))
		return r;
	r = kctl_evtchn_bind(b->x.hv, b->x.domid, b->port, &b->from_guest, &b->to_guest);
	if (r) {
		bk_log("cannot bind event channel %u: %s", b->port, kctl_strerror(r));
		kgnt_close(b->gnt);
		b->gnt = NULL;
		return r;
	}
	nb_rate_update(b, true);
	b->tx_held = false;
	fcntl(b->from_guest, F_SETFL, fcntl(b->from_guest, F_GETFL) | O_NONBLOCK);
	fcntl(b->to_guest, F_SETFL, fcntl(b->to_guest, F_GETFL) | O_NONBLOCK);
	b->frame_len = 0;
	b->connected = true;
	return 0;
}

void nb_disconnect(struct nb *b)
{
	if (!b->connected)
		return;
	b->connected = false;
	b->tx_more = b->rx_more = b->tx_held = false;
	kgnt_close(b->gnt); /* unmaps both rings */
	b->gnt = NULL;
	kctl_evtchn_unbind(b->x.hv, b->x.domid, b->port); /* fails if the domain died */
	close(b->from_guest);
	close(b->to_guest);
	b->from_guest = b->to_guest = -1;
}

/* Map the rings and bind the port; false (logged) if the frontend
 * cannot be served. */
static bool connect_frontend(struct nb *b)
{
	if (connect_rings(b)) {
		nb_disconnect(b);
		return false;
	}
	bk_log("connected: guest %s, tx-ring-ref %u, rx-ring-ref %u, event channel %u%s", b->mac,
	       b->tx_ref, b->rx_ref, b->port,
	       b->rx_notify ? "" : ", no rx notifications (polling)");
	b->tx_more = b->rx_more = true; /* packets queued before we looked */
	return true;
}

/* The state Linux's netback writes next on its way from `from` to `to`
 * (its set_backend_state: Initialising -> InitWait -> Connected ->
 * Closing <-> Closed -> InitWait, by the shortest path). */
static XenbusState next_step(XenbusState from, XenbusState to)
{
	switch (from) {
	case XenbusStateInitialising:
		return to == XenbusStateClosed ? XenbusStateClosed : XenbusStateInitWait;
	case XenbusStateClosed:
		return to == XenbusStateClosing ? XenbusStateClosing : XenbusStateInitWait;
	case XenbusStateInitWait:
		return to == XenbusStateConnected ? XenbusStateConnected : XenbusStateClosing;
	case XenbusStateConnected:
		return XenbusStateClosing;
	default: /* Closing */
		return XenbusStateClosed;
	}
}

/* Walk to target, writing each state on the way; connecting on the way
 * into Connected, disconnecting on the way out of it. */
static void set_state(struct nb *b, XenbusState target)
{
	for (int steps = 0; b->x.state != target && steps < 4; steps++) {
		XenbusState next = next_step(b->x.state, target);

		if (b->x.state == XenbusStateConnected)
			nb_disconnect(b);
		if (next == XenbusStateConnected && !connect_frontend(b)) {
			next = XenbusStateClosing; /* as xenbus_dev_fatal leaves it */
			target = XenbusStateClosing;
		}
		nb_switch_state(b, next);
	}
}

void nb_xenbus_follow(struct nb *b, XenbusState fs)
{
	switch (fs) {
	case XenbusStateInitialising:
		b->stale = false; /* it starts over: a connection of its own */
		set_state(b, XenbusStateInitWait);
		break;
	case XenbusStateInitialised:
		break; /* netback waits for Connected */
	case XenbusStateConnected:
		if (!b->stale) /* never the rings of an earlier backend */
			set_state(b, XenbusStateConnected);
		break;
	case XenbusStateReconfiguring:
		nb_switch_state(b, XenbusStateReconfigured); /* nothing to reconfigure */
		break;
	case XenbusStateClosing:
		set_state(b, XenbusStateClosing);
		break;
	case XenbusStateClosed:
		set_state(b, XenbusStateClosed);
		if (!bkx_online(&b->x))
			b->x.quit = true; /* the toolstack is removing the vif */
		break;
	case XenbusStateUnknown:
		if (b->x.fe_seen) { /* the frontend's directory was removed */
			set_state(b, XenbusStateClosed);
			b->x.quit = true;
		}
		break;
	default:
		bk_log("saw state %d at the frontend", fs);
		set_state(b, XenbusStateClosing);
		break;
	}
}
