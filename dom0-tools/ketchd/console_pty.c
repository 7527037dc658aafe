/*
 * console_pty.c - a pseudo-terminal per domain console, as xenconsoled
 * gives each guest: what the guest writes is copied to the pty, what a
 * program writes to the pty's slave side goes into the console ring.  Its
 * path is in xenstore (console/tty) and in the domain's info.  ketchd keeps
 * a slave descriptor open itself, so the master never reports a hang-up
 * while no terminal program has the pty open; output nobody reads fills
 * the pty's buffer and is then dropped, never blocking ketchd.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <termios.h>
#include <unistd.h>
#include <xenstore.h>

#include "ketchd.h"

static int make_raw(int fd)
{
	struct termios t;

	if (tcgetattr(fd, &t) < 0)
		return -errno;
	cfmakeraw(&t);
	return tcsetattr(fd, TCSANOW, &t) < 0 ? -errno : 0;
}

int kd_pty_open(struct kd *kd, struct kd_domain *d, struct kd_console *c)
{
	struct epoll_event ev = { .events = EPOLLIN };
	const char *name;
	int r = 0;

	c->pty_master = posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (c->pty_master < 0 || grantpt(c->pty_master) < 0 || unlockpt(c->pty_master) < 0 ||
	    !(name = ptsname(c->pty_master)) || !(c->pty_path = strdup(name)))
		r = -errno;
	if (!r && (c->pty_slave = open(c->pty_path, O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0)
		r = -errno;
	if (!r)
		r = make_raw(c->pty_slave);
	ev.data.u64 = KD_CONSOLE_TAG | KD_PTY_TAG | d->domid;
	if (!r && epoll_ctl(kd->epfd, EPOLL_CTL_ADD, c->pty_master, &ev) < 0)
		r = -errno;
	if (r) {
		kd_log("d%u: no console pty: %s", d->domid, strerror(-r));
		kd_pty_close(kd, c);
	}
	return r;
}

void kd_pty_output(struct kd_console *c, const char *buf, size_t n)
{
	ssize_t r;

	if (c->pty_master < 0)
		return;
	r = write(c->pty_master, buf, n);
	(void)r; /* -EAGAIN: the buffer is full and nobody reads; dropped */
}

void kd_pty_input(struct kd *kd, struct kd_domain *d)
{
	char buf[1024];
	ssize_t n;

	(void)kd;
	if (!d->con || d->con->pty_master < 0)
		return;
	while ((n = read(d->con->pty_master, buf, sizeof(buf))) > 0)
		kd_console_input(d, buf, (size_t)n); /* what the ring cannot take is dropped */
}

int kd_pty_publish(struct kd *kd, struct kd_domain *d)
{
	char path[64];

	if (!kd->xs || !d->con || !d->con->pty_path)
		return 0;
	snprintf(path, sizeof(path), "/local/domain/%u/console/tty", d->domid);
	if (!xs_write(kd->xs, XBT_NULL, path, d->con->pty_path, strlen(d->con->pty_path)))
		return -errno;
	return 0;
}

void kd_pty_close(struct kd *kd, struct kd_console *c)
{
	if (c->pty_master >= 0) {
		epoll_ctl(kd->epfd, EPOLL_CTL_DEL, c->pty_master, NULL);
		close(c->pty_master);
	}
	if (c->pty_slave >= 0)
		close(c->pty_slave);
	free(c->pty_path);
	c->pty_master = c->pty_slave = -1;
	c->pty_path = NULL;
}
