/*
 * vif_xs.c - a vif's xenstore nodes, laid out as libxl lays them out
 * (libxl_nic.c: libxl__set_xenstore_nic, and libxl__device_generic_add):
 * the backend directory /local/domain/0/backend/vif/<domid>/<devid>
 * owned by the control domain and readable by the guest, the frontend
 * directory /local/domain/<domid>/device/vif/<devid> owned by the guest
 * and readable by the control domain, except its mtu, which the guest
 * may read but not change (libxl's read-only frontend node).  The
 * feature-* and hotplug-status nodes are ketch-netback's to write.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenstore.h>
#include <xen/io/xenbus.h>

#include "ketchd.h"

void kd_vif_be_path(const struct kd_vif *v, char *p, size_t n)
{
	snprintf(p, n, "/local/domain/0/backend/vif/%u/%u", v->domid, v->nic.devid);
}

static void fe_path(const struct kd_vif *v, char *p, size_t n)
{
	snprintf(p, n, "/local/domain/%u/device/vif/%u", v->domid, v->nic.devid);
}

/* dir/name = value with perms; false with errno set. */
static bool put(struct kd *kd, xs_transaction_t t, const char *dir, const char *name,
		const char *value, struct xs_permissions *perms)
{
	char p[256];

	snprintf(p, sizeof(p), "%s%s%s", dir, *name ? "/" : "", name);
	return xs_write(kd->xs, t, p, value, strlen(value)) &&
	       xs_set_permissions(kd->xs, t, p, perms, 2);
}

/* The nodes only some vifs have: bridge (and its script), ip, rate. */
static bool write_optional(struct kd *kd, const struct kd_vif *v, xs_transaction_t t,
			   const char *be, struct xs_permissions *perm)
{
	char rate[48];

	snprintf(rate, sizeof(rate), "%" PRIu64 ",%" PRIu32, v->nic.rate_bytes, v->nic.rate_usecs);
	return (!v->nic.bridge[0] || (put(kd, t, be, "bridge", v->nic.bridge, perm) &&
				      put(kd, t, be, "script", "vif-bridge", perm))) &&
	       (!v->nic.ip || put(kd, t, be, "ip", v->nic.ip, perm)) &&
	       (!v->nic.rate || put(kd, t, be, "rate", rate, perm));
}

static bool write_nodes(struct kd *kd, const struct kd_vif *v, xs_transaction_t t)
{
	struct xs_permissions be_perm[2] = { { 0, XS_PERM_NONE }, { v->domid, XS_PERM_READ } };
	struct xs_permissions fe_perm[2] = { { v->domid, XS_PERM_NONE }, { 0, XS_PERM_READ } };
	char be[128], fe[128], id[16], devid[16], state[4], mac[18], mtu[16];
	const char *const bents[][2] = {
		{ "frontend", fe }, { "frontend-id", id }, { "online", "1" },
		{ "state", state }, { "mac", mac }, { "handle", devid },
		{ "type", "vif" }, { "mtu", mtu },
	};
	const char *const fents[][2] = {
		{ "backend", be }, { "backend-id", "0" }, { "state", state },
		{ "handle", devid }, { "mac", mac },
	};
	bool ok;

	kd_vif_be_path(v, be, sizeof(be));
	fe_path(v, fe, sizeof(fe));
	snprintf(id, sizeof(id), "%u", v->domid);
	snprintf(devid, sizeof(devid), "%u", v->nic.devid);
	snprintf(state, sizeof(state), "%d", XenbusStateInitialising);
	snprintf(mtu, sizeof(mtu), "%u", v->nic.mtu);
	kd_mac_format(v->nic.mac, mac);
	ok = put(kd, t, be, "", "", be_perm) && put(kd, t, fe, "", "", fe_perm);
	for (size_t i = 0; ok && i < sizeof(bents) / sizeof(*bents); i++)
		ok = put(kd, t, be, bents[i][0], bents[i][1], be_perm);
	ok = ok && write_optional(kd, v, t, be, be_perm);
	for (size_t i = 0; ok && i < sizeof(fents) / sizeof(*fents); i++)
		ok = put(kd, t, fe, fents[i][0], fents[i][1], fe_perm);
	/* The guest reads its mtu but, as with libxl, may not change it. */
	return ok && put(kd, t, fe, "mtu", mtu, be_perm);
}

