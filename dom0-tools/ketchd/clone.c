/*
 * clone.c - `clone`: count domains from one save file, each a restore
 * with an identity of its own: its name (NAME alone, or NAME-1 ..
 * NAME-count), a new uuid, MACs derived from that uuid (as for a config
 * that names none), and for each writable disk a qcow2 overlay on the
 * saved image (overlay.c), named after the clone, so the clones share the
 * image and write only their own overlays.  Read-only disks are shared.
 * Everything that can be refused is checked before anything is made (the
 * file, every name, every overlay); a failure later undoes every clone
 * and overlay made so far.  All are built paused and run together.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ketchd.h"
#include "restore.h"

struct clone_set {
	struct kd_restore_src src;
	unsigned int count;
	struct kd_config *cfg;   /* count configs, consumed as the clones are made */
	struct kd_domain **made; /* count slots */
	char **overlays;         /* count * KD_DISKS_MAX paths, NULL where none */
};

static char **overlay_slot(struct clone_set *s, unsigned int i, unsigned int disk)
{
	return &s->overlays[i * KD_DISKS_MAX + disk];
}

static void clone_name(const char *name, unsigned int count, unsigned int i, char *out, size_t n)
{
	if (count == 1)
		snprintf(out, n, "%s", name);
	else
		snprintf(out, n, "%s-%u", name, i + 1);
}

/* Clone i's writable disks: their overlays named (not made yet) and free. */
static int plan_disks(struct clone_set *s, unsigned int i, struct kd_error *err)
{
	struct kd_config *c = &s->cfg[i];
	char path[4096];
	struct stat st;

	for (unsigned int k = 0; k < c->nr_disks; k++) {
		const struct kd_disk *dk = &c->disks[k];

		if (dk->readonly)
			continue;
		if (kd_overlay_name(dk->target, c->name, path, sizeof(path)))
			return kd_error_set(err, "overlay_failed", "disks", "disk %s: no overlay "
					    "name for %s", dk->vdev, dk->target);
		if (lstat(path, &st) == 0)
			return kd_error_set(err, "overlay_exists", "disks", "disk %s of %s: the "
					    "overlay %s already exists; not overwritten", dk->vdev,
					    c->name, path);
		if (!(*overlay_slot(s, i, k) = strdup(path)))
			return kd_error_set(err, "internal", "", "out of memory");
	}
	return 0;
}

/* Clone i's config: renamed, new uuid, fresh MACs, its overlays planned. */
static int plan(struct kd *kd, struct clone_set *s, const char *name, unsigned int i,
		struct kd_error *err)
{
	struct kd_config *c = &s->cfg[i];
	char n[KD_NAME_MAX + 16];
	int r;

	clone_name(name, s->count, i, n, sizeof(n));
	if (strlen(n) > KD_NAME_MAX)
		return kd_error_set(err, "invalid_config", "name", "\"%s\" is longer than %d bytes",
				    n, KD_NAME_MAX);
	if (kd_domain_by_name(kd, n))
		return kd_error_set(err, "duplicate_name", "name", "a domain named \"%s\" "
				    "already exists", n);
	if ((r = kd_restore_config(&s->src.dom, n, c, err)))
		return r;
	for (unsigned int k = 0; k < c->nr_nics; k++)
		c->nics[k].mac_set = false;
	if ((r = kd_nic_defaults(c->nics, c->nr_nics, c->uuid, err)))
		return r;
	return plan_disks(s, i, err);
}

