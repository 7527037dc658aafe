/* Path rules: validation, canonicalisation against /local/domain/<id>. */
#include "path.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <errno.h> /* before xs_wire.h: enables xsd_errors */
#include <xen/io/xs_wire.h>

static const char valid_chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
				  "0123456789-/_@";

/* Length of the part below /local/domain/<n>/, which Xen's quota limits. */
static size_t local_len(const char *p)
{
	unsigned id;
	int off = 0;

	if (sscanf(p, "/local/domain/%5u/%n", &id, &off) == 1 && off > 0)
		return strlen(p) - (size_t)off;
	return strlen(p);
}

int xs_path_canon(const struct xs_caller *c, const char *in, bool allow_special, char *out,
		  bool *relative)
{
	size_t n = strlen(in);

	*relative = false;
	if (in[0] == '@') {
		if (!allow_special || n >= XS_PATH_BUF)
			return -EINVAL;
		memcpy(out, in, n + 1);
		return 0;
	}
	if (in[0] == '/') {
		if (n > XENSTORE_ABS_PATH_MAX)
			return -EINVAL;
		memcpy(out, in, n + 1);
	} else {
		if (n == 0 || n > XENSTORE_REL_PATH_MAX)
			return -EINVAL;
		snprintf(out, XS_PATH_BUF, "/local/domain/%u/%s", c->domid, in);
		*relative = true;
	}
	n = strlen(out);
	if (strspn(out, valid_chars) != n || strstr(out, "//"))
		return -EINVAL;
	if (n > 1 && out[n - 1] == '/')
		return -EINVAL;
	if (n > XENSTORE_ABS_PATH_MAX || (!c->priv && local_len(out) > XENSTORE_REL_PATH_MAX))
		return -EINVAL;
	return 0;
}

bool xs_path_is_at_or_below(const char *path, const char *base)
{
	size_t bl = strlen(base);

	if (strncmp(path, base, bl) != 0)
		return false;
	if (path[bl] == '\0')
		return true;
	return path[bl] == '/' || (bl == 1 && base[0] == '/');
}

size_t xs_path_parent_len(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash || slash == path)
		return path[1] ? 1 : 0;
	return (size_t)(slash - path);
}
