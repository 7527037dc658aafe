/*
 * libFuzzer target: arbitrary bytes as a client's stream into ketch-hv's
 * control socket.  ctl_server.c is compiled into this file so its static
 * frame loop (process_input) is the entry point; replies travel over a real
 * socketpair and each is checked to be a well-formed frame.  The handlers
 * are the real ones; the domain layer below them is ctl_fake_hv.c.
 */
#include "ctl/ctl_server.c"

#include <fcntl.h>

#include "ctl_fake_hv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void quiet(const char *line, void *opaque)
{
	(void)line;
	(void)opaque;
}

/*
 * Read back every reply: a frame kctl_hdr_check accepts, never oversized.
 * Once the server has closed, a cut-off last frame is allowed: a client
 * that lets replies pile up loses its connection mid-reply, by design.
 */
static void drain(int fd, bool closed)
{
	static uint8_t buf[KCTL_MAX_PAYLOAD];
	struct kctl_hdr h;
	int passed, r;

	while ((r = kctl_recv(fd, &h, buf, sizeof(buf), &passed)) == 0) {
		if (passed >= 0)
			close(passed);
		if (h.op != KCTL_OP_ERROR && h.op != KCTL_OP_EVENT && kctl_hdr_check(&h))
			abort();
	}
	if (r != -EAGAIN && r != -ECONNRESET && !(closed && r == -EPROTO))
		abort(); /* the server sent something that is not a frame */
}

static struct ctl_server *server_new(struct hv *hv)
{
	struct ctl_server *srv = calloc(1, sizeof(*srv));

	if (!srv)
		abort();
	*srv = (struct ctl_server){ .hv = hv, .lfd = -1, .epfd = -1, .sigfd = -1 };
	ctl_events_init(srv);
	return srv;
}

static struct ctl_conn *conn_new(struct ctl_server *srv, int fd)
{
	struct ctl_conn *c = calloc(1, sizeof(*c));

	if (!c)
		abort();
	*c = (struct ctl_conn){ .srv = srv, .fd = fd, .pid = 1, .mem_image_fd = -1 };
	srv->conns = c;
	srv->nconns = 1;
	return c;
}

/*
 * Byte 0 sets how many bytes arrive per read (1..256), so frames are split
 * across reads the way a slow client splits them; the rest is the stream.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct hv hv;
	struct ctl_server *srv;
	struct ctl_conn *c;
	size_t step, at = 1;
	int sv[2];

	if (size < 1)
		return 0;
	hv_log_set_sink(quiet, NULL);
	step = (size_t)data[0] + 1;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		abort();
	fcntl(sv[1], F_SETFL, O_NONBLOCK);
	srv = server_new(&hv);
	c = conn_new(srv, sv[0]);
	while (at < size) {
		size_t n = size - at < step ? size - at : step;

		if (n > sizeof(c->in) - c->have)
			n = sizeof(c->in) - c->have;
		memcpy(c->in + c->have, data + at, n);
		c->have += n;
		at += n;
		if (process_input(c) < 0) {
			ctl_conn_close(c); /* closes sv[0] */
			c = NULL;
			break;
		}
		drain(sv[1], false);
	}
	if (c)
		ctl_conn_close(c);
	drain(sv[1], true);
	close(sv[1]);
	pthread_mutex_destroy(&srv->sub_lock);
	free(srv);
	ctl_fake_reset();
	return 0;
}
