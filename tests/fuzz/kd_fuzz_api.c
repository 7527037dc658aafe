/*
 * libFuzzer target: arbitrary bytes as a client's stream to ketchd's JSON
 * API socket.  The real line splitter and sender (server.c) and the real
 * dispatcher and handlers (api*.c, the config rules) run; what lies below
 * them (domains, ketch-hv, xenstore) is kd_fake.c.  Every reply that comes
 * back over the socketpair must be one JSON object with a boolean "ok".
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <xenstore.h>

#include "kd_fake.h"
#include "ketchd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_line(const char *line, size_t len)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *o = json_tokener_parse_ex(tok, line, (int)len), *ok;

	if (!json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, "ok", &ok) || !json_object_is_type(ok, json_type_boolean))
		abort(); /* a reply that is not a reply */
	json_object_put(o);
	json_tokener_free(tok);
}

/* What ketchd sent and is not checked yet (a partial line). */
static char buf[1 << 20];
static size_t have;

/* Read what ketchd sent; check each whole line, keep a partial one. */
static void drain(int fd)
{
	ssize_t n;

	while ((n = read(fd, buf + have, sizeof(buf) - have)) > 0) {
		char *p = buf, *nl;

		have += (size_t)n;
		while ((nl = memchr(p, '\n', have - (size_t)(p - buf)))) {
			check_line(p, (size_t)(nl - p));
			p = nl + 1;
		}
		have -= (size_t)(p - buf);
		memmove(buf, p, have);
		if (have == sizeof(buf))
			abort(); /* a megabyte reply line */
	}
}

/* A few nodes a guest could have written, so xenstore ops find a tree. */
static void seed_store(void)
{
	static const char *const paths[] = {
		"/local", "/local/domain", "/local/domain/1", "/local/domain/1/name",
		"/local/domain/1/data", "/local/domain/1/data/x y", "/vm",
	};

	for (size_t i = 0; i < sizeof(paths) / sizeof(*paths); i++)
		xs_write(NULL, XBT_NULL, paths[i], "v\"\\\n", 4);
}

/* Feed data in reads of step bytes, as a client's writes arrive. */
static void feed(struct kd *kd, struct kd_conn *c, int peer, const uint8_t *data,
		 size_t size, size_t step)
{
	for (size_t at = 0; at < size && !c->dead; at += step) {
		size_t n = size - at < step ? size - at : step;

		if (write(peer, data + at, n) != (ssize_t)n)
			abort();
		kd_server_io(kd, c, EPOLLIN);
		drain(peer);
	}
	shutdown(peer, SHUT_WR);
	if (!c->dead)
		kd_server_io(kd, c, EPOLLIN); /* the hang-up */
	drain(peer);
}

/*
 * Byte 0: bit 0 whether ketchd has xenstore; the rest picks the size of
 * each read (1..128 x 64 bytes).  The rest is the client's stream.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct kd kd;
	static struct xs_handle *fake_xs = (struct xs_handle *)&kd;
	struct kd_conn *c;
	int sv[2];

	if (size < 1 || size > (1 << 17))
		return 0;
	kd = (struct kd){ .epfd = -1, .listen_fd = -1, .sig_fd = -1,
			  .opt = { .shutdown_timeout_s = 30 } };
	kd.xs = data[0] & 1 ? fake_xs : NULL;
	kd_fake_bind(&kd);
	seed_store();
	have = 0;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0 || !(c = calloc(1, sizeof(*c))))
		abort();
	fcntl(sv[0], F_SETFL, O_NONBLOCK);
	fcntl(sv[1], F_SETFL, O_NONBLOCK);
	c->fd = sv[0];
	kd.conns = c;
	feed(&kd, c, sv[1], data + 1, size - 1, (size_t)((data[0] >> 1) + 1) * 64);
	kd_server_close_all(&kd); /* closes sv[0] */
	close(sv[1]);
	kd_fake_reset(&kd);
	return 0;
}
