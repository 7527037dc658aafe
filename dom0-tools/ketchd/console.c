/*
 * console.c - the console backend: for each domain ketchd binds the
 * console event channel, and on every notification drains the
 * xencons_interface output ring into the domain's log file (rotated when
 * it passes the size bound) and to attached viewers; viewer input goes
 * into in[].  Ring indexes are read once, checked (prod - cons may not
 * exceed the ring), then fenced; a guest that writes impossible indexes
 * loses its console, nothing else.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ketchd.h"
#include "../../pv-drivers/common/cons_ring.h"

static char *log_path(struct kd *kd, struct kd_domain *d)
{
	char *p = NULL;

	if (d->cfg.console_log)
		return strdup(d->cfg.console_log);
	if (asprintf(&p, "%s/console-%s.log", kd->opt.log_dir, d->cfg.name) < 0)
		return NULL;
	return p;
}

static int open_log(struct kd_console *c)
{
	struct stat st;

	c->log_fd = open(c->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	if (c->log_fd < 0)
		return -errno;
	c->log_size = fstat(c->log_fd, &st) == 0 ? (uint64_t)st.st_size : 0;
	return 0;
}

/* Keep one old generation: LOG -> LOG.1, then start LOG afresh. */
static void rotate(struct kd_console *c)
{
	char *old = NULL;

	if (asprintf(&old, "%s.1", c->log_path) < 0)
		return;
	close(c->log_fd);
	if (rename(c->log_path, old) < 0)
		kd_log("console log %s: cannot rotate: %s", c->log_path, strerror(errno));
	free(old);
	if (open_log(c) < 0)
		kd_log("console log %s: cannot reopen: %s", c->log_path, strerror(errno));
}

static void write_log(struct kd *kd, struct kd_console *c, const char *buf, size_t n)
{
	if (c->log_fd < 0)
		return;
	if (kd->opt.console_log_max && c->log_size + n > kd->opt.console_log_max &&
	    c->log_size > 0)
		rotate(c);
	if (c->log_fd >= 0 && write(c->log_fd, buf, n) == (ssize_t)n)
		c->log_size += n;
}

static void notify(struct kd_console *c)
{
	uint64_t one = 1;

	if (write(c->to_guest, &one, sizeof(one)) < 0 && errno != EAGAIN)
		kd_log("console: cannot notify the guest: %s", strerror(errno));
}

void kd_console_drain(struct kd *kd, struct kd_domain *d)
{
	struct kd_console *c = d->con;
	char buf[sizeof(c->intf->out)];
	uint64_t cnt;
	size_t n;
	int got;

	if (!c || c->broken)
		return;
	if (read(c->from_guest, &cnt, sizeof(cnt)) < 0 && errno != EAGAIN)
		kd_log("d%u: console eventfd: %s", d->domid, strerror(errno));
	got = cons_ring_take_out(c->intf, buf, sizeof(buf));
	if (got < 0) {
		c->broken = true;
		kd_log("d%u: console ring indexes are corrupt; console detached", d->domid);
		return;
	}
	n = (size_t)got;
	if (!n)
		return;
	write_log(kd, c, buf, n);
	kd_pty_output(c, buf, n);
	for (struct kd_conn *v = kd->conns; v; v = v->next)
		if (v->mode == KD_CONN_CONSOLE && v->console_domid == d->domid)
			kd_conn_send(kd, v, buf, n);
	notify(c);
}

size_t kd_console_input(struct kd_domain *d, const char *buf, size_t len)
{
	struct kd_console *c = d->con;
	int n;

	if (!c || c->broken)
		return len; /* nowhere to go: dropped */
	n = cons_ring_put_in(c->intf, buf, len);
	if (n < 0)
		return len;
	if (n)
		notify(c);
	return (size_t)n;
}

static int attach_ring(struct kd *kd, struct kd_domain *d, struct kd_console *c)
{
	uint64_t off = d->boot.console_gpfn * 4096;
	int r = kctl_map_memory(kd->hv, d->domid, &c->mem, &c->mem_size);

	if (r)
		return r;
	if (off + 4096 > c->mem_size || off + 4096 < off)
		return -EINVAL;
	c->intf = (struct xencons_interface *)((char *)c->mem + off);
	c->port = d->boot.console_port;
	r = kctl_evtchn_bind(kd->hv, d->domid, c->port, &c->from_guest, &c->to_guest);
	if (r)
		return r;
	/* Drained also when no notification is pending: never block on it. */
	fcntl(c->from_guest, F_SETFL, fcntl(c->from_guest, F_GETFL) | O_NONBLOCK);
	fcntl(c->to_guest, F_SETFL, fcntl(c->to_guest, F_GETFL) | O_NONBLOCK);
	return 0;
}

struct kd_console *kd_console_open(struct kd *kd, struct kd_domain *d)
{
	struct kd_console *c = calloc(1, sizeof(*c));
	struct epoll_event ev = { .events = EPOLLIN };
	int r;

	if (!c)
		return NULL;
	c->from_guest = c->to_guest = c->log_fd = c->pty_master = c->pty_slave = -1;
	ev.data.u64 = KD_CONSOLE_TAG | d->domid;
	r = attach_ring(kd, d, c);
	if (!r && epoll_ctl(kd->epfd, EPOLL_CTL_ADD, c->from_guest, &ev) < 0)
		r = -errno;
	if (r) {
		kd_log("d%u: cannot attach the console ring: %s", d->domid, strerror(-r));
		if (c->from_guest >= 0) {
			close(c->from_guest);
			close(c->to_guest);
			kctl_evtchn_unbind(kd->hv, d->domid, c->port);
		}
		if (c->mem)
			kctl_unmap_memory(c->mem, c->mem_size);
		free(c);
		return NULL;
	}
	kd_pty_open(kd, d, c); /* without one, log and viewers still work */
	c->log_path = log_path(kd, d);
	if (!c->log_path || open_log(c) < 0)
		kd_log("d%u: console log %s: %s; output goes to viewers only", d->domid,
		       c->log_path ? c->log_path : "?", strerror(errno));
	return c;
}

void kd_console_close(struct kd *kd, struct kd_domain *d, bool unbind)
{
	struct kd_console *c = d->con;

	if (!c)
		return;
	kd_console_drain(kd, d); /* what the guest wrote just before it stopped */
	epoll_ctl(kd->epfd, EPOLL_CTL_DEL, c->from_guest, NULL);
	close(c->from_guest);
	close(c->to_guest);
	if (unbind)
		kctl_evtchn_unbind(kd->hv, d->domid, c->port);
	kctl_unmap_memory(c->mem, c->mem_size);
	if (c->log_fd >= 0)
		close(c->log_fd);
	kd_pty_close(kd, c);
	free(c->log_path);
	free(c);
	d->con = NULL;
}
