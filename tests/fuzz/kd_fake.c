/*
 * kd_fake.c - what ketchd's API layer calls below it, faked for the API
 * fuzzer: the domain table (create takes the config, as the real one
 * does), ketch-hv's answers, and a small in-memory xenstore, so requests
 * reach every handler's checks without KVM, ketch-hv or ketch-xenstored.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenstore.h>

#include "kd_fake.h"
#include "ketchd.h"

#define FAKE_DOMS 8
#define FAKE_NODES 64

static struct { char *path, *val; } nodes[FAKE_NODES];

void kd_fake_reset(struct kd *kd)
{
	while (kd->domains)
		kd_domain_destroy(kd, kd->domains);
	for (int i = 0; i < FAKE_NODES; i++) {
		free(nodes[i].path);
		free(nodes[i].val);
		nodes[i].path = nodes[i].val = NULL;
	}
}

void kd_log(const char *fmt, ...)
{
	(void)fmt;
}

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

/* The real lookup (domain.c), which needs nothing else from there. */
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

static int count(struct kd *kd)
{
	int n = 0;

	for (struct kd_domain *d = kd->domains; d; d = d->next)
		n++;
	return n;
}

int kd_domain_create(struct kd *kd, struct kd_config *cfg, bool paused,
		     struct kd_domain **out, struct kd_error *err)
{
	static uint32_t next_id = 1;
	struct kd_domain *d;

	if (kd_domain_by_name(kd, cfg->name) || count(kd) >= FAKE_DOMS ||
	    !(d = calloc(1, sizeof(*d)))) {
		kd_config_free(cfg);
		return kd_error_set(err, "duplicate_name", "name", "taken or full");
	}
	d->cfg = *cfg; /* ownership passes, as with the real one */
	d->domid = next_id++;
	d->state = paused ? KCTL_STATE_PAUSED : KCTL_STATE_RUNNING;
	d->pending = -1;
	d->next = kd->domains;
	kd->domains = d;
	*out = d;
	return 0;
}

static void vbd_free(struct kd_vbd *v)
{
	kd_disk_free(&v->disk);
	free(v);
}

void kd_domain_destroy(struct kd *kd, struct kd_domain *d)
{
	for (struct kd_domain **p = &kd->domains; *p; p = &(*p)->next)
		if (*p == d) {
			*p = d->next;
			break;
		}
	while (d->vbds) {
		struct kd_vbd *v = d->vbds;

		d->vbds = v->next;
		vbd_free(v);
	}
	kd_fake_vifs_free(d);
	kd_config_free(&d->cfg);
	free(d);
}

/* Disks: a list per domain, no image, no xenstore, no backend process. */
int kd_vbd_attach(struct kd *kd, struct kd_domain *d, const struct kd_disk *disk,
		  unsigned int index, struct kd_error *err)
{
	struct kd_vbd *v;

	(void)kd;
	for (v = d->vbds; v; v = v->next)
		if (v->disk.devid == disk->devid)
			return kd_error_set(err, "duplicate_vdev", "vdev", "disk %u taken", index);
	if (!(v = calloc(1, sizeof(*v))) || kd_disk_copy(&v->disk, disk)) {
		free(v);
		return kd_error_set(err, "internal", "disks", "out of memory");
	}
	v->domid = d->domid;
	v->next = d->vbds;
	d->vbds = v;
	return 0;
}

struct kd_vbd *kd_vbd_find(struct kd_domain *d, const char *vdev)
{
	for (struct kd_vbd *v = d->vbds; v; v = v->next)
		if (!strcmp(v->disk.vdev, vdev))
			return v;
	return NULL;
}

int kd_vbd_detach(struct kd *kd, struct kd_domain *d, struct kd_vbd *v, bool force,
		  int timeout_s, struct kd_conn *c, struct json_object *id)
{
	(void)kd, (void)force, (void)timeout_s, (void)c, (void)id;
	for (struct kd_vbd **p = &d->vbds; *p; p = &(*p)->next)
		if (*p == v) {
			*p = v->next;
			break;
		}
	vbd_free(v);
	return 0;
}

