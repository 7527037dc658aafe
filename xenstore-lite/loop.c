/* The event loop: one thread, epoll, fair turns for every connection. */
#include "loop.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "conn.h"
#include "conn_socket.h"

/* epoll tags for the daemon's own fds; connections are tagged by pointer. */
static const char tag_listen = 'l', tag_stop = 's', tag_signal = 'g', tag_source = 'x';

static int add_fd(struct xs_ctx *ctx, int fd, const char *tag)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = (void *)tag};

	return epoll_ctl(ctx->epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

int xs_loop_init(struct xs_ctx *ctx)
{
	ctx->epfd = epoll_create1(EPOLL_CLOEXEC);
	ctx->stopfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (ctx->epfd < 0 || ctx->stopfd < 0)
		return -errno;
	return add_fd(ctx, ctx->stopfd, &tag_stop);
}

int xs_loop_listen(struct xs_ctx *ctx, const char *path, struct xs_listen_file *f)
{
	int fd = xs_listen_open(path, f);

	if (fd < 0)
		return fd;
	ctx->listenfd = fd;
	return add_fd(ctx, fd, &tag_listen);
}

int xs_loop_handle_signals(struct xs_ctx *ctx)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -errno;
	ctx->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (ctx->sigfd < 0)
		return -errno;
	return add_fd(ctx, ctx->sigfd, &tag_signal);
}

int xs_loop_add_source(struct xs_ctx *ctx, int fd, void (*ready)(struct xs_ctx *ctx, void *arg),
		       void *arg)
{
	if (ctx->src_fd >= 0)
		epoll_ctl(ctx->epfd, EPOLL_CTL_DEL, ctx->src_fd, NULL); /* may be closed already */
	ctx->src_fd = fd;
	ctx->src_ready = ready;
	ctx->src_arg = arg;
	return add_fd(ctx, fd, &tag_source);
}

void xs_loop_stop(struct xs_ctx *ctx)
{
	uint64_t one = 1;

	if (write(ctx->stopfd, &one, sizeof(one)) < 0) {
		/* Only fails if the counter is saturated: a stop is pending anyway. */
	}
}

static int listen_interest(struct xs_ctx *ctx, uint32_t events)
{
	struct epoll_event ev = {.events = events, .data.ptr = (void *)&tag_listen};

	return epoll_ctl(ctx->epfd, EPOLL_CTL_MOD, ctx->listenfd, &ev);
}

/*
 * Out of descriptors (or memory): the client stays in the backlog, and a
 * level-triggered listener would wake the loop again at once, forever.  So
 * the listener is left out of the poll set until a connection closes (or
 * for a second, if none does), and the condition is logged once until the
 * daemon has caught up with its backlog again.
 */
static void pause_accepting(struct xs_ctx *ctx, int err)
{
	if (listen_interest(ctx, 0) < 0)
		return;
	ctx->accept_paused = true;
	ctx->closed_at_pause = ctx->conns_closed;
	if (!ctx->accept_logged)
		xs_log(ctx, "not accepting clients until a connection closes: %s", strerror(err));
	ctx->accept_logged = true;
}

static void resume_accepting(struct xs_ctx *ctx)
{
	if (listen_interest(ctx, EPOLLIN) == 0)
		ctx->accept_paused = false;
}

static void accept_all(struct xs_ctx *ctx)
{
	for (;;) {
		int fd = accept4(ctx->listenfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0 && (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
			       errno == ENOMEM))
			pause_accepting(ctx, errno);
		else if (fd < 0 && errno == EAGAIN)
			ctx->accept_logged = false; /* caught up */
		if (fd < 0)
			return;
		if (!xs_listen_peer_ok(ctx, fd)) {
			close(fd);
			continue;
		}
		if (!xs_conn_socket_new(ctx, fd)) {
			xs_log(ctx, "refusing a client: out of memory");
			close(fd);
		}
	}
}

/* Marks a connection ready for a turn. */
static void note_conn_event(struct xs_conn *c)
{
	if (c->tp->poll_ready)
		c->tp->poll_ready(c);
	c->more = true;
}

static void handle_events(struct xs_ctx *ctx, struct epoll_event *ev, int n)
{
	uint64_t v;

	for (int i = 0; i < n; i++) {
		void *p = ev[i].data.ptr;

		if (p == &tag_listen) {
			accept_all(ctx);
		} else if (p == &tag_stop) {
			if (read(ctx->stopfd, &v, sizeof(v)) > 0)
				ctx->stop = true;
		} else if (p == &tag_signal) {
			ctx->stop = true;
		} else if (p == &tag_source) {
			ctx->src_ready(ctx, ctx->src_arg);
		} else {
			note_conn_event(p);
		}
	}
}

/* One turn per ready connection, so a flood from one cannot starve others. */
static bool service_ready(struct xs_ctx *ctx)
{
	bool pending = false;

	for (struct xs_conn *c = ctx->conns; c; c = c->next) {
		if (!c->more || c->dead)
			continue;
		c->more = false;
		xs_conn_service(c);
	}
	xs_conn_reap(ctx);
	/* Services above may have queued events for connections already passed. */
	for (struct xs_conn *c = ctx->conns; c; c = c->next)
		pending |= c->more;
	return pending;
}

int xs_loop_run(struct xs_ctx *ctx)
{
	struct epoll_event ev[64];
	bool pending = false;

	while (!ctx->stop) {
		int timeout = pending ? 0 : ctx->accept_paused ? 1000 : -1;
		int n = epoll_wait(ctx->epfd, ev, 64, timeout);

		if (n < 0 && errno != EINTR)
			return -errno;
		if (n > 0)
			handle_events(ctx, ev, n);
		pending = service_ready(ctx);
		if (ctx->accept_paused && ((n == 0 && timeout > 0) ||
					   ctx->conns_closed != ctx->closed_at_pause))
			resume_accepting(ctx);
	}
	return 0;
}
