/* Store nodes: reference-counted, shared between the live tree and snapshots. */
#include "node.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct xs_node *xs_node_new(const char *name, size_t namelen, const struct xs_perm *perms,
			    uint32_t nperms, uint64_t gen)
{
	struct xs_node *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	n->refs = 1;
	n->gen = n->pgen = n->tgen = gen;
	n->name = strndup(name, namelen);
	n->value = calloc(1, 1);
	if (!n->name || !n->value || xs_node_set_perms(n, perms, nperms)) {
		xs_node_unref(n);
		return NULL;
	}
	return n;
}

void xs_node_unref(struct xs_node *n)
{
	if (!n || --n->refs > 0)
		return;
	for (uint32_t i = 0; i < n->nkids; i++)
		xs_node_unref(n->kids[i]);
	free(n->kids);
	free(n->name);
	free(n->value);
	free(n->perms);
	free(n);
}

static struct xs_node *node_clone(const struct xs_node *o)
{
	struct xs_node *n = xs_node_new(o->name, strlen(o->name), o->perms, o->nperms, o->gen);

	if (!n)
		return NULL;
	n->pgen = o->pgen;
	n->tgen = o->tgen;
	if (xs_node_set_value(n, o->value, o->vlen))
		goto fail;
	if (o->nkids) {
		n->kids = malloc(o->nkids * sizeof(*n->kids));
		if (!n->kids)
			goto fail;
		memcpy(n->kids, o->kids, o->nkids * sizeof(*n->kids));
		n->nkids = n->kcap = o->nkids;
		n->kids_bytes = o->kids_bytes;
		for (uint32_t i = 0; i < n->nkids; i++)
			n->kids[i]->refs++;
	}
	return n;
fail:
	xs_node_unref(n);
	return NULL;
}

size_t xs_node_bytes(const struct xs_node *n)
{
	return sizeof(*n) + strlen(n->name) + 1 + n->vlen + 1 + n->nperms * sizeof(*n->perms) +
	       n->kcap * sizeof(*n->kids);
}

int xs_node_own(struct xs_node **slot)
{
	struct xs_node *c;

	if ((*slot)->refs == 1)
		return 0;
	c = node_clone(*slot);
	if (!c)
		return -ENOMEM;
	(*slot)->refs--;
	*slot = c;
	return 0;
}

long xs_node_find(const struct xs_node *n, const char *name, size_t len)
{
	long lo = 0, hi = (long)n->nkids;

	while (lo < hi) {
		long mid = (lo + hi) / 2;
		const char *k = n->kids[mid]->name;
		int c = strncmp(k, name, len);

		if (c == 0)
			c = k[len] ? 1 : 0;
		if (c == 0)
			return mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -lo - 1;
}

int xs_node_insert(struct xs_node *n, long pos, struct xs_node *child)
{
	uint32_t at = (uint32_t)(-pos - 1);

	if (n->nkids == n->kcap) {
		uint32_t cap = n->kcap ? n->kcap * 2 : 4;
		struct xs_node **k = realloc(n->kids, cap * sizeof(*k));

		if (!k)
			return -ENOMEM;
		n->kids = k;
		n->kcap = cap;
	}
	memmove(n->kids + at + 1, n->kids + at, (n->nkids - at) * sizeof(*n->kids));
	n->kids[at] = child;
	n->nkids++;
	n->kids_bytes += (uint32_t)strlen(child->name) + 1;
	return 0;
}

void xs_node_remove(struct xs_node *n, long i)
{
	struct xs_node *c = n->kids[i];

	n->kids_bytes -= (uint32_t)strlen(c->name) + 1;
	memmove(n->kids + i, n->kids + i + 1, (n->nkids - (uint32_t)i - 1) * sizeof(*n->kids));
	n->nkids--;
	xs_node_unref(c);
}

int xs_node_set_value(struct xs_node *n, const void *v, uint32_t len)
{
	char *nv = malloc(len + 1);

	if (!nv)
		return -ENOMEM;
	if (len)
		memcpy(nv, v, len);
	nv[len] = '\0';
	free(n->value);
	n->value = nv;
	n->vlen = len;
	return 0;
}

int xs_node_set_perms(struct xs_node *n, const struct xs_perm *p, uint32_t np)
{
	struct xs_perm *copy = malloc((np ? np : 1) * sizeof(*copy));

	if (!copy)
		return -ENOMEM;
	memcpy(copy, p, np * sizeof(*copy));
	free(n->perms);
	n->perms = copy;
	n->nperms = np;
	return 0;
}
