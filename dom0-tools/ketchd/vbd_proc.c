/*
 * vbd_proc.c - how a disk's ketch-blkback is started: with the image
 * ketchd already opened and locked as its fd 3, so a restarted backend
 * finds the lock still held by its disk, never by a rival; a non-raw
 * image's NBD server is started here too (vbd_nbd.c).  Starting,
 * stopping and restarting it are backend_proc.c's, as for ketch-netback.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ketchd.h"

#define KD_VBD_IMAGE_FD 3

/* In the child: a clean signal state, the image at fd 3, nothing else open. */
static void exec_backend(struct kd *kd, const void *dev)
{
	const struct kd_vbd *v = dev;
	char domid[16], devid[16], fd[8], qsd[16];
	const char *argv[20];
	int n = 0;
	pid_t pid = 0;
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	if (v->image_fd == KD_VBD_IMAGE_FD)
		fcntl(KD_VBD_IMAGE_FD, F_SETFD, 0);
	else if (dup2(v->image_fd, KD_VBD_IMAGE_FD) < 0)
		_exit(127);
	close_range(KD_VBD_IMAGE_FD + 1, ~0U, 0);
	if (v->nbd_sock && (pid = kd_vbd_nbd_start(v)) < 0) {
		fprintf(stderr, "ketchd: d%u: vbd %s: cannot start qemu-storage-daemon on %s: %s\n",
			v->domid, v->disk.vdev, v->nbd_sock, strerror((int)-pid));
		_exit(1);
	}
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
	if (v->nbd_sock) {
		snprintf(qsd, sizeof(qsd), "%d", (int)pid);
		argv[n++] = "--nbd", argv[n++] = v->nbd_sock;
		argv[n++] = "--nbd-pid", argv[n++] = qsd;
	}
	if (kd->opt.backend_user) /* it drops to it once its sockets are open */
		argv[n++] = "--user", argv[n++] = kd->opt.backend_user;
	argv[n] = NULL;
	execv(kd->opt.blkback, (char *const *)argv);
	fprintf(stderr, "ketchd: cannot run %s: %s\n", kd->opt.blkback, strerror(errno));
	_exit(127);
}

void kd_vbd_backend_init(struct kd_vbd *v)
{
	struct kd_xsdev xs = { "vbd", v->domid, v->disk.devid };

	kd_backend_init(&v->back, xs, v->disk.vdev, "ketch-blkback", exec_backend, v);
}
