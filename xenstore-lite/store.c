/* The tree: lookups and the checked operations every request ends up in. */
#include "store.h"

#include "path.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int xs_store_init(struct xs_store *st, const struct xs_quota *q)
{
	static const struct xs_perm root_perm = {0, XS_PERM_NONE};
	const struct xs_caller dom0 = {.priv = true};
	struct xs_view v;

	memset(st, 0, sizeof(*st));
	st->quota = q;
	st->counts = calloc(1, sizeof(*st->counts));
	st->root = xs_node_new("", 0, &root_perm, 1, ++st->gen);
	if (!st->counts || !st->root)
		return -ENOMEM;
	st->counts->owned[0] = 1;
	v = xs_store_live(st);
	return xs_store_mkdir(st, &v, &dom0, "/local/domain");
}

void xs_store_fini(struct xs_store *st)
{
	xs_node_unref(st->root);
	free(st->counts);
	st->root = NULL;
	st->counts = NULL;
}

struct xs_view xs_store_live(struct xs_store *st)
{
	return (struct xs_view){.rootp = &st->root};
}

/* Next component of p (after any '/'): sets *len, returns its start. */
static const char *next_comp(const char *p, size_t *len)
{
	while (*p == '/')
		p++;
	*len = strcspn(p, "/");
	return p;
}

struct xs_node *xs_store_lookup(struct xs_node *root, const char *path)
{
	struct xs_node *n = root;
	size_t len;

	for (const char *c = next_comp(path, &len); len; c = next_comp(c + len, &len)) {
		long i = xs_node_find(n, c, len);

		if (i < 0)
			return NULL;
		n = n->kids[i];
	}
	return n;
}

/* Deepest existing node on path; *rest points at the first missing part. */
static struct xs_node *deepest(struct xs_node *root, const char *path, const char **rest)
{
	struct xs_node *n = root;
	size_t len;
	const char *c;

	for (c = next_comp(path, &len); len; c = next_comp(c + len, &len)) {
		long i = xs_node_find(n, c, len);

		if (i < 0)
			break;
		n = n->kids[i];
	}
	*rest = c;
	return n;
}

size_t xs_store_existing_len(struct xs_node *root, const char *path)
{
	const char *rest;

	deepest(root, path, &rest);
	if (*rest == '\0')
		return strlen(path);
	return rest - path > 1 ? (size_t)(rest - path - 1) : 1;
}

int xs_store_get(struct xs_store *st, struct xs_node *root, const struct xs_caller *c,
		 const char *path, unsigned perm, struct xs_node **out)
{
	const char *rest;
	struct xs_node *n = deepest(root, path, &rest);

	(void)st;
	if ((xs_perms_for(c, n->perms, n->nperms) & perm) != perm)
		return -EACCES;
	if (*rest)
		return -ENOENT;
	*out = n;
	return 0;
}

static bool is_live(struct xs_store *st, struct xs_view *v)
{
	return v->rootp == &st->root;
}

static void count_owner(struct xs_store *st, struct xs_view *v, const struct xs_caller *c,
			uint16_t owner, int32_t d)
{
	if (is_live(st, v))
		st->counts->owned[owner] += d;
	else if (owner == c->domid)
		v->created += d;
}

/* Quota and access checks for creating/writing path; *missing = nodes to create. */
static int check_write(struct xs_store *st, struct xs_view *v, const struct xs_caller *c,
		       const char *path, uint32_t len, unsigned *missing)
{
	const char *rest;
	struct xs_node *n = deepest(*v->rootp, path, &rest);
	size_t clen;

	if (!(xs_perms_for(c, n->perms, n->nperms) & XS_PERM_WRITE))
		return -EACCES;
	*missing = 0;
	for (const char *p = next_comp(rest, &clen); clen; p = next_comp(p + clen, &clen))
		(*missing)++;
	if (c->priv)
		return 0;
	if (len > st->quota->value_size)
		return -ENOSPC;
	if (*missing && st->counts->owned[c->domid] + (is_live(st, v) ? 0 : v->created) +
				(int32_t)*missing > (int32_t)st->quota->nodes)
		return -ENOSPC;
	return 0;
}

/* Creates child name[0..len) of *parent at pos, inheriting its perms. */
static int create_child(struct xs_store *st, struct xs_view *v, const struct xs_caller *c,
			struct xs_node *parent, const char *name, size_t len, long pos)
{
	struct xs_node *k = xs_node_new(name, len, parent->perms, parent->nperms, ++st->gen);

	if (!k)
		return -ENOMEM;
	v->bytes += xs_node_bytes(k);
	/* Unprivileged domains own what they create (Xen's rule). */
	if (!c->priv)
		k->perms[0].id = c->domid;
	if (xs_node_insert(parent, pos, k)) {
		xs_node_unref(k);
		return -ENOMEM;
	}
	parent->gen = ++st->gen;
	count_owner(st, v, c, k->perms[0].id, 1);
	return 0;
}

