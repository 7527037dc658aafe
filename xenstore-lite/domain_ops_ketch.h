/* Guest rings through ketch-hv's control socket (libketchctl). */
#ifndef XS_DOMAIN_OPS_KETCH_H
#define XS_DOMAIN_OPS_KETCH_H

#include "ctx.h"
#include "domain_ops.h"

struct xs_ketch;

/*
 * Connects to ketch-hv at path (NULL: $KETCH_HV_SOCKET, else the default)
 * and subscribes to its domain state events.  NULL with *err (negative
 * errno) on failure.
 */
struct xs_ketch *xs_ketch_open(const char *path, int *err);

/* The domain ops over k: a domain's RAM is mapped once, on its INTRODUCE
 * (map_ring checks the frame lies inside it), and unmapped on release. */
const struct xs_domain_ops *xs_ketch_ops(struct xs_ketch *k);

/* Descriptor that becomes readable when ketch-hv reports state changes. */
int xs_ketch_events_fd(const struct xs_ketch *k);

/*
 * Takes every pending state event.  As Xen's xenstored does, an introduced
 * domain that shuts down or crashes fires @releaseDomain once, and one that
 * is destroyed (dying) is released: connection dropped, port unbound,
 * memory unmapped, @releaseDomain fired.  If ketch-hv dropped the stream,
 * resubscribes and checks every introduced domain with GETINFO.
 */
void xs_ketch_handle_events(struct xs_ketch *k, struct xs_ctx *ctx);

/* Closes the connections; every domain must have been released.  NULL: no-op. */
void xs_ketch_close(struct xs_ketch *k);

#endif