/* Clone i's overlays made and put in its config in place of the images. */
static int make_overlays(struct clone_set *s, unsigned int i, struct kd_error *err)
{
	struct kd_config *c = &s->cfg[i];

	for (unsigned int k = 0; k < c->nr_disks; k++) {
		struct kd_disk *dk = &c->disks[k];
		char *ov = *overlay_slot(s, i, k), *t;
		enum kd_fmt fmt;
		int r;

		if (!ov)
			continue;
		if ((r = kd_disk_check_image(dk, k, &fmt, err)))
			return r;
		if ((r = kd_overlay_create(dk->target, fmt, ov, err))) {
			free(ov); /* not ours to remove: it is someone else's file */
			*overlay_slot(s, i, k) = NULL;
			return r;
		}
		if (!(t = strdup(ov)))
			return kd_error_set(err, "internal", "", "out of memory");
		free(dk->target);
		dk->target = t;
		dk->format = KD_FMT_QCOW2;
		dk->direct_io_safe = false;
	}
	return 0;
}

/* A failure: every clone made is destroyed, every overlay made removed. */
static void undo(struct kd *kd, struct clone_set *s, unsigned int made)
{
	for (unsigned int i = 0; i < made; i++)
		kd_domain_destroy(kd, s->made[i]);
	for (unsigned int i = 0; i < s->count * KD_DISKS_MAX; i++)
		if (s->overlays[i] && i < (made + 1) * KD_DISKS_MAX)
			unlink(s->overlays[i]);
}

/* kd_config_free zeroes what it frees: a config consumed is freed as empty. */
static void set_free(struct clone_set *s)
{
	for (unsigned int i = 0; s->cfg && i < s->count; i++)
		kd_config_free(&s->cfg[i]);
	for (unsigned int i = 0; s->overlays && i < s->count * KD_DISKS_MAX; i++)
		free(s->overlays[i]);
	free(s->cfg);
	free(s->overlays);
	kd_restore_close(&s->src);
}

/* Make the planned clones, paused; i is how many were made. */
static int make_all(struct kd *kd, struct clone_set *s, unsigned int *i, struct kd_error *err)
{
	int r = 0;

	for (*i = 0; !r && *i < s->count; ++*i) {
		r = make_overlays(s, *i, err);
		if (!r)
			r = kd_restore_rewind(&s->src, err);
		if (r)
			return r;
		/* kd_domain_create_with takes the config, made or not. */
		r = kd_domain_create_with(kd, &s->cfg[*i], true, kd_restore_build, &s->src,
					  &s->made[*i], err);
		if (r)
			return r;
	}
	return 0;
}

int kd_clone(struct kd *kd, const char *path, const char *name, unsigned int count,
	     bool paused, struct kd_domain **out, struct kd_save_stats *st, struct kd_error *err)
{
	struct clone_set s = { .count = count, .made = out };
	unsigned int planned = 0, made = 0;
	int64_t t0 = kd_now_ms();
	int r;

	memset(st, 0, sizeof(*st));
	s.cfg = calloc(count, sizeof(*s.cfg));
	s.overlays = calloc((size_t)count * KD_DISKS_MAX, sizeof(*s.overlays));
	r = s.cfg && s.overlays ? 0 : kd_error_set(err, "internal", "", "out of memory");
	if (!r)
		r = kd_restore_open(&s.src, path, st, err);
	s.src.cow = true; /* the clones share memory: restore_cow.c */
	if (!r)
		kd_progress_begin(&st->progress, kd, "clone", path, NULL, s.src.file_bytes, "bytes");
	for (; !r && planned < count; planned++)
		r = plan(kd, &s, name, planned, err);
	if (r) {
		set_free(&s);
		return r;
	}
	r = make_all(kd, &s, &made, err);
	kctl_mem_image_drop(kd->hv); /* the clones keep what they map */
	if (r) {
		undo(kd, &s, made);
		set_free(&s);
		return r;
	}
	for (unsigned int i = 0; i < count && !paused; i++)
		kctl_unpause(kd->hv, out[i]->domid);
	st->ms = kd_now_ms() - t0;
	st->bytes = s.src.rd.offset * count;
	kd_log("%u clone%s of %s made in %lld ms", count, count == 1 ? "" : "s", path,
	       (long long)st->ms);
	set_free(&s);
	return 0;
}
