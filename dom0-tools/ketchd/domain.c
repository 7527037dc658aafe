/*
 * domain.c - ketchd's domain table: create (read images, kctl_boot, attach
 * the console, write xenstore, start the disks' and vifs' backends, then run), destroy (release in the reverse
 * order), restart, lookup and the JSON view of one domain.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uuid/uuid.h>
#include <stdint.h>
#include <xen/xen.h>
#include <xen/sched.h>

#include <xenstore.h>

#include "ketchd.h"

#define KD_IMAGE_MAX (256u << 20)

struct kd_domain *kd_domain_by_id(struct kd *kd, uint32_t domid)
{
	for (struct kd_domain *d = kd->domains; d; d = d->next)
		if (d->domid == domid)
			return d;
	return NULL;
}

struct kd_domain *kd_domain_by_name(struct kd *kd, const char *name)
{
	for (struct kd_domain *d = kd->domains; d; d = d->next)
		if (!strcmp(d->cfg.name, name))
			return d;
	return NULL;
}

struct kd_domain *kd_domain_lookup(struct kd *kd, const char *key)
{
	char *end;
	unsigned long id;

	if (!key || !*key)
		return NULL;
	id = strtoul(key, &end, 10);
	if (!*end && id <= UINT32_MAX)
		return kd_domain_by_id(kd, (uint32_t)id);
	return kd_domain_by_name(kd, key);
}

/* Read a whole image file; -errno, with err naming field. */
static int read_image(const char *path, const char *field, void **buf,
		      size_t *len, struct kd_error *err)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC), r = 0;

	*buf = NULL;
	if (fd < 0)
		return kd_error_set(err, "invalid_config", field, "cannot open %s: %s",
				    path, strerror(errno));
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size == 0 ||
	    (uint64_t)st.st_size > KD_IMAGE_MAX)
		r = kd_error_set(err, "invalid_config", field,
				 "%s is not a regular file of 1 byte to 256 MiB", path);
	else if (!(*buf = malloc((size_t)st.st_size)))
		r = kd_error_set(err, "internal", field, "out of memory");
	for (size_t got = 0; !r && got < (size_t)st.st_size;) {
		ssize_t n = read(fd, (char *)*buf + got, (size_t)st.st_size - got);

		if (n <= 0)
			r = kd_error_set(err, "invalid_config", field, "cannot read %s", path);
		got += n > 0 ? (size_t)n : 0;
	}
	close(fd);
	if (r) {
		free(*buf);
		*buf = NULL;
		return r;
	}
	*len = (size_t)st.st_size;
	return 0;
}

char *kd_domain_cmdline(const struct kd_config *cfg)
{
	const char *c = cfg->cmdline ? cfg->cmdline : "";
	bool has = !strncmp(c, "console=", 8) || strstr(c, " console=");
	char *s = NULL;

	if (has)
		return strdup(c);
	if (asprintf(&s, "%s%sconsole=ring", c, *c ? " " : "") < 0)
		return NULL;
	return s;
}

int kd_domain_check_unique(struct kd *kd, const char *name, const uint8_t *uuid,
			   struct kd_error *err)
{
	char u[37];

	if (kd_domain_by_name(kd, name))
		return kd_error_set(err, "duplicate_name", "name",
				    "a domain named \"%s\" already exists", name);
	for (struct kd_domain *d = kd->domains; d; d = d->next)
		if (!memcmp(d->cfg.uuid, uuid, 16)) {
			uuid_unparse_lower(uuid, u);
			return kd_error_set(err, "duplicate_uuid", "uuid",
					    "%s is already domain %u's", u, d->domid);
		}
	return 0;
}

/* kctl_boot the config, paused; fills d->domid and d->boot. */
static int boot(struct kd *kd, struct kd_domain *d, void *arg, struct kd_error *err)
{
	struct kctl_boot_spec s = { 0 };
	void *kernel = NULL, *ramdisk = NULL;
	char msg[KCTL_ERRLEN] = "";
	char *cmdline = kd_domain_cmdline(&d->cfg);
	int r = cmdline ? 0 : kd_error_set(err, "internal", "", "out of memory");

	(void)arg;
	if (!r)
		r = read_image(d->cfg.kernel, "kernel", &kernel, &s.kernel_len, err);
	if (!r && d->cfg.ramdisk)
		r = read_image(d->cfg.ramdisk, "ramdisk", &ramdisk, &s.ramdisk_len, err);
	if (!r) {
		s.kernel = kernel;
		s.ramdisk = ramdisk;
		s.cmdline = cmdline;
		s.mem_bytes = d->cfg.memory_mib << 20;
		s.vcpus = d->cfg.vcpus;
		s.handle = d->cfg.uuid;
		s.paused = 1;
		r = kctl_boot(kd->hv, &s, &d->domid, &d->boot, msg);
		if (r)
			kd_error_set(err, "boot_failed", "kernel", "%s", msg);
	}
	free(kernel);
	free(ramdisk);
	free(cmdline);
	return r;
}

