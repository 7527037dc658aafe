/* Request dispatch: the message-type table and the policy applied once for all. */
#ifndef XS_DISPATCH_H
#define XS_DISPATCH_H

#include <stdint.h>

#include "conn.h"
#include "transaction.h"

/* Enough for every string of a full payload ("n0\0" is 3 bytes). */
#define XS_MAX_ARGS (XENSTORE_PAYLOAD_MAX / 3 + 1)

/* One parsed request, as handlers see it. */
struct xs_req {
	struct xs_ctx *ctx;
	struct xs_conn *conn;
	const struct xsd_sockmsg *hdr;
	struct xs_tx *tx;             /* the request's transaction, or NULL */
	unsigned argc;
	const char *argv[XS_MAX_ARGS]; /* the NUL-terminated strings of the payload */
	const char *value;            /* WRITE: bytes after the path */
	uint32_t vlen;
};

/*
 * Handles one complete message from c: looks the type up, enforces
 * privilege, transaction and argument rules, calls the handler, and answers
 * with an error string if it fails.  Unknown types get ENOSYS.
 */
void xs_dispatch(struct xs_conn *c, const struct xsd_sockmsg *hdr, char *payload);

/* Handlers (ops_node.c, ops_tx.c, ops_domain.c): 0 after replying, or -errno. */
int xs_op_read(struct xs_req *r);
int xs_op_write(struct xs_req *r);
int xs_op_mkdir(struct xs_req *r);
int xs_op_rm(struct xs_req *r);
int xs_op_directory(struct xs_req *r);
int xs_op_directory_part(struct xs_req *r);
int xs_op_get_perms(struct xs_req *r);
int xs_op_set_perms(struct xs_req *r);
int xs_op_watch(struct xs_req *r);
int xs_op_unwatch(struct xs_req *r);
int xs_op_reset_watches(struct xs_req *r);
int xs_op_tx_start(struct xs_req *r);
int xs_op_tx_end(struct xs_req *r);
int xs_op_introduce(struct xs_req *r);
int xs_op_release(struct xs_req *r);
int xs_op_get_domain_path(struct xs_req *r);
int xs_op_is_domain_introduced(struct xs_req *r);
int xs_op_resume(struct xs_req *r);
int xs_op_set_target(struct xs_req *r);
int xs_op_control(struct xs_req *r);

/* Replies "OK". */
int xs_req_ack(struct xs_req *r);

/* Applies one change to the live tree and fires the watches it triggers. */
int xs_apply_live(struct xs_ctx *ctx, const struct xs_caller *c, enum xs_op_type t,
		  const char *path, const void *data, uint32_t len);

/*
 * Replays tx's log, with c's permission and quota checks, on a scratch copy
 * of the live tree (nothing lands): 0 when every operation would succeed,
 * else the first one's error.
 */
int xs_replay_check(struct xs_ctx *ctx, const struct xs_caller *c, const struct xs_tx *tx);

#endif
