/* The event loop: one thread, epoll, fair turns for every connection. */
#ifndef XS_LOOP_H
#define XS_LOOP_H

#include "ctx.h"
#include "listen.h"

/* Creates the epoll set and the stop eventfd; 0 or -errno. */
int xs_loop_init(struct xs_ctx *ctx);

/* Listens on a Unix socket at path (see xs_listen_open: 0700 directories,
 * 0600 socket, a stale one replaced), noting the file in f; 0 or -errno. */
int xs_loop_listen(struct xs_ctx *ctx, const char *path, struct xs_listen_file *f);

/* Also stops on SIGINT/SIGTERM (blocked and taken through a signalfd); 0 or -errno. */
int xs_loop_handle_signals(struct xs_ctx *ctx);

/*
 * Calls ready(ctx, arg) from the loop whenever fd is readable.  One such
 * source per ctx: a new call replaces the previous fd (which the caller
 * closes).  0 or -errno.
 */
int xs_loop_add_source(struct xs_ctx *ctx, int fd, void (*ready)(struct xs_ctx *ctx, void *arg),
		       void *arg);

/* Runs until xs_loop_stop or a handled signal; 0 or -errno. */
int xs_loop_run(struct xs_ctx *ctx);

/* Makes xs_loop_run return; safe from another thread. */
void xs_loop_stop(struct xs_ctx *ctx);

#endif