long kd_vbd_xs_read(struct kd *kd, const struct kd_vbd *v, bool fe, const char *name)
{
	(void)kd, (void)v, (void)fe, (void)name;
	return -1;
}

void kd_vbd_conn_gone(struct kd *kd, struct kd_conn *c)
{
	(void)kd, (void)c;
}

struct json_object *kd_domain_json(struct kd *kd, struct kd_domain *d)
{
	struct json_object *o = json_object_new_object();

	(void)kd;
	json_object_object_add(o, "domid", json_object_new_int64(d->domid));
	json_object_object_add(o, "config", kd_config_to_json(&d->cfg));
	return o;
}

int kd_lifecycle_request(struct kd *kd, struct kd_domain *d, int reason,
			 int timeout_s, struct kd_error *err)
{
	(void)kd;
	(void)timeout_s;
	if (d->pending >= 0)
		return kd_error_set(err, "busy", "", "a request is pending");
	d->pending = reason;
	return 0;
}

void kd_xs_rename(struct kd *kd, struct kd_domain *d)
{
	(void)kd;
	(void)d;
}

void kd_state_save(struct kd *kd, struct kd_domain *d)
{
	(void)kd;
	(void)d;
}

void kd_events_state(struct kd *kd, struct kd_domain *d, const char *state)
{
	(void)kd;
	(void)d;
	(void)state;
}

size_t kd_console_input(struct kd_domain *d, const char *buf, size_t len)
{
	(void)d;
	(void)buf;
	return len;
}

/* ketch-hv: the fake table's domids stand for its domains. */
static struct kd *the_kd;

void kd_fake_bind(struct kd *kd)
{
	the_kd = kd;
}

static int set_paused(uint32_t domid, bool pause)
{
	struct kd_domain *d = kd_domain_by_id(the_kd, domid);

	if (!d)
		return -ESRCH;
	if (pause == (d->state == KCTL_STATE_PAUSED))
		return -EALREADY;
	d->state = pause ? KCTL_STATE_PAUSED : KCTL_STATE_RUNNING;
	return 0;
}

int kctl_pause(struct kctl *h, uint32_t domid)
{
	(void)h;
	return set_paused(domid, true);
}

int kctl_unpause(struct kctl *h, uint32_t domid)
{
	(void)h;
	return set_paused(domid, false);
}

int kctl_vcpu_info(struct kctl *h, uint32_t domid, struct kctl_vcpu_info *info)
{
	struct kd_domain *d = kd_domain_by_id(the_kd, domid);

	(void)h;
	if (!d)
		return -ESRCH;
	memset(info, 0, sizeof(*info));
	info->domid = domid;
	info->nr_vcpus = d->cfg.vcpus <= KCTL_MAX_VCPU_RECORDS ? d->cfg.vcpus : 0;
	for (uint32_t i = 0; i < info->nr_vcpus; i++)
		info->vcpu[i] = (struct kctl_vcpu_record){ .vcpu = i, .online = 1,
							   .runstate = i % 5,
							   .cpu_time_ns = i * 1000003ull };
	return 0;
}

/* Ten lines in the ring, three per reply. */
int kctl_hv_log(struct kctl *h, uint64_t from, bool clear, struct kctl_log *log)
{
	(void)h;
	(void)clear;
	memset(log, 0, sizeof(*log));
	log->first = log->next = from;
	while (log->next < 10 && log->next < from + 3)
		log->len += (uint32_t)snprintf(log->text + log->len, sizeof(log->text) - log->len,
					       "line %llu\n", (unsigned long long)log->next++);
	return 0;
}

/* xenstore: a flat table of paths; a node's children are found by prefix. */
static int node_find(const char *path)
{
	for (int i = 0; i < FAKE_NODES; i++)
		if (nodes[i].path && !strcmp(nodes[i].path, path))
			return i;
	return -1;
}

void *xs_read(struct xs_handle *h, xs_transaction_t t, const char *path, unsigned int *len)
{
	int i = node_find(path);

	(void)h;
	(void)t;
	if (i < 0) {
		errno = ENOENT;
		return NULL;
	}
	*len = (unsigned int)strlen(nodes[i].val);
	return strdup(nodes[i].val);
}