/* One backend per disk, started before the guest runs (as libxl does). */
static int attach_disks(struct kd *kd, struct kd_domain *d, struct kd_error *err)
{
	int r = 0;

	for (unsigned int i = 0; !r && i < d->cfg.nr_disks; i++)
		r = kd_vbd_attach(kd, d, &d->cfg.disks[i], i, err);
	return r;
}

/* One backend per vif, started before the guest runs (as libxl does). */
static int attach_vifs(struct kd *kd, struct kd_domain *d, struct kd_error *err)
{
	int r = 0;

	for (unsigned int i = 0; !r && i < d->cfg.nr_nics; i++)
		r = kd_vif_attach(kd, d, &d->cfg.nics[i], i, err);
	return r;
}

static void unlink_domain(struct kd *kd, struct kd_domain *d)
{
	for (struct kd_domain **p = &kd->domains; *p; p = &(*p)->next)
		if (*p == d) {
			*p = d->next;
			return;
		}
}

int kd_domain_create(struct kd *kd, struct kd_config *cfg, bool paused,
		     struct kd_domain **out, struct kd_error *err)
{
	return kd_domain_create_with(kd, cfg, paused, boot, NULL, out, err);
}

int kd_domain_create_with(struct kd *kd, struct kd_config *cfg, bool paused,
			  kd_build_fn build, void *arg, struct kd_domain **out,
			  struct kd_error *err)
{
	struct kd_domain *d;
	int r = kd_domain_check_unique(kd, cfg->name, cfg->uuid, err);

	if (r || !(d = calloc(1, sizeof(*d)))) {
		kd_config_free(cfg);
		return r ? r : kd_error_set(err, "internal", "", "out of memory");
	}
	d->cfg = *cfg;
	memset(cfg, 0, sizeof(*cfg));
	/* Images first: a missing or non-raw one is refused before anything is built. */
	for (unsigned int i = 0; !r && i < d->cfg.nr_disks; i++)
		r = kd_disk_check_image(&d->cfg.disks[i], i, NULL, err);
	if (!r)
		r = build(kd, d, arg, err);
	if (r) {
		kd_config_free(&d->cfg);
		free(d);
		return r;
	}
	d->state = KCTL_STATE_PAUSED;
	d->shutdown_reason = -1;
	d->pending = -1;
	d->start_ms = kd_now_ms();
	d->created_ms = kd_wall_ms();
	d->next = kd->domains;
	kd->domains = d;
	d->con = kd_console_open(kd, d);
	if (!d->con)
		r = kd_error_set(err, "internal", "", "cannot attach the console of domain %u",
				 d->domid);
	else if ((r = kd_xs_domain_add(kd, d)) < 0)
		kd_error_set(err, "xenstore_failed", "",
			     "cannot write the xenstore entries of domain %u: %s",
			     d->domid, strerror(-r));
	else if ((r = attach_disks(kd, d, err)) || (r = attach_vifs(kd, d, err)))
		;
	else if (!paused && (r = kctl_unpause(kd->hv, d->domid)) < 0)
		kd_error_set(err, "hv_error", "", "unpause of domain %u: %s", d->domid,
			     kctl_strerror(r));
	if (r) {
		kd_domain_destroy(kd, d);
		return r;
	}
	kd_state_save(kd, d);
	kd_log("d%u (%s): created%s", d->domid, d->cfg.name, paused ? ", paused" : "");
	kd_events_state(kd, d, "created");
	*out = d;
	return 0;
}

