/*
 * api_query.c - API ops on one domain beyond its lifecycle: "vcpus" (each
 * vCPU from ketch-hv's VCPU_INFO) and "mem_set" (the balloon target in
 * xenstore, memory/target in KiB as libxl writes it).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xen/xen.h>
#include <xen/vcpu.h>
#include <xenstore.h>

#include "api.h"

static const char *runstate_name(uint32_t rs)
{
	static const char *const names[] = {
		[RUNSTATE_running] = "running", [RUNSTATE_runnable] = "runnable",
		[RUNSTATE_blocked] = "blocked", [RUNSTATE_offline] = "offline",
	};

	return rs < sizeof(names) / sizeof(*names) ? names[rs] : "unknown";
}

struct json_object *kd_api_vcpus(struct kd *kd, struct req *r)
{
	struct kctl_vcpu_info *vi = malloc(sizeof(*vi));
	struct json_object *o, *a;
	int e = vi ? kctl_vcpu_info(kd->hv, r->d->domid, vi) : -ENOMEM;

	if (e) {
		free(vi);
		kd_error_set(&r->err, "hv_error", "", "vCPUs of domain %u: %s", r->d->domid,
			     kctl_strerror(e));
		return NULL;
	}
	a = json_object_new_array();
	for (uint32_t i = 0; i < vi->nr_vcpus; i++) {
		struct json_object *v = json_object_new_object();
		char secs[32];

		snprintf(secs, sizeof(secs), "%.3f", (double)vi->vcpu[i].cpu_time_ns / 1e9);
		json_object_object_add(v, "vcpu", json_object_new_int64(vi->vcpu[i].vcpu));
		json_object_object_add(v, "online", json_object_new_boolean(vi->vcpu[i].online));
		json_object_object_add(v, "state",
				       json_object_new_string(runstate_name(vi->vcpu[i].runstate)));
		json_object_object_add(v, "cpu_time", json_object_new_double_s(atof(secs), secs));
		json_object_array_add(a, v);
	}
	free(vi);
	o = kd_api_ok();
	json_object_object_add(o, "domid", json_object_new_int64(r->d->domid));
	json_object_object_add(o, "name", json_object_new_string(r->d->cfg.name));
	json_object_object_add(o, "vcpus", a);
	return o;
}

struct json_object *kd_api_mem_set(struct kd *kd, struct req *r)
{
	struct json_object *t = json_object_object_get(r->obj, "target_kib");
	uint64_t max_kib = (uint64_t)r->d->cfg.maxmem_mib << 10;
	char path[64], val[32];
	int64_t kib;

	if (!json_object_is_type(t, json_type_int))
		return kd_error_set(&r->err, "bad_request", "target_kib",
				    "is required (an integer number of KiB)"), NULL;
	kib = json_object_get_int64(t);
	if (kib < 1024 || (uint64_t)kib > max_kib)
		return kd_error_set(&r->err, "out_of_range", "target_kib",
				    "must be from 1024 KiB (1 MiB) to maxmem, %" PRIu64
				    " KiB (%" PRIu64 " MiB)", max_kib, r->d->cfg.maxmem_mib), NULL;
	if (!kd->xs)
		return kd_error_set(&r->err, "no_xenstore", "",
				    "ketchd runs without xenstore; no balloon target to set"), NULL;
	snprintf(path, sizeof(path), "/local/domain/%u/memory/target", r->d->domid);
	snprintf(val, sizeof(val), "%" PRId64, kib);
	if (!xs_write(kd->xs, XBT_NULL, path, val, strlen(val)))
		return kd_error_set(&r->err, "xenstore_failed", "", "cannot write %s: %s", path,
				    strerror(errno)), NULL;
	kd_log("d%u: balloon target %s KiB", r->d->domid, val);
	return kd_api_ok();
}
