/*
 * xs_device.h - what a disk's and a vif's xenstore nodes have in common:
 * libxl's two directories per device (backend/<kind>/<domid>/<devid> in
 * the control domain's tree, device/<kind>/<devid> in the guest's), the
 * transaction they are written and removed in, xl's Closing step, and
 * reading a number back.  vbd_xs.c and vif_xs.c add their own nodes.
 */
#ifndef KD_XS_DEVICE_H
#define KD_XS_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <xenstore.h>

#include "ketchd.h" /* struct kd, struct kd_xsdev */

/* What every device's nodes are built from, filled by kd_xsdev_nodes_init. */
struct kd_xsdev_nodes {
	char be[128], fe[128];  /* the backend's and the frontend's directory */
	char domid[16], devid[16];
	char state[4];          /* XenbusStateInitialising */
	/* backend: ours, the guest reads; frontend: the guest's, we read */
	struct xs_permissions be_perm[2], fe_perm[2];
};

/* backend/<kind>/<domid>/<devid> under the control domain. */
void kd_xsdev_be_path(const struct kd_xsdev *x, char *p, size_t n);
/* device/<kind>/<devid> under the guest. */
void kd_xsdev_fe_path(const struct kd_xsdev *x, char *p, size_t n);
/* Paths, numbers and permissions of x's nodes. */
void kd_xsdev_nodes_init(const struct kd_xsdev *x, struct kd_xsdev_nodes *n);

/* dir/name (dir itself when name is "") = value with perms; false with errno set. */
bool kd_xsdev_put(struct kd *kd, xs_transaction_t t, const char *dir, const char *name,
		  const char *value, struct xs_permissions *perms);
/* kd_xsdev_put each {name, value} of ents[0..count) in dir; false at the first failure. */
bool kd_xsdev_put_all(struct kd *kd, xs_transaction_t t, const char *dir,
		      const char *const ents[][2], size_t count, struct xs_permissions *perms);

/* fill(kd, arg, t) in a transaction, again while it conflicts.  0 or
 * -errno; -ENOTCONN without xenstore. */
int kd_xsdev_transaction(struct kd *kd, bool (*fill)(struct kd *, const void *, xs_transaction_t),
			 const void *arg);
/* Remove both directories (and backend/<kind>/<domid> once empty); a
 * failure is logged, as there is nobody to tell. */
void kd_xsdev_remove(struct kd *kd, const struct kd_xsdev *x);
/* online 0 and, unless Closed already, backend state Closing (one
 * transaction).  0 or -errno. */
int kd_xsdev_closing(struct kd *kd, const struct kd_xsdev *x);
/* A non-negative integer node under the frontend (fe true) or backend
 * directory; -1 if absent or not one. */
long kd_xsdev_read(struct kd *kd, const struct kd_xsdev *x, bool fe, const char *name);

#endif
