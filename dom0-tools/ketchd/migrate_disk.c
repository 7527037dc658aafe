/*
 * migrate_disk.c - a migrating domain's disks change hands while its
 * guest is suspended: its frontends are quiesced (Xen's protocol), so the
 * source's backends hold no request and can stop, and the images' locks
 * go with them so the target's ketchd can take them as `restore` does.
 * If the migration then fails, the source takes its locks back and each
 * disk's backend starts again once the old one is gone; the resumed
 * guest's frontends reconnect through the xenbus states, as after any
 * backend restart (docs/block.md).
 */
#include <sys/file.h>

#include "ketchd.h"

void kd_migrate_release_disks(struct kd *kd, struct kd_domain *d)
{
	for (struct kd_vbd *v = d->vbds; v; v = v->next) {
		kd_backend_stop(kd, &v->back, v->image_fd);
		v->lock_pending = false;
		flock(v->image_fd, LOCK_UN);
	}
}

void kd_migrate_retake_disks(struct kd *kd, struct kd_domain *d)
{
	for (struct kd_vbd *v = d->vbds; v; v = v->next) {
		v->lock_pending = true; /* vbd.c's timers start the backend once locked */
		v->lock_deadline_ms = kd_now_ms() + 2 * KD_VBD_STOP_GRACE_MS;
	}
	(void)kd;
}
