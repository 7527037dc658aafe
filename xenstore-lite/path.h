/* Path rules: validation, canonicalisation against /local/domain/<id>. */
#ifndef XS_PATH_H
#define XS_PATH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "perms.h"

/* Room for any canonical path plus its NUL. */
#define XS_PATH_BUF 3200

/*
 * Turns a wire path into a canonical absolute one in out (XS_PATH_BUF bytes):
 * relative paths get "/local/domain/<domid>/" in front.  "@..." special
 * names are accepted only when allow_special.  Returns 0, or -EINVAL for a
 * bad character, "//", a trailing '/', or a path beyond Xen's length limits.
 * *relative says whether the input was relative.
 */
int xs_path_canon(const struct xs_caller *c, const char *in, bool allow_special, char *out,
		  bool *relative);

/* True when path is base itself or lies below it. */
bool xs_path_is_at_or_below(const char *path, const char *base);

/* Length of the parent's path ("/a/b" -> 2, "/a" -> 1); 0 for "/". */
size_t xs_path_parent_len(const char *path);

#endif
