/*
 * server.c - ketchd's Unix socket: listening (0600, parent 0700, a live
 * server is never displaced, a stale socket is), peer credentials, and
 * per-connection buffering.  Requests are lines; after "console" or
 * "events" a connection becomes a stream.  Output is never blocked on: a
 * peer more than KD_OUT_MAX bytes behind is disconnected.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "ketchd.h"

#define KD_OUT_MAX (4u << 20)

static int mkdir_p(const char *path)
{
	char buf[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char *slash;

	snprintf(buf, sizeof(buf), "%s", path);
	slash = strrchr(buf, '/');
	if (!slash || slash == buf)
		return 0;
	*slash = '\0';
	for (char *p = buf + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			if (mkdir(buf, 0700) < 0 && errno != EEXIST)
				return -errno;
			*p = '/';
		}
	return mkdir(buf, 0700) < 0 && errno != EEXIST ? -errno : 0;
}

int kd_server_listen(struct kd *kd)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	struct stat st;
	int fd, probe;

	if (strlen(kd->opt.socket) >= sizeof(a.sun_path))
		return -ENAMETOOLONG;
	strcpy(a.sun_path, kd->opt.socket);
	if (mkdir_p(kd->opt.socket) < 0)
		return -errno;
	if (lstat(a.sun_path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			return -EEXIST;
		probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (probe >= 0 && connect(probe, (struct sockaddr *)&a, sizeof(a)) == 0) {
			close(probe);
			return -EADDRINUSE;
		}
		if (probe >= 0)
			close(probe);
		unlink(a.sun_path);
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || chmod(a.sun_path, 0600) < 0 ||
	    listen(fd, 128) < 0) {
		int e = -errno;

		close(fd);
		return e;
	}
	kd->listen_fd = fd;
	return 0;
}

static bool peer_allowed(int fd)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0)
		return false;
	if (cr.uid == 0 || cr.uid == geteuid())
		return true;
	kd_log("refused pid %d uid %u", cr.pid, cr.uid);
	return false;
}

void kd_server_accept(struct kd *kd)
{
	int fd;

	while ((fd = accept4(kd->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK)) >= 0) {
		struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP };
		struct kd_conn *c;

		if (!peer_allowed(fd) || !(c = calloc(1, sizeof(*c)))) {
			close(fd);
			continue;
		}
		c->fd = fd;
		c->w.type = KD_W_CONN;
		c->w.obj = c;
		ev.data.ptr = &c->w;
		if (epoll_ctl(kd->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
			close(fd);
			free(c);
			continue;
		}
		c->next = kd->conns;
		kd->conns = c;
	}
}

static void flush(struct kd *kd, struct kd_conn *c)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP, .data.ptr = &c->w };

	while (c->out_len && !c->dead) {
		ssize_t n = send(c->fd, c->out, c->out_len, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN) {
			c->dead = true;
			return;
		}
		if (n < 0)
			break;
		memmove(c->out, c->out + n, c->out_len - (size_t)n);
		c->out_len -= (size_t)n;
	}
	if (!c->out_len && c->closing)
		c->dead = true;
	if (c->out_len)
		ev.events |= EPOLLOUT;
	epoll_ctl(kd->epfd, EPOLL_CTL_MOD, c->fd, &ev);
}

void kd_conn_send(struct kd *kd, struct kd_conn *c, const char *buf, size_t len)
{
	if (c->dead)
		return;
	if (c->out_len + len > KD_OUT_MAX) {
		kd_log("client fd %d cannot keep up; dropped", c->fd);
		c->dead = true;
		return;
	}
	if (c->out_len + len > c->out_cap) {
		size_t cap = (c->out_len + len) * 2;
		char *p = realloc(c->out, cap);

		if (!p) {
			c->dead = true;
			return;
		}
		c->out = p;
		c->out_cap = cap;
	}
	memcpy(c->out + c->out_len, buf, len);
	c->out_len += len;
	flush(kd, c);
}

void kd_conn_send_json(struct kd *kd, struct kd_conn *c, struct json_object *o)
{
	size_t len;
	const char *s = json_object_to_json_string_length(
		o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);

	kd_conn_send(kd, c, s, len);
	kd_conn_send(kd, c, "\n", 1);
	json_object_put(o);
}

void kd_broadcast_event(struct kd *kd, struct json_object *ev)
{
	for (struct kd_conn *c = kd->conns; c; c = c->next)
		if (c->mode == KD_CONN_EVENTS)
			kd_conn_send_json(kd, c, json_object_get(ev));
	json_object_put(ev);
}

void kd_conn_close_viewers(struct kd *kd, uint32_t domid)
{
	for (struct kd_conn *c = kd->conns; c; c = c->next)
		if (c->mode == KD_CONN_CONSOLE && c->console_domid == domid) {
			c->closing = true;
			flush(kd, c);
		}
}

/* Split complete lines off the input; after a mode switch feed the console. */
static void consume(struct kd *kd, struct kd_conn *c)
{
	size_t off = 0;
	char *nl;

	while (c->mode == KD_CONN_REQUEST && !c->dead && !c->closing && !c->waiting &&
	       (nl = memchr(c->in + off, '\n', c->in_len - off))) {
		*nl = '\0';
		kd_api_handle(kd, c, c->in + off);
		off = (size_t)(nl - c->in) + 1;
	}
	if (c->mode == KD_CONN_CONSOLE && off < c->in_len) {
		struct kd_domain *d = kd_domain_by_id(kd, c->console_domid);

		if (d)
			kd_console_input(d, c->in + off, c->in_len - off);
		off = c->in_len; /* what does not fit the ring is dropped */
	} else if (c->mode == KD_CONN_EVENTS) {
		off = c->in_len;
	}
	memmove(c->in, c->in + off, c->in_len - off);
	c->in_len -= off;
	if (c->in_len == sizeof(c->in)) {
		struct kd_error e;

		kd_error_set(&e, "bad_request", "", "request line longer than %zu bytes",
			     sizeof(c->in) - 1);
		kd_conn_send_json(kd, c, kd_api_error(&e));
		c->closing = true;
		flush(kd, c);
	}
}

