/* Node permissions: Xen's owner/n/r/w/b model, parsing, formatting, checks. */
#ifndef XS_PERMS_H
#define XS_PERMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
	XS_PERM_NONE = 0,
	XS_PERM_READ = 1,
	XS_PERM_WRITE = 2,
	XS_PERM_BOTH = 3,
	XS_PERM_OWNER = 4, /* only ever granted, never stored */
};

/* One entry: entry 0 names the owner and the default for everyone else. */
struct xs_perm {
	uint16_t id;
	uint8_t perm;
};

/* Who is asking: the connection's domain, its SET_TARGET target, privilege. */
struct xs_caller {
	uint16_t domid;
	bool priv;       /* the control domain: every right, no quotas */
	bool has_target; /* set by SET_TARGET: acts with target's rights too */
	uint16_t target;
};

/* Rights (XS_PERM_READ|WRITE|OWNER) that caller has on a node with perms. */
unsigned xs_perms_for(const struct xs_caller *c, const struct xs_perm *p, unsigned n);

/* Parses one "<letter><domid>" string; returns 0 or -EINVAL. */
int xs_perms_parse(const char *s, struct xs_perm *out);

/* Formats one entry as "<letter><domid>" into buf (>= 8 bytes); returns length. */
int xs_perms_format(const struct xs_perm *p, char *buf, size_t len);

#endif
