/*
 * snapshot_disk.c - a snapshot's disks: external qcow2 overlays.  While
 * the guest is suspended (quiesced, no request in flight) every writable
 * disk gets an overlay on its image (overlay.c); the save file, written
 * next, names the images as they were, which from then on are only read:
 * they are the snapshot's disks.  Then the running domain is moved onto
 * the overlays: each disk's backend is stopped, the image's lock becomes
 * a shared one held beneath the overlay (so no domain can write it while
 * the overlay reads it), and a new backend serves the overlay once the
 * old one has let go of the image; the frontend reconnects to it as
 * after any backend restart.  Read-only disks are shared as they are.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xenstore.h>

#include "ketchd.h"

static bool writable(const struct kd_vbd *v)
{
	return !v->disk.readonly;
}

int kd_snapshot_check(struct kd *kd, struct kd_domain *d, const char *file,
		      struct kd_error *err)
{
	char tag[KD_NAME_MAX + 1], path[4096];
	struct stat st;

	(void)kd;
	kd_overlay_tag(file, tag, sizeof(tag));
	for (struct kd_vbd *v = d->vbds; v; v = v->next) {
		if (!writable(v))
			continue;
		if (v->lock_pending || !v->back.pid)
			return kd_error_set(err, "busy", "disks", "disk %s of domain %u has no "
					    "running backend just now; try again", v->disk.vdev,
					    d->domid);
		if (v->nbacking + 1 >= KD_CHAIN_MAX)
			return kd_error_set(err, "overlay_failed", "disks", "disk %s: its backing "
					    "chain would exceed %d files", v->disk.vdev,
					    KD_CHAIN_MAX);
		if (kd_overlay_name(v->disk.target, tag, path, sizeof(path)))
			return kd_error_set(err, "overlay_failed", "disks", "disk %s: no overlay "
					    "name for %s", v->disk.vdev, v->disk.target);
		if (lstat(path, &st) == 0)
			return kd_error_set(err, "overlay_exists", "disks", "disk %s: the overlay "
					    "%s already exists; not overwritten", v->disk.vdev, path);
	}
	return 0;
}

void kd_snapshot_abort(struct kd_snapshot *s)
{
	for (unsigned int i = 0; i < s->n; i++) {
		if (s->disk[i].fd >= 0)
			close(s->disk[i].fd);
		unlink(s->disk[i].path);
		free(s->disk[i].path);
	}
	s->n = 0;
}

/* One overlay made, opened and locked as the disk will use it. */
static int prepare_one(struct kd_vbd *v, const char *tag, struct kd_snapshot *s,
		       struct kd_error *err)
{
	struct kd_snapshot_disk *sd = &s->disk[s->n];
	char path[4096];
	int r;

	if (kd_overlay_name(v->disk.target, tag, path, sizeof(path)))
		return kd_error_set(err, "overlay_failed", "disks", "disk %s: no overlay name",
				    v->disk.vdev);
	if ((r = kd_overlay_create(v->disk.target, v->format, path, err)))
		return r;
	sd->v = v;
	sd->fd = -1;
	if (!(sd->path = strdup(path))) {
		unlink(path);
		return kd_error_set(err, "internal", "", "out of memory");
	}
	s->n++;
	sd->fd = open(path, O_RDWR | O_CLOEXEC | O_NOCTTY);
	if (sd->fd < 0 || flock(sd->fd, LOCK_EX | LOCK_NB))
		return kd_error_set(err, "overlay_failed", "disks", "cannot open and lock the "
				    "overlay %s: %s", path, strerror(errno));
	return 0;
}

int kd_snapshot_prepare(struct kd *kd, struct kd_domain *d, const char *file,
			struct kd_snapshot *s, struct kd_error *err)
{
	char tag[KD_NAME_MAX + 1];
	int r = 0;

	(void)kd;
	s->n = 0;
	kd_overlay_tag(file, tag, sizeof(tag));
	for (struct kd_vbd *v = d->vbds; v && !r; v = v->next)
		if (writable(v))
			r = prepare_one(v, tag, s, err);
	if (r)
		kd_snapshot_abort(s);
	return r;
}

/* The config's copy of the disk follows it, so a restart or a later save
 * names the overlay. */
static void update_config(struct kd_domain *d, const struct kd_vbd *v)
{
	for (unsigned int i = 0; i < d->cfg.nr_disks; i++) {
		struct kd_disk *k = &d->cfg.disks[i];
		char *t;

		if (k->devid != v->disk.devid || !(t = strdup(v->disk.target)))
			continue;
		free(k->target);
		k->target = t;
		k->format = KD_FMT_QCOW2;
		k->direct_io_safe = false;
	}
}

static void write_params(struct kd *kd, const struct kd_vbd *v)
{
	char p[128];

	snprintf(p, sizeof(p), "/local/domain/0/backend/vbd/%u/%u/params", v->domid,
		 v->disk.devid);
	if (kd->xs && !xs_write(kd->xs, XBT_NULL, p, v->disk.target, strlen(v->disk.target)))
		kd_log("d%u: vbd %s: cannot update %s", v->domid, v->disk.vdev, p);
}

/* v onto its overlay: the old backend stopped, the image beneath, the new
 * backend started by kd_vbd_timers once the old one is gone. */
static void switch_disk(struct kd *kd, struct kd_domain *d, struct kd_snapshot_disk *sd)
{
	struct kd_vbd *v = sd->v;
	int r;

	kd_backend_stop(kd, &v->back, v->image_fd);
	flock(v->image_fd, LOCK_SH | LOCK_NB); /* only read from now on */
	v->backing_fd[v->nbacking++] = v->image_fd;
	v->image_fd = sd->fd;
	free(v->disk.target);
	v->disk.target = sd->path;
	v->disk.format = v->format = KD_FMT_QCOW2;
	v->disk.direct_io_safe = false;
	sd->fd = -1;
	sd->path = NULL;
	kd_vbd_nbd_free(v, false);
	if ((r = kd_vbd_nbd_prepare(kd, v)))
		kd_log("d%u: vbd %s: cannot prepare the overlay's NBD socket: %s", v->domid,
		       v->disk.vdev, strerror(-r));
	update_config(d, v);
	write_params(kd, v);
	v->lock_pending = true;
	v->lock_deadline_ms = kd_now_ms() + 2 * KD_VBD_STOP_GRACE_MS;
	kd_log("d%u: vbd %s: goes on in the overlay %s", v->domid, v->disk.vdev,
	       v->disk.target);
}

struct json_object *kd_snapshot_commit(struct kd *kd, struct kd_domain *d,
				       struct kd_snapshot *s)
{
	struct json_object *a = json_object_new_array();

	for (unsigned int i = 0; i < s->n; i++) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "vdev", json_object_new_string(s->disk[i].v->disk.vdev));
		json_object_object_add(o, "snapshot",
				       json_object_new_string(s->disk[i].v->disk.target));
		json_object_object_add(o, "overlay", json_object_new_string(s->disk[i].path));
		json_object_array_add(a, o);
		switch_disk(kd, d, &s->disk[i]);
	}
	s->n = 0;
	kd_state_save(kd, d);
	return a;
}
