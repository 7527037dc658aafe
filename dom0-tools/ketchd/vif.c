/*
 * vif.c - a domain's PV network interfaces (docs/network.md): attach
 * (libxl's xenstore layout, one ketch-netback), the backends' supervision
 * (a backend that dies while its domain runs is started again after a
 * growing delay, as disks' are), and removal: at once when the domain
 * goes, or as xl's network-detach does it, without waiting in the loop.
 */
#include <stdlib.h>
#include <string.h>

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
	json_object_put(v->back.waiter_id);
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
	kd_vif_backend_init(v);
	if ((r = kd_vif_xs_add(kd, v)))
		kd_error_set(err, "xenstore_failed", "vifs", "vif %u: cannot write its xenstore "
			     "nodes: %s", index, strerror(-r));
	else if ((r = kd_backend_spawn(kd, &v->back)))
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

/* The last step of a detach: backend stopped, nodes gone, vif forgotten. */
static void finish_detach(struct kd *kd, struct kd_domain *d, struct kd_vif *v, bool forced)
{
	unlink_vif(d, v);
	kd_backend_stop(kd, &v->back, -1);
	kd_vif_xs_remove(kd, v);
	drop_from_config(d, v->nic.devid);
	kd_state_save(kd, d);
	kd_backend_detached(kd, &v->back, forced);
	vif_free(v);
}

int kd_vif_detach(struct kd *kd, struct kd_domain *d, struct kd_vif *v, bool force,
		  int timeout_s, struct kd_conn *c, struct json_object *id)
{
	if (kd_backend_detach(kd, &v->back, force, timeout_s, c, id))
		return 1;
	finish_detach(kd, d, v, force);
	return 0;
}

void kd_vif_remove_all(struct kd *kd, struct kd_domain *d)
{
	while (d->vifs) {
		struct kd_vif *v = d->vifs;

		d->vifs = v->next;
		kd_backend_stop(kd, &v->back, -1);
		kd_vif_xs_remove(kd, v);
		kd_backend_reply(kd, &v->back, false);
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

bool kd_vif_reaped(struct kd *kd, pid_t pid, int status)
{
	for (struct kd_domain *d = kd->domains; d; d = d->next)
		for (struct kd_vif *v = d->vifs; v; v = v->next)
			if (v->back.pid == pid) {
				kd_backend_exited(&v->back, status,
						  d->state == KCTL_STATE_SHUTDOWN ||
							  d->state == KCTL_STATE_CRASHED);
				return true;
			}
	return false;
}

int kd_vif_timers(struct kd *kd)
{
	int64_t now = kd_now_ms(), next = -1;
	bool forced;

	for (struct kd_domain *d = kd->domains; d; d = d->next)
		for (struct kd_vif *v = d->vifs, *n; v; v = n) {
			n = v->next;
			if (kd_backend_due(kd, &v->back, now, &next, &forced))
				finish_detach(kd, d, v, forced);
		}
	return next > 0x7fffffff ? 0x7fffffff : (int)next;
}

void kd_vif_conn_gone(struct kd *kd, struct kd_conn *c)
{
	for (struct kd_domain *d = kd->domains; d; d = d->next)
		for (struct kd_vif *v = d->vifs; v; v = v->next)
			if (v->back.waiter == c)
				v->back.waiter = NULL;
}
