/*
 * vbd.c - a domain's PV disks (docs/block.md): attach (image checked,
 * opened and locked, libxl's xenstore layout, one ketch-blkback), the
 * backends' supervision (a backend that dies while its domain runs is
 * started again after a growing delay; the frontend reconnects through
 * the xenbus states), and removal: at once when the domain goes, or as
 * xl's block-detach does it, without ever waiting in the loop.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include "api.h"

struct kd_vbd *kd_vbd_find(struct kd_domain *d, const char *vdev)
{
	uint32_t devid;
	bool numbered = kd_vdev_to_devid(vdev, &devid) == 0;

	for (struct kd_vbd *v = d->vbds; v; v = v->next)
		if (!strcmp(v->disk.vdev, vdev) || (numbered && v->disk.devid == devid))
			return v;
	return NULL;
}

/* Open the image as the disk will use it and take QEMU's lock on it. */
static int open_locked(struct kd *kd, struct kd_vbd *v, unsigned int index,
		       struct kd_error *err)
{
	const struct kd_disk *k = &v->disk;
	int e;

	v->image_fd = open(k->target, (k->readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC | O_NOCTTY);
	if (v->image_fd < 0) {
		e = errno;
		return kd_error_set(err, "invalid_config", "disks", "disk %u (%s): cannot open "
				    "%s %s: %s", index, k->vdev, k->target,
				    k->readonly ? "read-only" : "read-write", strerror(e)), -e;
	}
	if (flock(v->image_fd, (k->readonly ? LOCK_SH : LOCK_EX) | LOCK_NB) == 0)
		return 0;
	e = errno;
	if (e == EWOULDBLOCK && kd_child_holds(kd, v->image_fd)) {
		/* Its previous domain's backend is exiting (a reboot, a
		 * re-create): ours starts when that one lets go. */
		v->lock_pending = true;
		v->lock_deadline_ms = kd_now_ms() + 2 * KD_VBD_STOP_GRACE_MS;
		kd_log("d%u: vbd %s (%u): %s is still held by a backend being stopped; "
		       "this disk's backend starts when it lets go", v->domid, k->vdev,
		       k->devid, k->target);
		return 0;
	}
	close(v->image_fd);
	v->image_fd = -1;
	if (e != EWOULDBLOCK)
		return kd_error_set(err, "internal", "disks", "disk %u (%s): cannot lock %s: %s",
				    index, k->vdev, k->target, strerror(e)), -e;
	return kd_error_set(err, "disk_in_use", "disks", "disk %u (%s): %s is in use (locked) "
			    "by another domain or program%s", index, k->vdev, k->target,
			    k->readonly ? " that writes it; read-only sharing needs every user "
					  "read-only" : "; a writable image is never shared"), -EBUSY;
}

/* Share-lock each backing file, so that while this disk reads them no
 * other disk writes them (and none is given this disk while one does). */
static int lock_backing(struct kd_vbd *v, const struct kd_chain *chain, unsigned int index,
			struct kd_error *err)
{
	for (unsigned int i = 0; i < chain->n; i++) {
		int fd = open(chain->path[i], O_RDONLY | O_CLOEXEC | O_NOCTTY), e;

		if (fd >= 0 && flock(fd, LOCK_SH | LOCK_NB) == 0) {
			v->backing_fd[v->nbacking++] = fd;
			continue;
		}
		e = errno;
		if (fd >= 0)
			close(fd);
		if (e == EWOULDBLOCK)
			return kd_error_set(err, "disk_in_use", "disks", "disk %u (%s): its backing "
					    "file %s is being written by another domain or "
					    "program", index, v->disk.vdev, chain->path[i]), -EBUSY;
		return kd_error_set(err, "invalid_config", "disks", "disk %u (%s): cannot open "
				    "its backing file %s: %s", index, v->disk.vdev, chain->path[i],
				    strerror(e)), -e;
	}
	return 0;
}

static void vbd_free(struct kd_vbd *v, bool unlink_socket)
{
	while (v->nbacking)
		close(v->backing_fd[--v->nbacking]);
	kd_vbd_nbd_free(v, unlink_socket);
	if (v->image_fd >= 0)
		close(v->image_fd);
	json_object_put(v->back.waiter_id);
	kd_disk_free(&v->disk);
	free(v);
}

int kd_vbd_attach(struct kd *kd, struct kd_domain *d, const struct kd_disk *disk,
		  unsigned int index, struct kd_error *err)
{
	struct kd_vbd *v, **tail = &d->vbds;
	struct kd_chain chain = { 0 };
	enum kd_fmt format;
	int r;

	if (!kd->xs)
		return kd_error_set(err, "no_xenstore", "disks", "disk %u (%s): disks need "
				    "xenstore and ketchd runs without one", index, disk->vdev);
	for (; *tail; tail = &(*tail)->next)
		if ((*tail)->disk.devid == disk->devid)
			return kd_error_set(err, "duplicate_vdev", "vdev", "%s is the same device "
					    "as the domain's %s (devid %u)", disk->vdev,
					    (*tail)->disk.vdev, disk->devid);
	if ((r = kd_disk_check_chain(disk, index, &format, &chain, err))) {
		kd_chain_free(&chain);
		return r;
	}
	if (!(v = calloc(1, sizeof(*v))) || kd_disk_copy(&v->disk, disk)) {
		free(v);
		kd_chain_free(&chain);
		return kd_error_set(err, "internal", "disks", "out of memory");
	}
	v->domid = d->domid;
	v->image_fd = -1;
	v->format = format;
	kd_vbd_backend_init(v);
	r = open_locked(kd, v, index, err);
	if (!r)
		r = lock_backing(v, &chain, index, err);
	kd_chain_free(&chain);
	if (r) {
		vbd_free(v, false);
		return r;
	}
	if ((r = kd_vbd_nbd_prepare(kd, v))) {
		kd_error_set(err, "internal", "disks", "disk %u (%s): cannot prepare its NBD "
			     "socket: %s", index, disk->vdev, strerror(-r));
		vbd_free(v, false);
		return r;
	}
	if ((r = kd_vbd_xs_add(kd, v))) {
		kd_error_set(err, "xenstore_failed", "disks", "disk %u (%s): cannot write its "
			     "xenstore nodes: %s", index, disk->vdev, strerror(-r));
	} else if (!v->lock_pending && (r = kd_backend_spawn(kd, &v->back))) {
		kd_error_set(err, "internal", "disks", "disk %u (%s): cannot start "
			     "ketch-blkback: %s", index, disk->vdev, strerror(-r));
	}
	if (r) {
		kd_vbd_xs_remove(kd, v);
		vbd_free(v, false);
		return r;
	}
	*tail = v;
	return 0;
}

static void unlink_vbd(struct kd_domain *d, struct kd_vbd *v)
{
	for (struct kd_vbd **p = &d->vbds; *p; p = &(*p)->next)
		if (*p == v) {
			*p = v->next;
			return;
		}
}

/* Forget the disk in the domain's config, so a restart does not bring it back. */
static void drop_from_config(struct kd_domain *d, uint32_t devid)
{
	struct kd_config *c = &d->cfg;

	for (unsigned int i = 0; i < c->nr_disks; i++)
		if (c->disks[i].devid == devid) {
			kd_disk_free(&c->disks[i]);
			memmove(&c->disks[i], &c->disks[i + 1],
				(c->nr_disks - i - 1) * sizeof(c->disks[0]));
			memset(&c->disks[--c->nr_disks], 0, sizeof(c->disks[0]));
			return;
		}
}

/* The last step of a detach: nodes gone, backend stopped, disk forgotten. */
static void finish_detach(struct kd *kd, struct kd_domain *d, struct kd_vbd *v, bool forced)
{
	unlink_vbd(d, v);
	kd_backend_stop(kd, &v->back, v->image_fd);
	kd_vbd_xs_remove(kd, v);
	drop_from_config(d, v->disk.devid);
	kd_state_save(kd, d);
	kd_backend_detached(kd, &v->back, forced);
	vbd_free(v, true);
}

int kd_vbd_detach(struct kd *kd, struct kd_domain *d, struct kd_vbd *v, bool force,
		  int timeout_s, struct kd_conn *c, struct json_object *id)
{
	if (kd_backend_detach(kd, &v->back, force, timeout_s, c, id))
		return 1;
	finish_detach(kd, d, v, force);
	return 0;
}

void kd_vbd_remove_all(struct kd *kd, struct kd_domain *d)
{
	while (d->vbds) {
		struct kd_vbd *v = d->vbds;

		d->vbds = v->next;
		kd_backend_stop(kd, &v->back, v->image_fd);
		kd_vbd_xs_remove(kd, v);
		kd_backend_reply(kd, &v->back, false);
		vbd_free(v, true);
	}
}

void kd_vbd_release_all(struct kd_domain *d)
{
	while (d->vbds) {
		struct kd_vbd *v = d->vbds;

		d->vbds = v->next;
		vbd_free(v, false); /* the backend keeps its own copy of the image and lock */
	}
}

static struct kd_vbd *by_pid(struct kd *kd, pid_t pid, struct kd_domain **dom)
{
	for (struct kd_domain *d = kd->domains; d; d = d->next)
		for (struct kd_vbd *v = d->vbds; v; v = v->next)
			if (v->back.pid == pid) {
				*dom = d;
				return v;
			}
	return NULL;
}

void kd_vbd_reap(struct kd *kd)
{
	struct kd_domain *d;
	struct kd_vbd *v;
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (kd_child_reaped(kd, pid) || kd_vif_reaped(kd, pid, status))
			continue;
		if ((v = by_pid(kd, pid, &d)))
			kd_backend_exited(&v->back, status, d->state == KCTL_STATE_SHUTDOWN ||
							     d->state == KCTL_STATE_CRASHED);
	}
}

