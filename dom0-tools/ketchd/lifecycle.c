/*
 * lifecycle.c - what happens when a domain stops: ketch-hv's state events
 * are applied to the table and the config's on_poweroff/on_reboot/on_crash
 * policy is carried out; graceful shutdown and reboot requests (Xen's PV
 * protocol: control/shutdown) fall back to destroy, or to a hard restart
 * for reboot, when the guest has not stopped by the deadline.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <stdint.h>
#include <xen/xen.h>
#include <xen/sched.h>

#include "ketchd.h"

static enum kd_action policy(const struct kd_domain *d, const struct kctl_dominfo *i)
{
	if (i->state == KCTL_STATE_CRASHED)
		return d->cfg.on_crash;
	switch (i->shutdown_reason) {
	case SHUTDOWN_reboot: return d->cfg.on_reboot;
	case SHUTDOWN_crash:
	case SHUTDOWN_watchdog: return d->cfg.on_crash;
	default: return d->cfg.on_poweroff;
	}
}

void kd_lifecycle_stopped(struct kd *kd, struct kd_domain *d, const struct kctl_dominfo *i)
{
	enum kd_action a = policy(d, i);

	kd_log("d%u (%s): %s%s%s; on_* policy: %s", d->domid, d->cfg.name,
	       kctl_state_name(i->state), i->state == KCTL_STATE_SHUTDOWN ? " " : "",
	       i->state == KCTL_STATE_SHUTDOWN ? kctl_shutdown_name(i->shutdown_reason) : "",
	       kd_action_name(a));
	d->pending = -1;
	if (a == KD_ACT_DESTROY)
		kd_domain_destroy(kd, d);
	else if (a == KD_ACT_RESTART)
		kd_domain_restart(kd, d);
	else
		kd_console_drain(kd, d);
}

/*
 * A suspend that a save has already resumed (a checkpoint): the event
 * arrives after the domain went on, and no policy applies to it.
 */
static bool resumed_since(struct kd *kd, const struct kctl_dominfo *i)
{
	struct kctl_dominfo now;

	return i->state == KCTL_STATE_SHUTDOWN && i->shutdown_reason == SHUTDOWN_suspend &&
	       kctl_getinfo(kd->hv, i->domid, &now) == 0 && now.state != KCTL_STATE_SHUTDOWN &&
	       now.state != KCTL_STATE_CRASHED;
}

static void apply(struct kd *kd, const struct kctl_dominfo *i)
{
	struct kd_domain *d = kd_domain_by_id(kd, i->domid);

	if (!d || i->state == KCTL_STATE_DYING)
		return; /* not ours, or our own destroy */
	if (resumed_since(kd, i))
		return;
	d->state = i->state;
	d->shutdown_reason = i->shutdown_reason;
	kd_events_state(kd, d, kctl_state_name(i->state));
	if ((d->save || d->mig) && i->state == KCTL_STATE_SHUTDOWN &&
	    i->shutdown_reason == SHUTDOWN_suspend)
		return; /* a save or migration asked for it: it writes the domain, no policy */
	if (i->state == KCTL_STATE_SHUTDOWN || i->state == KCTL_STATE_CRASHED)
		kd_lifecycle_stopped(kd, d, i);
}

/* The stream was dropped: subscribe again and catch up with GETINFO. */
static void resubscribe(struct kd *kd)
{
	int err;
	struct kd_domain *next;

	kd_log("ketch-hv event stream lost; resubscribing");
	kctl_events_close(kd->ev);
	kd->ev = kctl_subscribe_timeout(kd->opt.hv_socket, kd->opt.hv_timeout_s * 1000, &err);
	if (!kd->ev) {
		kd_log("cannot resubscribe to ketch-hv: %s; stopping", kctl_strerror(err));
		kd->stop = true;
		return;
	}
	kd->ev_w.obj = kd->ev;
	/* the caller re-registers the descriptor */
	for (struct kd_domain *d = kd->domains; d; d = next) {
		struct kctl_dominfo i;

		next = d->next;
		if (kctl_getinfo(kd->hv, d->domid, &i) == 0 && i.state != d->state)
			apply(kd, &i);
	}
}

void kd_lifecycle_hv_events(struct kd *kd)
{
	struct kctl_dominfo i;
	int r;

	while ((r = kctl_next_event(kd->ev, &i, 0)) == 0)
		apply(kd, &i);
	if (r != -ETIMEDOUT)
		resubscribe(kd);
}

int kd_lifecycle_request(struct kd *kd, struct kd_domain *d, int reason,
			 int timeout_s, struct kd_error *err)
{
	const char *what = reason == SHUTDOWN_reboot ? "reboot" : "poweroff";
	struct kctl_dominfo i;
	int r = kctl_getinfo(kd->hv, d->domid, &i);

	if (r == 0 && (i.state == KCTL_STATE_SHUTDOWN || i.state == KCTL_STATE_CRASHED))
		return kd_error_set(err, "domain_stopped", "",
				    "domain %u (%s) has stopped (%s)", d->domid,
				    d->cfg.name, kctl_state_name(i.state));
	r = kd_xs_shutdown_request(kd, d, what);
	if (r == -ENOTCONN)
		return kd_error_set(err, "no_xenstore", "",
				    "ketchd runs without xenstore, so the guest cannot be "
				    "asked to %s; use destroy", what);
	if (r)
		return kd_error_set(err, "xenstore_failed", "",
				    "cannot write control/shutdown of domain %u: %s",
				    d->domid, strerror(-r));
	d->pending = reason;
	d->deadline_ms = kd_now_ms() + (int64_t)timeout_s * 1000;
	kd_log("d%u (%s): asked to %s; fallback in %d s", d->domid, d->cfg.name, what,
	       timeout_s);
	return 0;
}

int kd_lifecycle_timers(struct kd *kd)
{
	int64_t now = kd_now_ms(), next = -1;
	struct kd_domain *d, *n;

	for (d = kd->domains; d; d = n) {
		n = d->next;
		if (d->pending < 0)
			continue;
		if (d->deadline_ms > now) {
			if (next < 0 || d->deadline_ms - now < next)
				next = d->deadline_ms - now;
			continue;
		}
		kd_log("d%u (%s): did not %s in time; %s", d->domid, d->cfg.name,
		       d->pending == SHUTDOWN_reboot ? "reboot" : "power off",
		       d->pending == SHUTDOWN_reboot ? "restarting it" : "destroying it");
		if (d->pending == SHUTDOWN_reboot)
			kd_domain_restart(kd, d);
		else
			kd_domain_destroy(kd, d);
		n = kd->domains; /* the table changed: rescan (deadlines are cleared) */
	}
	return next > 0x7fffffff ? 0x7fffffff : (int)next;
}
