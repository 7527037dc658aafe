/* Transactions: a copy-on-write snapshot, what it touched, what it did. */
#include "transaction.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "path.h"

struct xs_tx_access {
	struct xs_tx_access *next;
	uint64_t gen; /* 0: absent in the snapshot */
	char path[];
};

struct xs_tx *xs_tx_new(struct xs_node *live_root, uint32_t id)
{
	struct xs_tx *tx = calloc(1, sizeof(*tx));

	if (!tx)
		return NULL;
	tx->id = id;
	tx->root = live_root;
	live_root->refs++;
	tx->view.rootp = &tx->root;
	tx->ops_tail = &tx->ops;
	return tx;
}

void xs_tx_free(struct xs_tx *tx)
{
	if (!tx)
		return;
	xs_node_unref(tx->root);
	for (unsigned b = 0; b < XS_TX_BUCKETS; b++) {
		while (tx->buckets[b]) {
			struct xs_tx_access *a = tx->buckets[b];

			tx->buckets[b] = a->next;
			free(a);
		}
	}
	while (tx->ops) {
		struct xs_op *o = tx->ops;

		tx->ops = o->next;
		free(o->path);
		free(o->data);
		free(o);
	}
	free(tx);
}

static unsigned hash(const char *s, size_t n)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (uint8_t)s[i]) * 16777619u;
	return h % XS_TX_BUCKETS;
}

/* Records path[0..n) once, with its snapshot generation. */
static int note_len(struct xs_tx *tx, const char *path, size_t n)
{
	unsigned b = hash(path, n);
	struct xs_tx_access *a;
	struct xs_node *node;

	for (a = tx->buckets[b]; a; a = a->next)
		if (strncmp(a->path, path, n) == 0 && a->path[n] == '\0')
			return 0;
	a = malloc(sizeof(*a) + n + 1);
	if (!a)
		return -ENOMEM;
	memcpy(a->path, path, n);
	a->path[n] = '\0';
	node = xs_store_lookup(tx->root, a->path);
	a->gen = node ? node->gen : 0;
	a->next = tx->buckets[b];
	tx->buckets[b] = a;
	tx->entries++;
	return 0;
}

int xs_tx_note(struct xs_tx *tx, const char *path)
{
	return note_len(tx, path, strlen(path));
}

/* Records every node of the subtree at path (all of it is about to go). */
static int note_subtree(struct xs_tx *tx, char *buf, size_t n, const struct xs_node *node)
{
	int r = note_len(tx, buf, n);

	for (uint32_t i = 0; !r && i < node->nkids; i++) {
		size_t k = strlen(node->kids[i]->name);

		if (n + 1 + k >= XS_PATH_BUF)
			return -EINVAL;
		buf[n] = '/';
		memcpy(buf + n + 1, node->kids[i]->name, k + 1);
		r = note_subtree(tx, buf, n + 1 + k, node->kids[i]);
		buf[n] = '\0';
	}
	return r;
}

int xs_tx_note_op(struct xs_tx *tx, enum xs_op_type type, const char *path)
{
	size_t n = strlen(path), have = xs_store_existing_len(tx->root, path);
	struct xs_node *node;
	char buf[XS_PATH_BUF];
	int r = 0;

	if (type == XS_OP_RM) {
		node = xs_store_lookup(tx->root, path);
		if (n >= XS_PATH_BUF)
			return -EINVAL;
		memcpy(buf, path, n + 1);
		return node ? note_subtree(tx, buf, n, node) : note_len(tx, path, n);
	}
	/*
	 * The node and each missing ancestor (which must still be missing).  The
	 * existing parent that gains a child is not recorded: creating siblings
	 * concurrently does not conflict, and a transaction that listed the
	 * parent has recorded it already.
	 */
	r = note_len(tx, path, n);
	for (size_t i = have + 1; !r && i < n; i++)
		if (path[i] == '/')
			r = note_len(tx, path, i);
	return r;
}

int xs_tx_log(struct xs_tx *tx, enum xs_op_type type, const char *path, const void *data,
	      uint32_t len)
{
	size_t bytes = type == XS_OP_SET_PERMS ? len * sizeof(struct xs_perm) : len;
	struct xs_op *o = calloc(1, sizeof(*o));

	if (!o)
		return -ENOMEM;
	o->type = type;
	o->len = len;
	o->path = strdup(path);
	o->data = malloc(bytes + 1);
	if (!o->path || !o->data) {
		free(o->path);
		free(o->data);
		free(o);
		return -ENOMEM;
	}
	if (bytes)
		memcpy(o->data, data, bytes);
	*tx->ops_tail = o;
	tx->ops_tail = &o->next;
	tx->entries++;
	return 0;
}

bool xs_tx_conflicts(const struct xs_tx *tx, struct xs_node *live_root)
{
	for (unsigned b = 0; b < XS_TX_BUCKETS; b++) {
		for (const struct xs_tx_access *a = tx->buckets[b]; a; a = a->next) {
			const struct xs_node *n = xs_store_lookup(live_root, a->path);

			if ((n ? n->gen : 0) != a->gen)
				return true;
		}
	}
	return false;
}
