/* Handlers for the node requests: READ, WRITE, MKDIR, RM, DIRECTORY, perms. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dispatch.h"
#include "path.h"
#include "watch.h"

/* Canonical path of argument i into buf; -EINVAL if invalid. */
static int arg_path(struct xs_req *r, unsigned i, char *buf)
{
	bool rel;

	return xs_path_canon(&r->conn->caller, r->argv[i], false, buf, &rel);
}

/* Room in the request's transaction for nrec more records and bytes more
 * heap; unprivileged callers are limited (tx_entries, memory). */
static int tx_room(struct xs_req *r, unsigned nrec, size_t bytes)
{
	if (r->conn->caller.priv)
		return 0;
	if (r->tx->entries + nrec > r->ctx->quota.tx_entries || !xs_conn_mem_room(r->conn, bytes))
		return -ENOSPC;
	return 0;
}

static struct xs_node *root_of(struct xs_req *r)
{
	return r->tx ? r->tx->root : r->ctx->store.root;
}

static int store_op(struct xs_store *st, struct xs_view *v, const struct xs_caller *c,
		    enum xs_op_type t, const char *path, const void *data, uint32_t len)
{
	switch (t) {
	case XS_OP_WRITE: return xs_store_write(st, v, c, path, data, len);
	case XS_OP_MKDIR: return xs_store_mkdir(st, v, c, path);
	case XS_OP_RM: return xs_store_rm(st, v, c, path);
	case XS_OP_SET_PERMS: return xs_store_set_perms(st, v, c, path, data, len);
	}
	return -EINVAL;
}

int xs_apply_live(struct xs_ctx *ctx, const struct xs_caller *c, enum xs_op_type t,
		  const char *path, const void *data, uint32_t len)
{
	struct xs_view v = xs_store_live(&ctx->store);
	struct xs_node *old = NULL, *before = xs_store_lookup(ctx->store.root, path);
	int r;

	if (t == XS_OP_RM) {
		if (!before)
			return store_op(&ctx->store, &v, c, t, path, data, len);
		old = ctx->store.root; /* keep the removed subtree for its watches */
		old->refs++;
	}
	r = store_op(&ctx->store, &v, c, t, path, data, len);
	if (r == 0 && !(t == XS_OP_MKDIR && before)) {
		const struct xs_node *n =
			old ? xs_store_lookup(old, path) : xs_store_lookup(ctx->store.root, path);

		xs_watch_fire(ctx, path, n, old);
	}
	xs_node_unref(old);
	return r;
}

int xs_replay_check(struct xs_ctx *ctx, const struct xs_caller *c, const struct xs_tx *tx)
{
	struct xs_node *scratch = ctx->store.root;
	struct xs_view v = {.rootp = &scratch};
	int err = 0;

	if (c->priv)
		return 0; /* nothing would be refused */
	scratch->refs++;
	for (const struct xs_op *o = tx->ops; o && !err; o = o->next)
		err = store_op(&ctx->store, &v, c, o->type, o->path, o->data, o->len);
	xs_node_unref(scratch);
	return err;
}

/* Records what a change that succeeded on the working copy relied on (have:
 * the length of path's longest prefix that existed before it). */
static int tx_record(struct xs_tx *tx, enum xs_op_type t, const char *path, size_t have)
{
	if (path[have] != '\0')
		return xs_tx_note_missing(tx, path, have);
	return xs_tx_note(tx, path, t == XS_OP_RM ? XS_REC_TREE : XS_REC_NODE);
}

/*
 * Runs a change on the transaction's working copy first, so a refused one
 * records nothing, then records what it relied on and logs it for commit.
 * Room for the records and the log is reserved before, so once the working
 * copy changed only ENOMEM can stop them (and then the commit must fail).
 */
static int apply_tx(struct xs_req *r, enum xs_op_type t, const char *path, const void *data,
		    uint32_t len)
{
	struct xs_tx *tx = r->tx;
	size_t dlen = t == XS_OP_SET_PERMS ? len * sizeof(struct xs_perm) : len;
	size_t have = xs_store_existing_len(tx->root, path);
	int err = tx_room(r, 3, 2 * xs_tx_record_cost(path) + xs_tx_log_cost(path, dlen));

	if (err)
		return err;
	err = store_op(&r->ctx->store, &tx->view, &r->conn->caller, t, path, data, len);
	if (err == -ENOENT && xs_tx_note_missing(tx, path, have))
		tx->failed = true; /* RM's ENOENT relied on the parent being missing */
	if (err)
		return err;
	err = tx_record(tx, t, path, have);
	if (!err && (path[have] == '\0' || t != XS_OP_RM)) /* removing nothing: no replay */
		err = xs_tx_log(tx, t, path, data, len);
	if (err)
		tx->failed = true;
	return err;
}

/* Runs a change in the request's transaction (logged for commit) or live. */
static int apply(struct xs_req *r, enum xs_op_type t, const char *path, const void *data,
		 uint32_t len)
{
	if (!r->tx)
		return xs_apply_live(r->ctx, &r->conn->caller, t, path, data, len);
	return apply_tx(r, t, path, data, len);
}

