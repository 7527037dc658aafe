/*
 * migrate_recv.c - the target's child: authenticates the source, then
 * writes the pages of every round into a memory image ketchd got from
 * ketch-hv for it (MEM_IMAGE_NEW; a later copy of a frame replaces the
 * earlier), which becomes the domain's own memory, no copy made.  Once
 * the state arrives it checks it and writes it as a save stream without
 * pages (DOMAIN, the state's records, END) for ketchd to restore paused
 * on that image.  Then the source says go, ketchd runs the domain, and
 * the source hears it is done.
 *
 * ctl messages to ketchd: 'H' a source authenticated (a memory bytes, b
 * vCPUs, c and d the uuid's bytes, text the name), 'R' the stream is
 * written (a its length, b frames received),
 * 'G' run it, 'E' failed.  From ketchd: 'I' the image (its memfd
 * passed), 'Y' built (a domid), 'O' running, 'E' failed (text).
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "migrate.h"
#include "ketch/savestream.h"

struct receiver {
	int ctl, fd, out, img;  /* img: the memory image, from ketchd */
	uint8_t *bits;          /* a bit per frame received */
	uint64_t frames;        /* how many */
	uint8_t *buf;           /* a PAGES frame's pages */
	uint64_t size;
	char why[320];
};

static _Noreturn void fail(struct receiver *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static _Noreturn void fail(struct receiver *r, const char *fmt, ...)
{
	char text[320];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	mig_send_text(r->fd, MIG_ERROR, text);
	mig_ctl_send(r->ctl, 'E', 0, 0, 0, 0, text);
	_exit(1);
}

/* ketchd's answer to what was asked (and the descriptor it passed, if
 * fd), keeping the source's link alive meanwhile. */
static struct mig_ctl ask(struct receiver *r, const struct mig_ctl *q, int *fd)
{
	struct mig_ctl m;
	int got;

	mig_ctl_send(r->ctl, q->kind, q->a, q->b, q->c, q->d, q->text);
	for (;;) {
		struct pollfd p = { .fd = r->ctl, .events = POLLIN };
		int n = poll(&p, 1, MIG_KEEPALIVE_MS);

		if (n > 0) {
			if (mig_ctl_recv(r->ctl, &m, &got))
				fail(r, "the target's ketchd went away");
			if (m.kind == 'E')
				fail(r, "%s", m.text);
			if (fd)
				*fd = got;
			else if (got >= 0)
				close(got);
			return m;
		}
		if (n == 0 && mig_send(r->fd, MIG_NOP, NULL, 0))
			fail(r, "the source went away");
	}
}

static void hello(struct receiver *r)
{
	struct mig_hello h;
	struct mig_ctl q = { .kind = 'H' };
	uint32_t type, len;

	if (mig_recv_head(r->fd, &type, &len, sizeof(h), r->why, sizeof(r->why)))
		fail(r, "%s", r->why);
	if (type != MIG_HELLO || len != sizeof(h) || mig_read_all(r->fd, &h, sizeof(h)))
		fail(r, "expected the domain's size and name first");
	if (h.mem < KS_MIN_MEM || h.mem > KS_MAX_MEM || h.mem % KS_PAGE || h.vcpus < 1 ||
	    h.vcpus > KS_MAX_VCPUS)
		fail(r, "a domain of %llu bytes and %llu vCPUs cannot be received",
		     (unsigned long long)h.mem, (unsigned long long)h.vcpus);
	if (!memchr(h.name, 0, sizeof(h.name)) || !h.name[0])
		fail(r, "the domain's name is empty or not terminated");
	r->size = h.mem;
	r->bits = calloc(1, (r->size / KS_PAGE + 7) / 8);
	r->buf = malloc((size_t)KS_PAGES_MAX * KS_PAGE);
	if (!r->bits || !r->buf)
		fail(r, "no memory for %llu bytes", (unsigned long long)r->size);
	/* ketchd's answer: the image in ketch-hv that becomes the domain's memory */
	q.a = (int64_t)h.mem;
	q.b = (int64_t)h.vcpus;
	memcpy(&q.c, h.uuid, 8);
	memcpy(&q.d, h.uuid + 8, 8);
	memcpy(q.text, h.name, sizeof(h.name));
	if (ask(r, &q, &r->img).kind != 'I' || r->img < 0)
		fail(r, "the target's ketchd gave no memory image");
	if (mig_send(r->fd, MIG_WELCOME, NULL, 0))
		fail(r, "the source went away");
}

/* A PAGES body of len bytes: each frame checked, then read into place. */
static void pages(struct receiver *r, uint32_t len)
{
	static uint64_t pfn[KS_PAGES_MAX];
	uint32_t h[2];

	if (len < 8 || mig_read_all(r->fd, h, 8))
		fail(r, "a truncated pages frame");
	if (h[0] < 1 || h[0] > KS_PAGES_MAX || len != 8 + h[0] * (8 + KS_PAGE))
		fail(r, "a pages frame of %u pages in %u bytes", h[0], len);
	if (mig_read_all(r->fd, pfn, h[0] * 8ul))
		fail(r, "a truncated pages frame");
	for (uint32_t i = 0; i < h[0]; i++)
		if (pfn[i] >= r->size / KS_PAGE)
			fail(r, "frame %#llx is outside the domain's memory",
			     (unsigned long long)pfn[i]);
	if (mig_read_all(r->fd, r->buf, h[0] * (size_t)KS_PAGE))
		fail(r, "a truncated pages frame");
	/* Written, not mapped (no page fault per page), a run of frames at a time. */
	for (uint32_t i = 0, e; i < h[0]; i = e) {
		size_t len;

		for (e = i + 1; e < h[0] && pfn[e] == pfn[e - 1] + 1; e++)
			;
		len = (e - i) * (size_t)KS_PAGE;
		if (pwrite(r->img, r->buf + (size_t)i * KS_PAGE, len, (off_t)(pfn[i] * KS_PAGE)) !=
		    (ssize_t)len)
			fail(r, "cannot keep the pages: %s", strerror(errno));
	}
	for (uint32_t i = 0; i < h[0]; i++) {
		r->frames += !(r->bits[pfn[i] / 8] & (1u << (pfn[i] % 8)));
		r->bits[pfn[i] / 8] |= (uint8_t)(1u << (pfn[i] % 8));
	}
}

/* Rounds of pages until the state; returns the state's body (malloc'd). */
static uint8_t *receive(struct receiver *r, uint32_t *state_len)
{
	uint32_t type, len, max = 8 + KS_PAGES_MAX * (8 + KS_PAGE);
	uint8_t *st;

	for (;;) {
		if (mig_recv_head(r->fd, &type, &len, max > MIG_STATE_MAX ? max : MIG_STATE_MAX,
				  r->why, sizeof(r->why)))
			fail(r, "%s", r->why);
		if (type == MIG_NOP && len == 0)
			continue;
		if (type == MIG_PAGES) {
			pages(r, len);
			continue;
		}
		if (type != MIG_STATE || len > MIG_STATE_MAX)
			fail(r, "unexpected frame %u of %u bytes", type, len);
		if (!(st = malloc(len ? len : 1)) || mig_read_all(r->fd, st, len))
			fail(r, "a truncated state frame");
		*state_len = len;
		return st;
	}
}

/* One record of the state, written on. */
static int copy_record(struct receiver *r, struct ks_writer *w, const struct ks_record *rec)
{
	switch (rec->type) {
	case KS_REC_DOMAIN:
		if (rec->u.domain.mem_bytes != r->size)
			return -EBADMSG;
		return ks_write_domain(w, &rec->u.domain);
	case KS_REC_VCPU: return ks_write_vcpu(w, &rec->u.vcpu);
	case KS_REC_EVTCHN: return ks_write_evtchn(w, &rec->u.evtchn);
	case KS_REC_GNTTAB: return ks_write_gnttab(w, &rec->u.gnttab);
	case KS_REC_XENSTORE: return ks_write_xenstore(w, &rec->u.xenstore);
	default: return -EBADMSG; /* pages come in rounds, not in the state */
	}
}

/* The state checked record by record as restore would, written for ketchd. */
static uint64_t compose(struct receiver *r, const uint8_t *st, uint32_t len)
{
	struct ks_membuf mb = { .data = st, .len = len };
	struct ks_writer w = { .fd = r->out };
	struct ks_reader rd;
	struct ks_record rec;
	char msg[KS_ERRLEN] = "";
	int e = ks_reader_init(&rd, ks_read_mem, &mb, msg), n = 0;

	if (!e)
		e = ks_write_header(&w);
	while (!e && (n = ks_reader_next(&rd, &rec, msg)) == 1)
		if ((e = copy_record(r, &w, &rec)))
			snprintf(msg, sizeof(msg), "record %u does not fit the domain: %s",
				 rec.type, strerror(-e));
	if (!e && n < 0)
		e = n;
	if (!e)
		e = ks_write_end(&w);
	ks_reader_free(&rd);
	if (e)
		fail(r, "the state: %s", msg[0] ? msg : strerror(-e));
	return w.bytes;
}

static void await_go(struct receiver *r)
{
	uint32_t type, len;

	do {
		if (mig_recv_head(r->fd, &type, &len, 0, r->why, sizeof(r->why)))
			fail(r, "waiting for go: %s", r->why);
	} while (type == MIG_NOP);
	if (type != MIG_GO)
		fail(r, "expected go, got frame %u", type);
}

void mig_recv_main(int ctl, int conn, int out_fd, const uint8_t *key, size_t klen,
		   int timeout_s)
{
	struct receiver r = { .ctl = ctl, .fd = conn, .out = out_fd, .img = -1 };
	struct mig_ctl m;
	uint32_t len, domid;
	uint8_t *st;

	mig_set_timeout(conn, timeout_s);
	if (mig_auth_target(conn, key, klen, r.why, sizeof(r.why)))
		fail(&r, "%s", r.why);
	hello(&r);
	st = receive(&r, &len);
	m = ask(&r, &(struct mig_ctl){ .kind = 'R', .a = (int64_t)compose(&r, st, len),
				       .b = (int64_t)r.frames }, NULL);
	free(st);
	close(r.img); /* the domain's memory now: nothing more to write */
	domid = (uint32_t)m.a;
	if (mig_send(conn, MIG_READY, &domid, 4))
		fail(&r, "the source went away");
	await_go(&r);
	ask(&r, &(struct mig_ctl){ .kind = 'G' }, NULL);
	mig_send(conn, MIG_DONE, &domid, 4);
	_exit(0);
}
