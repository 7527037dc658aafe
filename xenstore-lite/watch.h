/* Watches: registration, matching changed paths, queuing events. */
#ifndef XS_WATCH_H
#define XS_WATCH_H

#include <stdbool.h>

#include "conn.h"
#include "node.h"

struct xs_watch {
	struct xs_watch *next;
	struct xs_conn *conn;
	bool relative; /* registered relative: events are reported relative */
	char *path;    /* canonical, or "@..." */
	char *token;
};

/* Adds a watch and queues its initial event; -EEXIST, -E2BIG (quota), -ENOMEM. */
int xs_watch_add(struct xs_ctx *ctx, struct xs_conn *c, const char *path, bool relative,
		 const char *token);

/* Removes the watch (path, token) of c; -ENOENT if there is none. */
int xs_watch_del(struct xs_ctx *ctx, struct xs_conn *c, const char *path, const char *token);

/* Removes every watch of c. */
void xs_watch_del_conn(struct xs_ctx *ctx, struct xs_conn *c);

/*
 * Fires watches at or above path (node: the changed node, for the read
 * check; NULL for special paths).  For removals pass the live root from
 * before the change as old_root: watches below path on nodes that existed
 * fire too, with their own path, as Xen does.
 */
void xs_watch_fire(struct xs_ctx *ctx, const char *path, const struct xs_node *node,
		   struct xs_node *old_root);

#endif
