/* The daemon's state, passed to every function that needs more than one part. */
#ifndef XS_CTX_H
#define XS_CTX_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "quota.h"
#include "store.h"

struct xs_conn;
struct xs_watch;
struct xs_domain;
struct xs_domain_ops;

struct xs_ctx {
	struct xs_quota quota;
	struct xs_store store;
	struct xs_conn *conns;     /* every connection, sockets and rings */
	struct xs_watch *watches;  /* every watch, in registration order */
	struct xs_domain *domains; /* introduced domains */
	size_t *mem_used; /* per domain id: bytes held for its unprivileged connections */
	const struct xs_domain_ops *dops;
	uint32_t next_txid;
	int epfd;    /* event loop (-1 until xs_loop_init) */
	int stopfd;  /* eventfd: xs_loop_stop */
	int listenfd; /* Unix socket for control-domain clients */
	int sigfd;    /* signalfd for SIGINT/SIGTERM */
	int src_fd;   /* an extra source (the hypervisor's events), -1 if none */
	bool accept_paused;   /* out of descriptors: the listener is not polled */
	bool accept_logged;   /* said so since the backlog was last drained */
	uint64_t conns_closed, closed_at_pause;
	char *rx_spare;       /* a socket receive buffer kept for the next reader */
	void (*src_ready)(struct xs_ctx *ctx, void *arg);
	void *src_arg;
	bool stop;
	bool verbose;
	FILE *log;
};

/* Initialises ctx with quota defaults q (copied) and an empty store; 0 or -ENOMEM. */
int xs_ctx_init(struct xs_ctx *ctx, const struct xs_quota *q, const struct xs_domain_ops *dops);

/* Closes every connection and domain and frees the store. */
void xs_ctx_fini(struct xs_ctx *ctx);

/* printf-style line to ctx->log. */
void xs_log(struct xs_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
