/*
 * ctl_fuzz_client.c - malformed and hostile traffic against a running
 * ketch-hv control socket, over raw sockets.  Prints one "ok <what>" or
 * "FAIL <what>" line per check; exits 1 if any failed.
 *   usage: ctl_fuzz_client SOCKET
 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "ketch/ketchctl.h"

static const char *sock_path;
static int failures;

static void check(bool cond, const char *fmt, const char *arg)
{
	printf("%s ", cond ? "ok" : "FAIL");
	printf(fmt, arg);
	printf("\n");
	failures += !cond;
}

static int conn(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock_path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("connect");
		exit(2);
	}
	return fd;
}

static bool send_raw(int fd, const void *p, size_t len)
{
	return send(fd, p, len, MSG_NOSIGNAL) == (ssize_t)len;
}

/* Send a header with the given fields and `len` payload bytes of 0x5a. */
static bool send_req(int fd, uint16_t op, uint32_t req_id, const void *payload,
		     uint32_t len)
{
	static uint8_t filler[KCTL_MAX_PAYLOAD + 64];
	struct kctl_hdr h;

	memset(filler, 0x5a, sizeof(filler));
	kctl_hdr_init(&h, op, req_id, 0, len);
	return send_raw(fd, &h, sizeof(h)) &&
	       (len == 0 || send_raw(fd, payload ? payload : filler, len));
}

/* The next reply within 3 s: its status, or INT32_MIN on timeout/EOF. */
static int32_t reply(int fd, struct kctl_hdr *h, void *buf, size_t cap)
{
	static uint8_t scratch[KCTL_MAX_PAYLOAD];
	struct pollfd p = { .fd = fd, .events = POLLIN };

	if (poll(&p, 1, 3000) <= 0)
		return INT32_MIN;
	if (kctl_recv(fd, h, buf ? buf : scratch, buf ? cap : sizeof(scratch), NULL))
		return INT32_MIN;
	return h->status;
}

/* True when the server has closed the connection (EOF within 3 s). */
static bool closed_by_server(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char c;

	return poll(&p, 1, 3000) == 1 && recv(fd, &c, 1, 0) == 0;
}

/* A connection that is still served: LIST answers. */
static bool still_served(int fd)
{
	struct kctl_hdr h;

	return send_req(fd, KCTL_OP_LIST, 99, NULL, 0) &&
	       reply(fd, &h, NULL, 0) == 0 && h.op == KCTL_OP_LIST && h.req_id == 99;
}

static void fatal_header(const char *what, struct kctl_hdr bad, int32_t want)
{
	struct kctl_hdr h;
	int fd = conn();
	int32_t st;

	send_raw(fd, &bad, sizeof(bad));
	st = reply(fd, &h, NULL, 0);
	check(st == want && h.op == KCTL_OP_ERROR, "%s: error reply", what);
	check(closed_by_server(fd), "%s: connection closed", what);
	close(fd);
}

static void bad_headers(void)
{
	struct kctl_hdr h;

	kctl_hdr_init(&h, KCTL_OP_LIST, 1, 0, 0);
	h.magic = 0x12345678;
	fatal_header("bad magic", h, -EPROTO);
	kctl_hdr_init(&h, KCTL_OP_LIST, 1, 0, 0);
	h.version = KCTL_VERSION + 1;
	fatal_header("bad version", h, -EPROTO);
	kctl_hdr_init(&h, KCTL_OP_SET_IMAGE, 1, 0, KCTL_MAX_PAYLOAD + 1);
	fatal_header("oversized len", h, -EMSGSIZE);
	kctl_hdr_init(&h, KCTL_OP_LIST, 1, 0, 0xffffffffu);
	fatal_header("len 4 GiB", h, -EMSGSIZE);
}

static void unknown_ops(void)
{
	static const uint16_t ops[] = { 0, 13, KCTL_OP_MAX, 200, KCTL_OP_EVENT,
					KCTL_OP_ERROR, 0xffff };
	struct kctl_hdr h;
	int fd = conn();
	bool all = true;

	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		int32_t st;

		send_req(fd, ops[i], 10 + (uint32_t)i, NULL, 8);
		st = reply(fd, &h, NULL, 0);
		all &= st == -EOPNOTSUPP && h.req_id == 10 + i;
	}
	check(all, "%s", "unknown ops answered -EOPNOTSUPP");
	check(still_served(fd), "%s", "connection kept after unknown ops");
	close(fd);
}

static void wrong_sizes(void)
{
	struct kctl_hdr h;
	int fd = conn();
	char what[64];

	for (uint16_t op = 1; op < KCTL_OP_MAX; op++) {
		size_t min, max;
		uint32_t sizes[2];

		if (kctl_payload_size(op, &min, &max) < 0)
			continue;
		sizes[0] = min ? (uint32_t)min - 1 : 4;
		sizes[1] = max < KCTL_MAX_PAYLOAD ? (uint32_t)max + 1 : (uint32_t)min - 1;
		for (int k = 0; k < 2; k++) {
			send_req(fd, op, op, NULL, sizes[k]);
			snprintf(what, sizeof(what), "op %u with %u bytes", op, sizes[k]);
			check(reply(fd, &h, NULL, 0) == -EINVAL && h.op == op,
			      "%s: -EINVAL", what);
		}
	}
	check(still_served(fd), "%s", "connection kept after wrong sizes");
	close(fd);
}

