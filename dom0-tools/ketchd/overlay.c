/*
 * overlay.c - a new qcow2 overlay on a disk image, for a snapshot (the
 * running domain goes on in it) and a clone (each clone writes only its
 * own).  Debian's qemu-img writes it: the base by absolute path with its
 * format recorded (-F), so nothing ever guesses the format beneath.  The
 * file is claimed with O_EXCL first, so an existing file is never
 * overwritten.  qemu-img writes only a header (no data is copied), so the
 * wait is short; it is bounded all the same.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ketchd.h"

#define QEMU_IMG_TIMEOUT_MS 10000

/* Wait for pid up to QEMU_IMG_TIMEOUT_MS; its exit status, or -1. */
static int wait_bounded(pid_t pid)
{
	int64_t deadline = kd_now_ms() + QEMU_IMG_TIMEOUT_MS;
	int status;

	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
		if (r < 0 && errno != EINTR)
			return -1;
		if (kd_now_ms() >= deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return -1;
		}
		nanosleep(&(struct timespec){ .tv_nsec = 5 * 1000 * 1000 }, NULL);
	}
}

int kd_overlay_create(const char *base, enum kd_fmt fmt, const char *path,
		      struct kd_error *err)
{
	const char *drv = kd_fmt_qemu_driver(fmt) ? kd_fmt_qemu_driver(fmt) : "raw";
	const char *argv[] = { "qemu-img", "create", "-q", "-f", "qcow2", "-b", base, "-F", drv,
			       path, NULL };
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600), rc;
	pid_t pid;

	if (fd < 0)
		return kd_error_set(err, errno == EEXIST ? "overlay_exists" : "overlay_failed",
				    "disks", "cannot create the overlay %s: %s", path,
				    strerror(errno));
	close(fd);
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(null, 0);
		dup2(null, 1); /* its errors (stderr) go to our log */
		execvp("qemu-img", (char *const *)argv);
		_exit(127);
	}
	rc = pid < 0 ? -1 : wait_bounded(pid);
	if (rc == 0)
		return 0;
	unlink(path);
	return kd_error_set(err, "overlay_failed", "disks", "qemu-img could not create the "
			    "overlay %s on %s (%s %d)", path, base, rc < 0 ? "status" : "exit", rc);
}