/* Owns *slot (cloning it if shared) and marks its subtree changed by stamp. */
static int own_slot(struct xs_view *v, struct xs_node **slot, uint64_t stamp)
{
	if ((*slot)->refs > 1)
		v->bytes += xs_node_bytes(*slot);
	if (xs_node_own(slot))
		return -ENOMEM;
	(*slot)->tgen = stamp;
	return 0;
}

/*
 * Walks to path making every node on the way exclusively owned, creating
 * it.  Only changes walk here, so each gets a fresh tgen on every node from
 * the root down to the one it changes.
 */
static int own_path(struct xs_store *st, struct xs_view *v, const struct xs_caller *c,
		    const char *path, struct xs_node **out)
{
	struct xs_node **slot = v->rootp;
	uint64_t stamp = ++st->gen;
	size_t len;
	int r;

	if ((r = own_slot(v, slot, stamp)))
		return r;
	for (const char *p = next_comp(path, &len); len; p = next_comp(p + len, &len)) {
		long i = xs_node_find(*slot, p, len);

		if (i < 0) {
			if ((r = create_child(st, v, c, *slot, p, len, i)))
				return r;
			i = -i - 1;
		}
		slot = &(*slot)->kids[i];
		if ((r = own_slot(v, slot, stamp)))
			return r;
	}
	*out = *slot;
	return 0;
}

int xs_store_write(struct xs_store *st, struct xs_view *v, const struct xs_caller *c,
		   const char *path, const void *val, uint32_t len)
{
	struct xs_node *n;
	unsigned missing;
	int r = check_write(st, v, c, path, len, &missing);

	if (r || (r = own_path(st, v, c, path, &n)))
		return r;
	if ((r = xs_node_set_value(n, val, len)))
		return r;
	v->bytes += len;
	n->gen = ++st->gen;
	return 0;
}

int xs_store_mkdir(struct xs_store *st, struct xs_view *v, const struct xs_caller *c,
		   const char *path)
{
	struct xs_node *n;
	unsigned missing;
	int r;

	if (xs_store_lookup(*v->rootp, path))
		return xs_store_get(st, *v->rootp, c, path, XS_PERM_WRITE, &n);
	r = check_write(st, v, c, path, 0, &missing);
	return r ? r : own_path(st, v, c, path, &n);
}

static void uncount_subtree(struct xs_store *st, struct xs_view *v, const struct xs_caller *c,
			    const struct xs_node *n)
{
	count_owner(st, v, c, n->perms[0].id, -1);
	for (uint32_t i = 0; i < n->nkids; i++)
		uncount_subtree(st, v, c, n->kids[i]);
}

int xs_store_rm(struct xs_store *st, struct xs_view *v, const struct xs_caller *c,
		const char *path)
{
	char parent_path[4096];
	size_t plen = xs_path_parent_len(path);
	struct xs_node *n, *parent;
	int r = xs_store_get(st, *v->rootp, c, path, XS_PERM_WRITE, &n);
	long i;

	if (r == -ENOENT) {
		memcpy(parent_path, path, plen);
		parent_path[plen] = '\0';
		return xs_store_lookup(*v->rootp, parent_path) ? 0 : -ENOENT;
	}
	if (r)
		return r;
	if (plen == 0)
		return -EINVAL; /* the root stays */
	memcpy(parent_path, path, plen);
	parent_path[plen] = '\0';
	if ((r = own_path(st, v, c, parent_path, &parent)))
		return r;
	i = xs_node_find(parent, path + plen + (plen > 1), strlen(path + plen + (plen > 1)));
	if (i < 0)
		return -ENOENT;
	uncount_subtree(st, v, c, parent->kids[i]);
	xs_node_remove(parent, i);
	parent->gen = ++st->gen;
	return 0;
}

int xs_store_set_perms(struct xs_store *st, struct xs_view *v, const struct xs_caller *c,
		       const char *path, const struct xs_perm *p, uint32_t np)
{
	struct xs_node *n;
	int r = xs_store_get(st, *v->rootp, c, path, XS_PERM_WRITE | XS_PERM_OWNER, &n);

	if (r)
		return r;
	if (np == 0)
		return -EINVAL;
	if (!c->priv) {
		if (p[0].id != n->perms[0].id)
			return -EPERM;
		if (np > st->quota->perms)
			return -ENOSPC;
	}
	if ((r = own_path(st, v, c, path, &n)))
		return r;
	count_owner(st, v, c, n->perms[0].id, -1);
	if ((r = xs_node_set_perms(n, p, np)) == 0) {
		n->gen = n->pgen = ++st->gen;
		v->bytes += np * sizeof(*p);
	}
	count_owner(st, v, c, n->perms[0].id, 1);
	return r;
}
