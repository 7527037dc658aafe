/*
 * xs_layout.c - the xenstore entries of a domain, laid out as libxl lays
 * them out: /local/domain/<id> readable by the guest and owned by the
 * control domain (so the guest cannot rename itself), the subtrees a guest
 * writes (control/shutdown, data, device, drivers, attr, error, feature)
 * owned by the guest, and /vm/<uuid>.  Written in one transaction, then
 * INTRODUCEd so ketch-xenstored serves the guest's ring.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <uuid/uuid.h>
#include <xenstore.h>

#include "ketchd.h"

struct kv {
	const char *path; /* relative to the base */
	char value[80];
	bool guest_owned;
};

static bool put(struct kd *kd, xs_transaction_t t, const char *base,
		const struct kv *e, uint32_t domid)
{
	struct xs_permissions ro[2] = { { 0, XS_PERM_NONE }, { domid, XS_PERM_READ } };
	struct xs_permissions rw[1] = { { domid, XS_PERM_NONE } };
	char path[256];

	snprintf(path, sizeof(path), "%s%s%s", base, *e->path ? "/" : "", e->path);
	if (!xs_write(kd->xs, t, path, e->value, strlen(e->value)))
		return false;
	return e->guest_owned ? xs_set_permissions(kd->xs, t, path, rw, 1)
			      : xs_set_permissions(kd->xs, t, path, ro, 2);
}

static bool write_tree(struct kd *kd, struct kd_domain *d, xs_transaction_t t)
{
	char dom[64], vm[64], uuid[37];
	struct kv e[] = {
		{ "", "", false },
		{ "name", "", false }, { "domid", "", false }, { "vm", "", false },
		{ "memory/target", "", false }, { "memory/static-max", "", false },
		{ "cpu", "", false },
		{ "console/ring-ref", "", false }, { "console/port", "", false },
		{ "console/type", "ketchd", false }, { "console/limit", "1048576", false },
		{ "store/ring-ref", "", false }, { "store/port", "", false },
		{ "control", "", false }, { "control/shutdown", "", true },
		{ "data", "", true }, { "device", "", true }, { "drivers", "", true },
		{ "attr", "", true }, { "error", "", true }, { "feature", "", true },
	};
	struct kv v[] = { { "", "", false }, { "uuid", "", false }, { "name", "", false } };
	size_t i;

	uuid_unparse_lower(d->cfg.uuid, uuid);
	snprintf(dom, sizeof(dom), "/local/domain/%u", d->domid);
	snprintf(vm, sizeof(vm), "/vm/%s", uuid);
	snprintf(e[1].value, sizeof(e[1].value), "%s", d->cfg.name);
	snprintf(e[2].value, sizeof(e[2].value), "%u", d->domid);
	snprintf(e[3].value, sizeof(e[3].value), "%s", vm);
	snprintf(e[4].value, sizeof(e[4].value), "%llu", (unsigned long long)d->cfg.memory_mib << 10);
	snprintf(e[5].value, sizeof(e[5].value), "%llu", (unsigned long long)d->cfg.maxmem_mib << 10);
	snprintf(e[7].value, sizeof(e[7].value), "%llu", (unsigned long long)d->boot.console_gpfn);
	snprintf(e[8].value, sizeof(e[8].value), "%u", d->boot.console_port);
	snprintf(e[11].value, sizeof(e[11].value), "%llu", (unsigned long long)d->boot.store_gpfn);
	snprintf(e[12].value, sizeof(e[12].value), "%u", d->boot.store_port);
	snprintf(v[1].value, sizeof(v[1].value), "%s", uuid);
	snprintf(v[2].value, sizeof(v[2].value), "%s", d->cfg.name);
	for (i = 0; i < sizeof(e) / sizeof(*e); i++)
		if (!put(kd, t, dom, &e[i], d->domid))
			return false;
	for (uint32_t c = 0; c < d->cfg.vcpus; c++) {
		struct kv a = { "", "online", false };
		char p[32];

		snprintf(p, sizeof(p), "cpu/%u/availability", c);
		a.path = p;
		if (!put(kd, t, dom, &a, d->domid))
			return false;
	}
	for (i = 0; i < sizeof(v) / sizeof(*v); i++)
		if (!put(kd, t, vm, &v[i], d->domid))
			return false;
	return true;
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
