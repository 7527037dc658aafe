/* Transactions: a copy-on-write snapshot, what it relied on, what it did. */
#ifndef XS_TRANSACTION_H
#define XS_TRANSACTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

/*
 * Isolation: TRANSACTION_START takes two references to the live root: base,
 * the tree as it was (never changed: the live tree and the working copy
 * clone shared nodes before changing them, see node.h), and root, the
 * working copy the transaction's own changes go to.
 *
 * Conflicts: each reply's dependence on the tree is recorded as a path, a
 * kind, and that kind's generation in base (0: absent there).  Taking it
 * from base, never from the working copy, means the transaction's own
 * changes never look like somebody else's.  Kinds, weakest first:
 *   XS_REC_PERMS  the node's permissions and identity: the existing parent a
 *                 new node is created under (its write access was relied on);
 *   XS_REC_NODE   its value, permissions and children: reads, writes, and
 *                 the first missing component of a path created (which must
 *                 still be missing);
 *   XS_REC_TREE   anything in its subtree: RM.
 * A path is recorded once, with the strongest kind asked for.  At commit the
 * live tree must give the same generation for every record, else EAGAIN;
 * then replaying the log on the live tree reproduces what the transaction
 * saw.  Refused requests record nothing, and no request records more than
 * two paths, so a record costs what the caller could be refused for.
 */
enum xs_op_type { XS_OP_WRITE, XS_OP_MKDIR, XS_OP_RM, XS_OP_SET_PERMS };

enum xs_rec_kind { XS_REC_PERMS, XS_REC_NODE, XS_REC_TREE };

struct xs_op {
	struct xs_op *next;
	enum xs_op_type type;
	char *path;
	char *data; /* value, or perms array for SET_PERMS */
	uint32_t len;  /* bytes of value, or number of perms */
};

#define XS_TX_BUCKETS 64

struct xs_tx_access;

struct xs_tx {
	struct xs_tx *next;
	uint32_t id;
	struct xs_node *base; /* the live tree when the transaction started */
	struct xs_node *root; /* the working copy */
	struct xs_view view;  /* view.rootp == &root */
	struct xs_tx_access *buckets[XS_TX_BUCKETS];
	struct xs_op *ops, **ops_tail;
	unsigned entries; /* records + logged operations (the tx_entries quota) */
	size_t bytes;     /* heap held by this struct, the records and the log */
	size_t charged;   /* memory charged to the connection's domain so far */
	bool failed;      /* a change reached the working copy but not the log */
};

/* A transaction over a snapshot of live_root; NULL on ENOMEM. */
struct xs_tx *xs_tx_new(struct xs_node *live_root, uint32_t id);

/* Frees the snapshot, the working copy, the records and the log. */
void xs_tx_free(struct xs_tx *tx);

/* Heap held: this struct, records, log and the working copy's own nodes. */
size_t xs_tx_memory(const struct xs_tx *tx);

/* Heap one record of path costs, and one logged operation with dlen data bytes. */
size_t xs_tx_record_cost(const char *path);
size_t xs_tx_log_cost(const char *path, size_t dlen);

/* Records path with kind (or strengthens its record); 0 or -ENOMEM. */
int xs_tx_note(struct xs_tx *tx, const char *path, enum xs_rec_kind kind);

/*
 * For a path that was missing from the working copy, have being the length
 * of its longest existing prefix then (xs_store_existing_len): records its
 * first missing component (XS_REC_NODE: it must still be missing) and the
 * nearest existing ancestor (XS_REC_PERMS: the access relied on).  0 or
 * -ENOMEM.
 */
int xs_tx_note_missing(struct xs_tx *tx, const char *path, size_t have);

/* Appends an operation to the replay log; 0 or -ENOMEM. */
int xs_tx_log(struct xs_tx *tx, enum xs_op_type type, const char *path, const void *data,
	      uint32_t len);

/* True when a record's generation differs in the live tree. */
bool xs_tx_conflicts(const struct xs_tx *tx, struct xs_node *live_root);

#endif
