/*
 * backend_proc.c - a device's backend process, supervised the same way
 * for a disk's ketch-blkback and a vif's ketch-netback: forked with what
 * the device's own exec gives it, restarted after a growing delay when it
 * dies while its domain runs (the frontend reconnects through the xenbus
 * states), stopped with SIGTERM and, if it ignores that, SIGKILL after a
 * grace period, and detached in xl's order without waiting in the loop.
 * Exits are learnt from SIGCHLD on the loop's signalfd; nothing here waits.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xen/io/xenbus.h>

#include "api.h"
#include "xs_device.h"

/* "vbd xvda (51712)", "vif 0": the device as the log names it. */
static const char *name(const struct kd_backend *b, char *buf, size_t n)
{
	if (b->label)
		snprintf(buf, n, "%s %s (%u)", b->xs.kind, b->label, b->xs.devid);
	else
		snprintf(buf, n, "%s %u", b->xs.kind, b->xs.devid);
	return buf;
}

void kd_backend_init(struct kd_backend *b, struct kd_xsdev xs, const char *label,
		     const char *prog, void (*exec)(struct kd *, const void *), const void *dev)
{
	*b = (struct kd_backend){ .xs = xs, .label = label, .prog = prog, .exec = exec,
				  .dev = dev, .backoff_ms = KD_VBD_BACKOFF_MIN_MS };
}

int kd_backend_spawn(struct kd *kd, struct kd_backend *b)
{
	pid_t pid = fork();
	char n[64];

	if (pid < 0)
		return -errno;
	if (pid == 0)
		b->exec(kd, b->dev);
	b->pid = pid;
	b->started_ms = kd_now_ms();
	b->restart_at_ms = 0;
	kd_log("d%u: %s: %s pid %d", b->xs.domid, name(b, n, sizeof(n)), b->prog, (int)pid);
	return 0;
}

void kd_backend_stop(struct kd *kd, struct kd_backend *b, int fd)
{
	b->restart_at_ms = 0;
	if (!b->pid)
		return;
	kd_child_stop(kd, b->pid, fd);
	b->pid = 0;
}

void kd_backend_exited(struct kd_backend *b, int status, bool domain_stopped)
{
	int64_t now = kd_now_ms(), ran = now - b->started_ms;
	char how[48], n[64];

	b->pid = 0;
	if (WIFSIGNALED(status))
		snprintf(how, sizeof(how), "was killed by signal %d", WTERMSIG(status));
	else
		snprintf(how, sizeof(how), "exited with status %d", WEXITSTATUS(status));
	name(b, n, sizeof(n));
	if (b->detaching || (WIFEXITED(status) && WEXITSTATUS(status) == 0) || domain_stopped) {
		kd_log("d%u: %s: %s %s%s", b->xs.domid, n, b->prog, how,
		       b->detaching ? "" : "; not restarted");
		return;
	}
	/* A backend that ran long enough was not crash-looping: start over
	 * from the shortest delay. */
	if (ran >= KD_VBD_STABLE_MS)
		b->backoff_ms = KD_VBD_BACKOFF_MIN_MS;
	b->restart_at_ms = now + b->backoff_ms;
	kd_log("d%u: %s: %s %s after %lld ms; restarting it in %u ms", b->xs.domid, n, b->prog,
	       how, (long long)ran, b->backoff_ms);
	b->backoff_ms = b->backoff_ms * 2 > KD_VBD_BACKOFF_MAX_MS ? KD_VBD_BACKOFF_MAX_MS
								 : b->backoff_ms * 2;
}

int kd_backend_detach(struct kd *kd, struct kd_backend *b, bool force, int timeout_s,
		      struct kd_conn *c, struct json_object *id)
{
	int r = kd_xsdev_closing(kd, &b->xs);

	if (r)
		kd_log("d%u: %s %u: cannot write Closing: %s; removing it at once", b->xs.domid,
		       b->xs.kind, b->xs.devid, strerror(-r));
	b->restart_at_ms = 0;
	if (force || r)
		return 0;
	b->detaching = true;
	b->detach_deadline_ms = kd_now_ms() + (int64_t)timeout_s * 1000;
	b->waiter = c;
	b->waiter_id = id ? json_object_get(id) : NULL;
	c->waiting = true;
	return 1;
}

