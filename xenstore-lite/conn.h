/* Connections: message assembly, reply/event queues, over any transport. */
#ifndef XS_CONN_H
#define XS_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <errno.h> /* before xs_wire.h: enables xsd_errors */
#include <xen/io/xs_wire.h>

#include "ctx.h"
#include "perms.h"

struct xs_conn;

/*
 * A transport moves bytes; everything else (framing, dispatch, queues) is
 * common.  read/write return bytes moved (0: nothing possible now) or a
 * negative errno when the peer is gone or broke the rules (then the
 * connection is closed).  can_read says whether buffered input is waiting.
 */
struct xs_transport {
	const char *name;
	ssize_t (*read)(struct xs_conn *c, void *buf, size_t len);
	ssize_t (*write)(struct xs_conn *c, const void *buf, size_t len);
	bool (*can_read)(struct xs_conn *c);
	bool (*can_write)(struct xs_conn *c);
	void (*destroy)(struct xs_conn *c);
	/* Optional: the polled fd became ready (before the connection's turn). */
	void (*poll_ready)(struct xs_conn *c);
	/* Optional: the peer broke the protocol (oversized message); tell it how. */
	void (*protocol_error)(struct xs_conn *c);
};

struct xs_outmsg {
	struct xs_outmsg *next;
	uint32_t len, off;
	char data[];
};

struct xs_tx;

struct xs_conn {
	struct xs_conn *next;
	struct xs_ctx *ctx;
	const struct xs_transport *tp;
	void *tp_priv;
	int fd;              /* polled fd (socket, or the ring's wakeup eventfd) */
	uint32_t events;     /* epoll interest currently registered */
	struct xs_caller caller;
	struct xs_domain *dom; /* ring connections */
	struct xsd_sockmsg hdr;
	uint32_t in_got;
	char *in; /* the payload being read: allocated per message, then freed */
	struct xs_outmsg *out, **out_tail;
	size_t out_bytes;
	struct xs_tx *txs;
	unsigned ntx, nwatches;
	uint64_t dropped_events;
	bool dead, more;
};

/* A new connection registered with ctx (and its loop, if running); NULL on ENOMEM. */
struct xs_conn *xs_conn_new(struct xs_ctx *ctx, const struct xs_transport *tp, void *tp_priv,
			    int fd, const struct xs_caller *caller);

/* Reads and dispatches up to the per-turn quota of requests, then flushes. */
void xs_conn_service(struct xs_conn *c);

/* Writes as much queued output as the transport takes; <0 when the peer is gone. */
int xs_conn_flush(struct xs_conn *c);

/* Queues a reply to req (req_id and tx_id echoed); 0 or -ENOMEM. */
int xs_conn_reply(struct xs_conn *c, const struct xsd_sockmsg *req, uint32_t type,
		  const void *data, uint32_t len);

/* Queues an error reply carrying err's name from xsd_errors (EIO if unknown). */
int xs_conn_error(struct xs_conn *c, const struct xsd_sockmsg *req, int err);

/* Queues a WATCH_EVENT, or drops it (counted) when the queue is over its limit. */
void xs_conn_event(struct xs_conn *c, const char *path, const char *token);

/* Marks c dead: it is freed by xs_conn_reap. */
void xs_conn_kill(struct xs_conn *c, const char *why);

/* Frees dead connections (their transactions, watches and transport). */
void xs_conn_reap(struct xs_ctx *ctx);

/* Frees c now, whether dead or not. */
void xs_conn_free(struct xs_conn *c);

/*
 * Memory held for a domain (ctx->mem_used, quota "memory"): its unprivileged
 * connections' transactions and queued output.  xs_conn_mem_room says
 * whether bytes more fit (always, for the control domain).
 */
bool xs_conn_mem_room(struct xs_conn *c, size_t bytes);

/* Charges c's domain for what tx holds now (after a request changed it). */
void xs_conn_tx_charge(struct xs_conn *c, struct xs_tx *tx);

/* Unlinks tx from c, gives its memory back and frees it. */
void xs_conn_tx_end(struct xs_conn *c, struct xs_tx *tx);

/* Re-registers c's epoll interest from its queue state (no-op without a loop). */
void xs_conn_update_events(struct xs_conn *c);

#endif
