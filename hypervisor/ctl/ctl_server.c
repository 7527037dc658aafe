/*
 * ctl_server.c - the control socket's event loop: one thread, epoll over
 * the listening socket, a signalfd for SIGTERM/SIGINT and every connection.
 * Peers are checked with SO_PEERCRED on accept; each connection buffers its
 * input until a whole frame is in, which is validated and then dispatched
 * through the table in ctl_handlers.c.  Replies are sent without blocking:
 * a client that does not read its replies loses its connection.
 */
#include <stdint.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ctl_internal.h"
#include "ctl_server.h"
#include "hv.h"
#include "ketch/ketchctl.h"

#define HDR_LEN sizeof(struct kctl_hdr)

/* An error reply to a request that could not be taken as one. */
static void send_error(int fd, uint32_t req_id, int status)
{
	struct kctl_hdr h;

	kctl_hdr_init(&h, KCTL_OP_ERROR, req_id, status, 0);
	kctl_send(fd, &h, NULL, -1, MSG_DONTWAIT);
}

void ctl_conn_close(struct ctl_conn *c)
{
	struct ctl_server *srv = c->srv;

	for (struct ctl_conn **p = &srv->conns; *p; p = &(*p)->next) {
		if (*p == c) {
			*p = c->next;
			break;
		}
	}
	srv->nconns--;
	if (c->subscriber)
		ctl_events_remove(srv, c->fd);
	epoll_ctl(srv->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	ctl_image_reset(&c->img);
	ctl_mem_image_drop(c);
	free(c);
}

/* Returns 0 to keep the connection, <0 to close it. */
static int dispatch(struct ctl_conn *c, const struct kctl_hdr *h,
		    const uint8_t *payload)
{
	const struct ctl_op *op = ctl_op_find(h->op);
	struct ctl_reply rep = { .req_id = h->req_id, .buf = c->srv->out, .fd = -1 };
	struct kctl_hdr out;
	int st, r;

	if (!op) {
		hv_log("ctl: pid %d: unknown op %u", (int)c->pid, h->op);
		send_error(c->fd, h->req_id, -EOPNOTSUPP);
		return 0;
	}
	if (h->len < op->min || h->len > op->max)
		st = -EINVAL;
	else
		st = op->fn(c, payload, h->len, &rep);
	if (st)
		hv_log("ctl: pid %d: %s (%u payload bytes): %s", (int)c->pid,
		       op->name, h->len, kctl_strerror(st));
	if (rep.sent)
		return st;
	kctl_hdr_init(&out, h->op, h->req_id, st, st ? 0 : rep.len);
	r = kctl_send(c->fd, &out, st ? NULL : rep.buf, st ? -1 : rep.fd,
		      MSG_DONTWAIT);
	if (rep.fd >= 0)
		close(rep.fd);
	if (r)
		hv_log("ctl: pid %d: cannot send the reply (%s); closing",
		       (int)c->pid, strerror(-r));
	return r;
}

/* Consume every whole frame in c->in.  <0: close the connection. */
static int process_input(struct ctl_conn *c)
{
	while (c->have >= HDR_LEN) {
		struct kctl_hdr h;
		int r;

		memcpy(&h, c->in, HDR_LEN);
		r = kctl_hdr_check(&h);
		if (r == -EPROTO || r == -EMSGSIZE) {
			hv_log("ctl: pid %d: %s; closing", (int)c->pid,
			       r == -EPROTO ? "bad magic or version"
					    : "payload length over the limit");
			if (!c->subscriber) /* never cut into the event stream */
				send_error(c->fd, h.req_id, r);
			return r;
		}
		if (c->have < HDR_LEN + h.len)
			return 0; /* the rest of the frame is still on its way */
		r = c->subscriber ? 0 : dispatch(c, &h, c->in + HDR_LEN);
		if (r < 0)
			return r;
		c->have -= HDR_LEN + h.len;
		memmove(c->in, c->in + HDR_LEN + h.len, c->have);
	}
	return 0;
}

static void on_readable(struct ctl_conn *c)
{
	ssize_t n;

	do
		n = read(c->fd, c->in + c->have, sizeof(c->in) - c->have);
	while (n < 0 && errno == EINTR);
	if (n < 0 && errno == EAGAIN)
		return;
	if (n <= 0) {
		if (c->have)
			hv_log("ctl: pid %d left mid-request (%zu bytes unread)",
			       (int)c->pid, c->have);
		ctl_conn_close(c);
		return;
	}
	c->have += (size_t)n;
	if (process_input(c) < 0)
		ctl_conn_close(c);
}

/* uid 0 and the daemon's own effective uid may connect; nobody else. */
static int check_peer(struct ctl_server *srv, struct ctl_conn *c)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);

	if (getsockopt(c->fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0)
		return -errno;
	c->pid = cr.pid;
	c->uid = cr.uid;
	if (cr.uid != 0 && cr.uid != srv->euid) {
		hv_log("ctl: refused pid %d uid %u", (int)cr.pid, (unsigned)cr.uid);
		return -EACCES;
	}
	if (srv->nconns >= CTL_MAX_CONNS) {
		hv_log("ctl: refused pid %d: %d connections open", (int)cr.pid,
		       srv->nconns);
		return -EUSERS;
	}
	return 0;
}

