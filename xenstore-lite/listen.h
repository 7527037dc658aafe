/* The listening socket's file: private directory, 0600 socket, peer credentials. */
#ifndef XS_LISTEN_H
#define XS_LISTEN_H

#include <stdbool.h>
#include <sys/types.h>
#include <unistd.h>

#include "ketch/private_socket.h"

#include "ctx.h"

/* Which file we bound, so only that one is removed at exit. */
struct xs_listen_file {
	struct kps_file file;
};

/*
 * Binds and listens on a Unix socket at path: missing parent directories
 * are created 0700; an existing socket nobody answers on (left by a crash)
 * is replaced, a live one (-EADDRINUSE) or anything else (-EEXIST) is left
 * alone; the socket is created 0600 (umask set around bind, so it is never
 * more open, not even briefly).  Returns the non-blocking fd or -errno.
 */
int xs_listen_open(const char *path, struct xs_listen_file *f);

/* Removes path if it is still the socket xs_listen_open made. */
void xs_listen_unlink(const char *path, const struct xs_listen_file *f);

/*
 * Every socket client is treated as the control domain, so only root and
 * the daemon's own uid may be one (SO_PEERCRED); false, with a log line,
 * for anybody else.
 */
bool xs_listen_peer_ok(struct xs_ctx *ctx, int fd);

#endif
