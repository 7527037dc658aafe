/*
 * vbd_xs.c - a disk's xenstore nodes, laid out as libxl lays them out
 * (libxl_disk.c, libxl__device_generic_add): the backend directory
 * /local/domain/0/backend/vbd/<domid>/<devid> owned by the control domain
 * and readable by the guest, the frontend directory
 * /local/domain/<domid>/device/vbd/<devid> owned by the guest and readable
 * by the control domain.  Written in one transaction; what every device
 * shares is xs_device.c's.
 */
#include <xenstore.h>

#include "ketchd.h"
#include "xs_device.h"

static struct kd_xsdev xsdev(const struct kd_vbd *v)
{
	return (struct kd_xsdev){ "vbd", v->domid, v->disk.devid };
}

static bool write_nodes(struct kd *kd, const void *arg, xs_transaction_t t)
{
	const struct kd_vbd *v = arg;
	struct kd_xsdev x = xsdev(v);
	struct kd_xsdev_nodes n;
	const char *const bents[][2] = {
		{ "frontend", n.fe }, { "frontend-id", n.domid }, { "online", "1" },
		{ "removable", "0" }, { "bootable", "1" }, { "state", n.state },
		{ "dev", v->disk.vdev }, { "type", "phy" },
		{ "mode", v->disk.readonly ? "r" : "w" }, { "device-type", "disk" },
		{ "discard-enable", v->disk.readonly ? "0" : "1" }, { "params", v->disk.target },
		{ "direct-io-safe", "1" }, /* last: written only when asked, as libxl */
	};
	size_t nb = sizeof(bents) / sizeof(*bents) - !v->disk.direct_io_safe;
	const char *const fents[][2] = {
		{ "backend", n.be }, { "backend-id", "0" }, { "state", n.state },
		{ "virtual-device", n.devid }, { "device-type", "disk" },
	};

	kd_xsdev_nodes_init(&x, &n);
	return kd_xsdev_put(kd, t, n.be, "", "", n.be_perm) &&
	       kd_xsdev_put(kd, t, n.fe, "", "", n.fe_perm) &&
	       kd_xsdev_put_all(kd, t, n.be, bents, nb, n.be_perm) &&
	       kd_xsdev_put_all(kd, t, n.fe, fents, sizeof(fents) / sizeof(*fents), n.fe_perm);
}

int kd_vbd_xs_add(struct kd *kd, const struct kd_vbd *v)
{
	return kd_xsdev_transaction(kd, write_nodes, v);
}

void kd_vbd_xs_remove(struct kd *kd, const struct kd_vbd *v)
{
	struct kd_xsdev x = xsdev(v);

	kd_xsdev_remove(kd, &x);
}

long kd_vbd_xs_read(struct kd *kd, const struct kd_vbd *v, bool fe, const char *name)
{
	struct kd_xsdev x = xsdev(v);

	return kd_xsdev_read(kd, &x, fe, name);
}
