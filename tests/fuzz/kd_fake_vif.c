/* kd_fake_vif.c - the ketchd API fuzzer's fake vifs: a list per domain,
 * no xenstore, no backend process (api_net.c runs against these). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ketchd.h"
#include "kd_fake.h"

void kd_fake_vifs_free(struct kd_domain *d)
{
	while (d->vifs) {
		struct kd_vif *v = d->vifs;

		d->vifs = v->next;
		kd_nic_free(&v->nic);
		free(v);
	}
}

int kd_vif_attach(struct kd *kd, struct kd_domain *d, const struct kd_nic *nic,
		  unsigned int index, struct kd_error *err)
{
	struct kd_vif *v;

	(void)kd;
	for (v = d->vifs; v; v = v->next)
		if (v->nic.devid == nic->devid)
			return kd_error_set(err, "duplicate_vif", "vifs", "vif %u taken", index);
	if (!(v = calloc(1, sizeof(*v))) || kd_nic_copy(&v->nic, nic)) {
		free(v);
		return kd_error_set(err, "internal", "vifs", "out of memory");
	}
	v->domid = d->domid;
	v->next = d->vifs;
	d->vifs = v;
	return 0;
}

struct kd_vif *kd_vif_find(struct kd_domain *d, const char *key)
{
	uint8_t mac[6];
	bool is_mac = kd_mac_parse(key, mac) == 0;

	for (struct kd_vif *v = d->vifs; v; v = v->next)
		if ((is_mac && !memcmp(mac, v->nic.mac, 6)) ||
		    (!is_mac && strtoul(key, NULL, 10) == v->nic.devid))
			return v;
	return NULL;
}

int kd_vif_detach(struct kd *kd, struct kd_domain *d, struct kd_vif *v, bool force,
		  int timeout_s, struct kd_conn *c, struct json_object *id)
{
	(void)kd, (void)force, (void)timeout_s, (void)c, (void)id;
	for (struct kd_vif **p = &d->vifs; *p; p = &(*p)->next)
		if (*p == v) {
			*p = v->next;
			break;
		}
	kd_nic_free(&v->nic);
	free(v);
	return 0;
}

long kd_vif_xs_read(struct kd *kd, const struct kd_vif *v, bool fe, const char *name)
{
	(void)kd, (void)v, (void)fe, (void)name;
	return -1;
}

void kd_vif_be_path(const struct kd_vif *v, char *p, size_t n)
{
	snprintf(p, n, "/local/domain/0/backend/vif/%u/%u", v->domid, v->nic.devid);
}

void kd_vif_conn_gone(struct kd *kd, struct kd_conn *c)
{
	(void)kd, (void)c;
}
