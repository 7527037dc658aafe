/* Transactions: a copy-on-write snapshot, what it relied on, what it did. */
#include "transaction.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>


struct xs_tx_access {
	struct xs_tx_access *next;
	uint64_t want; /* the kind's generation in base; 0: absent there */
	enum xs_rec_kind kind;
	char path[];
};

struct xs_tx *xs_tx_new(struct xs_node *live_root, uint32_t id)
{
	struct xs_tx *tx = calloc(1, sizeof(*tx));

	if (!tx)
		return NULL;
	tx->id = id;
	tx->bytes = sizeof(*tx);
	tx->base = tx->root = live_root;
	live_root->refs += 2;
	tx->view.rootp = &tx->root;
	tx->ops_tail = &tx->ops;
	return tx;
}

void xs_tx_free(struct xs_tx *tx)
{
	if (!tx)
		return;
	xs_node_unref(tx->root);
	xs_node_unref(tx->base);
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

size_t xs_tx_memory(const struct xs_tx *tx)
{
	return tx->bytes + tx->view.bytes;
}

size_t xs_tx_record_cost(const char *path)
{
	return sizeof(struct xs_tx_access) + strlen(path) + 1;
}

size_t xs_tx_log_cost(const char *path, size_t dlen)
{
	return sizeof(struct xs_op) + strlen(path) + 1 + dlen + 1;
}

static unsigned hash(const char *s, size_t n)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (uint8_t)s[i]) * 16777619u;
	return h % XS_TX_BUCKETS;
}

static uint64_t gen_of(const struct xs_node *n, enum xs_rec_kind kind)
{
	if (!n)
		return 0;
	return kind == XS_REC_TREE ? n->tgen : kind == XS_REC_NODE ? n->gen : n->pgen;
}

/* Records path[0..n) with kind, once; a stronger kind replaces a weaker one. */
static int note_len(struct xs_tx *tx, const char *path, size_t n, enum xs_rec_kind kind)
{
	unsigned b = hash(path, n);
	struct xs_tx_access *a;

	for (a = tx->buckets[b]; a; a = a->next)
		if (strncmp(a->path, path, n) == 0 && a->path[n] == '\0')
			break;
	if (a && a->kind >= kind)
		return 0;
	if (!a) {
		a = malloc(sizeof(*a) + n + 1);
		if (!a)
			return -ENOMEM;
		memcpy(a->path, path, n);
		a->path[n] = '\0';
		a->next = tx->buckets[b];
		tx->buckets[b] = a;
		tx->entries++;
		tx->bytes += sizeof(*a) + n + 1;
	}
	a->kind = kind;
	a->want = gen_of(xs_store_lookup(tx->base, a->path), kind);
	return 0;
}

int xs_tx_note(struct xs_tx *tx, const char *path, enum xs_rec_kind kind)
{
	return note_len(tx, path, strlen(path), kind);
}

int xs_tx_note_missing(struct xs_tx *tx, const char *path, size_t have)
{
	size_t start = have > 1 ? have + 1 : 1;
	size_t end = start + strcspn(path + start, "/");
	int r = note_len(tx, path, end, XS_REC_NODE);

	return r ? r : note_len(tx, path, have, XS_REC_PERMS);
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
	tx->bytes += xs_tx_log_cost(path, bytes);
	return 0;
}

bool xs_tx_conflicts(const struct xs_tx *tx, struct xs_node *live_root)
{
	for (unsigned b = 0; b < XS_TX_BUCKETS; b++) {
		for (const struct xs_tx_access *a = tx->buckets[b]; a; a = a->next) {
			if (gen_of(xs_store_lookup(live_root, a->path), a->kind) != a->want)
				return true;
		}
	}
	return false;
}
