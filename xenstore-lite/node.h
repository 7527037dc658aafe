/* Store nodes: reference-counted, shared between the live tree and snapshots. */
#ifndef XS_NODE_H
#define XS_NODE_H

#include <stdint.h>

#include "perms.h"

/*
 * Nodes are shared copy-on-write: a transaction's snapshot is just another
 * reference to the root.  A node with refs == 1 reached through uniquely
 * owned parents may be changed in place; otherwise it is cloned first
 * (xs_node_own).  So with no transaction open, every write is in place.
 *
 * Three generations, never changed by a clone, tell what changed since a
 * snapshot (that is how transaction conflicts are found):
 *   gen   the node's own value, permissions or set of children;
 *   pgen  its permissions (and identity: a re-created node has a new one);
 *   tgen  anything in its subtree, itself included.
 * Each changes whenever the ones before it do, except that gen does not see
 * changes below the children.
 */
struct xs_node {
	unsigned refs;
	uint64_t gen, pgen, tgen;
	char *name; /* last path component ("" for the root) */
	char *value;
	uint32_t vlen;
	uint32_t nperms;
	struct xs_perm *perms;
	struct xs_node **kids; /* sorted by name */
	uint32_t nkids, kcap;
	uint32_t kids_bytes; /* sum of strlen(name) + 1 over kids */
};

/* New node with one reference, a copy of perms, empty value, all three
 * generations gen; NULL on ENOMEM. */
struct xs_node *xs_node_new(const char *name, size_t namelen, const struct xs_perm *perms,
			    uint32_t nperms, uint64_t gen);

/* Drops one reference, freeing the node (and unshared children) at zero. */
void xs_node_unref(struct xs_node *n);

/* Bytes of heap n holds by itself (not its children): what a clone costs. */
size_t xs_node_bytes(const struct xs_node *n);

/* Makes *slot exclusively owned, cloning it if shared; 0 or -ENOMEM. */
int xs_node_own(struct xs_node **slot);

/* Index of child name[0..len) in n->kids, or -(insertion point) - 1. */
long xs_node_find(const struct xs_node *n, const char *name, size_t len);

/* Inserts child at insertion point pos (from xs_node_find); 0 or -ENOMEM. */
int xs_node_insert(struct xs_node *n, long pos, struct xs_node *child);

/* Removes (and unrefs) the child at index i. */
void xs_node_remove(struct xs_node *n, long i);

/* Replaces the value; 0 or -ENOMEM. */
int xs_node_set_value(struct xs_node *n, const void *v, uint32_t len);

/* Replaces the permissions; 0 or -ENOMEM. */
int xs_node_set_perms(struct xs_node *n, const struct xs_perm *p, uint32_t np);

#endif
