/*
 * migrate_send.c - the source's child: connects, authenticates, then
 * copies the running guest's memory in rounds, each sending every page
 * whose contents differ from what the target holds.  What the target
 * holds is known by a 64-bit hash per frame of the copy that was sent
 * (a frame never sent: the hash of a zero page, as the target's memory
 * starts zeroed).  The first round looks at every frame; each later live
 * round only at those KVM's dirty log (ketch-hv's DIRTY_LOG, started by
 * ketchd before the first) says the guest wrote since the last fetch,
 * sending those whose contents changed.  The log misses ketch-hv's own
 * writes (time, vcpu_info, grant status) and the backends' (disk reads
 * into granted pages), so the last round, with the guest suspended and
 * its devices quiesced, compares every frame: the target ends with
 * exactly the source's memory.  When a round leaves little to send,
 * ketchd suspends the guest; the last round then sends what still
 * differs, and the state stream ketchd wrote follows.
 *
 * ctl messages to ketchd: 'p' within a round (a round, b pages, c bytes,
 * d frames examined << 32 | frames to examine), 'P' a live round's end
 * (a round, b pages, c bytes, d frames examined << 32 | pages the round
 * sent), 'S' suspend it
 * now, 'O' done (a target domid, b pages, c bytes, d pages of the last
 * round), 'E' failed (a 1 when the target had been told to run it).
 * From ketchd: 'F' the state is written (a its length), 'A' give up.
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "ketchd.h"
#include "migrate.h"
#include "ketch/ketchctl.h"
#include "ketch/savestream.h"

#define MAX_ROUNDS 8      /* live rounds at most */
#define SMALL_ENOUGH 64   /* pages: a round this small ends the live phase */
#define PROGRESS_MS 200   /* between 'p' messages */

struct sender {
	const struct mig_send_args *a;
	int fd;
	uint64_t *sent;       /* per frame: hash of the copy the target holds */
	uint64_t *pfn;
	uint8_t *buf;
	uint64_t *dirty;      /* KVM's log, a bit per frame */
	struct kctl *hv;      /* our own connection to ketch-hv */
	uint32_t n, round;
	uint64_t pages, bytes;
	uint64_t zero_hash;   /* of a page of zeros: what a frame never sent holds */
	uint64_t examined;    /* frames the last round looked at */
	int64_t last_send_ms, last_progress_ms;
	bool go_sent;
	char why[320];
};

static int64_t now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static uint64_t rotl(uint64_t x, int r)
{
	return x << r | x >> (64 - r);
}

/* Two independent multiply-rotate lanes over the page's words. */
static uint64_t page_hash(const uint8_t *p)
{
	const uint64_t *q = (const uint64_t *)p;
	uint64_t a = 0x9e3779b97f4a7c15ull, b = 0xc2b2ae3d27d4eb4full;

	for (size_t i = 0; i < KS_PAGE / 8; i += 2) {
		a = rotl((a ^ q[i]) * 0x87c37b91114253d5ull, 31);
		b = rotl((b ^ q[i + 1]) * 0x4cf5ad432745937full, 29);
	}
	return a ^ rotl(b * 0x165667b19e3779f9ull, 17);
}

