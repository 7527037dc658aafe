/*
 * api_net.c - hotplug of PV network interfaces (docs/api.md):
 * network_attach (devid and mac chosen as for a config's vifs),
 * network_detach (xl's order; the reply waits for the frontend, not the
 * loop) and network_list (what xl network-list shows, and the backend's
 * process).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "api.h"

/*
 * The new vif's devid and mac, chosen beside the domain's others (libxl
 * takes the next devid; here the lowest free one), with the config's
 * rules: a given devid or mac the domain has is refused.
 */
static int choose(struct kd_config *c, struct kd_nic *nic, struct kd_error *err)
{
	struct kd_nic all[KD_VIFS_MAX + 1];
	int r;

	memcpy(all, c->nics, c->nr_nics * sizeof(*all));
	all[c->nr_nics] = *nic;
	r = kd_nic_defaults(all, c->nr_nics + 1, c->uuid, err);
	if (r) {
		snprintf(err->code, sizeof(err->code), "duplicate_vif");
		return r;
	}
	*nic = all[c->nr_nics];
	return 0;
}

struct json_object *kd_api_network_attach(struct kd *kd, struct req *r)
{
	struct kd_config *c = &r->d->cfg;
	struct json_object *spec = json_object_object_get(r->obj, "vif"), *o;
	struct kd_nic nic;
	char mac[18];

	if (!spec)
		return kd_error_set(&r->err, "bad_request", "vif", "is required (a vif object: "
				    "mac, bridge, rate, ip, mtu, devid)"), NULL;
	if (!kd_api_domain_live(r) || kd_nic_from_json(spec, c->nr_nics, &nic, &r->err))
		return NULL;
	if (c->nr_nics >= KD_VIFS_MAX || choose(c, &nic, &r->err) ||
	    kd_vif_attach(kd, r->d, &nic, c->nr_nics, &r->err)) {
		if (c->nr_nics >= KD_VIFS_MAX)
			kd_error_set(&r->err, "invalid_config", "vifs", "domain %u has %d vifs "
				     "already, the most it may have", r->d->domid, KD_VIFS_MAX);
		kd_nic_free(&nic);
		return NULL;
	}
	c->nics[c->nr_nics++] = nic; /* a restart by policy brings it back */
	kd_state_save(kd, r->d);
	kd_mac_format(nic.mac, mac);
	kd_log("d%u: vif %u attached: mac %s%s%s", r->d->domid, nic.devid, mac,
	       nic.bridge[0] ? ", bridge " : "", nic.bridge);
	o = kd_api_ok();
	json_object_object_add(o, "devid", json_object_new_int64(nic.devid));
	json_object_object_add(o, "mac", json_object_new_string(mac));
	return o;
}

struct json_object *kd_api_network_detach(struct kd *kd, struct req *r)
{
	struct json_object *key = json_object_object_get(r->obj, "vif");
	int64_t timeout = 10;
	bool force = false;
	struct kd_vif *v;

	if (!json_object_is_type(key, json_type_string) && !json_object_is_type(key, json_type_int))
		return kd_error_set(&r->err, "bad_request", "vif", "is required (a devid such as "
				    "1, or a mac)"), NULL;
	if (!kd_api_detach_opts(r, &force, &timeout))
		return NULL;
	v = kd_vif_find(r->d, json_object_get_string(key));
	if (!v)
		return kd_error_set(&r->err, "no_such_device", "vif", "domain %u has no vif "
				    "\"%.32s\"", r->d->domid, json_object_get_string(key)), NULL;
	if (v->back.detaching)
		return kd_error_set(&r->err, "busy", "vif", "vif %u is being detached already",
				    v->nic.devid), NULL;
	return kd_api_detach_reply(r, kd_vif_detach(kd, r->d, v, force, (int)timeout, r->c,
						    json_object_object_get(r->obj, "id")),
				   force);
}

static void add_int(struct json_object *o, const char *k, int64_t v)
{
	json_object_object_add(o, k, json_object_new_int64(v));
}

static struct json_object *vif_json(struct kd *kd, const struct kd_vif *v)
{
	struct json_object *o = json_object_new_object();
	char be[128], mac[18];

	kd_vif_be_path(v, be, sizeof(be));
	kd_mac_format(v->nic.mac, mac);
	add_int(o, "devid", v->nic.devid);
	add_int(o, "backend_id", 0);
	add_int(o, "frontend_id", v->domid);
	json_object_object_add(o, "mac", json_object_new_string(mac));
	add_int(o, "state", kd_vif_xs_read(kd, v, true, "state"));
	add_int(o, "evtchn", kd_vif_xs_read(kd, v, true, "event-channel"));
	add_int(o, "tx_ring_ref", kd_vif_xs_read(kd, v, true, "tx-ring-ref"));
	add_int(o, "rx_ring_ref", kd_vif_xs_read(kd, v, true, "rx-ring-ref"));
	json_object_object_add(o, "backend", json_object_new_string(be));
	add_int(o, "backend_state", kd_vif_xs_read(kd, v, false, "state"));
	if (v->nic.bridge[0])
		json_object_object_add(o, "bridge", json_object_new_string(v->nic.bridge));
	if (v->nic.rate)
		json_object_object_add(o, "rate", json_object_new_string(v->nic.rate));
	if (v->nic.ip)
		json_object_object_add(o, "ip", json_object_new_string(v->nic.ip));
	add_int(o, "mtu", v->nic.mtu);
	add_int(o, "backend_pid", v->back.pid);
	add_int(o, "restarts", v->back.restarts);
	return o;
}

struct json_object *kd_api_network_list(struct kd *kd, struct req *r)
{
	struct json_object *o = kd_api_ok(), *a = json_object_new_array();

	for (struct kd_vif *v = r->d->vifs; v; v = v->next)
		json_object_array_add(a, vif_json(kd, v));
	json_object_object_add(o, "vifs", a);
	return o;
}