/* Is a backend being stopped still holding one of v's backing files?  A
 * snapshot's old backend (and its NBD server's write lock) on the image
 * now beneath v's overlay: v's new backend waits for it to be gone. */
static bool backing_held(struct kd *kd, const struct kd_vbd *v)
{
	for (unsigned int i = 0; i < v->nbacking; i++)
		if (kd_child_holds(kd, v->backing_fd[i]))
			return true;
	return false;
}

/* A disk waiting for its image's lock: start its backend once it has it. */
static void try_lock(struct kd *kd, struct kd_vbd *v, int64_t now)
{
	int lock = v->disk.readonly ? LOCK_SH : LOCK_EX;

	if (!backing_held(kd, v) && !kd_child_holds(kd, v->image_fd) &&
	    flock(v->image_fd, lock | LOCK_NB) == 0) {
		v->lock_pending = false;
		if (kd_backend_spawn(kd, &v->back))
			v->back.restart_at_ms = now + KD_VBD_BACKOFF_MAX_MS;
	} else if (now >= v->lock_deadline_ms) {
		v->lock_pending = false;
		kd_log("d%u: vbd %s (%u): %s is still locked by a stopped backend; the disk "
		       "gets no backend (detach it and attach it again)", v->domid,
		       v->disk.vdev, v->disk.devid, v->disk.target);
	}
}

int kd_vbd_timers(struct kd *kd)
{
	int64_t now = kd_now_ms(), next = kd_child_timers(kd);
	bool forced;

	for (struct kd_domain *d = kd->domains; d; d = d->next)
		for (struct kd_vbd *v = d->vbds, *n; v; v = n) {
			n = v->next;
			if (v->lock_pending)
				try_lock(kd, v, now);
			if (v->lock_pending)
				kd_at_most(&next, KD_VBD_LOCK_POLL_MS);
			if (kd_backend_due(kd, &v->back, now, &next, &forced))
				finish_detach(kd, d, v, forced);
		}
	return next > 0x7fffffff ? 0x7fffffff : (int)next;
}

void kd_vbd_conn_gone(struct kd *kd, struct kd_conn *c)
{
	for (struct kd_domain *d = kd->domains; d; d = d->next)
		for (struct kd_vbd *v = d->vbds; v; v = v->next)
			if (v->back.waiter == c)
				v->back.waiter = NULL;
}
