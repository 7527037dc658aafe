/*
 * vbd_nbd.c - a disk whose image is not raw (qcow2, vmdk, vdi, vhd, vhdx)
 * is served by Debian's qemu-storage-daemon, which exports it over NBD on
 * a Unix socket in a directory only ketchd's user can enter; its
 * ketch-blkback is the only client.  The daemon is started by the
 * backend's child just before it becomes ketch-blkback, so the two live
 * and die together: the daemon gets SIGTERM when its parent ends
 * (PR_SET_PDEATHSIG), and ketch-blkback exits when its NBD connection
 * breaks, after which ketchd restarts the pair like any backend.  The
 * daemon takes QEMU's own image locks; ketchd's flock stays as for raw.
 */
#include <errno.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "ketchd.h"

#define KD_NBD_DIR "ketchd-nbd"
#define KD_QSD "qemu-storage-daemon"

/* The directory beside ketchd's socket, made 0700 and checked to be ours. */
static int run_dir(const struct kd *kd, char *dir, size_t n)
{
	char sock[4096];
	struct stat st;

	snprintf(sock, sizeof(sock), "%s", kd->opt.socket);
	if ((size_t)snprintf(dir, n, "%s/" KD_NBD_DIR, dirname(sock)) >= n)
		return -ENAMETOOLONG;
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return -errno;
	if (lstat(dir, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 077)) {
		kd_log("%s: not a directory of ours with mode 0700; NBD disks refused", dir);
		return -EPERM;
	}
	return 0;
}

/* QEMU's --blockdev for the file (or block device) and the format on it. */
static int blockdevs(struct kd_vbd *v, bool blockdev)
{
	struct json_object *f = json_object_new_object(), *d = json_object_new_object();
	bool ro = v->disk.readonly;

	json_object_object_add(f, "driver", json_object_new_string(blockdev ? "host_device"
									      : "file"));
	json_object_object_add(f, "node-name", json_object_new_string("file"));
	json_object_object_add(f, "filename", json_object_new_string(v->disk.target));
	json_object_object_add(f, "read-only", json_object_new_boolean(ro));
	json_object_object_add(f, "discard", json_object_new_string("unmap"));
	json_object_object_add(f, "locking", json_object_new_string("on"));
	json_object_object_add(d, "driver", json_object_new_string(kd_fmt_qemu_driver(v->format)));
	json_object_object_add(d, "node-name", json_object_new_string("disk"));
	json_object_object_add(d, "file", json_object_new_string("file"));
	json_object_object_add(d, "read-only", json_object_new_boolean(ro));
	json_object_object_add(d, "discard", json_object_new_string("unmap"));
	/* A VMDK may name a parent QEMU would open by guessing its format. */
	if (v->format == KD_FMT_VMDK)
		json_object_object_add(d, "backing", NULL);
	v->qsd_file = strdup(json_object_to_json_string_ext(f, JSON_C_TO_STRING_PLAIN));
	v->qsd_fmt = strdup(json_object_to_json_string_ext(d, JSON_C_TO_STRING_PLAIN));
	json_object_put(f);
	json_object_put(d);
	return v->qsd_file && v->qsd_fmt ? 0 : -ENOMEM;
}

int kd_vbd_nbd_prepare(struct kd *kd, struct kd_vbd *v)
{
	char dir[4096], path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct stat st;
	int r;

	if (!kd_fmt_served_by_nbd(v->format))
		return 0;
	if ((r = run_dir(kd, dir, sizeof(dir))))
		return r;
	if ((size_t)snprintf(path, sizeof(path), "%s/d%u-%u.sock", dir, v->domid,
			     v->disk.devid) >= sizeof(path))
		return -ENAMETOOLONG;
	if (!(v->nbd_sock = strdup(path)))
		return -ENOMEM;
	return blockdevs(v, fstat(v->image_fd, &st) == 0 && S_ISBLK(st.st_mode));
}

/* In the daemon's child: the listening socket as fd 3, then exec. */
static void exec_qsd(const struct kd_vbd *v, int lfd, pid_t parent)
{
	char exp[128];
	const char *argv[] = { KD_QSD, "--blockdev", v->qsd_file, "--blockdev", v->qsd_fmt,
			       "--nbd-server", "addr.type=fd,addr.str=3", "--export", exp, NULL };

	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent) /* the backend died before the line above */
		_exit(1);
	if (dup2(lfd, 3) < 0)
		_exit(127);
	close_range(4, ~0U, 0);
	/* Write-through: a write is acknowledged once it is on disk, so a
	 * daemon that dies loses no write the guest was told was done. */
	snprintf(exp, sizeof(exp), "type=nbd,id=export,node-name=disk,name=disk,writable=%s,"
		 "writethrough=on", v->disk.readonly ? "off" : "on");
	execvp(KD_QSD, (char *const *)argv);
	fprintf(stderr, "ketchd: cannot run " KD_QSD ": %s\n", strerror(errno));
	_exit(127);
}

pid_t kd_vbd_nbd_start(const struct kd_vbd *v)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), e;
	pid_t me = getpid(), pid;

	snprintf(a.sun_path, sizeof(a.sun_path), "%s", v->nbd_sock);
	unlink(v->nbd_sock); /* a previous daemon's, gone with it */
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(lfd, 4) < 0) {
		e = errno;
		if (lfd >= 0)
			close(lfd);
		return -e;
	}
	pid = fork();
	if (pid == 0)
		exec_qsd(v, lfd, me);
	e = errno;
	close(lfd);
	return pid < 0 ? -e : pid;
}

void kd_vbd_nbd_free(struct kd_vbd *v, bool unlink_socket)
{
	if (v->nbd_sock && unlink_socket)
		unlink(v->nbd_sock);
	free(v->nbd_sock);
	free(v->qsd_file);
	free(v->qsd_fmt);
	v->nbd_sock = v->qsd_file = v->qsd_fmt = NULL;
}
