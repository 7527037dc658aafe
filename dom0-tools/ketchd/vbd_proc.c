/*
 * vbd_proc.c - ketch-blkback processes: started with the image ketchd
 * already opened and locked (so a restarted backend finds the lock still
 * held by its disk, never by a rival), stopped with SIGTERM and, if one
 * ignores it, SIGKILL after a grace period.  Exits are learnt from
 * SIGCHLD on the loop's signalfd; nothing here waits.  The list of
 * backends being stopped (kd_child_*) serves ketch-netback too (vif.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ketchd.h"

#define KD_VBD_IMAGE_FD 3

/* In the child: a clean signal state, the image at fd 3, nothing else open. */
static void exec_backend(struct kd *kd, const struct kd_vbd *v)
{
	char domid[16], devid[16], fd[8];
	const char *argv[16];
	int n = 0;
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	if (v->image_fd == KD_VBD_IMAGE_FD)
		fcntl(KD_VBD_IMAGE_FD, F_SETFD, 0);
	else if (dup2(v->image_fd, KD_VBD_IMAGE_FD) < 0)
		_exit(127);
	close_range(KD_VBD_IMAGE_FD + 1, ~0U, 0);
	snprintf(domid, sizeof(domid), "%u", v->domid);
	snprintf(devid, sizeof(devid), "%u", v->disk.devid);
	snprintf(fd, sizeof(fd), "%d", KD_VBD_IMAGE_FD);
	argv[n++] = "ketch-blkback";
	argv[n++] = "--domid", argv[n++] = domid;
	argv[n++] = "--devid", argv[n++] = devid;
	argv[n++] = "--image", argv[n++] = v->disk.target;
	argv[n++] = "--image-fd", argv[n++] = fd;
	argv[n++] = "--hv-socket", argv[n++] = kd->opt.hv_socket;
	if (v->disk.readonly)
		argv[n++] = "--read-only";
	if (kd->opt.backend_user) /* it drops to it once its sockets are open */
		argv[n++] = "--user", argv[n++] = kd->opt.backend_user;
	argv[n] = NULL;
	execv(kd->opt.blkback, (char *const *)argv);
	fprintf(stderr, "ketchd: cannot run %s: %s\n", kd->opt.blkback, strerror(errno));
	_exit(127);
}

int kd_vbd_spawn(struct kd *kd, struct kd_vbd *v)
{
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0)
		exec_backend(kd, v);
	v->pid = pid;
	v->started_ms = kd_now_ms();
	v->restart_at_ms = 0;
	kd_log("d%u: vbd %s (%u): ketch-blkback pid %d", v->domid, v->disk.vdev, v->disk.devid,
	       (int)pid);
	return 0;
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

void kd_vbd_stop(struct kd *kd, struct kd_vbd *v)
{
	v->restart_at_ms = 0;
	if (!v->pid)
		return;
	kd_child_stop(kd, v->pid, v->image_fd);
	v->pid = 0;
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
