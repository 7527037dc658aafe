/*
 * xs_layout.c - the xenstore entries of a domain, laid out as libxl lays
 * them out: /local/domain/<id> readable by the guest and owned by the
 * control domain (so the guest cannot rename itself), the subtrees a guest
 * writes (control/shutdown, data, device, drivers, attr, error, feature)
 * owned by the guest, and /vm/<uuid>.  Written in one transaction, then
 * INTRODUCEd so ketch-xenstored serves the guest's ring.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <uuid/uuid.h>
#include <xenstore.h>

#include "ketchd.h"

/* Where and as whom the entries of one domain are written. */
struct home {
	struct kd *kd;
	xs_transaction_t t;
	uint32_t domid;
	const char *base;
};

/* Write base/path = printf(fmt...), read-only to the guest or owned by it. */
static bool __attribute__((format(printf, 4, 5)))
put(const struct home *h, const char *path, bool guest_owned, const char *fmt, ...)
{
	struct xs_permissions ro[2] = { { 0, XS_PERM_NONE }, { h->domid, XS_PERM_READ } };
	struct xs_permissions rw[1] = { { h->domid, XS_PERM_NONE } };
	char full[256], value[128];
	va_list ap;

	snprintf(full, sizeof(full), "%s%s%s", h->base, *path ? "/" : "", path);
	va_start(ap, fmt);
	vsnprintf(value, sizeof(value), fmt, ap);
	va_end(ap);
	if (!xs_write(h->kd->xs, h->t, full, value, strlen(value)))
		return false;
	return guest_owned ? xs_set_permissions(h->kd->xs, h->t, full, rw, 1)
			   : xs_set_permissions(h->kd->xs, h->t, full, ro, 2);
}

/* /local/domain/<id>: what libxl writes for a PV domain. */
static bool write_home(const struct home *h, const struct kd_domain *d, const char *vm)
{
	static const char *const guest_dirs[] = { "data", "device", "drivers",
						  "attr", "error", "feature" };
	const struct kctl_boot_info *b = &d->boot;
	bool ok = put(h, "", false, "%s", "") && put(h, "name", false, "%s", d->cfg.name) &&
		  put(h, "domid", false, "%u", d->domid) && put(h, "vm", false, "%s", vm) &&
		  put(h, "memory/target", false, "%llu", (unsigned long long)d->cfg.memory_mib << 10) &&
		  put(h, "memory/static-max", false, "%llu",
		      (unsigned long long)d->cfg.maxmem_mib << 10) &&
		  put(h, "console/ring-ref", false, "%llu", (unsigned long long)b->console_gpfn) &&
		  put(h, "console/port", false, "%u", b->console_port) &&
		  put(h, "console/type", false, "%s", "ketchd") &&
		  put(h, "console/limit", false, "%u", 1u << 20) &&
		  put(h, "store/ring-ref", false, "%llu", (unsigned long long)b->store_gpfn) &&
		  put(h, "store/port", false, "%u", b->store_port) &&
		  put(h, "control", false, "%s", "") && put(h, "control/shutdown", true, "%s", "");

	if (ok && d->con && d->con->pty_path)
		ok = put(h, "console/tty", false, "%s", d->con->pty_path);
	for (size_t i = 0; ok && i < sizeof(guest_dirs) / sizeof(*guest_dirs); i++)
		ok = put(h, guest_dirs[i], true, "%s", "");
	for (uint32_t c = 0; ok && c < d->cfg.vcpus; c++) {
		char p[32];

		snprintf(p, sizeof(p), "cpu/%u/availability", c);
		ok = put(h, p, false, "%s", "online");
	}
	return ok;
}

