/* Node permissions: Xen's owner/n/r/w/b model, parsing, formatting, checks. */
#include "perms.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

static bool caller_is(const struct xs_caller *c, uint16_t id)
{
	return id == c->domid || (c->has_target && id == c->target);
}

unsigned xs_perms_for(const struct xs_caller *c, const struct xs_perm *p, unsigned n)
{
	const unsigned all = XS_PERM_READ | XS_PERM_WRITE | XS_PERM_OWNER;

	if (c->priv || n == 0 || caller_is(c, p[0].id))
		return all;
	/* The first per-domain entry naming the caller (or its target) wins. */
	for (unsigned i = 1; i < n; i++)
		if (caller_is(c, p[i].id))
			return p[i].perm & XS_PERM_BOTH;
	return p[0].perm & XS_PERM_BOTH;
}

int xs_perms_parse(const char *s, struct xs_perm *out)
{
	char *end;
	unsigned long id;

	switch (s[0]) {
	case 'n': out->perm = XS_PERM_NONE; break;
	case 'r': out->perm = XS_PERM_READ; break;
	case 'w': out->perm = XS_PERM_WRITE; break;
	case 'b': out->perm = XS_PERM_BOTH; break;
	default: return -EINVAL;
	}
	if (s[1] < '0' || s[1] > '9')
		return -EINVAL;
	errno = 0;
	id = strtoul(s + 1, &end, 10);
	if (errno || *end || id > UINT16_MAX)
		return -EINVAL;
	out->id = (uint16_t)id;
	return 0;
}

int xs_perms_format(const struct xs_perm *p, char *buf, size_t len)
{
	static const char letter[] = "nrwb";

	return snprintf(buf, len, "%c%u", letter[p->perm & 3], p->id);
}
