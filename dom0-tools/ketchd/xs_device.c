/*
 * xs_device.c - the xenstore plumbing every device shares, as libxl does
 * it (libxl__device_generic_add, libxl__device_destroy): the backend and
 * frontend directories, the transaction retried while it conflicts,
 * removal, xl's Closing and reading a number back.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenstore.h>
#include <xen/io/xenbus.h>

#include "ketchd.h"
#include "xs_device.h"

void kd_xsdev_be_path(const struct kd_xsdev *x, char *p, size_t n)
{
	snprintf(p, n, "/local/domain/0/backend/%s/%u/%u", x->kind, x->domid, x->devid);
}

void kd_xsdev_fe_path(const struct kd_xsdev *x, char *p, size_t n)
{
	snprintf(p, n, "/local/domain/%u/device/%s/%u", x->domid, x->kind, x->devid);
}

void kd_xsdev_nodes_init(const struct kd_xsdev *x, struct kd_xsdev_nodes *n)
{
	*n = (struct kd_xsdev_nodes){
		.be_perm = { { 0, XS_PERM_NONE }, { x->domid, XS_PERM_READ } },
		.fe_perm = { { x->domid, XS_PERM_NONE }, { 0, XS_PERM_READ } },
	};
	kd_xsdev_be_path(x, n->be, sizeof(n->be));
	kd_xsdev_fe_path(x, n->fe, sizeof(n->fe));
	snprintf(n->domid, sizeof(n->domid), "%u", x->domid);
	snprintf(n->devid, sizeof(n->devid), "%u", x->devid);
	snprintf(n->state, sizeof(n->state), "%d", XenbusStateInitialising);
}

bool kd_xsdev_put(struct kd *kd, xs_transaction_t t, const char *dir, const char *name,
		  const char *value, struct xs_permissions *perms)
{
	char p[256];

	snprintf(p, sizeof(p), "%s%s%s", dir, *name ? "/" : "", name);
	return xs_write(kd->xs, t, p, value, strlen(value)) &&
	       xs_set_permissions(kd->xs, t, p, perms, 2);
}

bool kd_xsdev_put_all(struct kd *kd, xs_transaction_t t, const char *dir,
		      const char *const ents[][2], size_t count, struct xs_permissions *perms)
{
	bool ok = true;

	for (size_t i = 0; ok && i < count; i++)
		ok = kd_xsdev_put(kd, t, dir, ents[i][0], ents[i][1], perms);
	return ok;
}

int kd_xsdev_transaction(struct kd *kd, bool (*fill)(struct kd *, const void *, xs_transaction_t),
			 const void *arg)
{
	if (!kd->xs)
		return -ENOTCONN;
	for (int tries = 0; tries < 10; tries++) {
		xs_transaction_t t = xs_transaction_start(kd->xs);

		if (t == XBT_NULL)
			return -errno;
		if (!fill(kd, arg, t)) {
			int e = errno ? errno : EIO;

			xs_transaction_end(kd->xs, t, true);
			return -e;
		}
		if (xs_transaction_end(kd->xs, t, false))
			return 0;
		if (errno != EAGAIN)
			return -errno;
	}
	return -EAGAIN;
}

static bool remove_nodes(struct kd *kd, const void *arg, xs_transaction_t t)
{
	const struct kd_xsdev *x = arg;
	char be[128], fe[128], parent[96];
	unsigned int n = 0;
	char **left;

	kd_xsdev_be_path(x, be, sizeof(be));
	kd_xsdev_fe_path(x, fe, sizeof(fe));
	snprintf(parent, sizeof(parent), "/local/domain/0/backend/%s/%u", x->kind, x->domid);
	if ((!xs_rm(kd->xs, t, fe) && errno != ENOENT) || (!xs_rm(kd->xs, t, be) && errno != ENOENT))
		return false;
	/* The last device of its kind takes the domain's backend directory
	 * with it, as libxl's does. */
	left = xs_directory(kd->xs, t, parent, &n);
	free(left);
	return !left || n || xs_rm(kd->xs, t, parent) || errno == ENOENT;
}

void kd_xsdev_remove(struct kd *kd, const struct kd_xsdev *x)
{
	int r = kd->xs ? kd_xsdev_transaction(kd, remove_nodes, x) : 0;

	if (r)
		kd_log("d%u: xenstore: removing %s %u: %s", x->domid, x->kind, x->devid, strerror(-r));
}

static bool write_closing(struct kd *kd, const void *arg, xs_transaction_t t)
{
	char be[128], p[160], *s;
	bool closed;

	kd_xsdev_be_path(arg, be, sizeof(be));
	snprintf(p, sizeof(p), "%s/state", be);
	s = xs_read(kd->xs, t, p, NULL);
	closed = s && atoi(s) == XenbusStateClosed;
	free(s);
	if (!s)
		return true; /* the backend's directory is gone: nothing to close */
	snprintf(p, sizeof(p), "%s/online", be);
	if (!xs_write(kd->xs, t, p, "0", 1))
		return false;
	snprintf(p, sizeof(p), "%s/state", be);
	return closed || xs_write(kd->xs, t, p, "5", 1);
}

int kd_xsdev_closing(struct kd *kd, const struct kd_xsdev *x)
{
	return kd_xsdev_transaction(kd, write_closing, x);
}

long kd_xsdev_read(struct kd *kd, const struct kd_xsdev *x, bool fe, const char *name)
{
	char dir[128], p[192], *s, *end;
	long n;

	if (!kd->xs)
		return -1;
	if (fe)
		kd_xsdev_fe_path(x, dir, sizeof(dir));
	else
		kd_xsdev_be_path(x, dir, sizeof(dir));
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	s = xs_read(kd->xs, XBT_NULL, p, NULL);
	if (!s)
		return -1;
	n = strtol(s, &end, 10);
	if (end == s || *end || n < 0)
		n = -1;
	free(s);
	return n;
}
