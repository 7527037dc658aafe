/*
 * migrate_wire.c - the migration connection: framing with bounded
 * lengths, stall timeouts, and the authentication both ends run before
 * anything else.  Each end sends a random nonce; each proves it holds the
 * shared key with HMAC-SHA256 over both nonces and its role, so the key
 * never crosses the wire and a recorded exchange cannot be replayed.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/random.h>
#include <sys/time.h>
#include <unistd.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "migrate.h"

int mig_write_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? -ETIMEDOUT : -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int mig_read_all(int fd, void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len) {
		ssize_t n = recv(fd, p, len, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? -ETIMEDOUT : -errno;
		if (n == 0)
			return -ECONNRESET;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int mig_send(int fd, uint32_t type, const void *body, uint32_t len)
{
	uint32_t h[2] = { type, len };
	int r = mig_write_all(fd, h, sizeof(h));

	return r || !len ? r : mig_write_all(fd, body, len);
}

int mig_send_text(int fd, uint32_t type, const char *text)
{
	size_t n = strnlen(text, MIG_TEXT_MAX);

	return mig_send(fd, type, text, (uint32_t)n);
}

int mig_recv_head(int fd, uint32_t *type, uint32_t *len, uint32_t max, char *why, size_t n)
{
	uint32_t h[2];
	int r = mig_read_all(fd, h, sizeof(h));

	if (r)
		return snprintf(why, n, "%s", r == -ETIMEDOUT ? "the peer stalled"
			: r == -ECONNRESET ? "the peer closed the connection" : strerror(-r)), r;
	*type = h[0];
	*len = h[1];
	if (h[0] == MIG_ERROR && h[1] <= MIG_TEXT_MAX) {
		char text[MIG_TEXT_MAX + 1] = "";

		if (!mig_read_all(fd, text, h[1]))
			text[h[1]] = 0;
		snprintf(why, n, "the peer: %s", text);
		return -EREMOTEIO;
	}
	if (h[1] > max)
		return snprintf(why, n, "frame type %u of %u bytes (at most %u expected)", h[0],
				h[1], max), -EPROTO;
	return 0;
}

void mig_set_timeout(int fd, int timeout_s)
{
	struct timeval tv = { .tv_sec = timeout_s };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

int mig_load_key(const char *path, uint8_t *key, size_t *len, char *why, size_t n)
{
	uint8_t buf[MIG_TOKEN_MAX + 2];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t got = fd < 0 ? -1 : read(fd, buf, sizeof(buf));
	size_t s = 0, e;

	if (fd >= 0)
		close(fd);
	if (got < 0)
		return snprintf(why, n, "%s: %s", path, strerror(errno)), -1;
	e = (size_t)got;
	while (s < e && (buf[s] == ' ' || buf[s] == '\n' || buf[s] == '\t' || buf[s] == '\r'))
		s++;
	while (e > s && (buf[e - 1] == ' ' || buf[e - 1] == '\n' || buf[e - 1] == '\t' ||
			 buf[e - 1] == '\r'))
		e--;
	if (e == s || e - s > MIG_TOKEN_MAX)
		return snprintf(why, n, "%s: the key must be 1 to %d bytes", path,
				MIG_TOKEN_MAX), -1;
	memcpy(key, buf + s, e - s);
	*len = e - s;
	return 0;
}

/* HMAC-SHA256(key, role || magic || nonce_t || nonce_s). */
static void proof(const uint8_t *key, size_t klen, char role, const uint8_t *nt,
		  const uint8_t *ns, uint8_t *mac)
{
	uint8_t msg[1 + 8 + 2 * MIG_NONCE];
	unsigned int ml = MIG_MAC;

	msg[0] = (uint8_t)role;
	memcpy(msg + 1, MIG_MAGIC, 8);
	memcpy(msg + 9, nt, MIG_NONCE);
	memcpy(msg + 9 + MIG_NONCE, ns, MIG_NONCE);
	HMAC(EVP_sha256(), key, (int)klen, msg, sizeof(msg), mac, &ml);
}

static int nonce(uint8_t *n)
{
	return getrandom(n, MIG_NONCE, 0) == MIG_NONCE ? 0 : -EIO;
}

/* The target's opening: magic, version, nonce. */
struct mig_hello_t {
	char magic[8];
	uint32_t version, pad;
	uint8_t nonce[MIG_NONCE];
};

int mig_auth_target(int fd, const uint8_t *key, size_t klen, char *why, size_t n)
{
	struct mig_hello_t h = { .version = MIG_VERSION };
	uint8_t in[MIG_NONCE + MIG_MAC], want[MIG_MAC], mine[MIG_MAC];
	uint32_t type, len;
	int r;

	memcpy(h.magic, MIG_MAGIC, 8);
	if (nonce(h.nonce) || (r = mig_send(fd, MIG_AUTH, &h, sizeof(h))))
		return snprintf(why, n, "cannot open the exchange"), -EIO;
	if ((r = mig_recv_head(fd, &type, &len, sizeof(in), why, n)))
		return r;
	if (type != MIG_AUTH || len != sizeof(in) || mig_read_all(fd, in, sizeof(in)))
		return snprintf(why, n, "not a Ketch migration peer"), -EPROTO;
	proof(key, klen, 'S', h.nonce, in, want);
	if (CRYPTO_memcmp(want, in + MIG_NONCE, MIG_MAC)) {
		mig_send_text(fd, MIG_ERROR, "authentication failed: the migration keys differ");
		return snprintf(why, n, "authentication failed: wrong key"), -EACCES;
	}
	proof(key, klen, 'T', h.nonce, in, mine);
	return mig_send(fd, MIG_AUTH, mine, MIG_MAC) ? snprintf(why, n, "peer gone"), -EIO : 0;
}

