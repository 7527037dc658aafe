/*
 * state.c - what lets ketchd restart without losing its domains: with
 * --state-dir, one JSON file per domain (<dir>/<domid>.json: the config
 * and what kctl_boot reported), written atomically on create and rename
 * and removed on destroy.  At start every file is matched against
 * ketch-hv (the domain must still exist with the same UUID) and adopted:
 * the console port is re-bound, xenstore's INTRODUCE state is read back,
 * and a domain that stopped meanwhile gets its on_* policy.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xenstore.h>

#include "ketchd.h"

static void path_of(struct kd *kd, uint32_t domid, char *buf, size_t len, const char *suffix)
{
	snprintf(buf, len, "%s/%u.json%s", kd->opt.state_dir, domid, suffix);
}

void kd_state_save(struct kd *kd, struct kd_domain *d)
{
	struct json_object *o, *b;
	char path[4096], tmp[4100];

	if (!kd->opt.state_dir)
		return;
	o = json_object_new_object();
	b = json_object_new_object();
	json_object_object_add(o, "domid", json_object_new_int64(d->domid));
	json_object_object_add(o, "created_ms", json_object_new_int64(d->created_ms));
	json_object_object_add(o, "config", kd_config_to_json(&d->cfg));
	json_object_object_add(b, "console_gpfn", json_object_new_int64((int64_t)d->boot.console_gpfn));
	json_object_object_add(b, "console_port", json_object_new_int64(d->boot.console_port));
	json_object_object_add(b, "store_gpfn", json_object_new_int64((int64_t)d->boot.store_gpfn));
	json_object_object_add(b, "store_port", json_object_new_int64(d->boot.store_port));
	json_object_object_add(b, "shared_info_gpa", json_object_new_int64((int64_t)d->boot.shared_info_gpa));
	json_object_object_add(b, "hypercall_page_gpa",
			       json_object_new_int64((int64_t)d->boot.hypercall_page_gpa));
	json_object_object_add(b, "hypercall_page_va",
			       json_object_new_int64((int64_t)d->boot.hypercall_page_va));
	json_object_object_add(o, "boot", b);
	path_of(kd, d->domid, path, sizeof(path), "");
	path_of(kd, d->domid, tmp, sizeof(tmp), ".tmp");
	if (json_object_to_file_ext(tmp, o, JSON_C_TO_STRING_PLAIN) < 0 || rename(tmp, path) < 0)
		kd_log("d%u: cannot save state to %s: %s", d->domid, path, strerror(errno));
	json_object_put(o);
}

void kd_state_remove(struct kd *kd, struct kd_domain *d)
{
	char path[4096];

	if (!kd->opt.state_dir)
		return;
	path_of(kd, d->domid, path, sizeof(path), "");
	if (unlink(path) < 0 && errno != ENOENT)
		kd_log("d%u: cannot remove %s: %s", d->domid, path, strerror(errno));
}

static uint64_t get_u64(struct json_object *o, const char *k)
{
	return (uint64_t)json_object_get_int64(json_object_object_get(o, k));
}

/* Take over one saved domain; the file is dropped if it is gone or not ours. */
static void adopt(struct kd *kd, const char *path)
{
	struct json_object *o = json_object_from_file(path), *b;
	struct kd_domain *d = calloc(1, sizeof(*d));
	struct kd_error err = { 0 };
	struct kctl_dominfo i;

	if (!o || !d || kd_config_from_json(json_object_object_get(o, "config"), &d->cfg, &err)) {
		kd_log("%s: unreadable state (%s); ignored", path, err.message);
		goto out;
	}
	d->domid = (uint32_t)get_u64(o, "domid");
	if (kctl_getinfo(kd->hv, d->domid, &i) || memcmp(i.handle, d->cfg.uuid, 16) ||
	    kd_domain_by_id(kd, d->domid) || kd_domain_by_name(kd, d->cfg.name)) {
		kd_log("d%u (%s): gone from ketch-hv; forgetting it", d->domid, d->cfg.name);
		kd_xs_domain_remove(kd, d);
		unlink(path);
		kd_config_free(&d->cfg);
		goto out;
	}
	b = json_object_object_get(o, "boot");
	d->boot.console_gpfn = get_u64(b, "console_gpfn");
	d->boot.console_port = (uint32_t)get_u64(b, "console_port");
	d->boot.store_gpfn = get_u64(b, "store_gpfn");
	d->boot.store_port = (uint32_t)get_u64(b, "store_port");
	d->boot.shared_info_gpa = get_u64(b, "shared_info_gpa");
	d->boot.hypercall_page_gpa = get_u64(b, "hypercall_page_gpa");
	d->boot.hypercall_page_va = get_u64(b, "hypercall_page_va");
	d->state = i.state;
	d->shutdown_reason = i.shutdown_reason;
	d->pending = -1;
	d->start_ms = kd_now_ms();
	/* Records from before created_ms existed count from the adoption. */
	d->created_ms = json_object_object_get(o, "created_ms") ? (int64_t)get_u64(o, "created_ms")
								 : kd_wall_ms();
	d->introduced = kd->xs && xs_is_domain_introduced(kd->xs, d->domid);
	kctl_evtchn_unbind(kd->hv, d->domid, d->boot.console_port); /* the old ketchd's end */
	d->con = kd_console_open(kd, d);
	if (kd_pty_publish(kd, d) < 0) /* a new pty: the old one went with the old ketchd */
		kd_log("d%u: cannot write console/tty: %s", d->domid, strerror(errno));
	d->next = kd->domains;
	kd->domains = d;
	kd_log("d%u (%s): adopted (%s)", d->domid, d->cfg.name, kctl_state_name(i.state));
	d = NULL;
	if (i.state == KCTL_STATE_SHUTDOWN || i.state == KCTL_STATE_CRASHED)
		kd_lifecycle_stopped(kd, kd->domains, &i);
out:
	free(d);
	json_object_put(o);
}

int kd_state_restore(struct kd *kd)
{
	DIR *dir;
	struct dirent *e;
	char path[4096];

	if (!kd->opt.state_dir)
		return 0;
	if (mkdir(kd->opt.state_dir, 0700) < 0 && errno != EEXIST)
		return -errno;
	dir = opendir(kd->opt.state_dir);
	if (!dir)
		return -errno;
	while ((e = readdir(dir))) {
		size_t n = strlen(e->d_name);

		if (n < 6 || strcmp(e->d_name + n - 5, ".json"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", kd->opt.state_dir, e->d_name);
		adopt(kd, path);
	}
	closedir(dir);
	return 0;
}