static _Noreturn void fail(struct sender *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static _Noreturn void fail(struct sender *s, const char *fmt, ...)
{
	char text[320];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (s->fd >= 0)
		mig_send_text(s->fd, MIG_ERROR, text);
	mig_ctl_send(s->a->ctl, 'E', s->go_sent, 0, 0, 0, text);
	_exit(1);
}

static int flush(struct sender *s)
{
	uint32_t h[4] = { MIG_PAGES, 8 + s->n * (8 + KS_PAGE), s->n, s->round };
	struct iovec v[3] = { { h, sizeof(h) }, { s->pfn, s->n * 8ul },
			      { s->buf, (size_t)s->n * KS_PAGE } };
	struct msghdr m = { .msg_iov = v, .msg_iovlen = 3 };
	size_t left = sizeof(h) + v[1].iov_len + v[2].iov_len;

	if (!s->n)
		return 0;
	while (left) {
		ssize_t w = sendmsg(s->fd, &m, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		left -= (size_t)w;
		while (w > 0 && m.msg_iovlen) {
			size_t k = (size_t)w < m.msg_iov->iov_len ? (size_t)w : m.msg_iov->iov_len;

			m.msg_iov->iov_base = (uint8_t *)m.msg_iov->iov_base + k;
			m.msg_iov->iov_len -= k;
			w -= (ssize_t)k;
			if (!m.msg_iov->iov_len) {
				m.msg_iov++;
				m.msg_iovlen--;
			}
		}
	}
	s->bytes += sizeof(h) + s->n * (8ul + KS_PAGE);
	s->n = 0;
	s->last_send_ms = now_ms();
	return 0;
}

static bool page_is_zero(const uint8_t *p)
{
	const uint64_t *q = (const uint64_t *)p;
	uint64_t any = 0;

	for (size_t i = 0; i < KS_PAGE / 8; i++)
		any |= q[i];
	return !any;
}

/*
 * Copy page (frame f's) for sending; the hash recorded is the copy's, as
 * the guest may write on: h when the copy still matches the page h was
 * taken of (a compare costs less than a hash), else the copy's own.
 */
static int add_page(struct sender *s, uint64_t f, const uint8_t *page, uint64_t h, bool have_h)
{
	uint8_t *dst = s->buf + (size_t)s->n * KS_PAGE;

	memcpy(dst, page, KS_PAGE);
	s->sent[f] = have_h && !memcmp(dst, page, KS_PAGE) ? h : page_hash(dst);
	s->pfn[s->n++] = f;
	s->pages++;
	return s->n == KS_PAGES_MAX ? flush(s) : 0;
}

static void keepalive(struct sender *s)
{
	if (now_ms() - s->last_send_ms < MIG_KEEPALIVE_MS)
		return;
	if (mig_send(s->fd, MIG_NOP, NULL, 0))
		fail(s, "the target stopped answering");
	s->last_send_ms = now_ms();
}

static void progress(struct sender *s, uint64_t done, uint64_t total)
{
	if (now_ms() - s->last_progress_ms < PROGRESS_MS)
		return;
	s->last_progress_ms = now_ms();
	mig_ctl_send(s->a->ctl, 'p', s->round, (int64_t)s->pages, (int64_t)s->bytes,
		     (int64_t)(done << 32 | total), NULL);
}

/* Frame f, if its contents differ from the target's copy; 1 if sent.  A
 * hole (never touched, or ballooned out) is zeros, and is not read. */
static int offer(struct sender *s, uint64_t f, bool hole)
{
	static const uint8_t zero[KS_PAGE];
	const uint8_t *page = hole ? zero : s->a->mem->mem + f * KS_PAGE;
	bool never = s->sent[f] == s->zero_hash; /* the target holds zeros */
	uint64_t h = 0;
	int r;

	/* A frame never sent (every frame of the first round) is compared
	 * with zeros, not hashed: only what is sent is hashed, once. */
	if (hole ? never : never ? page_is_zero(page) : (h = page_hash(page)) == s->sent[f])
		return 0;
	if ((r = add_page(s, f, page, h, !hole && !never)))
		fail(s, "sending round %u: %s", s->round, strerror(-r));
	return 1;
}

static void pass_done(struct sender *s)
{
	int r = flush(s);

	if (r)
		fail(s, "sending round %u: %s", s->round, strerror(-r));
}

/* Frame f, the done-th of the round's total: the link kept alive between
 * batches, progress told, f sent if it changed; 1 if it was. */
static uint64_t visit(struct sender *s, uint64_t f, uint64_t done, uint64_t total, bool hole)
{
	if ((done & 1023) == 0) {
		if (!s->n)
			keepalive(s);
		progress(s, done, total);
	}
	return (uint64_t)offer(s, f, hole);
}

/* A round over every frame (the first, and the last). */
static uint64_t pass_all(struct sender *s)
{
	uint64_t nr = s->a->size / KS_PAGE, count = 0, data = 0, end = 0;

	for (uint64_t f = 0; f < nr; f++) {
		if (f >= end) { /* the next run of data: [data, end) */
			data = f;
			if (!kd_guest_mem_run(s->a->mem, &data, &end))
				data = end = nr;
		}
		count += visit(s, f, f, nr, f < data);
	}
	pass_done(s);
	s->examined = nr;
	return count;
}

/* A live round over the frames the guest wrote since the last fetch. */
static uint64_t pass_dirty(struct sender *s)
{
	uint64_t nr = s->a->size / KS_PAGE, words = (nr + 63) / 64, total = 0, done = 0, count = 0;
	int r;

	memset(s->dirty, 0, words * 8);
	if ((r = kctl_dirty_fetch(s->hv, s->a->domid, nr, s->dirty)))
		fail(s, "reading the dirty log: %s", kctl_strerror(r));
	for (uint64_t w = 0; w < words; w++)
		total += (uint64_t)__builtin_popcountll(s->dirty[w]);
	for (uint64_t w = 0; w < words; w++)
		for (uint64_t bits = s->dirty[w]; bits; bits &= bits - 1) {
			uint64_t f = w * 64 + (uint64_t)__builtin_ctzll(bits);

			if (f >= nr)
				break;
			count += visit(s, f, done++, total, false);
		}
	pass_done(s);
	s->examined = total;
	return count;
}

/* Wait for ketchd's word while the guest suspends, keeping the link alive. */
static struct mig_ctl wait_ctl(struct sender *s)
{
	struct mig_ctl m;

	for (;;) {
		struct pollfd p = { .fd = s->a->ctl, .events = POLLIN };
		int r = poll(&p, 1, MIG_KEEPALIVE_MS);

		if (r < 0 && errno == EINTR)
			continue;
		if (r > 0) {
			if (recv(s->a->ctl, &m, sizeof(m), 0) != (ssize_t)sizeof(m))
				fail(s, "ketchd went away");
			return m;
		}
		keepalive(s);
	}
}

/*
 * The target's next frame of type want; its u32 body.  Keepalives are
 * skipped, but only until deadline (ms): a target whose receiver is alive
 * while its ketchd is stuck must not keep the guest suspended for ever.
 */
static uint32_t expect(struct sender *s, uint32_t want, const char *what, int64_t deadline)
{
	uint32_t type, len, v = 0;
	int r;

	for (;;) {
		if ((r = mig_recv_head(s->fd, &type, &len, 64, s->why, sizeof(s->why))))
			fail(s, "waiting for the target to %s: %s", what, s->why);
		if (type == MIG_NOP && !len && now_ms() > deadline)
			fail(s, "the target did not %s within %d s", what, s->a->timeout_s);
		if (type == MIG_NOP && !len)
			continue;
		if (type != want || len > 4 || (len && mig_read_all(s->fd, &v, len)))
			fail(s, "the target sent frame %u while it was to %s", type, what);
		return v;
	}
}

static void send_state(struct sender *s, size_t len)
{
	uint8_t *st = len <= MIG_STATE_MAX ? malloc(len) : NULL;
	int r;

	if (!st || pread(s->a->state_fd, st, len, 0) != (ssize_t)len)
		fail(s, "cannot read the domain's state from ketchd");
	r = mig_send(s->fd, MIG_STATE, st, (uint32_t)len);
	free(st);
	if (r)
		fail(s, "sending the state: %s", strerror(-r));
	s->bytes += 8 + len;
}

static void live_rounds(struct sender *s)
{
	uint64_t prev = ~0ull, n;

	for (s->round = 0;; s->round++) {
		n = s->round ? pass_dirty(s) : pass_all(s);
		mig_ctl_send(s->a->ctl, 'P', s->round, (int64_t)s->pages, (int64_t)s->bytes,
			     (int64_t)(s->examined << 32 | n), NULL);
		/* Converged, or not shrinking: the guest writes as fast as we send. */
		if (n <= SMALL_ENOUGH || s->round + 1 >= MAX_ROUNDS ||
		    (s->round >= 2 && n >= prev))
			return;
		prev = n;
	}
}

void mig_send_main(const struct mig_send_args *a)
{
	struct sender s = { .a = a, .fd = -1 };
	uint64_t nr = a->size / KS_PAGE, zh, last;
	struct mig_hello hello = { .mem = a->size, .vcpus = a->vcpus };
	int64_t t[3];
	uint8_t zero[KS_PAGE] = { 0 };
	struct mig_ctl m;
	uint32_t domid;
	int r;

	s.sent = malloc(nr * sizeof(*s.sent));
	s.pfn = malloc(KS_PAGES_MAX * sizeof(*s.pfn));
	s.buf = malloc((size_t)KS_PAGES_MAX * KS_PAGE);
	s.dirty = malloc((nr + 63) / 64 * 8);
	if (!s.sent || !s.pfn || !s.buf || !s.dirty)
		fail(&s, "out of memory");
	if (!(s.hv = kctl_open_timeout(a->hv_socket, a->timeout_s * 1000, &r)))
		fail(&s, "cannot reach ketch-hv: %s", kctl_strerror(r));
	zh = s.zero_hash = page_hash(zero);
	for (uint64_t f = 0; f < nr; f++)
		s.sent[f] = zh;
	memcpy(hello.uuid, a->uuid, sizeof(hello.uuid));
	snprintf(hello.name, sizeof(hello.name), "%s", a->name);
	if ((s.fd = mig_connect(a->host, a->port, a->timeout_s, s.why, sizeof(s.why))) < 0)
		fail(&s, "%s", s.why);
	if ((r = mig_auth_source(s.fd, a->key, a->klen, s.why, sizeof(s.why))) ||
	    (r = mig_send(s.fd, MIG_HELLO, &hello, sizeof(hello))))
		fail(&s, "%s", r == -EACCES || s.why[0] ? s.why : strerror(-r));
	/* Refused here (a name or uuid the target holds, no room), with its
	 * reason, before a page is sent. */
	expect(&s, MIG_WELCOME, "take the domain", now_ms() + a->timeout_s * 1000ll);
	s.last_send_ms = now_ms();
	live_rounds(&s);
	mig_ctl_send(a->ctl, 'S', 0, 0, 0, 0, NULL);
	m = wait_ctl(&s);
	if (m.kind != 'F')
		fail(&s, "%s", m.text[0] ? m.text : "cancelled by the source");
	s.round++;
	last = s.pages;
	t[0] = now_ms();
	pass_all(&s);
	last = s.pages - last;
	send_state(&s, (size_t)m.a);
	t[1] = now_ms();
	expect(&s, MIG_READY, "build the domain", t[1] + a->timeout_s * 1000ll);
	t[2] = now_ms();
	if ((r = mig_send(s.fd, MIG_GO, NULL, 0)))
		fail(&s, "sending go: %s", strerror(-r));
	s.go_sent = true;
	/* After go the target may run it: waiting on while it says it lives
	 * keeps the split-brain window to the link's failure alone. */
	domid = expect(&s, MIG_DONE, "run the domain", INT64_MAX);
	/* Where the downtime went, for ketchd's log. */
	snprintf(s.why, sizeof(s.why), "last round and state %lld ms, target's build %lld ms, "
		 "go to done %lld ms", (long long)(t[1] - t[0]), (long long)(t[2] - t[1]),
		 (long long)(now_ms() - t[2]));
	mig_ctl_send(a->ctl, 'O', domid, (int64_t)s.pages, (int64_t)s.bytes, (int64_t)last,
		     s.why);
	_exit(0);
}
