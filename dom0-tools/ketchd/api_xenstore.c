/*
 * api_xenstore.c - the API's xenstore ops (read, write, recursive list),
 * made through ketchd's own connection to ketch-xenstored, so clients need
 * neither xenstored's socket nor its privileges; ketchd is domain 0 there.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenstore.h>

#include "api.h"

#define XS_LS_MAX 10000 /* entries in one listing; more is an error */

/* The "path" of the request (absolute), or NULL with r->err set. */
static const char *path_of(struct kd *kd, struct req *r, bool required)
{
	struct json_object *p = json_object_object_get(r->obj, "path");
	const char *s = json_object_get_string(p);

	if (!kd->xs)
		return kd_error_set(&r->err, "no_xenstore", "", "ketchd runs without xenstore"),
		       NULL;
	if (!p && !required)
		return "/";
	if (!json_object_is_type(p, json_type_string) || s[0] != '/')
		return kd_error_set(&r->err, "bad_request", "path",
				    "is required (an absolute xenstore path)"), NULL;
	return s;
}

static void *xs_fail(struct req *r, const char *what, const char *path)
{
	if (errno == ENOENT)
		kd_error_set(&r->err, "no_such_path", "path", "no xenstore node %s", path);
	else
		kd_error_set(&r->err, "xenstore_failed", "path", "%s %s: %s", what, path,
			     strerror(errno));
	return NULL;
}

struct json_object *kd_api_xs_read(struct kd *kd, struct req *r)
{
	const char *path = path_of(kd, r, true);
	struct json_object *o;
	unsigned int len;
	char *v;

	if (!path)
		return NULL;
	if (!(v = xs_read(kd->xs, XBT_NULL, path, &len)))
		return xs_fail(r, "read", path);
	o = kd_api_ok();
	json_object_object_add(o, "value", json_object_new_string_len(v, (int)len));
	free(v);
	return o;
}

struct json_object *kd_api_xs_write(struct kd *kd, struct req *r)
{
	const char *path = path_of(kd, r, true);
	struct json_object *v = json_object_object_get(r->obj, "value");

	if (!path)
		return NULL;
	if (!json_object_is_type(v, json_type_string))
		return kd_error_set(&r->err, "bad_request", "value", "is required (a string)"), NULL;
	if (!xs_write(kd->xs, XBT_NULL, path, json_object_get_string(v),
		      (unsigned int)json_object_get_string_len(v)))
		return xs_fail(r, "write", path);
	return kd_api_ok();
}

/* Append path and everything below it to a, depth first; -errno on error. */
static int walk(struct kd *kd, const char *path, struct json_object *a)
{
	struct json_object *e;
	unsigned int n, len;
	char **kids, *v, child[4096];
	int r = 0;

	if (json_object_array_length(a) >= XS_LS_MAX)
		return -E2BIG;
	v = xs_read(kd->xs, XBT_NULL, path, &len);
	if (!v && errno == ENOENT)
		return -ENOENT; /* removed while listing, or never there */
	e = json_object_new_object();
	json_object_object_add(e, "path", json_object_new_string(path));
	json_object_object_add(e, "value", json_object_new_string_len(v ? v : "", v ? (int)len : 0));
	json_object_array_add(a, e);
	free(v);
	if (!(kids = xs_directory(kd->xs, XBT_NULL, path, &n)))
		return 0;
	for (unsigned int i = 0; i < n && r != -E2BIG; i++) {
		snprintf(child, sizeof(child), "%s/%s", strcmp(path, "/") ? path : "", kids[i]);
		r = walk(kd, child, a);
		if (r == -ENOENT)
			r = 0;
	}
	free(kids);
	return r;
}

struct json_object *kd_api_xs_ls(struct kd *kd, struct req *r)
{
	const char *path = path_of(kd, r, false);
	struct json_object *o, *a;
	int e;

	if (!path)
		return NULL;
	a = json_object_new_array();
	if ((e = walk(kd, path, a)) < 0) {
		json_object_put(a);
		errno = -e;
		if (e == -E2BIG)
			return kd_error_set(&r->err, "too_big", "path",
					    "more than %d nodes under %s", XS_LS_MAX, path), NULL;
		return xs_fail(r, "list", path);
	}
	o = kd_api_ok();
	json_object_object_add(o, "nodes", a);
	return o;
}
