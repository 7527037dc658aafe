/*
 * api.c - the JSON API (docs/api.md): one request object per line, one
 * reply per line.  A table names each op, the keys it accepts and whether
 * it acts on a domain; the dispatcher checks all of that once, so the
 * handlers see only well-formed requests.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <uuid/uuid.h>
#include <stdint.h>
#include <xen/xen.h>
#include <xen/sched.h>

#include "api.h"
#include "validate.h"

struct api_op {
	const char *name;
	const char *const *keys; /* accepted besides op, id, domain */
	bool on_domain;
	/* Returns a reply object with "ok":true, or NULL with r->err set. */
	struct json_object *(*run)(struct kd *kd, struct req *r);
};

struct json_object *kd_api_error(const struct kd_error *err)
{
	struct json_object *o = json_object_new_object(), *e = json_object_new_object();

	json_object_object_add(e, "code", json_object_new_string(err->code));
	if (err->field[0])
		json_object_object_add(e, "field", json_object_new_string(err->field));
	json_object_object_add(e, "message", json_object_new_string(err->message));
	json_object_object_add(o, "ok", json_object_new_boolean(0));
	json_object_object_add(o, "error", e);
	return o;
}

struct json_object *kd_api_ok(void)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "ok", json_object_new_boolean(1));
	return o;
}

struct json_object *kd_api_created(const struct kd_domain *d)
{
	struct json_object *o = kd_api_ok();
	char uuid[37];

	uuid_unparse_lower(d->cfg.uuid, uuid);
	json_object_object_add(o, "domid", json_object_new_int64(d->domid));
	json_object_object_add(o, "name", json_object_new_string(d->cfg.name));
	json_object_object_add(o, "uuid", json_object_new_string(uuid));
	return o;
}

static int hv_err(struct req *r, const char *what, int e)
{
	const char *n = r->d->cfg.name;
	uint32_t id = r->d->domid;

	if (e == -EALREADY && !strcmp(what, "pause"))
		return kd_error_set(&r->err, "already_paused", "", "domain %u (%s) is already paused", id, n);
	if (e == -EALREADY)
		return kd_error_set(&r->err, "already_running", "", "domain %u (%s) is already running", id, n);
	if (e == -ESHUTDOWN)
		return kd_error_set(&r->err, "domain_stopped", "", "domain %u (%s) has stopped", id, n);
	return kd_error_set(&r->err, "hv_error", "", "%s of domain %u (%s): %s", what, id, n,
			    kctl_strerror(e));
}

static struct json_object *op_create(struct kd *kd, struct req *r)
{
	struct json_object *cfgj = NULL, *p = NULL;
	struct kd_config cfg;
	struct kd_domain *d;

	if (!json_object_object_get_ex(r->obj, "config", &cfgj)) {
		kd_error_set(&r->err, "bad_request", "config", "is required");
		return NULL;
	}
	if (json_object_object_get_ex(r->obj, "paused", &p) &&
	    !json_object_is_type(p, json_type_boolean)) {
		kd_error_set(&r->err, "bad_request", "paused", "must be true or false");
		return NULL;
	}
	if (kd_config_from_json(cfgj, &cfg, &r->err) ||
	    kd_domain_create(kd, &cfg, p && json_object_get_boolean(p), &d, &r->err))
		return NULL;
	return kd_api_created(d);
}

static struct json_object *op_destroy(struct kd *kd, struct req *r)
{
	kd_domain_destroy(kd, r->d);
	return kd_api_ok();
}

bool kd_api_int_field(struct req *r, const char *key, int64_t lo, int64_t hi, int64_t *v)
{
	struct json_object *o;

	if (!json_object_object_get_ex(r->obj, key, &o))
		return true;
	*v = json_object_is_type(o, json_type_int) ? json_object_get_int64(o) : lo - 1;
	if (*v < lo || *v > hi)
		return kd_error_set(&r->err, "bad_request", key, "must be an integer from "
				    "%lld to %lld", (long long)lo, (long long)hi), false;
	return true;
}

static struct json_object *op_stop(struct kd *kd, struct req *r)
{
	int64_t timeout = kd->opt.shutdown_timeout_s;
	const char *op = json_object_get_string(json_object_object_get(r->obj, "op"));

	if (!kd_api_int_field(r, "timeout", 1, 3600, &timeout))
		return NULL;
	if (kd_lifecycle_request(kd, r->d, !strcmp(op, "reboot") ? SHUTDOWN_reboot
								: SHUTDOWN_poweroff,
				 (int)timeout, &r->err))
		return NULL;
	return kd_api_ok();
}

