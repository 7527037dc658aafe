/*
 * ketch-blkback - the backend of one PV disk (see README.md).
 *   ketch-blkback --domid N --devid N --image PATH [--image-fd N]
 *                 [--read-only] [--direct-io] [--nbd SOCKET --nbd-pid N]
 *                 [--max-queues N]
 *                 [--hv-socket PATH] [--user NAME] [--no-confine]
 * With --nbd the image (not raw) is read and written through the NBD
 * server ketchd started on SOCKET (pid N), else on the file itself.
 * --max-queues: the multi-queue-max-queues offered (1..4; default the
 * host's CPUs online, at most 4).
 * ketch-hv's socket: --hv-socket, else $KETCH_HV_SOCKET; xenstore: where
 * libxenstore looks ($XENSTORED_PATH).  Exit 0 when the disk is removed
 * or its domain stops, 1 on a failure to start, 2 on bad options.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "blkback.h"

/* The options of ours; --domid, --devid and the rest are backend_main's. */
static const struct option opts[] = {
	{ "image", required_argument, NULL, 'i' },
	{ "read-only", no_argument, NULL, 'r' },
	{ "image-fd", required_argument, NULL, 'f' },
	{ "nbd", required_argument, NULL, 'n' },
	{ "nbd-pid", required_argument, NULL, 'p' },
	{ "direct-io", no_argument, NULL, 'd' },
	{ "max-queues", required_argument, NULL, 'q' },
	{ NULL, 0, NULL, 0 },
};

static bool opt(void *be, int c, const char *arg)
{
	struct bb *b = be;
	uint32_t fd, pid, nq;

	switch (c) {
	case 'i': b->image = arg; return true;
	case 'r': b->readonly = true; return true;
	case 'f':
		if (!bk_parse_u32(arg, &fd) || fd <= 2 || fd >= 1024)
			return false;
		b->disk_fd = (int)fd;
		return true;
	case 'n': b->nbd_socket = arg; b->disk = &bb_disk_nbd; return true;
	case 'd': b->direct_io = true; return true;
	case 'q':
		if (!bk_parse_u32(arg, &nq) || nq < 1 || nq > BLKIF_MAX_QUEUES)
			return false;
		b->offer.max_queues = nq;
		return true;
	case 'p':
		if (!bk_parse_u32(arg, &pid) || pid < 2 || pid > 0x3fffffff)
			return false;
		b->nbd_pid = (int)pid;
		return true;
	default: return false;
	}
}

static bool check(void *be)
{
	const struct bb *b = be;

	return b->image != NULL && !b->nbd_socket == !b->nbd_pid;
}

/*
 * Open the image and lock it as QEMU does: a writer excludes everyone, a
 * reader excludes writers, so two domains never write one image.  With
 * --image-fd the toolstack opened and locked it already (and keeps the
 * lock across our restarts); locking the same open file again is a no-op.
 */
