/*
 * api_save.c - the `save`, `snapshot`, `restore` and `clone` requests
 * (docs/api.md): their fields checked, then save.c, restore.c and clone.c
 * do the work; the reply says how much was moved and how fast.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"

/* r[key] as an absolute path, or NULL with r->err set. */
static const char *file_of(struct req *r)
{
	struct json_object *f = json_object_object_get(r->obj, "file");
	const char *p = json_object_is_type(f, json_type_string) ? json_object_get_string(f) : NULL;

	if (!p || p[0] != '/' || strlen(p) > 4000)
		kd_error_set(&r->err, "bad_request", "file", "is required: an absolute path "
			     "(ketchd does not share the client's directory)");
	return p && p[0] == '/' && strlen(p) <= 4000 ? p : NULL;
}

/* r[key] as a boolean into *v (left alone when absent); false with r->err set. */
static bool flag(struct req *r, const char *key, bool *v)
{
	struct json_object *o;

	if (!json_object_object_get_ex(r->obj, key, &o))
		return true;
	if (!json_object_is_type(o, json_type_boolean))
		return kd_error_set(&r->err, "bad_request", key, "must be true or false"), false;
	*v = json_object_get_boolean(o);
	return true;
}

static void add_stats(struct json_object *o, const struct kd_save_stats *st)
{
	double s = (double)st->ms / 1e3, mib = (double)st->bytes / (1 << 20);
	char buf[32];

	json_object_object_add(o, "pages", json_object_new_int64((int64_t)st->pages));
	json_object_object_add(o, "bytes", json_object_new_int64((int64_t)st->bytes));
	snprintf(buf, sizeof(buf), "%.3f", s);
	json_object_object_add(o, "seconds", json_object_new_double_s(atof(buf), buf));
	snprintf(buf, sizeof(buf), "%.1f", s > 0 ? mib / s : 0.0);
	json_object_object_add(o, "mib_per_s", json_object_new_double_s(atof(buf), buf));
}

/* save and snapshot: the file, the flags, the timeout; then save.c. */
static struct json_object *start(struct kd *kd, struct req *r, bool snapshot)
{
	bool checkpoint = false, paused = false;
	int64_t timeout = kd->opt.shutdown_timeout_s;
	const char *path = file_of(r);

	if (!path || !flag(r, "checkpoint", &checkpoint) || !flag(r, "paused", &paused))
		return NULL;
	if (!kd_api_int_field(r, "timeout", 1, 3600, &timeout))
		return NULL;
	if (kd_save_start(kd, r->d, path, snapshot ? KD_SAVE_SNAPSHOT
					: paused ? KD_SAVE_PAUSED
					: checkpoint ? KD_SAVE_CHECKPOINT : KD_SAVE_DESTROY,
			  (int)timeout, r->c, json_object_object_get(r->obj, "id"), &r->err))
		return NULL;
	r->deferred = true; /* save.c replies once the guest has suspended */
	return NULL;
}

struct json_object *kd_api_save(struct kd *kd, struct req *r)
{
	return start(kd, r, false);
}

struct json_object *kd_api_snapshot(struct kd *kd, struct req *r)
{
	return start(kd, r, true);
}

void kd_api_save_reply(struct kd *kd, struct kd_conn *c, struct json_object *id, int r,
		       const struct kd_save_stats *st, const struct kd_error *err)
{
	struct json_object *o = r ? kd_api_error(err) : kd_api_ok();

	if (!r)
		add_stats(o, st);
	if (!r && st->disks)
		json_object_object_add(o, "disks", json_object_get(st->disks));
	if (id)
		json_object_object_add(o, "id", json_object_get(id));
	kd_conn_reply_deferred(kd, c, o);
}

struct json_object *kd_api_restore(struct kd *kd, struct req *r)
{
	struct json_object *n = json_object_object_get(r->obj, "name"), *o;
	struct kd_save_stats st;
	struct kd_domain *d;
	bool paused = false;
	const char *path = file_of(r);

	if (!path || !flag(r, "paused", &paused))
		return NULL;
	if (n && !json_object_is_type(n, json_type_string))
		return kd_error_set(&r->err, "bad_request", "name", "must be a string"), NULL;
	if (kd_restore(kd, path, n ? json_object_get_string(n) : NULL, paused, &d, &st, &r->err))
		return NULL;
	o = kd_api_created(d);
	add_stats(o, &st);
	return o;
}

/* One clone as the reply lists it: its identity. */
static struct json_object *clone_json(const struct kd_domain *d)
{
	struct json_object *o = kd_api_created(d), *macs = json_object_new_array();
	struct json_object *disks = json_object_new_array();

	json_object_object_del(o, "ok");
	for (unsigned int i = 0; i < d->cfg.nr_nics; i++) {
		char m[18];

		kd_mac_format(d->cfg.nics[i].mac, m);
		json_object_array_add(macs, json_object_new_string(m));
	}
	for (unsigned int i = 0; i < d->cfg.nr_disks; i++)
		json_object_array_add(disks, json_object_new_string(d->cfg.disks[i].target));
	json_object_object_add(o, "macs", macs);
	json_object_object_add(o, "disks", disks);
	return o;
}

struct json_object *kd_api_clone(struct kd *kd, struct req *r)
{
	struct json_object *n = json_object_object_get(r->obj, "name"), *o, *a;
	struct kd_domain *made[KD_CLONE_MAX];
	struct kd_save_stats st;
	int64_t count = 1;
	bool paused = false;
	const char *path = file_of(r);

	if (!path || !flag(r, "paused", &paused))
		return NULL;
	if (!json_object_is_type(n, json_type_string))
		return kd_error_set(&r->err, "bad_request", "name", "is required (a string)"), NULL;
	if (!kd_api_int_field(r, "count", 1, KD_CLONE_MAX, &count))
		return NULL;
	if (kd_clone(kd, path, json_object_get_string(n), (unsigned int)count, paused, made, &st,
		     &r->err))
		return NULL;
	o = kd_api_ok();
	a = json_object_new_array();
	for (int64_t i = 0; i < count; i++)
		json_object_array_add(a, clone_json(made[i]));
	json_object_object_add(o, "domains", a);
	add_stats(o, &st);
	return o;
}
