/*
 * vif_xs.c - a vif's xenstore nodes, laid out as libxl lays them out
 * (libxl_nic.c: libxl__set_xenstore_nic, and libxl__device_generic_add):
 * the backend directory /local/domain/0/backend/vif/<domid>/<devid>
 * owned by the control domain and readable by the guest, the frontend
 * directory /local/domain/<domid>/device/vif/<devid> owned by the guest
 * and readable by the control domain, except its mtu, which the guest
 * may read but not change (libxl's read-only frontend node).  The
 * feature-* and hotplug-status nodes are ketch-netback's to write.  What
 * every device shares is xs_device.c's.
 */
#include <inttypes.h>
#include <stdio.h>
#include <xenstore.h>

#include "ketchd.h"
#include "xs_device.h"

static struct kd_xsdev xsdev(const struct kd_vif *v)
{
	return (struct kd_xsdev){ "vif", v->domid, v->nic.devid };
}

void kd_vif_be_path(const struct kd_vif *v, char *p, size_t n)
{
	struct kd_xsdev x = xsdev(v);

	kd_xsdev_be_path(&x, p, n);
}

/* The nodes only some vifs have: bridge (and its script), ip, rate. */
static bool write_optional(struct kd *kd, const struct kd_vif *v, xs_transaction_t t,
			   const char *be, struct xs_permissions *perm)
{
	char rate[48];

	snprintf(rate, sizeof(rate), "%" PRIu64 ",%" PRIu32, v->nic.rate_bytes, v->nic.rate_usecs);
	return (!v->nic.bridge[0] || (kd_xsdev_put(kd, t, be, "bridge", v->nic.bridge, perm) &&
				      kd_xsdev_put(kd, t, be, "script", "vif-bridge", perm))) &&
	       (!v->nic.ip || kd_xsdev_put(kd, t, be, "ip", v->nic.ip, perm)) &&
	       (!v->nic.rate || kd_xsdev_put(kd, t, be, "rate", rate, perm));
}

static bool write_nodes(struct kd *kd, const void *arg, xs_transaction_t t)
{
	const struct kd_vif *v = arg;
	struct kd_xsdev x = xsdev(v);
	struct kd_xsdev_nodes n;
	char mac[18], mtu[16];
	const char *const bents[][2] = {
		{ "frontend", n.fe }, { "frontend-id", n.domid }, { "online", "1" },
		{ "state", n.state }, { "mac", mac }, { "handle", n.devid },
		{ "type", "vif" }, { "mtu", mtu },
	};
	const char *const fents[][2] = {
		{ "backend", n.be }, { "backend-id", "0" }, { "state", n.state },
		{ "handle", n.devid }, { "mac", mac },
	};

	kd_xsdev_nodes_init(&x, &n);
	snprintf(mtu, sizeof(mtu), "%u", v->nic.mtu);
	kd_mac_format(v->nic.mac, mac);
	return kd_xsdev_put(kd, t, n.be, "", "", n.be_perm) &&
	       kd_xsdev_put(kd, t, n.fe, "", "", n.fe_perm) &&
	       kd_xsdev_put_all(kd, t, n.be, bents, sizeof(bents) / sizeof(*bents), n.be_perm) &&
	       write_optional(kd, v, t, n.be, n.be_perm) &&
	       kd_xsdev_put_all(kd, t, n.fe, fents, sizeof(fents) / sizeof(*fents), n.fe_perm) &&
	       /* The guest reads its mtu but, as with libxl, may not change it. */
	       kd_xsdev_put(kd, t, n.fe, "mtu", mtu, n.be_perm);
}

int kd_vif_xs_add(struct kd *kd, const struct kd_vif *v)
{
	return kd_xsdev_transaction(kd, write_nodes, v);
}

void kd_vif_xs_remove(struct kd *kd, const struct kd_vif *v)
{
	struct kd_xsdev x = xsdev(v);

	kd_xsdev_remove(kd, &x);
}

long kd_vif_xs_read(struct kd *kd, const struct kd_vif *v, bool fe, const char *name)
{
	struct kd_xsdev x = xsdev(v);

	return kd_xsdev_read(kd, &x, fe, name);
}
