/*
 * xs_toolstack - what a toolstack does to give a guest its xenstore, for the
 * integration tests:
 *   xs_toolstack introduce HV_SOCKET DOMID [NAME [MFN]]
 * reads the guest's start_info through ketch-hv (store frame and port),
 * creates /local/domain/DOMID (owned by domain 0, readable by the guest) and
 * its data/ directory (owned by the guest), writes name and domid, then
 * INTRODUCEs the domain to the xenstored at $XENSTORED_PATH (with MFN instead
 * of the real frame when given, to test refusals).  Prints
 * "store_mfn=<gfn> store_port=<port>"; exits 0 on success, 1 on failure.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xen/xen.h>
#include <xenstore.h>

#include "ketch/ketchctl.h"

#define PAGE 4096u

/* The start_info page: the page-aligned one starting with the x86-64 magic. */
static const start_info_t *find_start_info(const char *mem, uint64_t size)
{
	static const char magic[] = "xen-3.0-x86_64";

	for (uint64_t off = 0; off + PAGE <= size; off += PAGE)
		if (!memcmp(mem + off, magic, sizeof(magic)))
			return (const start_info_t *)(mem + off);
	return NULL;
}

static int store_of(const char *sock, unsigned domid, uint64_t *mfn, uint32_t *port)
{
	int err = 0;
	struct kctl *h = kctl_open(sock, &err);
	const start_info_t *si;
	void *mem;
	uint64_t size;

	if (!h || (err = kctl_map_memory(h, domid, &mem, &size))) {
		fprintf(stderr, "xs_toolstack: domain %u: %s\n", domid, kctl_strerror(err));
		kctl_close(h);
		return -1;
	}
	si = find_start_info(mem, size);
	if (si) {
		*mfn = si->store_mfn;
		*port = si->store_evtchn;
	} else {
		fprintf(stderr, "xs_toolstack: no start_info in domain %u\n", domid);
	}
	kctl_unmap_memory(mem, size);
	kctl_close(h);
	return si ? 0 : -1;
}

/* The directories libxl makes: the domain's home read-only to it, data/ its own. */
static bool prepare(struct xs_handle *xs, unsigned domid, const char *name)
{
	struct xs_permissions home[2] = {{0, XS_PERM_NONE}, {domid, XS_PERM_READ}};
	struct xs_permissions own[1] = {{domid, XS_PERM_NONE}};
	char path[64], data[80], key[80], val[16];
	xs_transaction_t t;
	bool ok;

	snprintf(path, sizeof(path), "/local/domain/%u", domid);
	snprintf(data, sizeof(data), "%s/data", path);
	do {
		t = xs_transaction_start(xs);
		ok = t && xs_mkdir(xs, t, path) && xs_set_permissions(xs, t, path, home, 2) &&
		     xs_mkdir(xs, t, data) && xs_set_permissions(xs, t, data, own, 1);
		snprintf(key, sizeof(key), "%s/name", path);
		ok = ok && xs_write(xs, t, key, name, strlen(name));
		snprintf(key, sizeof(key), "%s/domid", path);
		snprintf(val, sizeof(val), "%u", domid);
		ok = ok && xs_write(xs, t, key, val, strlen(val));
		if (!t)
			return false;
		if (!ok) {
			xs_transaction_end(xs, t, true);
			return false;
		}
	} while (!xs_transaction_end(xs, t, false) && errno == EAGAIN);
	return errno != EAGAIN;
}

int main(int argc, char **argv)
{
	struct xs_handle *xs;
	uint64_t mfn;
	uint32_t port;
	unsigned domid;
	bool ok;

	if (argc < 4 || argc > 6 || strcmp(argv[1], "introduce")) {
		fprintf(stderr, "usage: xs_toolstack introduce HV_SOCKET DOMID [NAME [MFN]]\n");
		return 2;
	}
	domid = (unsigned)strtoul(argv[3], NULL, 10);
	if (store_of(argv[2], domid, &mfn, &port))
		return 1;
	if (argc == 6)
		mfn = strtoull(argv[5], NULL, 0);
	xs = xs_open(0);
	if (!xs) {
		perror("xs_toolstack: xs_open");
		return 1;
	}
	ok = prepare(xs, domid, argc >= 5 ? argv[4] : "guest");
	if (!ok)
		perror("xs_toolstack: preparing the domain's directory");
	ok = ok && xs_introduce_domain(xs, domid, (unsigned long)mfn, port);
	if (!ok)
		perror("xs_toolstack: introduce");
	else
		printf("store_mfn=%llu store_port=%u\n", (unsigned long long)mfn, port);
	xs_close(xs);
	return ok ? 0 : 1;
}
