/*
 * ketchctl.c - the client handle: connect, HELLO handshake, one call at a
 * time; optionally every exchange bounded by a timeout, with a fresh
 * connection after a stream was lost.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "kctl_private.h"

static const char *resolve(const char *path)
{
	if (!path)
		path = getenv("KETCH_HV_SOCKET");
	if (!path || !*path)
		path = KCTL_DEFAULT_SOCKET;
	return path;
}

/* SO_RCVTIMEO/SO_SNDTIMEO: a blocked recvmsg or sendmsg ends with EAGAIN. */
static int set_timeouts(int fd, int timeout_ms)
{
	struct timeval tv = { .tv_sec = timeout_ms / 1000,
			      .tv_usec = (timeout_ms % 1000) * 1000 };

	if (timeout_ms <= 0)
		return 0;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0)
		return -errno;
	return 0;
}

int kctl_connect(const char *path, int timeout_ms)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, r;

	path = resolve(path);
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	r = set_timeouts(fd, timeout_ms);
	if (r == 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		r = -errno;
	if (r) {
		close(fd);
		return r;
	}
	return fd;
}

/* Judge a received reply to (op, req_id) that should carry rep_len bytes. */
static int reply_status(const struct kctl_hdr *h, uint16_t op, uint32_t req_id,
			uint32_t rep_len)
{
	if (h->op == KCTL_OP_ERROR && h->status < 0)
		return h->status; /* the frame was refused, or we were */
	if (h->op != op || h->req_id != req_id)
		return -EPROTO;
	if (h->status)
		return h->status < 0 ? h->status : -EPROTO;
	return h->len == rep_len ? 0 : -EPROTO;
}

static int timed_out(int r)
{
	return r == -EAGAIN || r == -EWOULDBLOCK ? -ETIMEDOUT : r;
}

int kctl_exchange(int fd, uint16_t op, uint32_t req_id, const void *req,
		  uint32_t req_len, void *rep, uint32_t rep_len, int *fd_out)
{
	char scratch[KCTL_MAX_PAYLOAD];
	struct kctl_hdr h;
	int passed = -1, sent, r;

	kctl_hdr_init(&h, op, req_id, 0, req_len);
	sent = timed_out(kctl_send(fd, &h, req, -1, 0));
	/* A server that refused us may have closed already: read why. */
	if (sent && sent != -EPIPE && sent != -ECONNRESET)
		return sent;
	r = timed_out(kctl_recv(fd, &h, rep ? rep : scratch,
				rep ? rep_len : sizeof(scratch), &passed));
	if (r) {
		if (passed >= 0)
			close(passed);
		return sent ? sent : r;
	}
	r = reply_status(&h, op, req_id, rep_len);
	if (r == 0 && fd_out)
		*fd_out = passed;
	else if (passed >= 0)
		close(passed);
	return r;
}

static int hello_on(int fd, uint32_t req_id, uint32_t *server_pid)
{
	struct kctl_hello req = { .version = KCTL_VERSION }, rep;
	int r = kctl_exchange(fd, KCTL_OP_HELLO, req_id, &req, sizeof(req), &rep,
			      sizeof(rep), NULL);

	if (r == 0 && rep.version != KCTL_VERSION)
		r = -EPROTO;
	if (r == 0)
		*server_pid = rep.pid;
	return r;
}

/*
 * Replace a dead stream by a new connection (h->lock held).  The old one
 * is closed first: the server then drops whatever it still owed it.
 */
static int reconnect(struct kctl *h)
{
	int fd, r;

	if (h->fd >= 0)
		close(h->fd);
	h->fd = -1;
	fd = r = kctl_connect(h->path, h->timeout_ms);
	if (fd >= 0)
		r = hello_on(fd, ++h->next_req, &h->server_pid);
	if (r) {
		if (fd >= 0)
			close(fd);
		return r;
	}
	h->fd = fd;
	h->dead = false;
	return 0;
}

static bool ends_stream(int r)
{
	return r == -EPROTO || r == -EMSGSIZE || r == -ECONNRESET || r == -EPIPE ||
	       r == -EACCES || r == -ENOTCONN || r == -ETIMEDOUT;
}

int kctl_call(struct kctl *h, uint16_t op, const void *req, uint32_t req_len,
	      void *rep, uint32_t rep_len, int *fd_out)
{
	int r = 0;

	pthread_mutex_lock(&h->lock);
	if (h->dead)
		r = h->path ? reconnect(h) : -ENOTCONN;
	if (r == 0)
		r = kctl_exchange(h->fd, op, ++h->next_req, req, req_len, rep,
				  rep_len, fd_out);
	/* Transport errors, timeouts and connection-level refusals end the stream. */
	if (ends_stream(r))
		h->dead = true;
	pthread_mutex_unlock(&h->lock);
	return r;
}

struct kctl *kctl_open_timeout(const char *path, int timeout_ms, int *err)
{
	struct kctl *h = calloc(1, sizeof(*h));
	int r = h ? kctl_connect(path, timeout_ms) : -ENOMEM;

	if (r >= 0) {
		h->fd = r;
		h->timeout_ms = timeout_ms;
		pthread_mutex_init(&h->lock, NULL);
		r = hello_on(h->fd, ++h->next_req, &h->server_pid);
		if (r == 0 && timeout_ms > 0 && !(h->path = strdup(resolve(path))))
			r = -ENOMEM;
		if (r) {
			kctl_close(h);
			h = NULL;
		}
	} else {
		free(h);
		h = NULL;
	}
	if (err)
		*err = r < 0 ? r : 0;
	return h;
}

struct kctl *kctl_open(const char *path, int *err)
{
	return kctl_open_timeout(path, 0, err);
}

void kctl_close(struct kctl *h)
{
	if (!h)
		return;
	if (h->fd >= 0)
		close(h->fd);
	pthread_mutex_destroy(&h->lock);
	free(h->path);
	free(h);
}

uint32_t kctl_server_pid(const struct kctl *h)
{
	return h->server_pid;
}