static void unknown_domains(void)
{
	static const uint16_t ops[] = { KCTL_OP_DESTROY, KCTL_OP_PAUSE, KCTL_OP_UNPAUSE,
					KCTL_OP_GETINFO, KCTL_OP_MAP_MEMORY };
	static const uint32_t ids[] = { 0, 4095, 4096, 0xffffffffu };
	struct kctl_hdr h;
	int fd = conn();
	bool all = true;

	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		for (size_t k = 0; k < sizeof(ids) / sizeof(ids[0]); k++) {
			struct kctl_domid d = { .domid = ids[k] };

			send_req(fd, ops[i], 1, &d, sizeof(d));
			all &= reply(fd, &h, NULL, 0) == -ESRCH;
		}
	}
	check(all, "%s", "unknown domains answered -ESRCH");
	close(fd);
}

static void bad_images(void)
{
	struct { struct kctl_image_chunk c; uint8_t data[16]; } m = { 0 };
	struct kctl_hdr h;
	int fd = conn();

	m.c = (struct kctl_image_chunk){ .domid = 4000, .total = 16 };
	send_req(fd, KCTL_OP_SET_IMAGE, 1, &m, sizeof(m));
	check(reply(fd, &h, NULL, 0) == -ESRCH, "%s", "image for unknown domain: -ESRCH");
	m.c.total = (uint64_t)KCTL_MAX_IMAGE + 1;
	send_req(fd, KCTL_OP_SET_IMAGE, 2, &m, sizeof(m));
	check(reply(fd, &h, NULL, 0) == -EFBIG, "%s", "image over the limit: -EFBIG");
	m.c.total = 0;
	send_req(fd, KCTL_OP_SET_IMAGE, 3, &m, sizeof(m));
	check(reply(fd, &h, NULL, 0) == -EINVAL, "%s", "image of size 0: -EINVAL");
	close(fd);
}

/* Many requests in one write: every reply comes, in order. */
static void pipelined(void)
{
	struct kctl_hdr reqs[50], h;
	int fd = conn();
	bool all = true;

	for (int i = 0; i < 50; i++)
		kctl_hdr_init(&reqs[i], KCTL_OP_HV_INFO, 1000 + (uint32_t)i, 0, 0);
	send_raw(fd, reqs, sizeof(reqs));
	for (int i = 0; i < 50; i++)
		all &= reply(fd, &h, NULL, 0) == 0 && h.req_id == 1000 + (uint32_t)i;
	check(all, "%s", "50 pipelined requests answered in order");
	close(fd);
}

/* Clients that leave mid-request, or without reading the reply. */
static void hangups(void)
{
	struct kctl_hdr h;
	int fd;

	fd = conn();
	kctl_hdr_init(&h, KCTL_OP_GETINFO, 1, 0, 8);
	send_raw(fd, &h, 11);
	close(fd);
	fd = conn();
	send_raw(fd, &h, sizeof(h));
	send_raw(fd, "abc", 3);
	close(fd);
	fd = conn();
	kctl_hdr_init(&h, KCTL_OP_SET_IMAGE, 1, 0, KCTL_MAX_PAYLOAD);
	send_raw(fd, &h, sizeof(h));
	close(fd);
	fd = conn();
	send_req(fd, KCTL_OP_LIST, 1, NULL, 0);
	close(fd); /* never reads the 4 KiB reply */
	fd = conn();
	send_raw(fd, "\x01\x02\x03", 3);
	shutdown(fd, SHUT_WR);
	check(closed_by_server(fd), "%s", "half-closed client mid-header is closed");
	close(fd);
	fd = conn();
	check(still_served(fd), "%s", "served after clients left mid-request");
	close(fd);
}

static void hello_checks(void)
{
	struct kctl_hello hi = { .version = KCTL_VERSION + 7 }, out;
	struct kctl_hdr h;
	int fd = conn();

	send_req(fd, KCTL_OP_HELLO, 5, &hi, sizeof(hi));
	check(reply(fd, &h, &out, sizeof(out)) == -EPROTO, "%s",
	      "HELLO with a foreign version: -EPROTO");
	hi.version = KCTL_VERSION;
	send_req(fd, KCTL_OP_HELLO, 6, &hi, sizeof(hi));
	check(reply(fd, &h, &out, sizeof(out)) == 0 && out.version == KCTL_VERSION &&
	      out.pid > 0, "%s", "HELLO answered with version and pid");
	close(fd);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: ctl_fuzz_client SOCKET\n");
		return 2;
	}
	sock_path = argv[1];
	setvbuf(stdout, NULL, _IOLBF, 0);
	hello_checks();
	bad_headers();
	unknown_ops();
	wrong_sizes();
	unknown_domains();
	bad_images();
	pipelined();
	hangups();
	return failures ? 1 : 0;
}
