/*
 * progress.c - how far a save or restore has got, as "progress" events to
 * every `events` subscriber (docs/api.md): the CLI shows them on a
 * terminal and passes them on with --json.  The work runs inside ketchd's
 * loop, and events go out as they are made (subscribers' sockets are
 * written at once), so a client sees them while it waits for its reply.
 * At most one event per PROGRESS_MS, and always the last.
 */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>

#include "ketchd.h"

#define PROGRESS_MS 200

void kd_progress_begin(struct kd_progress *p, struct kd *kd, const char *op,
		       const char *file, const struct kd_domain *d, uint64_t total,
		       const char *unit)
{
	*p = (struct kd_progress){ .kd = kd, .op = op, .file = file, .total = total,
				   .unit = unit, .t0_ms = kd_now_ms(), .round = -1 };
	p->last_ms = p->t0_ms;
	if (d) {
		p->domid = d->domid;
		snprintf(p->name, sizeof(p->name), "%s", d->cfg.name);
	}
}

static void add_num(struct json_object *o, const char *k, double v, const char *fmt)
{
	char buf[32];

	snprintf(buf, sizeof(buf), fmt, v);
	json_object_object_add(o, k, json_object_new_double_s(atof(buf), buf));
}

void kd_progress_update(struct kd_progress *p, uint64_t done, uint64_t bytes, bool last)
{
	int64_t now = kd_now_ms();
	double s = (double)(now - p->t0_ms) / 1000, f;
	struct json_object *o;

	if (!p->kd || (!last && now - p->last_ms < PROGRESS_MS))
		return;
	p->last_ms = now;
	f = p->total ? (double)done / (double)p->total : 1;
	o = json_object_new_object();
	json_object_object_add(o, "event", json_object_new_string("progress"));
	json_object_object_add(o, "op", json_object_new_string(p->op));
	json_object_object_add(o, "file", json_object_new_string(p->file));
	if (p->name[0]) {
		json_object_object_add(o, "domid", json_object_new_int64(p->domid));
		json_object_object_add(o, "name", json_object_new_string(p->name));
	}
	if (p->round >= 0)
		json_object_object_add(o, "round", json_object_new_int64(p->round));
	json_object_object_add(o, "done", json_object_new_int64((int64_t)done));
	json_object_object_add(o, "total", json_object_new_int64((int64_t)p->total));
	json_object_object_add(o, "unit", json_object_new_string(p->unit));
	json_object_object_add(o, "bytes", json_object_new_int64((int64_t)bytes));
	add_num(o, "percent", f * 100, "%.1f");
	add_num(o, "mib_per_s", s > 0 ? (double)bytes / (1 << 20) / s : 0, "%.1f");
	add_num(o, "eta_seconds", f > 0 && f < 1 ? s * (1 - f) / f : 0, "%.1f");
	json_object_object_add(o, "last", json_object_new_boolean(last));
	kd_broadcast_event(p->kd, o);
}