static int open_disk(struct bb *b)
{
	struct stat st;
	uint64_t bytes;
	int fl;

	if (b->disk_fd < 0)
		b->disk_fd = open(b->image, (b->readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	else if ((fl = fcntl(b->disk_fd, F_GETFL)) < 0 ||
		 (!b->readonly && (fl & O_ACCMODE) != O_RDWR))
		return fl < 0 ? -errno : -EBADF;
	if (b->disk_fd < 0 || fstat(b->disk_fd, &st) < 0)
		return -errno;
	fcntl(b->disk_fd, F_SETFD, FD_CLOEXEC);
	if (flock(b->disk_fd, (b->readonly ? LOCK_SH : LOCK_EX) | LOCK_NB) < 0)
		return -errno;
	if (S_ISBLK(st.st_mode)) {
		if (ioctl(b->disk_fd, BLKGETSIZE64, &bytes) < 0)
			return -errno;
	} else if (S_ISREG(st.st_mode)) {
		bytes = (uint64_t)st.st_size;
	} else {
		return -EINVAL;
	}
	b->sectors = bytes / BLKIF_SECTOR;
	return 0;
}

static int start(void *be)
{
	struct bb *b = be;
	int r = open_disk(b);

	if (r) {
		bk_log("%s: %s", b->image, r == -EWOULDBLOCK ?
		       "in use by another backend (locked)" : strerror(-r));
		return r;
	}
	b->x.hv = kctl_open(b->x.hv_socket, &r);
	if (!b->x.hv) {
		bk_log("cannot reach ketch-hv: %s", kctl_strerror(r));
		return r;
	}
	r = b->disk->init(b);
	if (r) {
		bk_log("%s: %s", b->nbd_socket ? "NBD" : "io_uring", strerror(-r));
		return r;
	}
	r = bb_xenbus_start(b);
	return r || b->nbd_socket ? r : bb_direct_io(b); /* NBD: the server's own cache mode */
}

/* The disk's completions, and each queue's event channel while
 * connected; left-over requests are taken at once. */
static int poll_fds(void *be, struct pollfd *p, int *timeout)
{
	struct bb *b = be;

	b->disk->poll(b, &p[0]);
	for (unsigned int i = 0; i < BLKIF_MAX_QUEUES; i++)
		p[1 + i] = (struct pollfd){ .events = POLLIN,
			.fd = b->connected && i < b->conn.nr_queues ? b->q[i].from_guest : -1 };
	*timeout = b->more ? 0 : -1;
	return 1 + BLKIF_MAX_QUEUES;
}

/* An impossible ring: this disk's frontend is left, the process stays. */
static void ring_broken(struct bb *b)
{
	bb_disconnect(b);
	bb_switch_state(b, XenbusStateClosing);
}

/* Queue q was kicked (or has requests left): one consumer per queue. */
static bool guest_kicked(struct bb *b, struct bb_queue *q, bool kicked)
{
	uint64_t cnt;

	if (kicked && read(q->from_guest, &cnt, sizeof(cnt)) < 0 && errno != EAGAIN)
		bk_log("event channel (queue %u): %s", q->idx, strerror(errno));
	return bb_queue_work(b, q);
}

static void work(void *be, int n, const struct pollfd *p)
{
	struct bb *b = be;

	bool more = false;

	(void)n;
	if (p[0].revents && !bb_io_complete(b, p[0].revents))
		ring_broken(b);
	for (unsigned int i = 0; b->connected && i < b->conn.nr_queues; i++) {
		struct bb_queue *q = &b->q[i];

		if ((p[1 + i].revents || q->more) && !guest_kicked(b, q, p[1 + i].revents)) {
			ring_broken(b);
			return;
		}
		more |= q->more;
	}
	b->more = more;
}

static void follow(void *be, XenbusState fs)
{
	bb_xenbus_follow(be, fs);
}

static void disconnect(void *be)
{
	bb_disconnect(be);
}

static void stop(void *be)
{
	struct bb *b = be;

	struct timespec cpu;

	if (b->x.state != XenbusStateClosed)
		bb_switch_state(b, XenbusStateClosed);
	bb_io_log_counters(b);
	/* What serving every queue from one thread cost (bench/50-block.sh):
	 * every thread's time, io_uring's workers included. */
	if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu) == 0)
		bk_log("cpu: %ld.%06ld s", (long)cpu.tv_sec, cpu.tv_nsec / 1000);
}

static void release(void *be)
{
	struct bb *b = be;

	bkx_close(&b->x);
	b->disk->fini(b);
	if (b->disk_fd >= 0)
		close(b->disk_fd);
}

static const struct bk_program blkback = {
	.name = "ketch-blkback",
	.usage = "--image PATH [--image-fd N] [--read-only] [--direct-io] [--nbd SOCKET --nbd-pid N] "
		 "[--max-queues 1..4] ",
	.opts = opts,
	.opt = opt,
	.check = check,
	.confine = kcf_confine_blkback,
	.start = start,
	.poll_fds = poll_fds,
	.follow = follow,
	.disconnect = disconnect,
	.work = work,
	.stop = stop,
	.release = release,
};

int main(int argc, char **argv)
{
	struct bb b = { .disk_fd = -1, .uring_efd = -1, .nbd_pidfd = -1, .disk = &bb_disk_uring,
			.offer = bb_default_offer() };

	return bk_main(&blkback, &b.x, &b, argc, argv);
}
