/* backend_xenbus.c - xenstore for every backend process (see backend_xenbus.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend_main.h"
#include <xen/sched.h>

int bkx_open(struct bkx *x, const char *type, const char *what)
{
	char *fe;

	x->xs = xs_open(0);
	if (!x->xs) {
		bk_log("xenstore: %s", strerror(errno));
		return -errno;
	}
	snprintf(x->be, sizeof(x->be), "/local/domain/0/backend/%s/%u/%u", type, x->domid,
		 x->devid);
	fe = bkx_get(x, x->be, "frontend");
	if (!fe) {
		bk_log("%s/frontend is missing: the toolstack has not set the %s up", x->be, what);
		return -ENOENT;
	}
	snprintf(x->fe, sizeof(x->fe), "%s", fe);
	free(fe);
	return 0;
}

void bkx_close(struct bkx *x)
{
	xs_close(x->xs);
	kctl_close(x->hv);
	x->xs = NULL;
	x->hv = NULL;
}

char *bkx_get(struct bkx *x, const char *dir, const char *name)
{
	char path[192];
	unsigned int len;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return xs_read(x->xs, XBT_NULL, path, &len);
}

bool bkx_get_ulong(struct bkx *x, const char *dir, const char *name, unsigned long *v)
{
	char *s = bkx_get(x, dir, name), *end;
	bool ok = false;

	if (s) {
		errno = 0;
		*v = strtoul(s, &end, 10);
		ok = !errno && end != s && !*end;
		free(s);
	}
	return ok;
}

bool bkx_put(struct bkx *x, xs_transaction_t t, const char *name, const char *val)
{
	char path[192];

	snprintf(path, sizeof(path), "%s/%s", x->be, name);
	return xs_write(x->xs, t, path, val, strlen(val));
}

bool bkx_put_ull(struct bkx *x, xs_transaction_t t, const char *name, unsigned long long v)
{
	char val[32];

	snprintf(val, sizeof(val), "%llu", v);
	return bkx_put(x, t, name, val);
}

bool bkx_transaction(struct bkx *x, bool (*fill)(void *arg, xs_transaction_t t), void *arg)
{
	for (int tries = 0; tries < 10; tries++) {
		xs_transaction_t t = xs_transaction_start(x->xs);

		if (t == XBT_NULL)
			return false;
		if (!fill(arg, t)) {
			xs_transaction_end(x->xs, t, true);
			return false;
		}
		if (xs_transaction_end(x->xs, t, false))
			return true;
		if (errno != EAGAIN)
			return false;
	}
	return false;
}

struct state_write {
	struct bkx *x;
	XenbusState s;
	bool gone; /* the node was removed: nothing written */
};

static bool write_state(void *arg, xs_transaction_t t)
{
	struct state_write *w = arg;
	char path[192], *cur;
	unsigned int len;

	snprintf(path, sizeof(path), "%s/state", w->x->be);
	cur = xs_read(w->x->xs, t, path, &len);
	if (!cur) {
		w->gone = errno == ENOENT;
		return false;
	}
	free(cur);
	return bkx_put_ull(w->x, t, "state", (unsigned long long)w->s);
}

bool bkx_switch_state(struct bkx *x, XenbusState s)
{
	struct state_write w = { .x = x, .s = s };
	bool ok = bkx_transaction(x, write_state, &w);

	x->state = s;
	return ok || w.gone;
}

XenbusState bkx_fe_state(struct bkx *x)
{
	unsigned long s;

	return bkx_get_ulong(x, x->fe, "state", &s) ? (XenbusState)s : XenbusStateUnknown;
}

bool bkx_online(struct bkx *x)
{
	unsigned long v;

	return !bkx_get_ulong(x, x->be, "online", &v) || v != 0;
}

/*
 * A frontend already Initialised or Connected when we start was talking
 * to an earlier backend of this device if one wrote our state node (it
 * died; the toolstack starts us again).  Its rings and port belong to
 * that connection, half used and perhaps still pinned, so we do not take
 * them: the caller says Closed and waits for the frontend to start over
 * from Initialising.  With our state node still the toolstack's
 * Initialising, no backend ever answered: the frontend went ahead without
 * waiting for InitWait (Mini-OS's do) and is served, as Linux's backends
 * connect a frontend they find Connected when they probe.
 */
bool bkx_stale_frontend(struct bkx *x)
{
	XenbusState s = bkx_fe_state(x);
	unsigned long ours;

	if (s != XenbusStateInitialised && s != XenbusStateConnected)
		return false;
	if (!bkx_get_ulong(x, x->be, "state", &ours) || ours == XenbusStateInitialising) {
		bk_log("frontend is in state %d before any backend answered: serving it", s);
		return false;
	}
	bk_log("frontend is in state %d from an earlier backend: asking it to reconnect", s);
	return true;
}

bool bkx_watch(struct bkx *x)
{
	char path[192];

	snprintf(path, sizeof(path), "%s/state", x->fe);
	return xs_watch(x->xs, path, "fe") && xs_watch(x->xs, "@releaseDomain", "rel");
}

/*
 * The frontend's domain stopped or is gone: nobody left to serve.  A
 * domain stopped for a suspend is not: a checkpoint resumes it where it
 * was, its frontends still connected to us (as Xen keeps the backends of
 * a suspended domain); a save destroys it afterwards, and that release
 * ends us then.
 */
static bool domain_gone(struct bkx *x)
{
	struct kctl_dominfo info;
	int r = kctl_getinfo(x->hv, x->domid, &info);

	if (r == 0 && info.state == KCTL_STATE_SHUTDOWN && info.shutdown_reason == SHUTDOWN_suspend)
		return false;
	return r == -ESRCH || (r == 0 && (info.state == KCTL_STATE_SHUTDOWN ||
					  info.state == KCTL_STATE_CRASHED ||
					  info.state == KCTL_STATE_DYING));
}

int bkx_changed(struct bkx *x)
{
	bool release = false;
	XenbusState fs;
	char **w;

	while ((w = xs_check_watch(x->xs))) {
		release |= !strcmp(w[XS_WATCH_TOKEN], "rel");
		free(w);
	}
	if (errno != EAGAIN) {
		bk_log("lost xenstore: %s", strerror(errno));
		return -1;
	}
	if (release && domain_gone(x)) {
		bk_log("domain %u stopped", x->domid);
		return -1;
	}
	fs = bkx_fe_state(x);
	/* Only XenbusStateUnknown asks whether the frontend was seen before
	 * (its directory removed, or never written yet), so marking it here,
	 * before the caller follows fs, answers that question the same. */
	if (fs != XenbusStateUnknown)
		x->fe_seen = true;
	return (int)fs;
}