void kd_domain_destroy(struct kd *kd, struct kd_domain *d)
{
	int r;

	unlink_domain(kd, d);
	kd_save_abandon(kd, d);
	kd_migrate_abandon(kd, d);
	kd_state_remove(kd, d);
	kd_console_close(kd, d, true);
	kd_conn_close_viewers(kd, d->domid);
	kd_vbd_remove_all(kd, d);
	kd_vif_remove_all(kd, d);
	kd_xs_domain_remove(kd, d);
	r = kctl_destroy(kd->hv, d->domid);
	if (r && r != -ESRCH)
		kd_log("d%u: destroy: %s", d->domid, kctl_strerror(r));
	kd_log("d%u (%s): destroyed", d->domid, d->cfg.name);
	kd_events_state(kd, d, "destroyed");
	kd_config_free(&d->cfg);
	free(d);
}

int kd_domain_restart(struct kd *kd, struct kd_domain *d)
{
	struct kd_config cfg;
	struct kd_domain *nd;
	struct kd_error err = { 0 };
	uint32_t old = d->domid;
	int64_t now = kd_now_ms(), window = d->restart_window_ms;
	unsigned int count = now - window < KD_RESTART_WINDOW_MS ? d->restarts : 0;
	int r = kd_config_copy(&cfg, &d->cfg);

	if (count == 0)
		window = now;
	kd_domain_destroy(kd, d);
	if (r)
		return r;
	if (count >= KD_RESTART_MAX) {
		kd_log("d%u (%s): restarted %u times within %d s; not restarting again",
		       old, cfg.name, count, KD_RESTART_WINDOW_MS / 1000);
		kd_config_free(&cfg);
		return -ELOOP;
	}
	r = kd_domain_create(kd, &cfg, false, &nd, &err);
	if (r) {
		kd_log("d%u: restart failed: %s", old, err.message);
		return r;
	}
	nd->restarts = count + 1;
	nd->restart_window_ms = window;
	kd_log("d%u restarted as d%u", old, nd->domid);
	return 0;
}

static void add_u64(struct json_object *o, const char *k, uint64_t v)
{
	json_object_object_add(o, k, json_object_new_int64((int64_t)v));
}

struct json_object *kd_domain_json(struct kd *kd, struct kd_domain *d)
{
	struct json_object *o = json_object_new_object();
	struct kctl_dominfo i;
	char uuid[37], secs[32];
	bool live = kctl_getinfo(kd->hv, d->domid, &i) == 0;

	uuid_unparse_lower(d->cfg.uuid, uuid);
	add_u64(o, "domid", d->domid);
	json_object_object_add(o, "name", json_object_new_string(d->cfg.name));
	json_object_object_add(o, "uuid", json_object_new_string(uuid));
	json_object_object_add(o, "state",
			       json_object_new_string(live ? kctl_state_name(i.state) : "unknown"));
	add_u64(o, "memory", d->cfg.memory_mib);
	add_u64(o, "maxmem", d->cfg.maxmem_mib);
	add_u64(o, "vcpus", d->cfg.vcpus);
	snprintf(secs, sizeof(secs), "%.3f", live ? (double)i.cpu_time_ns / 1e9 : 0.0);
	json_object_object_add(o, "cpu_time", json_object_new_double_s(atof(secs), secs));
	add_u64(o, "created", (uint64_t)(d->created_ms / 1000));
	snprintf(secs, sizeof(secs), "%.3f", (double)(kd_wall_ms() - d->created_ms) / 1e3);
	json_object_object_add(o, "uptime", json_object_new_double_s(atof(secs), secs));
	if (live && i.shutdown_reason >= 0)
		json_object_object_add(o, "shutdown_reason",
				       json_object_new_string(kctl_shutdown_name(i.shutdown_reason)));
	if (live && i.crash_reason[0])
		json_object_object_add(o, "crash_reason", json_object_new_string(i.crash_reason));
	if (d->pending >= 0)
		json_object_object_add(o, "pending",
				       json_object_new_string(kctl_shutdown_name(d->pending)));
	if (kd->xs) {
		char path[64], *t;

		snprintf(path, sizeof(path), "/local/domain/%u/memory/target", d->domid);
		if ((t = xs_read(kd->xs, XBT_NULL, path, NULL))) {
			add_u64(o, "target_kib", strtoull(t, NULL, 10));
			free(t);
		}
	}
	if (d->con && d->con->pty_path)
		json_object_object_add(o, "console_tty", json_object_new_string(d->con->pty_path));
	if (d->con && d->con->log_path)
		json_object_object_add(o, "console_log", json_object_new_string(d->con->log_path));
	json_object_object_add(o, "config", kd_config_to_json(&d->cfg));
	return o;
}
