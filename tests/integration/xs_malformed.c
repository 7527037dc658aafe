/* Malformed-message tests against a running ketch-xenstored, over raw sockets.
 * Prints one "ok <what>" or "FAIL <what>" line per check.
 *   usage: xs_malformed SOCKET */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <xen/io/xs_wire.h>

static const char *sock_path;
static int failures;

static void check(bool cond, const char *what)
{
	printf("%s %s\n", cond ? "ok" : "FAIL", what);
	failures += !cond;
}

static int conn(void)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock_path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("connect");
		exit(2);
	}
	return fd;
}

static bool send_msg(int fd, uint32_t type, uint32_t req_id, uint32_t tx, const void *p,
		     uint32_t len)
{
	struct xsd_sockmsg h = {type, req_id, tx, len};

	return send(fd, &h, sizeof(h), MSG_NOSIGNAL) == sizeof(h) &&
	       (len == 0 || send(fd, p, len, MSG_NOSIGNAL) == (ssize_t)len);
}

/* Reads one reply within 3 s; false on timeout or EOF. */
static bool recv_msg(int fd, struct xsd_sockmsg *h, char *buf, size_t cap)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};

	if (poll(&p, 1, 3000) <= 0)
		return false;
	if (recv(fd, h, sizeof(*h), MSG_WAITALL) != sizeof(*h) || h->len >= cap)
		return false;
	if (h->len && recv(fd, buf, h->len, MSG_WAITALL) != (ssize_t)h->len)
		return false;
	buf[h->len] = '\0';
	return true;
}

/* True if the peer closed fd within 3 s. */
static bool closed_by_peer(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	char c;

	return poll(&p, 1, 3000) > 0 && recv(fd, &c, 1, 0) == 0;
}

static bool expect_error(int fd, uint32_t type, const void *p, uint32_t len, const char *err)
{
	struct xsd_sockmsg h;
	char buf[XENSTORE_PAYLOAD_MAX + 1];

	return send_msg(fd, type, 1234, 0, p, len) && recv_msg(fd, &h, buf, sizeof(buf)) &&
	       h.type == XS_ERROR && h.req_id == 1234 && !strcmp(buf, err);
}

/* The daemon still answers a fresh client. */
static bool alive(void)
{
	int fd = conn();
	struct xsd_sockmsg h;
	char buf[64];
	bool ok = send_msg(fd, XS_GET_DOMAIN_PATH, 5, 0, "1", 2) && recv_msg(fd, &h, buf, 64) &&
		  h.req_id == 5 && !strcmp(buf, "/local/domain/1");

	close(fd);
	return ok;
}

static void test_errors(void)
{
	int fd = conn();

	check(expect_error(fd, XS_READ, "/no-nul", 7, "EINVAL"), "missing NUL gets EINVAL");
	check(expect_error(fd, XS_WRITE, "/x", 2, "EINVAL"), "WRITE without path NUL gets EINVAL");
	check(expect_error(fd, 20, "", 0, "ENOSYS"), "removed type 20 gets ENOSYS");
	check(expect_error(fd, 9999, "x", 1, "ENOSYS"), "unknown type gets ENOSYS");
	check(expect_error(fd, XS_ERROR, "", 0, "ENOSYS"), "client-sent ERROR gets ENOSYS");
	check(expect_error(fd, XS_READ, "/a//b", 6, "EINVAL"), "bad path gets EINVAL");
	check(expect_error(fd, XS_READ, "/missing", 9, "ENOENT"), "missing node gets ENOENT");
	check(expect_error(fd, XS_TRANSACTION_END, "T", 2, "ENOENT"), "END without tx: ENOENT");
	close(fd);
}

static void test_oversized(void)
{
	int fd = conn();
	struct xsd_sockmsg h = {XS_WRITE, 77, 0, XENSTORE_PAYLOAD_MAX + 1};
	char buf[64];

	check(send(fd, &h, sizeof(h), 0) == sizeof(h), "sent oversized header");
	check(recv_msg(fd, &h, buf, sizeof(buf)) && h.type == XS_ERROR && !strcmp(buf, "E2BIG") &&
		      h.req_id == 77,
	      "length beyond XENSTORE_PAYLOAD_MAX gets E2BIG");
	check(closed_by_peer(fd), "and the connection is closed");
	close(fd);
	check(alive(), "daemon serves others after an oversized message");
}

static void test_vanishing(void)
{
	int fd = conn();
	struct xsd_sockmsg h = {XS_WRITE, 1, 0, 100};

	check(send(fd, &h, 7, 0) == 7, "sent a truncated header");
	close(fd);
	check(alive(), "daemon survives a truncated header and hang-up");
	fd = conn();
	check(send(fd, &h, sizeof(h), 0) == sizeof(h) && send(fd, "/half", 5, 0) == 5,
	      "sent half a message");
	close(fd);
	check(alive(), "daemon survives a client vanishing mid-message");
	fd = conn();
	send_msg(fd, XS_WATCH, 1, 0, "/\0tok", 6);
	send_msg(fd, XS_TRANSACTION_START, 2, 0, "", 1);
	close(fd); /* with a watch and a transaction open, replies unread */
	check(alive(), "daemon survives a client leaving with a watch and transaction");
}

/* Requests then shutdown(SHUT_WR): the replies still arrive. */
static void test_half_close(void)
{
	int fd = conn();
	struct xsd_sockmsg h;
	char buf[64];
	bool ok = send_msg(fd, XS_GET_DOMAIN_PATH, 1, 0, "1", 2) &&
		  send_msg(fd, XS_GET_DOMAIN_PATH, 2, 0, "2", 2) && shutdown(fd, SHUT_WR) == 0;

	ok = ok && recv_msg(fd, &h, buf, sizeof(buf)) && h.req_id == 1;
	ok = ok && recv_msg(fd, &h, buf, sizeof(buf)) && h.req_id == 2 &&
	     !strcmp(buf, "/local/domain/2");
	check(ok, "a half-closed client still gets its replies");
	check(closed_by_peer(fd), "then the daemon closes");
	close(fd);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* One client floods without reading; another must still be served. */
static void test_flood(void)
{
	int flood = conn(), other = conn(), served = 0;
	static char req[(sizeof(struct xsd_sockmsg) + 2) * 256];
	struct xsd_sockmsg h = {XS_GET_DOMAIN_PATH, 0, 0, 2};
	double end = now() + 2.0;
	char buf[64];

	for (size_t i = 0; i < 256; i++) {
		memcpy(req + i * (sizeof(h) + 2), &h, sizeof(h));
		memcpy(req + i * (sizeof(h) + 2) + sizeof(h), "1", 2);
	}
	/* Fill the flooder's socket buffers in both directions. */
	for (int i = 0; i < 2000; i++)
		if (send(flood, req, sizeof(req), MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
			break;
	while (now() < end) {
		send(flood, req, sizeof(req), MSG_DONTWAIT | MSG_NOSIGNAL);
		if (!send_msg(other, XS_GET_DOMAIN_PATH, 9, 0, "2", 2) ||
		    !recv_msg(other, &h, buf, sizeof(buf)) || strcmp(buf, "/local/domain/2"))
			break;
		served++;
	}
	check(served > 10, "a second client is served while another floods");
	close(flood);
	close(other);
	check(alive(), "daemon alive after the flood");
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s SOCKET\n", argv[0]);
		return 2;
	}
	sock_path = argv[1];
	test_errors();
	test_oversized();
	test_vanishing();
	test_half_close();
	test_flood();
	return failures ? 1 : 0;
}