/* Looks a node up for reading; in a transaction the reply's dependence on
 * it (its presence or absence) is recorded. */
static int get_node(struct xs_req *r, char *path, struct xs_node **n)
{
	int err = arg_path(r, 0, path);

	if (err || (r->tx && (err = tx_room(r, 1, xs_tx_record_cost(path)))))
		return err;
	err = xs_store_get(&r->ctx->store, root_of(r), &r->conn->caller, path, XS_PERM_READ, n);
	if (r->tx && (err == 0 || err == -ENOENT) && xs_tx_note(r->tx, path, XS_REC_NODE))
		return -ENOMEM;
	return err;
}

int xs_op_read(struct xs_req *r)
{
	char path[XS_PATH_BUF];
	struct xs_node *n;
	int err = get_node(r, path, &n);

	return err ? err : xs_conn_reply(r->conn, r->hdr, XS_READ, n->value, n->vlen);
}

int xs_op_write(struct xs_req *r)
{
	char path[XS_PATH_BUF];
	int err = arg_path(r, 0, path);

	if (err || (err = apply(r, XS_OP_WRITE, path, r->value, r->vlen)))
		return err;
	return xs_req_ack(r);
}

int xs_op_mkdir(struct xs_req *r)
{
	char path[XS_PATH_BUF];
	int err = arg_path(r, 0, path);

	if (err || (err = apply(r, XS_OP_MKDIR, path, NULL, 0)))
		return err;
	return xs_req_ack(r);
}

int xs_op_rm(struct xs_req *r)
{
	char path[XS_PATH_BUF];
	int err = arg_path(r, 0, path);

	if (err || (err = apply(r, XS_OP_RM, path, NULL, 0)))
		return err;
	return xs_req_ack(r);
}

/* Copies the names of n's children, from byte offset off, into buf (cap bytes). */
static uint32_t list_kids(const struct xs_node *n, uint32_t off, char *buf, uint32_t cap,
			  bool *complete)
{
	uint32_t pos = 0, used = 0;

	*complete = true;
	for (uint32_t i = 0; i < n->nkids; i++) {
		uint32_t k = (uint32_t)strlen(n->kids[i]->name) + 1;

		if (pos + k <= off) {
			pos += k;
			continue;
		}
		if (used + k > cap) {
			*complete = false;
			break;
		}
		memcpy(buf + used, n->kids[i]->name, k);
		used += k;
		pos += k;
	}
	return used;
}

int xs_op_directory(struct xs_req *r)
{
	char path[XS_PATH_BUF], buf[XENSTORE_PAYLOAD_MAX];
	struct xs_node *n;
	bool complete;
	uint32_t len;
	int err = get_node(r, path, &n);

	if (err)
		return err;
	if (n->kids_bytes > XENSTORE_PAYLOAD_MAX)
		return -E2BIG; /* the client falls back to DIRECTORY_PART */
	len = list_kids(n, 0, buf, sizeof(buf), &complete);
	return xs_conn_reply(r->conn, r->hdr, XS_DIRECTORY, buf, len);
}

int xs_op_directory_part(struct xs_req *r)
{
	char path[XS_PATH_BUF], buf[XENSTORE_PAYLOAD_MAX], *end;
	struct xs_node *n;
	unsigned long off;
	bool complete;
	uint32_t len;
	int err = get_node(r, path, &n);

	if (err)
		return err;
	off = strtoul(r->argv[1], &end, 10);
	if (*end || r->argv[1][0] == '\0' || off > UINT32_MAX)
		return -EINVAL;
	len = (uint32_t)snprintf(buf, sizeof(buf), "%" PRIu64, n->gen) + 1;
	len += list_kids(n, (uint32_t)off, buf + len, (uint32_t)sizeof(buf) - len - 1, &complete);
	if (complete)
		buf[len++] = '\0'; /* an empty name marks the end of the list */
	return xs_conn_reply(r->conn, r->hdr, XS_DIRECTORY_PART, buf, len);
}

int xs_op_get_perms(struct xs_req *r)
{
	char path[XS_PATH_BUF], buf[XENSTORE_PAYLOAD_MAX];
	struct xs_node *n;
	uint32_t len = 0;
	int err = get_node(r, path, &n);

	if (err)
		return err;
	for (uint32_t i = 0; i < n->nperms && len + 8 <= sizeof(buf); i++)
		len += (uint32_t)xs_perms_format(&n->perms[i], buf + len, sizeof(buf) - len) + 1;
	return xs_conn_reply(r->conn, r->hdr, XS_GET_PERMS, buf, len);
}

int xs_op_set_perms(struct xs_req *r)
{
	char path[XS_PATH_BUF];
	struct xs_perm p[XS_MAX_ARGS];
	uint32_t np = 0;
	int err = arg_path(r, 0, path);

	for (unsigned i = 1; !err && i < r->argc; i++)
		err = xs_perms_parse(r->argv[i], &p[np++]);
	if (err || (err = apply(r, XS_OP_SET_PERMS, path, p, np)))
		return err;
	return xs_req_ack(r);
}