/* Run fill in a transaction, again while it conflicts.  0 or -errno. */
static int in_transaction(struct kd *kd, const struct kd_vif *v,
			  bool (*fill)(struct kd *, const struct kd_vif *, xs_transaction_t))
{
	for (int tries = 0; tries < 10; tries++) {
		xs_transaction_t t = xs_transaction_start(kd->xs);

		if (t == XBT_NULL)
			return -errno;
		if (!fill(kd, v, t)) {
			int e = errno ? errno : EIO;

			xs_transaction_end(kd->xs, t, true);
			return -e;
		}
		if (xs_transaction_end(kd->xs, t, false))
			return 0;
		if (errno != EAGAIN)
			return -errno;
	}
	return -EAGAIN;
}

int kd_vif_xs_add(struct kd *kd, const struct kd_vif *v)
{
	return kd->xs ? in_transaction(kd, v, write_nodes) : -ENOTCONN;
}

static bool remove_nodes(struct kd *kd, const struct kd_vif *v, xs_transaction_t t)
{
	char be[128], fe[128], parent[96];
	unsigned int n = 0;
	char **left;

	kd_vif_be_path(v, be, sizeof(be));
	fe_path(v, fe, sizeof(fe));
	snprintf(parent, sizeof(parent), "/local/domain/0/backend/vif/%u", v->domid);
	if ((!xs_rm(kd->xs, t, fe) && errno != ENOENT) || (!xs_rm(kd->xs, t, be) && errno != ENOENT))
		return false;
	left = xs_directory(kd->xs, t, parent, &n);
	free(left);
	return !left || n || xs_rm(kd->xs, t, parent) || errno == ENOENT;
}

void kd_vif_xs_remove(struct kd *kd, const struct kd_vif *v)
{
	int r = kd->xs ? in_transaction(kd, v, remove_nodes) : 0;

	if (r)
		kd_log("d%u: xenstore: removing vif %u: %s", v->domid, v->nic.devid, strerror(-r));
}

static bool write_closing(struct kd *kd, const struct kd_vif *v, xs_transaction_t t)
{
	char be[128], p[160], *s;
	bool closed;

	kd_vif_be_path(v, be, sizeof(be));
	snprintf(p, sizeof(p), "%s/state", be);
	s = xs_read(kd->xs, t, p, NULL);
	closed = s && atoi(s) == XenbusStateClosed;
	free(s);
	if (!s)
		return true; /* the backend's directory is gone: nothing to close */
	snprintf(p, sizeof(p), "%s/online", be);
	if (!xs_write(kd->xs, t, p, "0", 1))
		return false;
	snprintf(p, sizeof(p), "%s/state", be);
	return closed || xs_write(kd->xs, t, p, "5", 1);
}

int kd_vif_xs_closing(struct kd *kd, const struct kd_vif *v)
{
	return kd->xs ? in_transaction(kd, v, write_closing) : -ENOTCONN;
}

long kd_vif_xs_read(struct kd *kd, const struct kd_vif *v, bool fe, const char *name)
{
	char dir[128], p[192], *s, *end;
	long n;

	if (!kd->xs)
		return -1;
	if (fe)
		fe_path(v, dir, sizeof(dir));
	else
		kd_vif_be_path(v, dir, sizeof(dir));
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	s = xs_read(kd->xs, XBT_NULL, p, NULL);
	if (!s)
		return -1;
	n = strtol(s, &end, 10);
	if (end == s || *end || n < 0)
		n = -1;
	free(s);
	return n;
}