bool xs_write(struct xs_handle *h, xs_transaction_t t, const char *path,
	      const void *data, unsigned int len)
{
	int i = node_find(path);

	(void)h;
	(void)t;
	for (int j = 0; i < 0 && j < FAKE_NODES; j++)
		if (!nodes[j].path && (nodes[j].path = strdup(path)))
			i = j;
	if (i < 0 || len > 4096) {
		errno = ENOSPC;
		return false;
	}
	free(nodes[i].val);
	nodes[i].val = strndup(data, len);
	return nodes[i].val != NULL;
}

/* The last component of p if p lies directly below dir, else NULL. */
static const char *child_of(const char *dir, const char *p)
{
	size_t n = strlen(dir);

	if (!strcmp(dir, "/"))
		n = 0;
	if (strncmp(p, dir, n) || p[n] != '/' || !p[n + 1] || strchr(p + n + 1, '/'))
		return NULL;
	return p + n + 1;
}

char **xs_directory(struct xs_handle *h, xs_transaction_t t, const char *path,
		    unsigned int *num)
{
	char **v = calloc(FAKE_NODES + 1, sizeof(*v) + 256);
	char *space = (char *)(v + FAKE_NODES + 1);

	(void)h;
	(void)t;
	*num = 0;
	if (!v)
		return NULL;
	for (int i = 0; i < FAKE_NODES; i++) {
		const char *c = nodes[i].path ? child_of(path, nodes[i].path) : NULL;

		if (c) {
			v[*num] = space + 256 * *num;
			snprintf(v[*num], 256, "%s", c);
			(*num)++;
		}
	}
	return v;
}

/* save, restore and clone: the requests' checks are fuzzed, not the
 * streams (ks_fuzz_stream fuzzes those). */
int kd_save_start(struct kd *kd, struct kd_domain *d, const char *path,
		  enum kd_save_mode mode, int timeout_s, struct kd_conn *c,
		  struct json_object *id, struct kd_error *err)
{
	(void)kd;
	(void)path;
	(void)mode;
	(void)timeout_s;
	(void)c;
	(void)id;
	if (d->state != KCTL_STATE_RUNNING)
		return kd_error_set(err, "save_failed", "", "not running");
	return 0;
}

int kd_restore(struct kd *kd, const char *path, const char *name, bool paused,
	       struct kd_domain **out, struct kd_save_stats *st, struct kd_error *err)
{
	(void)kd;
	(void)name;
	(void)paused;
	(void)out;
	memset(st, 0, sizeof(*st));
	return kd_error_set(err, "invalid_save", "file", "%s: not a Ketch save file", path);
}

int kd_clone(struct kd *kd, const char *path, const char *name, unsigned int count,
	     bool paused, struct kd_domain **out, struct kd_save_stats *st, struct kd_error *err)
{
	(void)kd;
	(void)name;
	(void)count;
	(void)paused;
	(void)out;
	memset(st, 0, sizeof(*st));
	return kd_error_set(err, "invalid_save", "file", "%s: not a Ketch save file", path);
}

void kd_save_conn_gone(struct kd *kd, struct kd_conn *c)
{
	(void)kd;
	(void)c;
}

/* migrate: the request's checks are fuzzed; nothing connects anywhere. */
int kd_migrate_start(struct kd *kd, struct kd_domain *d, const char *host, const char *port,
		     int timeout_s, struct kd_conn *c, struct json_object *id,
		     struct kd_error *err)
{
	(void)kd;
	(void)timeout_s;
	(void)c;
	(void)id;
	if (d->state != KCTL_STATE_RUNNING)
		return kd_error_set(err, "domain_stopped", "", "not running");
	return kd_error_set(err, "no_migrate_key", "", "no key to reach %s:%s", host, port);
}

void kd_migrate_conn_gone(struct kd *kd, struct kd_conn *c)
{
	(void)kd;
	(void)c;
}
