/* Introduced domains: their ring mapping, event channel and connection. */
#ifndef XS_DOMAIN_H
#define XS_DOMAIN_H

#include <stdbool.h>
#include <stdint.h>

#include "ctx.h"
#include "domain_ops.h"

struct xs_domain {
	struct xs_domain *next;
	uint16_t domid;
	uint64_t gfn;
	uint32_t port;
	struct xenstore_domain_interface *intf;
	int notify_fd, wake_fd;
	struct xs_conn *conn; /* NULL once the ring was shut for misbehaviour */
	bool has_target;
	uint16_t target;
	bool shutdown; /* @releaseDomain already fired for its shutdown */
};

/* Maps, binds and connects domid's ring, then fires @introduceDomain.
 * Re-introducing with the same gfn and port is accepted; different ones: -EEXIST. */
int xs_domain_introduce(struct xs_ctx *ctx, uint16_t domid, uint64_t gfn, uint32_t port);

/* Disconnects, unbinds, unmaps and fires @releaseDomain; -ENOENT if unknown. */
int xs_domain_release(struct xs_ctx *ctx, uint16_t domid);

/* domid shut down or crashed: fires @releaseDomain once (the connection stays
 * until the domain is destroyed or RELEASEd, as in Xen); -ENOENT if unknown. */
int xs_domain_shutdown(struct xs_ctx *ctx, uint16_t domid);

/* The introduced domain domid, or NULL. */
struct xs_domain *xs_domain_find(struct xs_ctx *ctx, uint16_t domid);

/* Gives domid the rights of target (SET_TARGET); -ENOENT if domid is unknown. */
int xs_domain_set_target(struct xs_ctx *ctx, uint16_t domid, uint16_t target);

/* A connection speaking over dom's ring (conn_ring.c); NULL on failure. */
struct xs_conn *xs_conn_ring_new(struct xs_ctx *ctx, struct xs_domain *dom);

#endif