static void on_accept(struct ctl_server *srv)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct ctl_conn *c;
	int fd = accept4(srv->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	int r;

	if (fd < 0)
		return;
	c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		return;
	}
	*c = (struct ctl_conn){ .srv = srv, .fd = fd, .mem_image_fd = -1 };
	r = check_peer(srv, c);
	if (r == 0) {
		ev.data.ptr = c;
		r = epoll_ctl(srv->epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
	}
	if (r) {
		send_error(fd, 0, r);
		close(fd);
		free(c);
		return;
	}
	c->next = srv->conns;
	srv->conns = c;
	srv->nconns++;
}

/* Consume the pending signals, so unblocking them later cannot kill us. */
static int stop_signal(struct ctl_server *srv)
{
	struct signalfd_siginfo si;

	while (read(srv->sigfd, &si, sizeof(si)) == sizeof(si))
		hv_log("ctl: signal %u received", si.ssi_signo);
	return 0;
}

static int wait_loop(struct ctl_server *srv)
{
	struct epoll_event evs[32];

	for (;;) {
		int n = epoll_wait(srv->epfd, evs, 32, -1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		for (int i = 0; i < n; i++) {
			if (evs[i].data.ptr == &srv->sigfd)
				return stop_signal(srv);
			if (evs[i].data.ptr == &srv->lfd)
				on_accept(srv);
			else
				on_readable(evs[i].data.ptr);
		}
	}
}

static int add_watch(struct ctl_server *srv, int fd, void *tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = tag };

	return epoll_ctl(srv->epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

/*
 * SIGTERM/SIGINT arrive through a signalfd: they are blocked here, before
 * any vCPU thread exists, and those threads inherit the mask.
 */
static int setup(struct ctl_server *srv, const char *path)
{
	sigset_t set;
	int r;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	srv->sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	srv->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (srv->sigfd < 0 || srv->epfd < 0)
		return -errno;
	r = ctl_socket_listen(srv, path);
	if (r < 0)
		return r;
	srv->lfd = r;
	r = add_watch(srv, srv->sigfd, &srv->sigfd);
	if (r == 0)
		r = add_watch(srv, srv->lfd, &srv->lfd);
	return r;
}

static void teardown(struct ctl_server *srv, const sigset_t *old)
{
	uint32_t ids[KCTL_MAX_DOMIDS];
	int n;

	if (srv->lfd >= 0) {
		while ((n = domain_list(srv->hv, ids, KCTL_MAX_DOMIDS)) > 0)
			for (int i = 0; i < n; i++)
				domain_destroy(srv->hv, ids[i]);
		domain_reap_wait(srv->hv); /* subscribers see every `dying` */
		ctl_socket_unlink(srv);
		close(srv->lfd);
	}
	srv->hv->state_fn = NULL;
	while (srv->conns)
		ctl_conn_close(srv->conns);
	if (srv->epfd >= 0)
		close(srv->epfd);
	if (srv->sigfd >= 0)
		close(srv->sigfd);
	pthread_mutex_destroy(&srv->sub_lock);
	pthread_sigmask(SIG_SETMASK, old, NULL);
}

int ctl_server_run(struct hv *hv, const char *path)
{
	struct ctl_server *srv = calloc(1, sizeof(*srv));
	sigset_t block, old;
	int r;

	if (!srv)
		return -ENOMEM;
	*srv = (struct ctl_server){ .hv = hv, .path = path, .lfd = -1,
				    .epfd = -1, .sigfd = -1, .euid = geteuid() };
	ctl_events_init(srv);
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	r = ctl_ops_selfcheck();
	if (r == 0)
		r = setup(srv, path);
	if (r == 0)
		r = hv_confine(hv); /* every file and socket it needs is open */
	if (r == 0) {
		hv->state_opaque = srv;
		hv->state_fn = ctl_events_push;
		hv_log("ctl: listening on %s (control protocol %d)", path, KCTL_VERSION);
		r = wait_loop(srv);
		hv_log("ctl: stopping: destroying every domain");
	}
	teardown(srv, &old);
	free(srv);
	return r;
}
