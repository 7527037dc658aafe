/*
 * backend_xenbus.h - the xenstore side every control-domain backend
 * process shares (ketch-blkback, ketch-netback): finding its directory and
 * its frontend's where the toolstack wrote them (libxl's layout), reading
 * and writing nodes there, transactions retried while they conflict, and
 * telling a frontend state change from the end of its domain.  What a
 * backend does on each frontend state is its own (blkback_xenbus.c, netback_xenbus.c).
 */
#ifndef KETCH_BACKEND_XENBUS_H
#define KETCH_BACKEND_XENBUS_H

#include <stdbool.h>
#include <stdint.h>
#include <xenstore.h>
#include <xen/io/xenbus.h>

#include "ketch/ketchctl.h"

/* One backend's device and its link to the toolstack's daemons. */
struct bkx {
	uint32_t domid, devid;
	const char *hv_socket; /* --hv-socket, else $KETCH_HV_SOCKET */
	struct kctl *hv;
	struct xs_handle *xs;
	char be[128], fe[128]; /* our directory, the frontend's */
	XenbusState state;     /* what we last wrote in be/state */
	bool fe_seen;          /* the frontend's state was read once */
	bool quit;             /* nothing left to serve: leave the loop */
	bool failed;           /* ...because the backend broke: exit 1, to be restarted */
};

/* Connect to xenstore and find the frontend the toolstack named for our
 * backend/<type>/<domid>/<devid> ("vbd", "vif"); what names the device in
 * the message when it is missing ("disk").  0 or a negative errno. */
int bkx_open(struct bkx *x, const char *type, const char *what);
/* Close what bkx_open and the caller's kctl_open opened; safe on either. */
void bkx_close(struct bkx *x);

/* dir/name, or NULL if missing.  Free the result. */
char *bkx_get(struct bkx *x, const char *dir, const char *name);
/* dir/name as a decimal number; false if missing or not one. */
bool bkx_get_ulong(struct bkx *x, const char *dir, const char *name, unsigned long *v);
/* Write be/name in transaction t (XBT_NULL: none). */
bool bkx_put(struct bkx *x, xs_transaction_t t, const char *name, const char *val);
bool bkx_put_ull(struct bkx *x, xs_transaction_t t, const char *name, unsigned long long v);
/* be/state := s, as Linux's xenbus_switch_state: only while the node
 * exists, so a backend stopping after the toolstack removed its directory
 * does not bring a node of it back.  x->state follows either way; false
 * (errno set) if the write failed. */
bool bkx_switch_state(struct bkx *x, XenbusState s);
/* Run fill(arg, t) in one transaction and commit it, again while it
 * conflicts (at most 10 times); false (errno set) if it could not. */
bool bkx_transaction(struct bkx *x, bool (*fill)(void *arg, xs_transaction_t t), void *arg);

/* The frontend's state; XenbusStateUnknown when its node is gone. */
XenbusState bkx_fe_state(struct bkx *x);
/* Whether the toolstack keeps the device (be/online not 0). */
bool bkx_online(struct bkx *x);
/* Whether the frontend is still Initialised or Connected to an earlier
 * instance of this backend, which wrote our state node (logged): its
 * rings are not ours to take. */
bool bkx_stale_frontend(struct bkx *x);
/* Watch the frontend's state and @releaseDomain. */
bool bkx_watch(struct bkx *x);

/* A watch fired: the frontend's state to follow, or -1 (logged) when
 * xenstore is lost or the frontend's domain stopped or is gone. */
int bkx_changed(struct bkx *x);

#endif