static struct json_object *op_pause(struct kd *kd, struct req *r)
{
	const char *op = json_object_get_string(json_object_object_get(r->obj, "op"));
	bool pause = !strcmp(op, "pause");
	int e = pause ? kctl_pause(kd->hv, r->d->domid) : kctl_unpause(kd->hv, r->d->domid);

	if (e) {
		hv_err(r, op, e);
		return NULL;
	}
	return kd_api_ok();
}

static struct json_object *op_rename(struct kd *kd, struct req *r)
{
	const struct kd_field *f = kd_field_find("name");
	struct json_object *n = json_object_object_get(r->obj, "name");
	struct kd_config tmp = { 0 };
	struct kd_domain *other;

	if (!n) {
		kd_error_set(&r->err, "bad_request", "name", "is required");
		return NULL;
	}
	if (f->set(f, n, &tmp, &r->err))
		return NULL;
	other = kd_domain_by_name(kd, tmp.name);
	if (other && other != r->d) {
		kd_error_set(&r->err, "duplicate_name", "name",
			     "a domain named \"%s\" already exists", tmp.name);
		return NULL;
	}
	kd_log("d%u: renamed %s -> %s", r->d->domid, r->d->cfg.name, tmp.name);
	memcpy(r->d->cfg.name, tmp.name, sizeof(tmp.name));
	kd_xs_rename(kd, r->d);
	kd_state_save(kd, r->d);
	kd_events_state(kd, r->d, "renamed");
	return kd_api_ok();
}

static int by_domid(const void *a, const void *b)
{
	int64_t x = json_object_get_int64(json_object_object_get(*(struct json_object *const *)a, "domid"));
	int64_t y = json_object_get_int64(json_object_object_get(*(struct json_object *const *)b, "domid"));

	return (x > y) - (x < y);
}

static struct json_object *op_list(struct kd *kd, struct req *r)
{
	struct json_object *o = kd_api_ok(), *a = json_object_new_array();

	(void)r;
	for (struct kd_domain *d = kd->domains; d; d = d->next)
		json_object_array_add(a, kd_domain_json(kd, d));
	json_object_array_sort(a, by_domid);
	json_object_object_add(o, "domains", a);
	return o;
}

static struct json_object *op_info(struct kd *kd, struct req *r)
{
	struct json_object *o = kd_api_ok();

	json_object_object_add(o, "domain", kd_domain_json(kd, r->d));
	return o;
}

static struct json_object *op_console(struct kd *kd, struct req *r)
{
	(void)kd;
	if (!r->d->con || r->d->con->broken) {
		kd_error_set(&r->err, "no_console", "domain",
			     "domain %u has no working console ring", r->d->domid);
		return NULL;
	}
	r->c->mode = KD_CONN_CONSOLE;
	r->c->console_domid = r->d->domid;
	return kd_api_ok();
}

static struct json_object *op_events(struct kd *kd, struct req *r)
{
	(void)kd;
	r->c->mode = KD_CONN_EVENTS;
	return kd_api_ok();
}

static const char *const k_none[] = { NULL };
static const char *const k_create[] = { "config", "paused", NULL };
static const char *const k_stop[] = { "timeout", NULL };
static const char *const k_rename[] = { "name", NULL };
static const char *const k_mem[] = { "target_kib", NULL };
static const char *const k_path[] = { "path", NULL };
static const char *const k_from[] = { "from", "clear", NULL };
static const char *const k_xsw[] = { "path", "value", NULL };
static const char *const k_battach[] = { "disk", NULL };
static const char *const k_bdetach[] = { "vdev", "force", "timeout", NULL };
static const char *const k_nattach[] = { "vif", NULL };
static const char *const k_ndetach[] = { "vif", "force", "timeout", NULL };
static const char *const k_save[] = { "file", "checkpoint", "paused", "timeout", NULL };
static const char *const k_restore[] = { "file", "name", "paused", NULL };
static const char *const k_snapshot[] = { "file", "timeout", NULL };
static const char *const k_clone[] = { "file", "name", "count", "paused", NULL };
static const char *const k_migrate[] = { "host", "port", "timeout", NULL };

