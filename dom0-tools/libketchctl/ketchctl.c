/* ketchctl.c - the client handle: connect, HELLO handshake, one call at a time. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "kctl_private.h"

int kctl_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (!path)
		path = getenv("KETCH_HV_SOCKET");
	if (!path || !*path)
		path = KCTL_DEFAULT_SOCKET;
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int r = -errno;

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

int kctl_exchange(int fd, uint16_t op, uint32_t req_id, const void *req,
		  uint32_t req_len, void *rep, uint32_t rep_len, int *fd_out)
{
	char scratch[KCTL_MAX_PAYLOAD];
	struct kctl_hdr h;
	int passed = -1, sent, r;

	kctl_hdr_init(&h, op, req_id, 0, req_len);
	sent = kctl_send(fd, &h, req, -1, 0);
	/* A server that refused us may have closed already: read why. */
	if (sent && sent != -EPIPE && sent != -ECONNRESET)
		return sent;
	r = kctl_recv(fd, &h, rep ? rep : scratch, rep ? rep_len : sizeof(scratch),
		      &passed);
	if (r)
		return sent ? sent : r;
	r = reply_status(&h, op, req_id, rep_len);
	if (r == 0 && fd_out)
		*fd_out = passed;
	else if (passed >= 0)
		close(passed);
	return r;
}

int kctl_call(struct kctl *h, uint16_t op, const void *req, uint32_t req_len,
	      void *rep, uint32_t rep_len, int *fd_out)
{
	int r;

	pthread_mutex_lock(&h->lock);
	if (h->dead) {
		pthread_mutex_unlock(&h->lock);
		return -ENOTCONN;
	}
	r = kctl_exchange(h->fd, op, ++h->next_req, req, req_len, rep, rep_len,
			  fd_out);
	/* Transport errors and connection-level refusals end the stream. */
	if (r == -EPROTO || r == -EMSGSIZE || r == -ECONNRESET || r == -EPIPE ||
	    r == -EACCES || r == -ENOTCONN)
		h->dead = true;
	pthread_mutex_unlock(&h->lock);
	return r;
}

static int hello(struct kctl *h)
{
	struct kctl_hello req = { .version = KCTL_VERSION }, rep;
	int r = kctl_call(h, KCTL_OP_HELLO, &req, sizeof(req), &rep, sizeof(rep), NULL);

	if (r)
		return r;
	if (rep.version != KCTL_VERSION)
		return -EPROTO;
	h->server_pid = rep.pid;
	return 0;
}

struct kctl *kctl_open(const char *path, int *err)
{
	struct kctl *h = calloc(1, sizeof(*h));
	int r = h ? kctl_connect(path) : -ENOMEM;

	if (r >= 0) {
		h->fd = r;
		pthread_mutex_init(&h->lock, NULL);
		r = hello(h);
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

void kctl_close(struct kctl *h)
{
	if (!h)
		return;
	close(h->fd);
	pthread_mutex_destroy(&h->lock);
	free(h);
}

uint32_t kctl_server_pid(const struct kctl *h)
{
	return h->server_pid;
}
