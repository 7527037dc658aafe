/*
 * front_xenbus.h - the frontend half of Xen's xenbus handshake (xen/io/
 * xenbus.h) as every frontend on the guest kit runs it (blkfront,
 * netfront): the device's directory and its backend's, as the toolstack
 * named them; its state written, the backend's waited for; the way out
 * (Closing, the backend following, Closed).  What each device publishes
 * and reads in between is its own.
 */
#ifndef KETCH_FRONT_XENBUS_H
#define KETCH_FRONT_XENBUS_H

#include <ketch-guest/xenbus.h>

struct front_dev {
	char fe[64], be[128]; /* device/<type>/<devid>, the backend's directory */
	unsigned int devid;
	domid_t be_id;
	uint64_t timeout_ns;  /* every wait on the backend */
};

/* The devids under device/<type> ("vbd", "vif"): at most max into devids,
 * how many in *n. */
int front_discover(const char *type, unsigned int *devids, unsigned int max, unsigned int *n);
/* Name the device device/<type>/<devid> and read its backend and
 * backend-id (again after a resume: the backend's path names our domain
 * id); -XEN_EINVAL for an id that is no domain's. */
int front_find_backend(struct front_dev *f, const char *type, unsigned int devid);
/* The node dir/name (dir: f->fe or f->be) into *v; free it. */
int front_read(const char *dir, const char *name, char **v);
/* Our node name := v, in transaction t (XBT_NIL: none). */
int front_write_uint(struct front_dev *f, xenbus_transaction_t t, const char *name,
		     unsigned int v);
/* Our state := s, in transaction t. */
int front_switch_state(struct front_dev *f, xenbus_transaction_t t, XenbusState s);
/* Wait (bounded by f->timeout_ns) for the backend's state want, as
 * xenbus_wait_for_state. */
int front_wait_backend(struct front_dev *f, XenbusState want);
/*
 * Following the backend once connected, as Linux's xenbus_watch_otherend:
 * a watch on its state whose events carry our directory as token.  An
 * event already queued when unwatching is dropped.
 */
int front_watch_backend(struct front_dev *f);
void front_unwatch_backend(struct front_dev *f);
/* Nonzero when the backend's state may have changed (a predicate for
 * events_block_until). */
int front_backend_pending(const struct front_dev *f);
/* Without waiting: 1 and the backend's state in *s when it may have
 * changed (-1: not a number; XenbusStateUnknown: the node is gone), 0 when
 * nothing happened, or a negative Xen errno. */
int front_backend_news(struct front_dev *f, long *s);
/* The backend's online node: 0 (also when missing or not a number) once
 * the toolstack is removing the device. */
int front_backend_online(struct front_dev *f);
/* Closing, wait for the backend to follow (one already Closed is gone
 * too), Closed.  What the device shared is the caller's to take back. */
int front_leave(struct front_dev *f);

#endif
