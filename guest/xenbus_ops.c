/* xenbus operations: nodes, permissions, watches, transactions, XenbusState helpers. */
#include <ketch-guest/kit.h>
#include <ketch-guest/xenbus.h>

#include "xenbus_internal.h"

int xenbus_read(xenbus_transaction_t t, const char *path, char **value, unsigned int *len)
{
	return xb_request_str(XS_READ, t, path, value, len);
}

int xenbus_write(xenbus_transaction_t t, const char *path, const char *value)
{
	struct xb_iov iov[2] = {{path, (unsigned int)strlen(path) + 1},
				{value, (unsigned int)strlen(value)}};

	return xb_request(XS_WRITE, t, iov, 2, NULL, NULL);
}

int xenbus_mkdir(xenbus_transaction_t t, const char *path)
{
	return xb_request_str(XS_MKDIR, t, path, NULL, NULL);
}

int xenbus_rm(xenbus_transaction_t t, const char *path)
{
	return xb_request_str(XS_RM, t, path, NULL, NULL);
}

/* Turn "a\0b\0" (len bytes) into one block: pointers, then the strings. */
static int split(char *p, unsigned int len, char ***out, unsigned int *n)
{
	unsigned int count = 0, i = 0;
	char **v;

	for (unsigned int j = 0; j < len; j++)
		count += p[j] == '\0';
	v = malloc((count + 1) * sizeof(char *) + len);
	if (!v) {
		free(p);
		return -XEN_ENOMEM;
	}
	memcpy(v + count + 1, p, len);
	free(p);
	for (char *s = (char *)(v + count + 1), *end = s + len; s < end; s += strlen(s) + 1)
		v[i++] = s;
	v[i] = NULL;
	*out = v;
	*n = count;
	return 0;
}

int xenbus_directory(xenbus_transaction_t t, const char *path, char ***names, unsigned int *n)
{
	char *p;
	unsigned int len;
	int r = xb_request_str(XS_DIRECTORY, t, path, &p, &len);

	return r ? r : split(p, len, names, n);
}

int xenbus_get_perms(xenbus_transaction_t t, const char *path, char ***perms, unsigned int *n)
{
	char *p;
	unsigned int len;
	int r = xb_request_str(XS_GET_PERMS, t, path, &p, &len);

	return r ? r : split(p, len, perms, n);
}

int xenbus_set_perms(xenbus_transaction_t t, const char *path, const char *const *perms,
		     unsigned int n)
{
	struct xb_iov iov[1 + 8];

	if (n > 8)
		return -XEN_E2BIG;
	iov[0] = (struct xb_iov){path, (unsigned int)strlen(path) + 1};
	for (unsigned int i = 0; i < n; i++)
		iov[1 + i] = (struct xb_iov){perms[i], (unsigned int)strlen(perms[i]) + 1};
	return xb_request(XS_SET_PERMS, t, iov, 1 + n, NULL, NULL);
}

static int watch_op(uint32_t type, const char *path, const char *token)
{
	struct xb_iov iov[2] = {{path, (unsigned int)strlen(path) + 1},
				{token, (unsigned int)strlen(token) + 1}};

	return xb_request(type, XBT_NIL, iov, 2, NULL, NULL);
}

/*
 * The watches set, so a guest resumed in a new domain (whose xenstored
 * connection is new) has them set again, as Linux's xenbus does.
 */
#define XB_MAX_WATCHES 16
static struct {
	char path[128], token[64];
} watches[XB_MAX_WATCHES];

static void remember(const char *path, const char *token, int add)
{
	for (int i = 0; i < XB_MAX_WATCHES; i++) {
		if (add && !watches[i].path[0] && strlen(path) < sizeof(watches[i].path) &&
		    strlen(token) < sizeof(watches[i].token)) {
			strcpy(watches[i].path, path);
			strcpy(watches[i].token, token);
			return;
		}
		if (!add && !strcmp(watches[i].path, path) && !strcmp(watches[i].token, token)) {
			watches[i].path[0] = '\0';
			return;
		}
	}
}

int xenbus_watch(const char *path, const char *token)
{
	int r = watch_op(XS_WATCH, path, token);

	if (r == 0)
		remember(path, token, 1);
	return r;
}

int xenbus_unwatch(const char *path, const char *token)
{
	int r = watch_op(XS_UNWATCH, path, token);

	remember(path, token, 0);
	return r;
}

int xb_rewatch_all(void)
{
	int r = 0;

	for (int i = 0; i < XB_MAX_WATCHES; i++)
		if (watches[i].path[0] && watch_op(XS_WATCH, watches[i].path, watches[i].token))
			r = -XEN_EIO;
	return r;
}

int xenbus_transaction_start(xenbus_transaction_t *t)
{
	char *p;
	long v = 0;
	int r = xb_request_str(XS_TRANSACTION_START, XBT_NIL, "", &p, NULL);

	if (r)
		return r;
	for (const char *s = p; *s >= '0' && *s <= '9'; s++)
		v = v * 10 + (*s - '0');
	free(p);
	if (v <= 0 || v > UINT32_MAX)
		return -XEN_EIO;
	*t = (xenbus_transaction_t)v;
	return 0;
}

int xenbus_transaction_end(xenbus_transaction_t t, int abort)
{
	return xb_request_str(XS_TRANSACTION_END, t, abort ? "F" : "T", NULL, NULL);
}

int xenbus_transaction_retry(int (*fn)(xenbus_transaction_t t, void *arg), void *arg,
			     unsigned int tries)
{
	int r = -XEN_EAGAIN;

	while (tries-- && r == -XEN_EAGAIN) {
		xenbus_transaction_t t;

		if ((r = xenbus_transaction_start(&t)))
			return r;
		if ((r = fn(t, arg))) {
			xenbus_transaction_end(t, 1);
			return r;
		}
		r = xenbus_transaction_end(t, 0);
	}
	return r;
}
