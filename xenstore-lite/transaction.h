/* Transactions: a copy-on-write snapshot, what it touched, what it did. */
#ifndef XS_TRANSACTION_H
#define XS_TRANSACTION_H

#include <stdbool.h>
#include <stdint.h>

#include "store.h"

/*
 * Isolation: TRANSACTION_START takes a reference to the live root, so the
 * transaction sees a frozen snapshot (plus its own changes) for free; the
 * live tree clones shared nodes before changing them (see node.h).
 *
 * Conflicts: the first time the transaction touches a path, the path's
 * generation in the snapshot (0 if absent) is recorded.  At commit the live
 * tree must hold the same generation for every recorded path; otherwise
 * somebody changed what the transaction read or wrote, and the commit fails
 * with EAGAIN.  If none changed, replaying the logged operations on the live
 * tree produces exactly the state the transaction saw, so replay is safe.
 */
enum xs_op_type { XS_OP_WRITE, XS_OP_MKDIR, XS_OP_RM, XS_OP_SET_PERMS };

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
	struct xs_node *root; /* the private snapshot */
	struct xs_view view;  /* view.rootp == &root */
	struct xs_tx_access *buckets[XS_TX_BUCKETS];
	struct xs_op *ops, **ops_tail;
	unsigned entries; /* access records + logged operations: memory held */
};

/* A transaction over a snapshot of live_root; NULL on ENOMEM. */
struct xs_tx *xs_tx_new(struct xs_node *live_root, uint32_t id);

/* Frees the snapshot, the access set and the log. */
void xs_tx_free(struct xs_tx *tx);

/* Records path as read (its current generation in the snapshot). */
int xs_tx_note(struct xs_tx *tx, const char *path);

/* Records what an operation of type on path may change, before doing it. */
int xs_tx_note_op(struct xs_tx *tx, enum xs_op_type type, const char *path);

/* Appends an operation to the replay log; 0 or -ENOMEM. */
int xs_tx_log(struct xs_tx *tx, enum xs_op_type type, const char *path, const void *data,
	      uint32_t len);

/* True when a recorded path's generation differs in the live tree. */
bool xs_tx_conflicts(const struct xs_tx *tx, struct xs_node *live_root);

#endif
