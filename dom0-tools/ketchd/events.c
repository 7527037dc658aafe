/*
 * events.c - the events stream of the API: one JSON line per state change
 * of a domain ketchd manages (docs/api.md, "events").
 */
#include "ketchd.h"

void kd_events_state(struct kd *kd, struct kd_domain *d, const char *state)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "event", json_object_new_string("state"));
	json_object_object_add(o, "domid", json_object_new_int64(d->domid));
	json_object_object_add(o, "name", json_object_new_string(d->cfg.name));
	json_object_object_add(o, "state", json_object_new_string(state));
	if (d->shutdown_reason >= 0)
		json_object_object_add(o, "reason",
				       json_object_new_string(kctl_shutdown_name(d->shutdown_reason)));
	kd_broadcast_event(kd, o);
}
