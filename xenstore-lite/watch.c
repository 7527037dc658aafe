/* Watches: registration, matching changed paths, queuing events. */
#include "watch.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "path.h"
#include "store.h"

int xs_watch_add(struct xs_ctx *ctx, struct xs_conn *c, const char *path, bool relative,
		 const char *token)
{
	struct xs_watch *w, **pp;

	for (pp = &ctx->watches; *pp; pp = &(*pp)->next)
		if ((*pp)->conn == c && !strcmp((*pp)->path, path) && !strcmp((*pp)->token, token))
			return -EEXIST;
	if (!c->caller.priv && c->nwatches >= ctx->quota.watches)
		return -E2BIG;
	w = calloc(1, sizeof(*w));
	if (!w || !(w->path = strdup(path)) || !(w->token = strdup(token))) {
		if (w)
			free(w->path);
		free(w);
		return -ENOMEM;
	}
	w->conn = c;
	w->relative = relative;
	*pp = w;
	c->nwatches++;
	return 0;
}

static void watch_free(struct xs_watch *w)
{
	w->conn->nwatches--;
	free(w->path);
	free(w->token);
	free(w);
}

int xs_watch_del(struct xs_ctx *ctx, struct xs_conn *c, const char *path, const char *token)
{
	for (struct xs_watch **pp = &ctx->watches; *pp; pp = &(*pp)->next) {
		struct xs_watch *w = *pp;

		if (w->conn == c && !strcmp(w->path, path) && !strcmp(w->token, token)) {
			*pp = w->next;
			watch_free(w);
			return 0;
		}
	}
	return -ENOENT;
}

void xs_watch_del_conn(struct xs_ctx *ctx, struct xs_conn *c)
{
	struct xs_watch **pp = &ctx->watches;

	while (*pp) {
		struct xs_watch *w = *pp;

		if (w->conn == c) {
			*pp = w->next;
			watch_free(w);
		} else {
			pp = &w->next;
		}
	}
}

/* Sends the event for path to w, relative to the watcher's home if need be. */
static void send_event(struct xs_watch *w, const char *path)
{
	char home[32];
	size_t hl;

	if (w->relative) {
		hl = (size_t)snprintf(home, sizeof(home), "/local/domain/%u/", w->conn->caller.domid);
		if (strncmp(path, home, hl) == 0)
			path += hl;
	}
	xs_conn_event(w->conn, path, w->token);
}

static bool may_see(const struct xs_watch *w, const struct xs_node *node)
{
	return !node || (xs_perms_for(&w->conn->caller, node->perms, node->nperms) & XS_PERM_READ);
}

void xs_watch_fire(struct xs_ctx *ctx, const char *path, const struct xs_node *node,
		   struct xs_node *old_root)
{
	for (struct xs_watch *w = ctx->watches; w; w = w->next) {
		if (w->conn->dead)
			continue;
		if (path[0] == '@') {
			if (!strcmp(w->path, path))
				send_event(w, path);
			continue;
		}
		if (w->path[0] == '@')
			continue;
		if (xs_path_is_at_or_below(path, w->path)) {
			if (may_see(w, node))
				send_event(w, path);
		} else if (old_root && xs_path_is_at_or_below(w->path, path)) {
			const struct xs_node *gone = xs_store_lookup(old_root, w->path);

			if (gone && may_see(w, gone))
				send_event(w, w->path);
		}
	}
}
