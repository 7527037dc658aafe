/* In-memory transport: the daemon's message path without a socket (tests, fuzzing). */
#ifndef XS_CONN_MEM_H
#define XS_CONN_MEM_H

#include <stddef.h>

#include "conn.h"

/* A connection for caller whose bytes come from xs_conn_mem_feed; NULL on ENOMEM. */
struct xs_conn *xs_conn_mem_new(struct xs_ctx *ctx, const struct xs_caller *caller);

/* Appends len bytes to the input; 0 or -ENOMEM. */
int xs_conn_mem_feed(struct xs_conn *c, const void *data, size_t len);

/* Makes the next read report the peer gone. */
void xs_conn_mem_hangup(struct xs_conn *c);

/* Pops the next complete output message: 1 with *hdr and payload (cap bytes,
 * NUL added if room), 0 if none is queued. */
int xs_conn_mem_next(struct xs_conn *c, struct xsd_sockmsg *hdr, char *payload, size_t cap);

#endif
