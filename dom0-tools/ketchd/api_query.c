/*
 * api_query.c - API ops beyond a domain's lifecycle: "vcpus" (each vCPU
 * from ketch-hv's VCPU_INFO), "mem_set" (the balloon target in xenstore,
 * memory/target in KiB as libxl writes it) and "dmesg" (ketch-hv's log
 * ring through HV_LOG).
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

/* Append the '\n'-ended lines of text to a. */
static void add_lines(struct json_object *a, const char *text, size_t len)
{
	const char *p = text, *end = text + len, *nl;

	while (p < end && (nl = memchr(p, '\n', (size_t)(end - p)))) {
		json_object_array_add(a, json_object_new_string_len(p, (int)(nl - p)));
		p = nl + 1;
	}
}

struct json_object *kd_api_dmesg(struct kd *kd, struct req *r)
{
	struct json_object *f = json_object_object_get(r->obj, "from"), *o, *a;
	struct json_object *clr = json_object_object_get(r->obj, "clear");
	struct kctl_log *log = malloc(sizeof(*log));
	uint64_t from = 0, first = 0;
	int e = log ? 0 : -ENOMEM;

	if (f && (!json_object_is_type(f, json_type_int) || json_object_get_int64(f) < 0)) {
		free(log);
		return kd_error_set(&r->err, "bad_request", "from",
				    "must be a line number (an integer >= 0)"), NULL;
	}
	if (clr && !json_object_is_type(clr, json_type_boolean)) {
		free(log);
		return kd_error_set(&r->err, "bad_request", "clear", "must be true or false"), NULL;
	}
	from = f ? (uint64_t)json_object_get_int64(f) : 0;
	a = json_object_new_array();
	/* The ring holds HV_LOG_LINES; each reply carries what fits in 4 KiB. */
	for (int i = 0; !e && i < 1000; i++) {
		if ((e = kctl_hv_log(kd->hv, from, clr && json_object_get_boolean(clr), log)) < 0)
			break;
		if (i == 0)
			first = log->first;
		add_lines(a, log->text, log->len);
		if (log->next == from || log->len == 0) {
			from = log->next;
			break;
		}
		from = log->next;
	}
	free(log);
	if (e) {
		json_object_put(a);
		return kd_error_set(&r->err, "hv_error", "", "reading ketch-hv's log: %s",
				    kctl_strerror(e)), NULL;
	}
	o = kd_api_ok();
	json_object_object_add(o, "first", json_object_new_int64((int64_t)first));
	json_object_object_add(o, "next", json_object_new_int64((int64_t)from));
	json_object_object_add(o, "lines", a);
	return o;
}
