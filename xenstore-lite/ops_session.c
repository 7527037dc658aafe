/* Handlers for per-connection state: watches and transactions. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dispatch.h"
#include "path.h"
#include "watch.h"

int xs_op_watch(struct xs_req *r)
{
	char path[XS_PATH_BUF];
	bool rel;
	int err = xs_path_canon(&r->conn->caller, r->argv[0], true, path, &rel);

	if (err || (err = xs_watch_add(r->ctx, r->conn, path, rel, r->argv[1])))
		return err;
	if ((err = xs_req_ack(r)))
		return err;
	/* The initial event, after the reply, as clients expect. */
	xs_conn_event(r->conn, r->argv[0], r->argv[1]);
	return 0;
}

int xs_op_unwatch(struct xs_req *r)
{
	char path[XS_PATH_BUF];
	bool rel;
	int err = xs_path_canon(&r->conn->caller, r->argv[0], true, path, &rel);

	if (err || (err = xs_watch_del(r->ctx, r->conn, path, r->argv[1])))
		return err;
	return xs_req_ack(r);
}

int xs_op_reset_watches(struct xs_req *r)
{
	xs_watch_del_conn(r->ctx, r->conn);
	while (r->conn->txs)
		xs_conn_tx_end(r->conn, r->conn->txs);
	return xs_req_ack(r);
}

static bool id_in_use(struct xs_conn *c, uint32_t id)
{
	for (struct xs_tx *t = c->txs; t; t = t->next)
		if (t->id == id)
			return true;
	return false;
}

int xs_op_tx_start(struct xs_req *r)
{
	struct xs_conn *c = r->conn;
	char buf[16];
	struct xs_tx *tx;
	uint32_t id;

	if (r->tx)
		return -EBUSY;
	if (!c->caller.priv && c->ntx >= r->ctx->quota.transactions)
		return -ENOSPC;
	do
		id = ++r->ctx->next_txid;
	while (id == 0 || id_in_use(c, id));
	tx = xs_tx_new(r->ctx->store.root, id);
	if (!tx)
		return -ENOMEM;
	tx->next = c->txs;
	c->txs = tx;
	c->ntx++;
	xs_conn_tx_charge(c, tx);
	return xs_conn_reply(c, r->hdr, XS_TRANSACTION_START, buf,
			     (uint32_t)snprintf(buf, sizeof(buf), "%u", id) + 1);
}

/*
 * Commits tx: EAGAIN if anything it relied on changed; the replay's own
 * error if a permission or quota no longer allows it (checked on a scratch
 * copy, so nothing lands); else the log is replayed on the live tree,
 * firing watches as the changes land.
 */
static int commit(struct xs_ctx *ctx, const struct xs_caller *who, struct xs_tx *tx)
{
	int err;

	if (tx->failed)
		return -ENOMEM;
	if (xs_tx_conflicts(tx, ctx->store.root))
		return -EAGAIN;
	if ((err = xs_replay_check(ctx, who, tx)))
		return err;
	for (struct xs_op *o = tx->ops; o; o = o->next) {
		err = xs_apply_live(ctx, who, o->type, o->path, o->data, o->len);
		if (err) /* only ENOMEM: the same checks passed on the same tree */
			xs_log(ctx, "transaction %u: replay of %s failed (%d)", tx->id, o->path, err);
	}
	return 0;
}

int xs_op_tx_end(struct xs_req *r)
{
	struct xs_conn *c = r->conn;
	bool ok = !strcmp(r->argv[0], "T");
	int err = 0;

	if (!r->tx)
		return -ENOENT;
	if (!ok && strcmp(r->argv[0], "F"))
		return -EINVAL;
	if (ok)
		err = commit(r->ctx, &c->caller, r->tx);
	xs_conn_tx_end(c, r->tx);
	r->tx = NULL;
	return err ? err : xs_req_ack(r);
}
