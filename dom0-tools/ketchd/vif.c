/*
 * vif.c - a domain's PV network interfaces (docs/network.md): attach
 * (libxl's xenstore layout, one ketch-netback), the backends' supervision
 * (a backend that dies while its domain runs is started again after a
 * growing delay, as disks' are), and removal: at once when the domain
 * goes, or as xl's network-detach does it, without waiting in the loop.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <xen/io/xenbus.h>

#include "api.h"

struct kd_vif *kd_vif_find(struct kd_domain *d, const char *key)
{
	uint8_t mac[6];
	bool is_mac = kd_mac_parse(key, mac) == 0;
	char *end;
	unsigned long devid = strtoul(key, &end, 10);
	bool is_devid = *key >= '0' && *key <= '9' && !*end;

	for (struct kd_vif *v = d->vifs; v; v = v->next)
		if ((is_mac && !memcmp(v->nic.mac, mac, 6)) || (is_devid && v->nic.devid == devid))
			return v;
	return NULL;
}

static void vif_free(struct kd_vif *v)
{
	json_object_put(v->waiter_id);
	kd_nic_free(&v->nic);
	free(v);
}

/* Another vif of d with nic's devid or mac: refused naming it. */
static int check_clash(struct kd_domain *d, const struct kd_nic *nic, struct kd_error *err)
{
	char m[18];

	kd_mac_format(nic->mac, m);
	for (struct kd_vif *v = d->vifs; v; v = v->next) {
		if (v->nic.devid == nic->devid)
			return kd_error_set(err, "duplicate_vif", "vifs", "domain %u has a vif %u "
					    "already", d->domid, nic->devid);
		if (!memcmp(v->nic.mac, nic->mac, 6))
			return kd_error_set(err, "duplicate_vif", "vifs", "mac %s is domain %u's "
					    "vif %u's already", m, d->domid, v->nic.devid);
	}
	return 0;
}

int kd_vif_attach(struct kd *kd, struct kd_domain *d, const struct kd_nic *nic,
		  unsigned int index, struct kd_error *err)
{
	struct kd_vif *v, **tail = &d->vifs;
	int r;

	if (!kd->xs)
		return kd_error_set(err, "no_xenstore", "vifs", "vif %u: vifs need xenstore and "
				    "ketchd runs without one", index);
	if ((r = check_clash(d, nic, err)))
		return r;
	if (!(v = calloc(1, sizeof(*v))) || kd_nic_copy(&v->nic, nic)) {
		free(v);
		return kd_error_set(err, "internal", "vifs", "out of memory");
	}
	v->domid = d->domid;
	v->backoff_ms = KD_VBD_BACKOFF_MIN_MS;
	if ((r = kd_vif_xs_add(kd, v)))
		kd_error_set(err, "xenstore_failed", "vifs", "vif %u: cannot write its xenstore "
			     "nodes: %s", index, strerror(-r));
	else if ((r = kd_vif_spawn(kd, v)))
		kd_error_set(err, "internal", "vifs", "vif %u: cannot start ketch-netback: %s",
			     index, strerror(-r));
	if (r) {
		kd_vif_xs_remove(kd, v);
		vif_free(v);
		return r;
	}
	while (*tail)
		tail = &(*tail)->next;
	*tail = v;
	return 0;
}

static void unlink_vif(struct kd_domain *d, struct kd_vif *v)
{
	for (struct kd_vif **p = &d->vifs; *p; p = &(*p)->next)
		if (*p == v) {
			*p = v->next;
			return;
		}
}

static void stop(struct kd *kd, struct kd_vif *v)
{
	v->restart_at_ms = 0;
	if (v->pid)
		kd_child_stop(kd, v->pid, -1);
	v->pid = 0;
}

/* Forget the vif in the domain's config, so a restart does not bring it back. */
static void drop_from_config(struct kd_domain *d, uint32_t devid)
{
	struct kd_config *c = &d->cfg;

	for (unsigned int i = 0; i < c->nr_nics; i++)
		if (c->nics[i].devid == devid) {
			kd_nic_free(&c->nics[i]);
			memmove(&c->nics[i], &c->nics[i + 1],
				(c->nr_nics - i - 1) * sizeof(c->nics[0]));
			memset(&c->nics[--c->nr_nics], 0, sizeof(c->nics[0]));
			return;
		}
}

static void reply(struct kd *kd, struct kd_vif *v, bool forced)
{
	struct json_object *o = kd_api_ok();

	json_object_object_add(o, "forced", json_object_new_boolean(forced));
	if (v->waiter_id)
		json_object_object_add(o, "id", json_object_get(v->waiter_id));
	kd_conn_reply_deferred(kd, v->waiter, o);
}

/* The last step of a detach: backend stopped, nodes gone, vif forgotten. */
static void finish_detach(struct kd *kd, struct kd_domain *d, struct kd_vif *v, bool forced)
{
	unlink_vif(d, v);
	stop(kd, v);
	kd_vif_xs_remove(kd, v);
	drop_from_config(d, v->nic.devid);
	kd_state_save(kd, d);
	kd_log("d%u: vif %u detached%s", d->domid, v->nic.devid,
	       !forced ? "" : v->detaching ? " by force: the frontend did not close in time"
				       : " by force");
	if (v->waiter)
		reply(kd, v, forced);
	vif_free(v);
}

