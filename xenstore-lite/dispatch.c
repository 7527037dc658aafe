/* Request dispatch: the message-type table and the policy applied once for all. */
#include "dispatch.h"

#include <errno.h>
#include <string.h>

enum {
	F_PRIV = 1,  /* control domain only (EACCES otherwise) */
	F_TX = 2,    /* runs inside tx_id's transaction; otherwise tx_id is ignored */
	F_VALUE = 4, /* one string, then raw bytes (WRITE) */
};

struct xs_handler {
	const char *name;
	int (*fn)(struct xs_req *r);
	unsigned flags;
	unsigned min_args, max_args;
};

static const struct xs_handler handlers[XS_TYPE_COUNT] = {
	[XS_CONTROL] = {"CONTROL", xs_op_control, F_PRIV, 1, XS_MAX_ARGS},
	[XS_DIRECTORY] = {"DIRECTORY", xs_op_directory, F_TX, 1, 1},
	[XS_READ] = {"READ", xs_op_read, F_TX, 1, 1},
	[XS_GET_PERMS] = {"GET_PERMS", xs_op_get_perms, F_TX, 1, 1},
	[XS_WATCH] = {"WATCH", xs_op_watch, 0, 2, XS_MAX_ARGS},
	[XS_UNWATCH] = {"UNWATCH", xs_op_unwatch, 0, 2, XS_MAX_ARGS},
	[XS_TRANSACTION_START] = {"TRANSACTION_START", xs_op_tx_start, F_TX, 0, XS_MAX_ARGS},
	[XS_TRANSACTION_END] = {"TRANSACTION_END", xs_op_tx_end, F_TX, 1, 1},
	[XS_INTRODUCE] = {"INTRODUCE", xs_op_introduce, F_PRIV, 3, XS_MAX_ARGS},
	[XS_RELEASE] = {"RELEASE", xs_op_release, F_PRIV, 1, 1},
	[XS_GET_DOMAIN_PATH] = {"GET_DOMAIN_PATH", xs_op_get_domain_path, 0, 1, 1},
	[XS_WRITE] = {"WRITE", xs_op_write, F_TX | F_VALUE, 1, 1},
	[XS_MKDIR] = {"MKDIR", xs_op_mkdir, F_TX, 1, 1},
	[XS_RM] = {"RM", xs_op_rm, F_TX, 1, 1},
	[XS_SET_PERMS] = {"SET_PERMS", xs_op_set_perms, F_TX, 2, XS_MAX_ARGS},
	[XS_IS_DOMAIN_INTRODUCED] = {"IS_DOMAIN_INTRODUCED", xs_op_is_domain_introduced, F_PRIV,
				     1, 1},
	[XS_RESUME] = {"RESUME", xs_op_resume, F_PRIV, 1, 1},
	[XS_SET_TARGET] = {"SET_TARGET", xs_op_set_target, F_PRIV, 2, 2},
	[XS_RESET_WATCHES] = {"RESET_WATCHES", xs_op_reset_watches, 0, 0, XS_MAX_ARGS},
	[XS_DIRECTORY_PART] = {"DIRECTORY_PART", xs_op_directory_part, F_TX, 2, 2},
};

/* Splits the payload into NUL-terminated strings; -EINVAL if malformed. */
static int split_args(struct xs_req *r, const struct xs_handler *h, char *p, uint32_t len)
{
	uint32_t i = 0;

	while (i < len) {
		char *nul = memchr(p + i, '\0', len - i);

		if (!nul)
			return -EINVAL; /* a string without its terminator */
		if (r->argc == XS_MAX_ARGS)
			return -EINVAL;
		r->argv[r->argc++] = p + i;
		i = (uint32_t)(nul - p) + 1;
		if ((h->flags & F_VALUE) && r->argc == 1) {
			r->value = p + i;
			r->vlen = len - i;
			break;
		}
	}
	if (r->argc < h->min_args || r->argc > h->max_args)
		return -EINVAL;
	return 0;
}

static struct xs_tx *find_tx(struct xs_conn *c, uint32_t id)
{
	for (struct xs_tx *t = c->txs; t; t = t->next)
		if (t->id == id)
			return t;
	return NULL;
}

static int prepare(struct xs_req *r, const struct xs_handler *h, char *payload)
{
	struct xs_conn *c = r->conn;

	if (!h->fn)
		return -ENOSYS;
	if ((h->flags & F_PRIV) && !c->caller.priv)
		return -EACCES;
	if ((h->flags & F_TX) && r->hdr->tx_id) {
		r->tx = find_tx(c, r->hdr->tx_id);
		if (!r->tx)
			return -ENOENT;
	}
	return split_args(r, h, payload, r->hdr->len);
}

void xs_dispatch(struct xs_conn *c, const struct xsd_sockmsg *hdr, char *payload)
{
	static const struct xs_handler unknown = {"unknown", NULL, 0, 0, 0};
	const struct xs_handler *h = hdr->type < XS_TYPE_COUNT ? &handlers[hdr->type] : &unknown;
	struct xs_req r = {.ctx = c->ctx, .conn = c, .hdr = hdr};
	int err = prepare(&r, h, payload);

	if (err == 0)
		err = h->fn(&r);
	if (r.tx) /* still open: charge what the request added to it */
		xs_conn_tx_charge(c, r.tx);
	if (err == -ENOSYS && c->ctx->verbose)
		xs_log(c->ctx, "domain %u sent unknown message type %u", c->caller.domid,
		       hdr->type);
	if (err < 0)
		xs_conn_error(c, hdr, err);
}

int xs_req_ack(struct xs_req *r)
{
	return xs_conn_reply(r->conn, r->hdr, r->hdr->type, "OK", 3);
}
