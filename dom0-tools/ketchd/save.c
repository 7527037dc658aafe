/*
 * save.c - `save`: Xen's suspend protocol, then the stream.  ketchd
 * writes control/shutdown = suspend; the guest quiesces and calls
 * SCHEDOP_shutdown(SHUTDOWN_suspend); once ketch-hv reports it so, the
 * domain is written (save_write.c) to FILE.part, renamed to FILE when
 * complete.  Then, as xl: the domain is destroyed, or (checkpoint)
 * resumed where it was, its suspend hypercall returning 1.  A snapshot
 * is a checkpoint whose writable disks get overlays while the guest is
 * suspended (snapshot_disk.c): the file keeps the images, the domain
 * goes on in the overlays.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <stdint.h>
#include <xen/xen.h>
#include <xen/sched.h>

#include "ketchd.h"

#define SAVE_POLL_MS 20

/* A save waiting for its guest to suspend (d->save). */
struct kd_save_job {
	char *path;
	enum kd_save_mode mode;
	int timeout_s;
	int64_t t0, deadline_ms;
	struct kd_conn *waiter;  /* gets the reply; NULL once it hung up */
	struct json_object *id;  /* the request's id, echoed in the reply */
};

/*
 * Where d's suspend stands: 1 still on its way, 0 suspended, or -errno
 * with err set (stopped otherwise, or past the deadline).  Polled by the
 * loop's timer, never waited for in it: a guest that ignores the request
 * must not hold up the requests of other domains meanwhile.
 */
static int suspend_state(struct kd *kd, struct kd_domain *d, int64_t now,
			 struct kd_error *err)
{
	const struct kd_save_job *j = d->save;
	struct kctl_dominfo i;
	int r = kctl_getinfo(kd->hv, d->domid, &i);

	if (r)
		return kd_error_set(err, "hv_error", "", "domain %u: %s", d->domid,
				    kctl_strerror(r));
	if (i.state == KCTL_STATE_SHUTDOWN && i.shutdown_reason == SHUTDOWN_suspend)
		return 0;
	if (i.state == KCTL_STATE_SHUTDOWN || i.state == KCTL_STATE_CRASHED)
		return kd_error_set(err, "save_failed", "", "domain %u %s instead of "
				    "suspending", d->domid, kctl_state_name(i.state));
	if (now >= j->deadline_ms)
		return kd_error_set(err, "timeout", "", "domain %u did not suspend within "
				    "%d s (a guest must honour control/shutdown = suspend)",
				    d->domid, j->timeout_s);
	return 1;
}

/* Ask for the suspend; a running domain only (a paused one cannot answer). */
static int request_suspend(struct kd *kd, struct kd_domain *d, struct kd_error *err)
{
	struct kctl_dominfo i;
	int r = kctl_getinfo(kd->hv, d->domid, &i);

	if (r)
		return kd_error_set(err, "hv_error", "", "domain %u: %s", d->domid,
				    kctl_strerror(r));
	if (i.state == KCTL_STATE_SHUTDOWN || i.state == KCTL_STATE_CRASHED)
		return kd_error_set(err, "domain_stopped", "", "domain %u (%s) has stopped",
				    d->domid, d->cfg.name);
	if (i.state == KCTL_STATE_PAUSED)
		return kd_error_set(err, "save_failed", "", "domain %u (%s) is paused; it must "
				    "run to suspend itself", d->domid, d->cfg.name);
	r = kd_xs_shutdown_request(kd, d, "suspend");
	if (r == -ENOTCONN)
		return kd_error_set(err, "no_xenstore", "", "ketchd runs without xenstore, so "
				    "the guest cannot be asked to suspend");
	if (r)
		return kd_error_set(err, "xenstore_failed", "", "cannot write control/shutdown "
				    "of domain %u: %s", d->domid, strerror(-r));
	return 0;
}

/* Write the stream to path.part, then rename it to path. */
static int write_file(struct kd *kd, struct kd_domain *d, const char *path,
		      struct kd_save_stats *st, struct kd_error *err)
{
	char *part = NULL;
	int fd, r;

	if (asprintf(&part, "%s.part", path) < 0)
		return kd_error_set(err, "internal", "", "out of memory");
	fd = open(part, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		r = kd_error_set(err, "save_failed", "file", "cannot create %s: %s", part,
				 strerror(errno));
		free(part);
		return r;
	}
	kd_progress_begin(&st->progress, kd, "save", path, d, d->cfg.memory_mib << 8, "pages");
	r = kd_save_write(kd, d, fd, st, err);
	if (!r && (fsync(fd) || rename(part, path)))
		r = kd_error_set(err, "save_failed", "file", "cannot complete %s: %s", path,
				 strerror(errno));
	close(fd);
	if (r)
		unlink(part);
	free(part);
	return r;
}

/* After a checkpoint: the guest goes on (SCHEDOP_shutdown returns 1). */
static int resume(struct kd *kd, struct kd_domain *d, bool paused, struct kd_error *err)
{
	int r = kctl_resume(kd->hv, d->domid);

	if (!r && !paused)
		r = kctl_unpause(kd->hv, d->domid);
	if (r)
		return kd_error_set(err, "hv_error", "", "resuming domain %u: %s", d->domid,
				    kctl_strerror(r));
	return 0;
}

