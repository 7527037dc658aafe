/*
 * ketch-blkback - the backend of one PV disk (see README.md).
 *   ketch-blkback --domid N --devid N --image PATH [--image-fd N]
 *                 [--read-only] [--hv-socket PATH] [--user NAME] [--no-confine]
 * ketch-hv's socket: --hv-socket, else $KETCH_HV_SOCKET; xenstore: where
 * libxenstore looks ($XENSTORED_PATH).  Exit 0 when the disk is removed
 * or its domain stops, 1 on a failure to start, 2 on bad options.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/fs.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "blkback.h"

static char log_prefix[64] = "ketch-blkback";

void bb_log(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", log_prefix);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int usage(void)
{
	fprintf(stderr, "usage: ketch-blkback --domid N --devid N --image PATH "
			"[--image-fd N] [--read-only] [--hv-socket PATH] [--user NAME] "
			"[--no-confine]\n");
	return 2;
}

static bool parse_u32(const char *s, uint32_t *v)
{
	char *end;
	unsigned long x;

	errno = 0;
	x = strtoul(s, &end, 10);
	*v = (uint32_t)x;
	return !errno && end != s && !*end && x <= UINT32_MAX;
}

static int parse(struct bb *b, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "domid", required_argument, NULL, 'd' },
		{ "devid", required_argument, NULL, 'v' },
		{ "image", required_argument, NULL, 'i' },
		{ "read-only", no_argument, NULL, 'r' },
		{ "hv-socket", required_argument, NULL, 's' },
		{ "image-fd", required_argument, NULL, 'f' },
		{ "user", required_argument, NULL, 'u' },
		{ "no-confine", no_argument, NULL, 'N' },
		{ NULL, 0, NULL, 0 },
	};
	bool have_dom = false, have_dev = false, fd_ok = true;
	uint32_t fd;
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd': have_dom = parse_u32(optarg, &b->domid); break;
		case 'v': have_dev = parse_u32(optarg, &b->devid); break;
		case 'i': b->image = optarg; break;
		case 'r': b->readonly = true; break;
		case 's': b->hv_socket = optarg; break;
		case 'u': b->confine.user = optarg; break;
		case 'N': b->confine.off = true; break;
		case 'f':
			fd_ok = parse_u32(optarg, &fd) && fd > 2 && fd < 1024;
			b->disk_fd = (int)fd;
			break;
		default: return -1;
		}
	}
	if (optind != argc || !have_dom || !have_dev || !b->domid || !b->image || !fd_ok)
		return -1;
	if (!b->hv_socket)
		b->hv_socket = getenv("KETCH_HV_SOCKET");
	return 0;
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

static int start(struct bb *b)
{
	int r = open_disk(b);

	if (r) {
		bb_log("%s: %s", b->image, r == -EWOULDBLOCK ?
		       "in use by another backend (locked)" : strerror(-r));
		return r;
	}
	b->hv = kctl_open(b->hv_socket, &r);
	if (!b->hv) {
		bb_log("cannot reach ketch-hv: %s", kctl_strerror(r));
		return r;
	}
	r = bb_io_init(b);
	if (r) {
		bb_log("io_uring: %s", strerror(-r));
		return r;
	}
	r = bb_xenbus_start(b);
	if (r)
		bb_log("xenstore: %s", strerror(-r));
	return r;
}

/*
 * Capabilities go before libxenstore starts its reader thread (they are
 * per thread); the seccomp filter and --user once the image, io_uring
 * and both sockets are open (docs/security.md).
 */
static int confine(struct bb *b, bool early)
{
	char err[256];
	int r;

	if (b->confine.off) {
		if (!early) {
			bb_log("not confined (--no-confine)");
			kcf_selftest("ketch-blkback"); /* test builds: the same probes, unrefused */
		}
		return 0;
	}
	r = early ? kcf_drop_early(0, b->confine.user, err, sizeof(err))
		  : kcf_confine_blkback(b->confine.user, err, sizeof(err));
	if (r)
		bb_log("cannot confine: %s", err);
	else if (!early)
		bb_log("confined: seccomp allow-list, no capabilities%s%s",
		       b->confine.user ? ", user " : "", b->confine.user ? b->confine.user : "");
	return r;
}

static int signal_fd(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	return signalfd(-1, &set, SFD_CLOEXEC);
}

static void guest_kicked(struct bb *b)
{
	uint64_t cnt;

	if (read(b->from_guest, &cnt, sizeof(cnt)) < 0 && errno != EAGAIN)
		bb_log("event channel: %s", strerror(errno));
	if (!bb_ring_work(b)) {
		bb_disconnect(b);
		bb_switch_state(b, XenbusStateClosing);
	}
}

static void loop(struct bb *b, int sig)
{
	while (!b->quit) {
		struct pollfd p[4] = {
			{ .fd = sig, .events = POLLIN },
			{ .fd = xs_fileno(b->xs), .events = POLLIN },
			{ .fd = b->uring_efd, .events = POLLIN },
			{ .fd = b->connected ? b->from_guest : -1, .events = POLLIN },
		};

		if (poll(p, 4, b->more ? 0 : -1) < 0 && errno != EINTR)
			break;
		if (p[0].revents)
			break;
		if (p[1].revents)
			bb_xenbus_changed(b);
		if (p[2].revents && !bb_io_complete(b)) {
			bb_disconnect(b);
			bb_switch_state(b, XenbusStateClosing);
		}
		if (b->connected && (p[3].revents || b->more))
			guest_kicked(b);
	}
}

int main(int argc, char **argv)
{
	struct bb b = { .disk_fd = -1, .from_guest = -1, .to_guest = -1 };
	int sig;

	if (parse(&b, argc, argv))
		return usage();
	snprintf(log_prefix, sizeof(log_prefix), "ketch-blkback d%u/%u", b.domid, b.devid);
	sig = signal_fd();
	if (sig < 0 || confine(&b, true) || start(&b) || confine(&b, false))
		return 1;
	loop(&b, sig);
	bb_disconnect(&b);
	if (b.state != XenbusStateClosed)
		bb_switch_state(&b, XenbusStateClosed);
	bb_log("stopped: %llu requests, %llu refused or failed",
	       (unsigned long long)b.nr_requests, (unsigned long long)b.nr_errors);
	xs_close(b.xs);
	kctl_close(b.hv);
	bb_io_fini(&b);
	close(b.disk_fd);
	return 0;
}