void kd_backend_reply(struct kd *kd, struct kd_backend *b, bool forced)
{
	struct json_object *o;

	if (!b->waiter)
		return;
	o = kd_api_ok();
	json_object_object_add(o, "forced", json_object_new_boolean(forced));
	if (b->waiter_id)
		json_object_object_add(o, "id", json_object_get(b->waiter_id));
	kd_conn_reply_deferred(kd, b->waiter, o);
}

void kd_backend_detached(struct kd *kd, struct kd_backend *b, bool forced)
{
	char n[64];

	kd_log("d%u: %s detached%s", b->xs.domid, name(b, n, sizeof(n)),
	       !forced ? "" : b->detaching ? " by force: the frontend did not close in time"
				       : " by force");
	kd_backend_reply(kd, b, forced);
}

/* The frontend let go (Closed, never connected: no driver took the
 * device, or its directory gone), or the backend finished: libxl waits
 * for the backend's Closed, which follows. */
static bool detach_done(struct kd *kd, const struct kd_backend *b)
{
	long fe = kd_xsdev_read(kd, &b->xs, true, "state");
	long be = kd_xsdev_read(kd, &b->xs, false, "state");

	return fe <= XenbusStateInitialising || fe == XenbusStateClosed ||
	       be == XenbusStateClosed || !b->pid;
}

static void restart(struct kd *kd, struct kd_backend *b)
{
	int r = kd_backend_spawn(kd, b);

	if (r) {
		kd_log("d%u: %s %u: cannot restart %s: %s", b->xs.domid, b->xs.kind, b->xs.devid,
		       b->prog, strerror(-r));
		b->restart_at_ms = kd_now_ms() + KD_VBD_BACKOFF_MAX_MS;
		return;
	}
	b->restarts++;
}

bool kd_backend_due(struct kd *kd, struct kd_backend *b, int64_t now, int64_t *next,
		    bool *forced)
{
	if (b->restart_at_ms && b->restart_at_ms <= now)
		restart(kd, b);
	else if (b->restart_at_ms)
		kd_at_most(next, b->restart_at_ms - now);
	if (!b->detaching)
		return false;
	if (detach_done(kd, b) || b->detach_deadline_ms <= now) {
		*forced = !detach_done(kd, b);
		return true;
	}
	kd_at_most(next, KD_VBD_POLL_MS);
	return false;
}

void kd_at_most(int64_t *next, int64_t ms)
{
	if (ms < 0)
		ms = 0;
	if (*next < 0 || ms < *next)
		*next = ms;
}

void kd_child_stop(struct kd *kd, pid_t pid, int fd)
{
	struct kd_child *c = calloc(1, sizeof(*c));
	struct stat st;

	kill(pid, SIGTERM);
	if (!c) {
		kill(pid, SIGKILL); /* cannot keep track of it: do not let it linger */
		return;
	}
	if (fd >= 0 && fstat(fd, &st) == 0) {
		c->dev = st.st_dev;
		c->ino = st.st_ino;
	}
	c->pid = pid;
	c->kill_at_ms = kd_now_ms() + KD_VBD_STOP_GRACE_MS;
	c->next = kd->stopping;
	kd->stopping = c;
}

bool kd_child_holds(struct kd *kd, int fd)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return false;
	for (struct kd_child *c = kd->stopping; c; c = c->next)
		if (c->ino && c->ino == st.st_ino && c->dev == st.st_dev)
			return true;
	return false;
}

bool kd_child_reaped(struct kd *kd, pid_t pid)
{
	for (struct kd_child **p = &kd->stopping; *p; p = &(*p)->next)
		if ((*p)->pid == pid) {
			struct kd_child *c = *p;

			*p = c->next;
			free(c);
			return true;
		}
	return false;
}

int kd_child_timers(struct kd *kd)
{
	int64_t now = kd_now_ms(), next = -1;

	for (struct kd_child *c = kd->stopping; c; c = c->next) {
		if (c->kill_at_ms <= now) {
			kd_log("backend pid %d ignored SIGTERM for %d ms; killing it",
			       (int)c->pid, KD_VBD_STOP_GRACE_MS);
			kill(c->pid, SIGKILL);
			c->kill_at_ms = now + KD_VBD_STOP_GRACE_MS; /* reaped by SIGCHLD */
		}
		if (next < 0 || c->kill_at_ms - now < next)
			next = c->kill_at_ms - now;
	}
	return (int)next;
}