int mig_auth_source(int fd, const uint8_t *key, size_t klen, char *why, size_t n)
{
	struct mig_hello_t h;
	uint8_t out[MIG_NONCE + MIG_MAC], mac[MIG_MAC], want[MIG_MAC];
	uint32_t type, len;
	int r;

	if ((r = mig_recv_head(fd, &type, &len, sizeof(h), why, n)))
		return r;
	if (type != MIG_AUTH || len != sizeof(h) || mig_read_all(fd, &h, sizeof(h)) ||
	    memcmp(h.magic, MIG_MAGIC, 8))
		return snprintf(why, n, "the peer is not a Ketch migration listener"), -EPROTO;
	if (h.version != MIG_VERSION)
		return snprintf(why, n, "the peer speaks migration version %u, not %u",
				h.version, MIG_VERSION), -EPROTO;
	if (nonce(out))
		return snprintf(why, n, "no random bytes"), -EIO;
	proof(key, klen, 'S', h.nonce, out, out + MIG_NONCE);
	if ((r = mig_send(fd, MIG_AUTH, out, sizeof(out))))
		return snprintf(why, n, "peer gone: %s", strerror(-r)), r;
	if ((r = mig_recv_head(fd, &type, &len, MIG_MAC, why, n)))
		return r;
	proof(key, klen, 'T', h.nonce, out, want);
	if (type != MIG_AUTH || len != MIG_MAC || mig_read_all(fd, mac, MIG_MAC) ||
	    CRYPTO_memcmp(mac, want, MIG_MAC))
		return snprintf(why, n, "authentication failed: the target does not hold "
				"the key"), -EACCES;
	return 0;
}

/* A non-blocking connect finished within timeout_s, or not. */
static int wait_connected(int fd, int timeout_s)
{
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	int err = 0;
	socklen_t l = sizeof(err);
	int r = poll(&p, 1, timeout_s * 1000);

	if (r == 0)
		return -ETIMEDOUT;
	if (r < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &l))
		return -errno;
	return -err;
}

int mig_connect(const char *host, const char *port, int timeout_s, char *why, size_t n)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai, *p;
	int r = getaddrinfo(host, port, &hints, &ai), fd = -1, e = -EHOSTUNREACH;

	if (r)
		return snprintf(why, n, "%s: %s", host, gai_strerror(r)), -EHOSTUNREACH;
	for (p = ai; p && fd < 0; p = p->ai_next) {
		fd = socket(p->ai_family, p->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (fd < 0)
			continue;
		if (connect(fd, p->ai_addr, p->ai_addrlen) && errno != EINPROGRESS)
			e = -errno;
		else if (!(e = wait_connected(fd, timeout_s)))
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	if (fd < 0)
		return snprintf(why, n, "cannot connect to %s port %s: %s", host, port,
				strerror(-e)), e;
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	mig_set_timeout(fd, timeout_s);
	return fd;
}

int mig_ctl_send(int fd, char kind, int64_t a, int64_t b, int64_t c, int64_t d,
		 const char *text)
{
	struct mig_ctl m = { .kind = kind, .a = a, .b = b, .c = c, .d = d };

	if (text)
		snprintf(m.text, sizeof(m.text), "%s", text);
	return send(fd, &m, sizeof(m), MSG_NOSIGNAL) == (ssize_t)sizeof(m) ? 0 : -errno;
}

/* A one-message header carrying m and room for one descriptor. */
struct fd_msg {
	struct iovec v;
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(int))];
	} u;
	struct msghdr mh;
};

static void fd_msg_init(struct fd_msg *f, struct mig_ctl *m)
{
	memset(f, 0, sizeof(*f));
	f->v = (struct iovec){ m, sizeof(*m) };
	f->mh = (struct msghdr){ .msg_iov = &f->v, .msg_iovlen = 1, .msg_control = f->u.b,
				 .msg_controllen = sizeof(f->u.b) };
}

int mig_ctl_send_fd(int fd, char kind, int64_t a, int passfd)
{
	struct mig_ctl m = { .kind = kind, .a = a };
	struct fd_msg f;
	struct cmsghdr *c;

	fd_msg_init(&f, &m);
	c = CMSG_FIRSTHDR(&f.mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &passfd, sizeof(int));
	return sendmsg(fd, &f.mh, MSG_NOSIGNAL) == (ssize_t)sizeof(m) ? 0 : -errno;
}

int mig_ctl_recv(int fd, struct mig_ctl *m, int *passfd)
{
	struct fd_msg f;
	ssize_t n;
	struct cmsghdr *c;

	fd_msg_init(&f, m);
	n = recvmsg(fd, &f.mh, MSG_CMSG_CLOEXEC);
	c = n > 0 ? CMSG_FIRSTHDR(&f.mh) : NULL;
	*passfd = -1;
	if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
	    c->cmsg_len == CMSG_LEN(sizeof(int)))
		memcpy(passfd, CMSG_DATA(c), sizeof(int));
	if (n == (ssize_t)sizeof(*m))
		return 0;
	if (*passfd >= 0)
		close(*passfd);
	*passfd = -1;
	return n < 0 ? -errno : -EPROTO;
}
