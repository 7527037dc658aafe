/*
 * api_block.c - hotplug of PV disks (docs/api.md): block_attach,
 * block_detach (xl's order; the reply waits for the frontend, not the
 * loop) and block_list (what xl block-list shows, and the backend's
 * process).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "api.h"

struct json_object *kd_api_block_attach(struct kd *kd, struct req *r)
{
	struct kd_config *c = &r->d->cfg;
	struct json_object *spec = json_object_object_get(r->obj, "disk"), *o;
	struct kd_disk disk;

	if (!spec)
		return kd_error_set(&r->err, "bad_request", "disk", "is required (a disk "
				    "object: target, vdev, format, access)"), NULL;
	if (!kd_api_domain_live(r) || kd_disk_from_json(spec, c->nr_disks, &disk, &r->err))
		return NULL;
	if (c->nr_disks >= KD_DISKS_MAX) {
		kd_disk_free(&disk);
		return kd_error_set(&r->err, "invalid_config", "disks", "domain %u has %d "
				    "disks already, the most it may have", r->d->domid,
				    KD_DISKS_MAX), NULL;
	}
	if (kd_vbd_attach(kd, r->d, &disk, c->nr_disks, &r->err)) {
		kd_disk_free(&disk);
		return NULL;
	}
	c->disks[c->nr_disks++] = disk; /* a restart by policy brings it back */
	kd_state_save(kd, r->d);
	kd_log("d%u: vbd %s (%u) attached: %s", r->d->domid, disk.vdev, disk.devid, disk.target);
	o = kd_api_ok();
	json_object_object_add(o, "vdev", json_object_new_string(disk.vdev));
	json_object_object_add(o, "devid", json_object_new_int64(disk.devid));
	return o;
}

struct json_object *kd_api_block_detach(struct kd *kd, struct req *r)
{
	struct json_object *vdev = json_object_object_get(r->obj, "vdev");
	int64_t timeout = 10;
	bool force = false;
	struct kd_vbd *v;

	if (!json_object_is_type(vdev, json_type_string) && !json_object_is_type(vdev, json_type_int))
		return kd_error_set(&r->err, "bad_request", "vdev", "is required (e.g. \"xvdb\" "
				    "or 51728)"), NULL;
	if (!kd_api_detach_opts(r, &force, &timeout))
		return NULL;
	v = kd_vbd_find(r->d, json_object_get_string(vdev));
	if (!v)
		return kd_error_set(&r->err, "no_such_device", "vdev", "domain %u has no disk "
				    "\"%.32s\"", r->d->domid, json_object_get_string(vdev)), NULL;
	if (v->back.detaching)
		return kd_error_set(&r->err, "busy", "vdev", "%s is being detached already",
				    v->disk.vdev), NULL;
	return kd_api_detach_reply(r, kd_vbd_detach(kd, r->d, v, force, (int)timeout, r->c,
						    json_object_object_get(r->obj, "id")),
				   force);
}

/*
 * The first of the frontend's nodes names[] that is there, or -1.  A
 * frontend with a multi-page ring names its first page ring-ref0, and one
 * with several queues puts both under queue-0/ (xen/io/blkif.h), where
 * xl's block-list would say -1: the first queue's first page is shown.
 */
static long fe_first(struct kd *kd, const struct kd_vbd *v, const char *const *names)
{
	long r = -1;

	for (; *names && r < 0; names++)
		r = kd_vbd_xs_read(kd, v, true, *names);
	return r;
}

static struct json_object *disk_json(struct kd *kd, const struct kd_vbd *v)
{
	static const char *const port[] = { "event-channel", "queue-0/event-channel", NULL };
	static const char *const ring[] = { "ring-ref", "ring-ref0", "queue-0/ring-ref",
					    "queue-0/ring-ref0", NULL };
	struct json_object *o = json_object_new_object();
	char be[128];

	snprintf(be, sizeof(be), "/local/domain/0/backend/vbd/%u/%u", v->domid, v->disk.devid);
	json_object_object_add(o, "vdev", json_object_new_string(v->disk.vdev));
	json_object_object_add(o, "devid", json_object_new_int64(v->disk.devid));
	json_object_object_add(o, "backend_id", json_object_new_int(0));
	json_object_object_add(o, "frontend_id", json_object_new_int64(v->domid));
	json_object_object_add(o, "state", json_object_new_int64(kd_vbd_xs_read(kd, v, true, "state")));
	json_object_object_add(o, "evtchn", json_object_new_int64(fe_first(kd, v, port)));
	json_object_object_add(o, "ring_ref", json_object_new_int64(fe_first(kd, v, ring)));
	json_object_object_add(o, "backend", json_object_new_string(be));
	json_object_object_add(o, "backend_state",
			       json_object_new_int64(kd_vbd_xs_read(kd, v, false, "state")));
	json_object_object_add(o, "target", json_object_new_string(v->disk.target));
	json_object_object_add(o, "access", json_object_new_string(v->disk.readonly ? "ro" : "rw"));
	json_object_object_add(o, "format", json_object_new_string(kd_fmt_name(v->format)));
	json_object_object_add(o, "backend_pid", json_object_new_int64(v->back.pid));
	json_object_object_add(o, "restarts", json_object_new_int64(v->back.restarts));
	return o;
}

struct json_object *kd_api_block_list(struct kd *kd, struct req *r)
{
	struct json_object *o = kd_api_ok(), *a = json_object_new_array();

	for (struct kd_vbd *v = r->d->vbds; v; v = v->next)
		json_object_array_add(a, disk_json(kd, v));
	json_object_object_add(o, "disks", a);
	return o;
}
