/*
 * xenbus: the guest's xenstore client over its start_info ring, Mini-OS
 * style and small.  One request is outstanding at a time (callers are
 * single-threaded); replies are matched by req_id and watch events that
 * arrive meanwhile are queued until the guest takes them.  Not part of the
 * boot sequence: a guest that wants xenstore calls init_xenbus().
 *
 * Paths are absolute ("/local/domain/3/x") or relative to the domain's
 * home ("data/x"), as xenstored resolves them.  Every function returns 0
 * or a negative Xen errno (-XEN_EACCES, -XEN_ENOENT, -XEN_EAGAIN...); the
 * daemon's error strings are mapped through xen/errno.h.  Strings and
 * arrays handed back are malloc'd: release them with free().
 */
#ifndef KETCH_GUEST_XENBUS_H
#define KETCH_GUEST_XENBUS_H

#include <stddef.h>
#include <stdint.h>
#include <xen/xen.h>
#include <xen/io/xenbus.h>
#include <xen/io/xs_wire.h>

typedef uint32_t xenbus_transaction_t;
#define XBT_NIL ((xenbus_transaction_t)0)

/* A watch event taken from the queue: both strings live in the same block. */
struct xenbus_event {
	struct xenbus_event *next;
	char *path;  /* the node that changed (relative if the watch was) */
	char *token; /* the token given to xenbus_watch */
};

/*
 * Connect to the xenstore ring at start_info's store_mfn (a gpfn, mapped at
 * GK_VIRT_BASE + gpa) and handle store_evtchn.  -XEN_ENODEV when start_info
 * names no store.  Call once, after the kit has booted.
 */
int init_xenbus(const start_info_t *si);

/*
 * After a resume in a new domain (suspend_domain): connect to the ring and
 * channel start_info names now, forget queued watch events and set every
 * watch again.  Nothing to do (0) for a guest that never connected.
 */
int xenbus_resume(const start_info_t *si);

/* Read path's value into *value (NUL-terminated; *len bytes, len may be NULL). */
int xenbus_read(xenbus_transaction_t t, const char *path, char **value, unsigned int *len);

/* Write value (a C string) at path, creating missing parents. */
int xenbus_write(xenbus_transaction_t t, const char *path, const char *value);

/* Create path (and missing parents) with an empty value; existing is fine. */
int xenbus_mkdir(xenbus_transaction_t t, const char *path);

/* Remove path and everything below it. */
int xenbus_rm(xenbus_transaction_t t, const char *path);

/* Children of path: *names[0..*n) point into the same block as *names. */
int xenbus_directory(xenbus_transaction_t t, const char *path, char ***names, unsigned int *n);

/* Permissions of path as Xen spells them ("n0", "r3"...; entry 0 is the owner),
 * returned like xenbus_directory. */
int xenbus_get_perms(xenbus_transaction_t t, const char *path, char ***perms, unsigned int *n);

/* Replace path's permissions with perms[0..n) (entry 0: owner and default). */
int xenbus_set_perms(xenbus_transaction_t t, const char *path, const char *const *perms,
		     unsigned int n);

/* Watch path and everything below it; events carry token.  The daemon sends
 * one event at once for the watch itself, as Xen's does. */
int xenbus_watch(const char *path, const char *token);

/* Remove the watch (path, token); its events already queued stay queued. */
int xenbus_unwatch(const char *path, const char *token);

/*
 * Take the oldest queued watch event whose token is token (NULL: any),
 * waiting for one until system time reaches deadline (ns; 0: forever).
 * -XEN_ETIME at the deadline.  Free *ev when done.
 */
int xenbus_wait_event(const char *token, struct xenbus_event **ev, uint64_t deadline);

/* As xenbus_wait_event without waiting: -XEN_EAGAIN when none has come. */
int xenbus_take_event(const char *token, struct xenbus_event **ev);

/*
 * Nonzero when an event for token (NULL: any) is queued or the daemon sent
 * something not read yet (which may be one): a predicate for
 * events_block_until, so a guest blocked on its devices wakes for a watch.
 */
int xenbus_event_pending(const char *token);

/* Start a transaction; *t is non-zero. */
int xenbus_transaction_start(xenbus_transaction_t *t);

/* Commit (abort 0) or abort a transaction.  -XEN_EAGAIN: it conflicted with
 * another change and nothing was applied; start again. */
int xenbus_transaction_end(xenbus_transaction_t t, int abort);

/*
 * Run fn(t, arg) in a fresh transaction and commit, starting again while the
 * commit answers -XEN_EAGAIN, at most tries times.  fn returning non-zero
 * aborts and returns that.  Returns 0, fn's error, or -XEN_EAGAIN.
 */
int xenbus_transaction_retry(int (*fn)(xenbus_transaction_t t, void *arg), void *arg,
			     unsigned int tries);

/* This domain's id, from its home's "domid" node (written by the toolstack). */
int xenbus_domid(domid_t *domid);

/* The home of domain domid ("/local/domain/<domid>") into *path. */
int xenbus_domain_path(domid_t domid, char **path);

/* Read a decimal integer at path. */
int xenbus_read_integer(xenbus_transaction_t t, const char *path, long *value);

/* Read a XenbusState from path (a missing node reads as XenbusStateUnknown). */
int xenbus_read_state(const char *path, XenbusState *state);

/* Write state at path (a front-end's ".../state"). */
int xenbus_switch_state(xenbus_transaction_t t, const char *path, XenbusState state);

/*
 * Wait until the state at path (a peer's ".../state") is want, or is
 * XenbusStateClosing/Closed while want is not (-XEN_ENOTCONN), or deadline
 * (ns; 0: forever) passes (-XEN_ETIME).  *got (may be NULL) holds the last
 * state read.  Uses a private watch, removed before returning.
 */
int xenbus_wait_for_state(const char *path, XenbusState want, XenbusState *got,
			  uint64_t deadline);

/* The ring page, for tests that must misbehave on purpose. */
struct xenstore_domain_interface *xenbus_ring(void);

#endif
