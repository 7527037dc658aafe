/*
 * api.h - what the JSON API's handlers share inside ketchd: the request
 * as the dispatcher (api.c) hands it over, after checking its shape.
 */
#ifndef KETCHD_API_H
#define KETCHD_API_H

#include "ketchd.h"

struct req {
	struct json_object *obj;
	struct kd_domain *d; /* for ops on a domain */
	struct kd_conn *c;
	struct kd_error err;
	bool deferred; /* the handler will reply later (returns NULL) */
};

/* A reply object {"ok":true}. */
struct json_object *kd_api_ok(void);
/* The request's integer field key, from lo to hi, into *v (left alone when
 * absent); false with a bad_request naming it otherwise. */
bool kd_api_int_field(struct req *r, const char *key, int64_t lo, int64_t hi, int64_t *v);
/* {"ok":true,"domid":...,"name":...,"uuid":...}: a domain made (create, restore). */
struct json_object *kd_api_created(const struct kd_domain *d);

/* api_device.c: what the disks' and the vifs' ops share */
/* The domain runs or is paused: devices change only then.  false with r->err set. */
bool kd_api_domain_live(struct req *r);
/* A detach's "force" and "timeout" (1 to 3600 s) into *force and
 * *timeout, left as they are when absent; false with r->err set. */
bool kd_api_detach_opts(struct req *r, bool *force, int64_t *timeout);
/* The reply to a detach whose kd_*_detach returned rc: deferred (1, NULL
 * returned) or {"ok":true,"forced":force} now. */
struct json_object *kd_api_detach_reply(struct req *r, int rc, bool force);

/*
 * Handlers outside api.c.  Each returns a reply object with "ok":true, or
 * NULL with r->err set (docs/api.md names the error codes).
 */
/* api_query.c: vcpus, mem_set, dmesg */
struct json_object *kd_api_vcpus(struct kd *kd, struct req *r);
struct json_object *kd_api_mem_set(struct kd *kd, struct req *r);
struct json_object *kd_api_dmesg(struct kd *kd, struct req *r);
/* api_xenstore.c: xenstore_read, xenstore_write, xenstore_ls */
struct json_object *kd_api_xs_read(struct kd *kd, struct req *r);
struct json_object *kd_api_xs_write(struct kd *kd, struct req *r);
struct json_object *kd_api_xs_ls(struct kd *kd, struct req *r);
/* api_block.c: block_attach, block_detach (may defer), block_list */
struct json_object *kd_api_block_attach(struct kd *kd, struct req *r);
struct json_object *kd_api_block_detach(struct kd *kd, struct req *r);
struct json_object *kd_api_block_list(struct kd *kd, struct req *r);
/* api_save.c: save, snapshot (both may defer), restore, clone (docs/save-migrate.md) */
struct json_object *kd_api_save(struct kd *kd, struct req *r);
struct json_object *kd_api_snapshot(struct kd *kd, struct req *r);
struct json_object *kd_api_clone(struct kd *kd, struct req *r);
struct json_object *kd_api_migrate(struct kd *kd, struct req *r);
struct json_object *kd_api_restore(struct kd *kd, struct req *r);
/* api_net.c: network_attach, network_detach (may defer), network_list */
struct json_object *kd_api_network_attach(struct kd *kd, struct req *r);
struct json_object *kd_api_network_detach(struct kd *kd, struct req *r);
struct json_object *kd_api_network_list(struct kd *kd, struct req *r);

#endif