static bool write_tree(struct kd *kd, struct kd_domain *d, xs_transaction_t t)
{
	char dom[64], vm[64], uuid[37];
	struct home home = { kd, t, d->domid, dom }, vmh = { kd, t, d->domid, vm };

	uuid_unparse_lower(d->cfg.uuid, uuid);
	snprintf(dom, sizeof(dom), "/local/domain/%u", d->domid);
	snprintf(vm, sizeof(vm), "/vm/%s", uuid);
	return write_home(&home, d, vm) && put(&vmh, "", false, "%s", "") &&
	       put(&vmh, "uuid", false, "%s", uuid) && put(&vmh, "name", false, "%s", d->cfg.name);
}

int kd_xs_domain_add(struct kd *kd, struct kd_domain *d)
{
	for (int tries = 0; kd->xs && tries < 10; tries++) {
		xs_transaction_t t = xs_transaction_start(kd->xs);
		bool ok;

		if (t == XBT_NULL)
			return -errno;
		ok = write_tree(kd, d, t);
		if (!ok) {
			int e = errno;

			xs_transaction_end(kd->xs, t, true);
			return -(e ? e : EIO);
		}
		if (!xs_transaction_end(kd->xs, t, false)) {
			if (errno == EAGAIN)
				continue;
			return -errno;
		}
		d->introduced = xs_introduce_domain(kd->xs, d->domid, d->boot.store_gpfn,
						    d->boot.store_port);
		if (!d->introduced)
			kd_log("d%u: xenstored refused INTRODUCE (%s); the guest's "
			       "xenstore ring is not served", d->domid, strerror(errno));
		return 0;
	}
	return kd->xs ? -EAGAIN : 0;
}

void kd_xs_domain_remove(struct kd *kd, struct kd_domain *d)
{
	char path[64], uuid[37];

	if (!kd->xs)
		return;
	if (d->introduced && !xs_release_domain(kd->xs, d->domid))
		kd_log("d%u: xenstore RELEASE: %s", d->domid, strerror(errno));
	d->introduced = false;
	snprintf(path, sizeof(path), "/local/domain/%u", d->domid);
	if (!xs_rm(kd->xs, XBT_NULL, path) && errno != ENOENT)
		kd_log("d%u: xenstore rm %s: %s", d->domid, path, strerror(errno));
	uuid_unparse_lower(d->cfg.uuid, uuid);
	snprintf(path, sizeof(path), "/vm/%s", uuid);
	if (!xs_rm(kd->xs, XBT_NULL, path) && errno != ENOENT)
		kd_log("d%u: xenstore rm %s: %s", d->domid, path, strerror(errno));
	/* Disks ketchd does not supervise (an adopted domain's) leave these. */
	snprintf(path, sizeof(path), "/local/domain/0/backend/vbd/%u", d->domid);
	if (!xs_rm(kd->xs, XBT_NULL, path) && errno != ENOENT)
		kd_log("d%u: xenstore rm %s: %s", d->domid, path, strerror(errno));
}

int kd_xs_shutdown_request(struct kd *kd, struct kd_domain *d, const char *what)
{
	char path[64];

	if (!kd->xs)
		return -ENOTCONN;
	snprintf(path, sizeof(path), "/local/domain/%u/control/shutdown", d->domid);
	return xs_write(kd->xs, XBT_NULL, path, what, strlen(what)) ? 0 : -errno;
}

void kd_xs_rename(struct kd *kd, struct kd_domain *d)
{
	char path[64], uuid[37];

	if (!kd->xs)
		return;
	snprintf(path, sizeof(path), "/local/domain/%u/name", d->domid);
	if (!xs_write(kd->xs, XBT_NULL, path, d->cfg.name, strlen(d->cfg.name)))
		kd_log("d%u: xenstore write %s: %s", d->domid, path, strerror(errno));
	uuid_unparse_lower(d->cfg.uuid, uuid);
	snprintf(path, sizeof(path), "/vm/%s/name", uuid);
	if (!xs_write(kd->xs, XBT_NULL, path, d->cfg.name, strlen(d->cfg.name)))
		kd_log("d%u: xenstore write %s: %s", d->domid, path, strerror(errno));
}