int kd_vif_detach(struct kd *kd, struct kd_domain *d, struct kd_vif *v, bool force,
		  int timeout_s, struct kd_conn *c, struct json_object *id)
{
	int r = kd_vif_xs_closing(kd, v);

	if (r)
		kd_log("d%u: vif %u: cannot write Closing: %s; removing it at once", d->domid,
		       v->nic.devid, strerror(-r));
	v->restart_at_ms = 0;
	if (force || r) {
		finish_detach(kd, d, v, force);
		return 0;
	}
	v->detaching = true;
	v->detach_deadline_ms = kd_now_ms() + (int64_t)timeout_s * 1000;
	v->waiter = c;
	v->waiter_id = id ? json_object_get(id) : NULL;
	c->waiting = true;
	return 1;
}

/* The frontend let go (Closed, never connected, or gone), or the backend
 * finished: libxl waits for the backend's Closed, which follows. */
static bool detach_done(struct kd *kd, const struct kd_vif *v)
{
	long fe = kd_vif_xs_read(kd, v, true, "state");
	long be = kd_vif_xs_read(kd, v, false, "state");

	return fe <= XenbusStateInitialising || fe == XenbusStateClosed ||
	       be == XenbusStateClosed || !v->pid;
}

void kd_vif_remove_all(struct kd *kd, struct kd_domain *d)
{
	while (d->vifs) {
		struct kd_vif *v = d->vifs;

		d->vifs = v->next;
		stop(kd, v);
		kd_vif_xs_remove(kd, v);
		if (v->waiter)
			reply(kd, v, false);
		vif_free(v);
	}
}

void kd_vif_release_all(struct kd_domain *d)
{
	while (d->vifs) {
		struct kd_vif *v = d->vifs;

		d->vifs = v->next;
		vif_free(v); /* its backend runs on, serving the guest */
	}
}

/* A backend exited: say how, and start it again if its domain still runs. */
static void backend_died(struct kd_domain *d, struct kd_vif *v, int status)
{
	int64_t now = kd_now_ms(), ran = now - v->started_ms;
	bool stopped = d->state == KCTL_STATE_SHUTDOWN || d->state == KCTL_STATE_CRASHED;
	char how[48];

	v->pid = 0;
	if (WIFSIGNALED(status))
		snprintf(how, sizeof(how), "was killed by signal %d", WTERMSIG(status));
	else
		snprintf(how, sizeof(how), "exited with status %d", WEXITSTATUS(status));
	if (v->detaching || (WIFEXITED(status) && WEXITSTATUS(status) == 0) || stopped) {
		kd_log("d%u: vif %u: ketch-netback %s%s", d->domid, v->nic.devid, how,
		       v->detaching ? "" : "; not restarted");
		return;
	}
	if (ran >= KD_VBD_STABLE_MS)
		v->backoff_ms = KD_VBD_BACKOFF_MIN_MS;
	v->restart_at_ms = now + v->backoff_ms;
	kd_log("d%u: vif %u: ketch-netback %s after %lld ms; restarting it in %u ms", d->domid,
	       v->nic.devid, how, (long long)ran, v->backoff_ms);
	v->backoff_ms = v->backoff_ms * 2 > KD_VBD_BACKOFF_MAX_MS ? KD_VBD_BACKOFF_MAX_MS
								 : v->backoff_ms * 2;
}

bool kd_vif_reaped(struct kd *kd, pid_t pid, int status)
{
	for (struct kd_domain *d = kd->domains; d; d = d->next)
		for (struct kd_vif *v = d->vifs; v; v = v->next)
			if (v->pid == pid) {
				backend_died(d, v, status);
				return true;
			}
	return false;
}

static void restart(struct kd *kd, struct kd_vif *v)
{
	int r = kd_vif_spawn(kd, v);

	if (r) {
		kd_log("d%u: vif %u: cannot restart ketch-netback: %s", v->domid, v->nic.devid,
		       strerror(-r));
		v->restart_at_ms = kd_now_ms() + KD_VBD_BACKOFF_MAX_MS;
		return;
	}
	v->restarts++;
}

static void at_most(int64_t *next, int64_t ms)
{
	if (ms < 0)
		ms = 0;
	if (*next < 0 || ms < *next)
		*next = ms;
}

int kd_vif_timers(struct kd *kd)
{
	int64_t now = kd_now_ms(), next = -1;

	for (struct kd_domain *d = kd->domains; d; d = d->next)
		for (struct kd_vif *v = d->vifs, *n; v; v = n) {
			n = v->next;
			if (v->restart_at_ms && v->restart_at_ms <= now)
				restart(kd, v);
			else if (v->restart_at_ms)
				at_most(&next, v->restart_at_ms - now);
			if (!v->detaching)
				continue;
			if (detach_done(kd, v) || v->detach_deadline_ms <= now)
				finish_detach(kd, d, v, !detach_done(kd, v));
			else
				at_most(&next, KD_VBD_POLL_MS);
		}
	return next > 0x7fffffff ? 0x7fffffff : (int)next;
}

void kd_vif_conn_gone(struct kd *kd, struct kd_conn *c)
{
	for (struct kd_domain *d = kd->domains; d; d = d->next)
		for (struct kd_vif *v = d->vifs; v; v = v->next)
			if (v->waiter == c)
				v->waiter = NULL;
}
