/* Socket transport: a Unix stream connection from a control-domain client. */
#ifndef XS_CONN_SOCKET_H
#define XS_CONN_SOCKET_H

#include "ctx.h"

/* Wraps an accepted, non-blocking socket as a privileged (domain 0)
 * connection; takes ownership of fd; NULL on failure (fd left open). */
struct xs_conn *xs_conn_socket_new(struct xs_ctx *ctx, int fd);

#endif
