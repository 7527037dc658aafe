/*
 * Holds many raw client connections to a xenstored socket, for tests of
 * what the daemon spends per connection and of its open-file limit.
 *
 *   xs_conns SOCKET N
 *
 * Opens up to N connections, each sending one request (GET_DOMAIN_PATH) and
 * waiting up to a second for its reply; stops at the first one not served
 * (the daemon did not accept it) and closes that one.  Prints
 * "served K" (K of N served), then obeys lines on stdin:
 *   close-one   closes one served connection, prints "closed"
 *   check       sends a request on every held connection, prints "ok K"
 *               with the number answered
 * and exits (closing everything) at end of input.
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <xen/io/xs_wire.h>

static int connect_to(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
		return fd;
	if (fd >= 0)
		close(fd);
	return -1;
}

/* One GET_DOMAIN_PATH round trip; 0 when answered within a second. */
static int ping(int fd)
{
	struct xsd_sockmsg h = {.type = XS_GET_DOMAIN_PATH, .req_id = 1, .len = 2};
	char buf[sizeof(h) + 64];
	struct pollfd p = {.fd = fd, .events = POLLIN};
	size_t got = 0;

	if (send(fd, &h, sizeof(h), MSG_NOSIGNAL) != sizeof(h) ||
	    send(fd, "0", 2, MSG_NOSIGNAL) != 2)
		return -1;
	while (got < sizeof(h) + 16) {
		ssize_t n;

		if (poll(&p, 1, 1000) != 1)
			return -1;
		n = recv(fd, buf + got, sizeof(buf) - got, 0);
		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	return 0;
}

static int check_all(const int *fds, int n)
{
	int ok = 0;

	for (int i = 0; i < n; i++)
		ok += fds[i] >= 0 && ping(fds[i]) == 0;
	return ok;
}

int main(int argc, char **argv)
{
	int n = argc == 3 ? atoi(argv[2]) : 0, served = 0, *fds;
	char line[64];

	if (n <= 0) {
		fprintf(stderr, "usage: xs_conns SOCKET N\n");
		return 2;
	}
	fds = calloc((size_t)n, sizeof(*fds));
	while (fds && served < n) {
		int fd = connect_to(argv[1]);

		if (fd < 0)
			break;
		if (ping(fd)) {
			close(fd); /* not accepted: give up its place in the backlog */
			break;
		}
		fds[served++] = fd;
	}
	printf("served %d\n", served);
	fflush(stdout);
	while (fgets(line, sizeof(line), stdin)) {
		if (!strncmp(line, "close-one", 9) && served > 0) {
			close(fds[--served]);
			printf("closed\n");
		} else if (!strncmp(line, "check", 5)) {
			printf("ok %d\n", check_all(fds, served));
		}
		fflush(stdout);
	}
	while (served > 0)
		close(fds[--served]);
	free(fds);
	return 0;
}
