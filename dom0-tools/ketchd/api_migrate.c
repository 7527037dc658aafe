/*
 * api_migrate.c - the `migrate` request (docs/api.md): host, port and
 * the suspend timeout checked, then migrate.c; the reply and the
 * progress events ("migrate") subscribers of `events` see.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "migrate.h"

struct json_object *kd_api_migrate(struct kd *kd, struct req *r)
{
	struct json_object *h = json_object_object_get(r->obj, "host");
	int64_t port = MIG_DEFAULT_PORT, timeout = kd->opt.shutdown_timeout_s;
	const char *host = json_object_is_type(h, json_type_string) ? json_object_get_string(h)
								    : NULL;
	char p[8];

	if (!host || !*host || strlen(host) > 253)
		return kd_error_set(&r->err, "bad_request", "host", "is required: the target "
				    "ketchd's host name or address"), NULL;
	if (!kd_api_int_field(r, "port", 1, 65535, &port) ||
	    !kd_api_int_field(r, "timeout", 1, 3600, &timeout))
		return NULL;
	snprintf(p, sizeof(p), "%d", (int)port);
	if (kd_migrate_start(kd, r->d, host, p, (int)timeout, r->c,
			     json_object_object_get(r->obj, "id"), &r->err))
		return NULL;
	r->deferred = true; /* migrate.c replies once the target runs it, or it failed */
	return NULL;
}

static void add_seconds(struct json_object *o, const char *key, int64_t ms)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%.3f", (double)ms / 1e3);
	json_object_object_add(o, key, json_object_new_double_s(atof(buf), buf));
}

void kd_api_migrate_reply(struct kd *kd, struct kd_conn *c, struct json_object *id, int r,
			  const struct kd_migrate_stats *st, const struct kd_error *err)
{
	struct json_object *o = r ? kd_api_error(err) : kd_api_ok();
	char buf[32];

	if (!r) {
		double s = (double)st->ms / 1e3;

		json_object_object_add(o, "target_domid", json_object_new_int64(st->target_domid));
		json_object_object_add(o, "rounds", json_object_new_int64(st->rounds));
		json_object_object_add(o, "pages", json_object_new_int64((int64_t)st->pages));
		json_object_object_add(o, "bytes", json_object_new_int64((int64_t)st->bytes));
		json_object_object_add(o, "last_pages",
				       json_object_new_int64((int64_t)st->last_pages));
		add_seconds(o, "seconds", st->ms);
		add_seconds(o, "downtime_seconds", st->downtime_ms);
		snprintf(buf, sizeof(buf), "%.1f", s > 0 ? (double)st->bytes / (1 << 20) / s : 0.0);
		json_object_object_add(o, "mib_per_s", json_object_new_double_s(atof(buf), buf));
	}
	if (id)
		json_object_object_add(o, "id", json_object_get(id));
	kd_conn_reply_deferred(kd, c, o);
}

void kd_migrate_progress(struct kd *kd, struct kd_domain *d, unsigned int round,
			 uint64_t pages, uint64_t bytes, uint64_t left)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "event", json_object_new_string("migrate"));
	json_object_object_add(o, "domid", json_object_new_int64(d->domid));
	json_object_object_add(o, "name", json_object_new_string(d->cfg.name));
	json_object_object_add(o, "round", json_object_new_int64(round));
	json_object_object_add(o, "round_pages", json_object_new_int64((int64_t)left));
	json_object_object_add(o, "pages", json_object_new_int64((int64_t)pages));
	json_object_object_add(o, "bytes", json_object_new_int64((int64_t)bytes));
	kd_broadcast_event(kd, o);
}
