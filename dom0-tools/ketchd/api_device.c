/*
 * api_device.c - what the hotplug ops of disks (api_block.c) and vifs
 * (api_net.c) share: the domain must be live, detach's force and
 * timeout, and detach's reply, now or deferred until the frontend lets go.
 */
#include "api.h"

bool kd_api_domain_live(struct req *r)
{
	if (r->d->state == KCTL_STATE_SHUTDOWN || r->d->state == KCTL_STATE_CRASHED) {
		kd_error_set(&r->err, "domain_stopped", "", "domain %u (%s) has stopped",
			     r->d->domid, r->d->cfg.name);
		return false;
	}
	return true;
}

bool kd_api_detach_opts(struct req *r, bool *force, int64_t *timeout)
{
	struct json_object *f;

	if (json_object_object_get_ex(r->obj, "force", &f)) {
		if (!json_object_is_type(f, json_type_boolean))
			return kd_error_set(&r->err, "bad_request", "force",
					    "must be true or false"), false;
		*force = json_object_get_boolean(f);
	}
	return kd_api_int_field(r, "timeout", 1, 3600, timeout);
}

struct json_object *kd_api_detach_reply(struct req *r, int rc, bool force)
{
	struct json_object *o;

	if (rc) {
		r->deferred = true;
		return NULL;
	}
	o = kd_api_ok();
	json_object_object_add(o, "forced", json_object_new_boolean(force));
	return o;
}
