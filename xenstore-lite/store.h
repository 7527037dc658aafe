/* The tree: lookups and the checked operations every request ends up in. */
#ifndef XS_STORE_H
#define XS_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "node.h"
#include "perms.h"
#include "quota.h"

struct xs_store {
	struct xs_node *root;  /* the live tree */
	uint64_t gen;          /* last generation handed out */
	const struct xs_quota *quota;
	struct xs_quota_counts *counts; /* nodes owned per domain, live tree only */
};

/*
 * The tree an operation works on: the live one, or a transaction's private
 * copy-on-write snapshot.  created counts nodes the caller created in a
 * snapshot, so a transaction cannot sidestep the node quota; bytes adds up
 * the heap the view's changes allocated (clones, new nodes, values), so a
 * transaction's working copy can be charged to its domain.
 */
struct xs_view {
	struct xs_node **rootp;
	int32_t created;
	size_t bytes;
};

/* Creates "/" (owned by domain 0, "n0") and "/local/domain"; 0 or -ENOMEM. */
int xs_store_init(struct xs_store *st, const struct xs_quota *q);

/* Frees the live tree. */
void xs_store_fini(struct xs_store *st);

/* A view of the live tree. */
struct xs_view xs_store_live(struct xs_store *st);

/* Node at canonical path in the tree under root, or NULL. */
struct xs_node *xs_store_lookup(struct xs_node *root, const char *path);

/* Length of the longest existing prefix of path (1 for just "/"). */
size_t xs_store_existing_len(struct xs_node *root, const char *path);

/*
 * The checked operations.  Paths are canonical (xs_path_canon).  Errors:
 * -ENOENT, -EACCES (Xen's rule: ENOENT only if the caller could see the
 * nearest existing ancestor), -ENOSPC (quota), -EINVAL, -EPERM, -ENOMEM.
 */
int xs_store_get(struct xs_store *st, struct xs_node *root, const struct xs_caller *c,
		 const char *path, unsigned perm, struct xs_node **out);
/* Writes a value, creating the node and missing parents (which inherit perms). */
int xs_store_write(struct xs_store *st, struct xs_view *v, const struct xs_caller *c,
		   const char *path, const void *val, uint32_t len);
/* Creates the node if missing (empty value). */
int xs_store_mkdir(struct xs_store *st, struct xs_view *v, const struct xs_caller *c,
		   const char *path);
/* Removes node and subtree; a missing node whose parent exists is not an error. */
int xs_store_rm(struct xs_store *st, struct xs_view *v, const struct xs_caller *c,
		const char *path);
/* Replaces permissions (owner or privileged only; only privileged may change owner). */
int xs_store_set_perms(struct xs_store *st, struct xs_view *v, const struct xs_caller *c,
		       const char *path, const struct xs_perm *p, uint32_t np);

#endif
