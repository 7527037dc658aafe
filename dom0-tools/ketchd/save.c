/*
 * save.c - `save`: Xen's suspend protocol, then the stream.  ketchd
 * writes control/shutdown = suspend; the guest quiesces and calls
 * SCHEDOP_shutdown(SHUTDOWN_suspend); once ketch-hv reports it so, the
 * domain is written (save_write.c) to FILE.part, renamed to FILE when
 * complete.  Then, as xl: the domain is destroyed, or (checkpoint)
 * resumed where it was, its suspend hypercall returning 1.
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

#define SAVE_POLL_MS 10

static void sleep_ms(int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/*
 * Wait for the guest to suspend.  The loop drains its console meanwhile,
 * so a guest printing as it quiesces never waits on a full ring.
 */
static int wait_suspended(struct kd *kd, struct kd_domain *d, int timeout_s,
			  struct kd_error *err)
{
	int64_t deadline = kd_now_ms() + (int64_t)timeout_s * 1000;
	struct kctl_dominfo i;
	int r;

	for (;;) {
		if (d->con)
			kd_console_drain(kd, d);
		r = kctl_getinfo(kd->hv, d->domid, &i);
		if (r)
			return kd_error_set(err, "hv_error", "", "domain %u: %s", d->domid,
					    kctl_strerror(r));
		if (i.state == KCTL_STATE_SHUTDOWN && i.shutdown_reason == SHUTDOWN_suspend)
			return 0;
		if (i.state == KCTL_STATE_SHUTDOWN || i.state == KCTL_STATE_CRASHED)
			return kd_error_set(err, "save_failed", "", "domain %u %s instead of "
					    "suspending", d->domid, kctl_state_name(i.state));
		if (kd_now_ms() >= deadline)
			return kd_error_set(err, "timeout", "", "domain %u did not suspend within "
					    "%d s (a guest must honour control/shutdown = suspend)",
					    d->domid, timeout_s);
		sleep_ms(SAVE_POLL_MS);
	}
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

int kd_save(struct kd *kd, struct kd_domain *d, const char *path, enum kd_save_mode mode,
	    int timeout_s, struct kd_save_stats *st, struct kd_error *err)
{
	int64_t t0 = kd_now_ms();
	int r = request_suspend(kd, d, err);

	memset(st, 0, sizeof(*st));
	if (r)
		return r;
	kd_log("d%u (%s): asked to suspend for a save to %s", d->domid, d->cfg.name, path);
	if ((r = wait_suspended(kd, d, timeout_s, err))) {
		kd_xs_shutdown_request(kd, d, ""); /* withdrawn: a late suspend would be lost */
		return r;
	}
	if (d->con)
		kd_console_drain(kd, d);
	r = write_file(kd, d, path, st, err);
	st->ms = kd_now_ms() - t0;
	if (r) {
		/* The file is gone; the guest goes on as if the suspend were cancelled. */
		struct kd_error ignore;

		kd_log("d%u (%s): save failed (%s); resuming it", d->domid, d->cfg.name,
		       err->message);
		resume(kd, d, false, &ignore);
		return r;
	}
	kd_log("d%u (%s): saved to %s: %llu pages, %llu bytes in %lld ms", d->domid,
	       d->cfg.name, path, (unsigned long long)st->pages, (unsigned long long)st->bytes,
	       (long long)st->ms);
	if (mode == KD_SAVE_DESTROY) {
		kd_domain_destroy(kd, d);
		return 0;
	}
	return resume(kd, d, mode == KD_SAVE_PAUSED, err);
}
