/* An in-process fake guest for ring tests: a page in memory and two eventfds. */
#include "xs_fake_guest.h"

#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

static int fake_map(void *priv, uint16_t domid, uint64_t gfn,
		    struct xenstore_domain_interface **page)
{
	struct xs_fake_guest *g = xs_fake_guest_get(priv, domid);

	if (!g || gfn == 0)
		return -EINVAL;
	g->mapped = true;
	*page = g->page;
	return 0;
}

static void fake_unmap(void *priv, uint16_t domid, struct xenstore_domain_interface *page)
{
	struct xs_fake_guest *g = xs_fake_guest_get(priv, domid);

	if (g && page == g->page)
		g->mapped = false;
}

static int fake_bind(void *priv, uint16_t domid, uint32_t port, int *notify_fd, int *wake_fd)
{
	struct xs_fake_guest *g = xs_fake_guest_get(priv, domid);

	(void)port;
	if (!g)
		return -EINVAL;
	g->notify_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	g->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	g->bound = true;
	*notify_fd = g->notify_fd;
	*wake_fd = g->wake_fd;
	return 0;
}

static void fake_unbind(void *priv, uint16_t domid, int notify_fd, int wake_fd)
{
	struct xs_fake_guest *g = xs_fake_guest_get(priv, domid);

	close(notify_fd);
	close(wake_fd);
	if (g)
		g->bound = false;
}

void xs_fake_env_init(struct xs_fake_env *env, uint16_t first, uint32_t start)
{
	memset(env, 0, sizeof(*env));
	env->ops = (struct xs_domain_ops){env, fake_map, fake_unmap, fake_bind, fake_unbind};
	for (int i = 0; i < XS_FAKE_MAX; i++) {
		struct xs_fake_guest *g = &env->g[i];

		g->domid = (uint16_t)(first + i);
		g->page = calloc(1, sizeof(*g->page));
		g->page->req_cons = g->page->req_prod = start;
		g->page->rsp_cons = g->page->rsp_prod = start;
		g->notify_fd = g->wake_fd = -1;
	}
}

void xs_fake_env_fini(struct xs_fake_env *env)
{
	for (int i = 0; i < XS_FAKE_MAX; i++)
		free(env->g[i].page);
}

struct xs_fake_guest *xs_fake_guest_get(struct xs_fake_env *env, uint16_t domid)
{
	for (int i = 0; i < XS_FAKE_MAX; i++)
		if (env->g[i].domid == domid)
			return &env->g[i];
	return NULL;
}

static void kick(struct xs_fake_guest *g)
{
	uint64_t one = 1;

	if (write(g->wake_fd, &one, sizeof(one)) < 0) {
		/* counter saturated: the daemon is signalled already */
	}
}

/* Waits for the daemon's signal, up to ms; drains it. */
static void wait_notify(struct xs_fake_guest *g, int ms)
{
	struct pollfd p = {.fd = g->notify_fd, .events = POLLIN};
	uint64_t v;

	if (poll(&p, 1, ms) > 0 && read(g->notify_fd, &v, sizeof(v)) < 0) {
		/* raced with another drain: nothing to do */
	}
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

size_t xs_fake_guest_put(struct xs_fake_guest *g, const void *data, size_t len)
{
	struct xenstore_domain_interface *in = g->page;
	XENSTORE_RING_IDX cons = __atomic_load_n(&in->req_cons, __ATOMIC_ACQUIRE);
	XENSTORE_RING_IDX prod = in->req_prod;
	size_t n = 0;

	while (n < len && prod - cons < XENSTORE_RING_SIZE) {
		in->req[MASK_XENSTORE_IDX(prod)] = ((const char *)data)[n++];
		prod++;
	}
	__atomic_store_n(&in->req_prod, prod, __ATOMIC_RELEASE);
	kick(g);
	return n;
}

int xs_fake_guest_send(struct xs_fake_guest *g, uint32_t type, uint32_t req_id,
		       const void *payload, uint32_t len, int timeout_ms)
{
	struct xsd_sockmsg h = {.type = type, .req_id = req_id, .len = len};
	char *msg = malloc(sizeof(h) + len);
	size_t done = 0, total = sizeof(h) + len;
	long end = now_ms() + timeout_ms;

	memcpy(msg, &h, sizeof(h));
	memcpy(msg + sizeof(h), payload, len);
	while (done < total && now_ms() < end) {
		done += xs_fake_guest_put(g, msg + done, total - done);
		if (done < total)
			wait_notify(g, 10);
	}
	free(msg);
	return done == total ? 0 : -ETIMEDOUT;
}

/* Takes exactly len bytes off the response ring, waiting until end. */
static int take(struct xs_fake_guest *g, char *buf, size_t len, long end)
{
	struct xenstore_domain_interface *in = g->page;
	size_t n = 0;

	while (n < len) {
		XENSTORE_RING_IDX prod = __atomic_load_n(&in->rsp_prod, __ATOMIC_ACQUIRE);
		XENSTORE_RING_IDX cons = in->rsp_cons;

		if (prod - cons > XENSTORE_RING_SIZE)
			return -EIO;
		while (n < len && cons != prod)
			buf[n++] = in->rsp[MASK_XENSTORE_IDX(cons++)];
		__atomic_store_n(&in->rsp_cons, cons, __ATOMIC_RELEASE);
		kick(g);
		if (n < len) {
			if (now_ms() >= end)
				return -ETIMEDOUT;
			wait_notify(g, 10);
		}
	}
	return 0;
}

int xs_fake_guest_recv(struct xs_fake_guest *g, struct xsd_sockmsg *hdr, char *buf, size_t cap,
		       int timeout_ms)
{
	long end = now_ms() + timeout_ms;
	int r = take(g, (char *)hdr, sizeof(*hdr), end);

	if (r)
		return r;
	if (hdr->len > XENSTORE_PAYLOAD_MAX || hdr->len >= cap)
		return -EIO;
	r = take(g, buf, hdr->len, end);
	if (r == 0)
		buf[hdr->len] = '\0';
	return r;
}