static const struct api_op ops[] = {
	{ "create", k_create, false, op_create },
	{ "destroy", k_none, true, op_destroy },
	{ "shutdown", k_stop, true, op_stop },
	{ "reboot", k_stop, true, op_stop },
	{ "pause", k_none, true, op_pause },
	{ "unpause", k_none, true, op_pause },
	{ "rename", k_rename, true, op_rename },
	{ "list", k_none, false, op_list },
	{ "info", k_none, true, op_info },
	{ "console", k_none, true, op_console },
	{ "events", k_none, false, op_events },
	{ "vcpus", k_none, true, kd_api_vcpus },
	{ "mem_set", k_mem, true, kd_api_mem_set },
	{ "dmesg", k_from, false, kd_api_dmesg },
	{ "xenstore_read", k_path, false, kd_api_xs_read },
	{ "xenstore_write", k_xsw, false, kd_api_xs_write },
	{ "xenstore_ls", k_path, false, kd_api_xs_ls },
	{ "block_attach", k_battach, true, kd_api_block_attach },
	{ "block_detach", k_bdetach, true, kd_api_block_detach },
	{ "block_list", k_none, true, kd_api_block_list },
	{ "network_attach", k_nattach, true, kd_api_network_attach },
	{ "network_detach", k_ndetach, true, kd_api_network_detach },
	{ "network_list", k_none, true, kd_api_network_list },
	{ "save", k_save, true, kd_api_save },
	{ "restore", k_restore, false, kd_api_restore },
	{ "snapshot", k_snapshot, true, kd_api_snapshot },
	{ "clone", k_clone, false, kd_api_clone },
	{ "migrate", k_migrate, true, kd_api_migrate },
};

/* The op's entry after checking the request's shape; NULL with err set. */
static const struct api_op *check(struct kd *kd, struct req *r)
{
	struct json_object *op = json_object_object_get(r->obj, "op"), *dom;
	const struct api_op *a = NULL;

	if (!json_object_is_type(op, json_type_string))
		return kd_error_set(&r->err, "bad_request", "op", "is required (a string)"), NULL;
	for (size_t i = 0; i < sizeof(ops) / sizeof(*ops); i++)
		if (!strcmp(ops[i].name, json_object_get_string(op)))
			a = &ops[i];
	if (!a)
		return kd_error_set(&r->err, "unknown_op", "op", "unknown operation \"%s\"",
				    json_object_get_string(op)), NULL;
	json_object_object_foreach(r->obj, key, val) {
		bool known = !strcmp(key, "op") || !strcmp(key, "id") ||
			     (a->on_domain && !strcmp(key, "domain"));

		(void)val;
		for (const char *const *k = a->keys; !known && *k; k++)
			known = !strcmp(*k, key);
		if (!known)
			return kd_error_set(&r->err, "unknown_field", key,
					    "not a field of \"%s\" requests", a->name), NULL;
	}
	if (!a->on_domain)
		return a;
	dom = json_object_object_get(r->obj, "domain");
	if (!json_object_is_type(dom, json_type_string) && !json_object_is_type(dom, json_type_int))
		return kd_error_set(&r->err, "bad_request", "domain",
				    "is required (a name or a domain id)"), NULL;
	r->d = kd_domain_lookup(kd, json_object_get_string(dom));
	if (!r->d)
		return kd_error_set(&r->err, "no_such_domain", "domain", "no domain \"%s\"",
				    json_object_get_string(dom)), NULL;
	return a;
}

void kd_api_handle(struct kd *kd, struct kd_conn *c, const char *line)
{
	struct req r = { .c = c };
	struct json_object *reply = NULL, *id = NULL;
	enum json_tokener_error jerr;
	const struct api_op *a;

	while (*line == ' ' || *line == '\t' || *line == '\r')
		line++;
	if (!*line)
		return; /* blank lines are allowed between requests */
	r.obj = json_tokener_parse_verbose(line, &jerr);
	if (!json_object_is_type(r.obj, json_type_object))
		kd_error_set(&r.err, "bad_request", "", "a request must be one JSON object "
			     "on one line (%s)", r.obj ? "not an object" : json_tokener_error_desc(jerr));
	else if ((a = check(kd, &r)))
		reply = a->run(kd, &r);
	if (!reply && r.deferred) {
		json_object_put(r.obj);
		return;
	}
	if (!reply)
		reply = kd_api_error(&r.err);
	if (r.obj && json_object_is_type(r.obj, json_type_object) &&
	    json_object_object_get_ex(r.obj, "id", &id))
		json_object_object_add(reply, "id", json_object_get(id));
	kd_conn_send_json(kd, c, reply);
	json_object_put(r.obj);
}