void kd_server_io(struct kd *kd, struct kd_conn *c, uint32_t events)
{
	if (events & EPOLLOUT)
		flush(kd, c);
	if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP)) {
		ssize_t n = read(c->fd, c->in + c->in_len, sizeof(c->in) - c->in_len);

		if (n > 0) {
			c->in_len += (size_t)n;
			consume(kd, c);
		} else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
			if (c->mode == KD_CONN_REQUEST && c->out_len) {
				c->closing = true;
				struct epoll_event ev = { .events = EPOLLOUT, .data.ptr = &c->w };
				epoll_ctl(kd->epfd, EPOLL_CTL_MOD, c->fd, &ev);
			} else {
				c->dead = true;
			}
		}
	}
}

/* Free connections marked dead (never while a list walk may hold them). */
static void reap(struct kd *kd)
{
	for (struct kd_conn **p = &kd->conns; *p;) {
		struct kd_conn *c = *p;

		if (!c->dead) {
			p = &c->next;
			continue;
		}
		*p = c->next;
		kd_vbd_conn_gone(kd, c);
		kd_save_conn_gone(kd, c);
		kd_migrate_conn_gone(kd, c);
		kd_vif_conn_gone(kd, c);
		epoll_ctl(kd->epfd, EPOLL_CTL_DEL, c->fd, NULL);
		close(c->fd);
		free(c->out);
		free(c);
	}
}

void kd_server_close_all(struct kd *kd)
{
	for (struct kd_conn *c = kd->conns; c; c = c->next)
		c->dead = true;
	reap(kd);
}

void kd_server_reap(struct kd *kd)
{
	reap(kd);
}

void kd_conn_reply_deferred(struct kd *kd, struct kd_conn *c, struct json_object *reply)
{
	kd_conn_send_json(kd, c, reply);
	c->waiting = false;
	c->resume = true;
}

bool kd_server_resume(struct kd *kd)
{
	bool any = false;

	for (struct kd_conn *c = kd->conns; c; c = c->next)
		if (c->resume) {
			c->resume = false;
			any = true;
			consume(kd, c);
		}
	return any;
}