int kd_save_start(struct kd *kd, struct kd_domain *d, const char *path,
		  enum kd_save_mode mode, int timeout_s, struct kd_conn *c,
		  struct json_object *id, struct kd_error *err)
{
	struct kd_save_job *j;
	int r;

	if (d->save)
		return kd_error_set(err, "busy", "", "domain %u (%s) is already being saved",
				    d->domid, d->cfg.name);
	j = calloc(1, sizeof(*j));
	if (!j || !(j->path = strdup(path))) {
		free(j);
		return kd_error_set(err, "internal", "", "out of memory");
	}
	if ((mode == KD_SAVE_SNAPSHOT && (r = kd_snapshot_check(kd, d, path, err))) ||
	    (r = request_suspend(kd, d, err))) {
		free(j->path);
		free(j);
		return r;
	}
	kd_log("d%u (%s): asked to suspend for a save to %s", d->domid, d->cfg.name, path);
	j->mode = mode;
	j->timeout_s = timeout_s;
	j->t0 = kd_now_ms();
	j->deadline_ms = j->t0 + (int64_t)timeout_s * 1000;
	j->waiter = c;
	j->id = id ? json_object_get(id) : NULL;
	if (c)
		c->waiting = true;
	d->save = j;
	return 0;
}

/* The guest has suspended: write it, then destroy or resume it (mode). */
static int save_suspended(struct kd *kd, struct kd_domain *d, const struct kd_save_job *j,
			  struct kd_save_stats *st, struct kd_error *err)
{
	struct kd_snapshot snap = { .n = 0 };
	int r;

	if (d->con)
		kd_console_drain(kd, d);
	r = j->mode == KD_SAVE_SNAPSHOT ? kd_snapshot_prepare(kd, d, j->path, &snap, err) : 0;
	if (!r && (r = write_file(kd, d, j->path, st, err)))
		kd_snapshot_abort(&snap);
	st->ms = kd_now_ms() - j->t0;
	if (r) {
		/* The file is gone; the guest goes on as if the suspend were cancelled. */
		struct kd_error ignore;

		kd_log("d%u (%s): save failed (%s); resuming it", d->domid, d->cfg.name,
		       err->message);
		resume(kd, d, false, &ignore);
		return r;
	}
	if (j->mode == KD_SAVE_SNAPSHOT)
		st->disks = kd_snapshot_commit(kd, d, &snap);
	kd_log("d%u (%s): saved to %s: %llu pages, %llu bytes in %lld ms", d->domid,
	       d->cfg.name, j->path, (unsigned long long)st->pages,
	       (unsigned long long)st->bytes, (long long)st->ms);
	if (j->mode == KD_SAVE_DESTROY) {
		kd_domain_destroy(kd, d);
		return 0;
	}
	return resume(kd, d, j->mode == KD_SAVE_PAUSED, err);
}

static void job_end(struct kd *kd, struct kd_save_job *j, int r,
		    const struct kd_save_stats *st, const struct kd_error *err)
{
	if (j->waiter)
		kd_api_save_reply(kd, j->waiter, j->id, r, st, err);
	json_object_put(st->disks);
	if (j->id)
		json_object_put(j->id);
	free(j->path);
	free(j);
}

/* d's save is over (r: 0 suspended, or -errno with err set). */
static void finish(struct kd *kd, struct kd_domain *d, int r, struct kd_error *err)
{
	struct kd_save_job *j = d->save;
	struct kd_save_stats st;

	memset(&st, 0, sizeof(st));
	d->save = NULL;
	if (r)
		kd_xs_shutdown_request(kd, d, ""); /* withdrawn: a late suspend would be lost */
	if (j->mode == KD_SAVE_MIGRATE) {
		kd_migrate_suspended(kd, d, r, err); /* the migration goes on, or ends */
		job_end(kd, j, r, &st, err);
		return;
	}
	if (!r)
		r = save_suspended(kd, d, j, &st, err); /* may destroy d */
	job_end(kd, j, r, &st, err);
}

int kd_save_timers(struct kd *kd)
{
	int64_t now = kd_now_ms(), next = -1;

	for (struct kd_domain *d = kd->domains, *n; d; d = n) {
		struct kd_error err;
		int r;

		n = d->next;
		if (!d->save)
			continue;
		memset(&err, 0, sizeof(err));
		r = suspend_state(kd, d, now, &err);
		if (r == 1)
			kd_at_most(&next, SAVE_POLL_MS);
		else
			finish(kd, d, r, &err);
	}
	return next > 0x7fffffff ? 0x7fffffff : (int)next;
}

void kd_save_abandon(struct kd *kd, struct kd_domain *d)
{
	struct kd_save_job *j = d->save;
	struct kd_error err;
	struct kd_save_stats st;

	if (!j)
		return;
	d->save = NULL;
	memset(&st, 0, sizeof(st));
	memset(&err, 0, sizeof(err));
	kd_error_set(&err, "domain_stopped", "", "domain %u (%s) went away before it "
		     "suspended", d->domid, d->cfg.name);
	job_end(kd, j, -ESRCH, &st, &err);
}

void kd_save_conn_gone(struct kd *kd, struct kd_conn *c)
{
	for (struct kd_domain *d = kd->domains; d; d = d->next)
		if (d->save && d->save->waiter == c)
			d->save->waiter = NULL;
}
