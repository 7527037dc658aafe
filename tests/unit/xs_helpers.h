/* Shared helpers for the xenstore-lite unit tests: requests over a memory connection. */
#ifndef XS_TEST_HELPERS_H
#define XS_TEST_HELPERS_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <check.h>

#include "conn_mem.h"
#include "ctx.h"
#include "domain_ops.h"

struct xs_test_event {
	struct xs_conn *c;
	char path[256], token[64];
};

/* Per-test state, reset by xs_t_setup. */
struct xs_test {
	struct xs_ctx ctx;
	struct xs_test_event ev[256];
	int nev;
	struct xsd_sockmsg hdr; /* the last reply */
	char out[XENSTORE_PAYLOAD_MAX + 1];
};

static inline struct xs_conn *xs_t_conn(struct xs_test *t, uint16_t domid, bool priv)
{
	struct xs_caller c = {.domid = domid, .priv = priv};
	struct xs_conn *conn = xs_conn_mem_new(&t->ctx, &c);

	ck_assert_ptr_nonnull(conn);
	return conn;
}

/* Moves queued output to the event log / the last reply; 1 if a reply came. */
static inline int xs_t_drain(struct xs_test *t, struct xs_conn *c)
{
	struct xsd_sockmsg h;
	char buf[XENSTORE_PAYLOAD_MAX + 1];
	int got = 0;

	xs_conn_flush(c);
	while (xs_conn_mem_next(c, &h, buf, sizeof(buf))) {
		ck_assert_uint_le(h.len, XENSTORE_PAYLOAD_MAX);
		if (h.type == XS_WATCH_EVENT) {
			struct xs_test_event *e = &t->ev[t->nev++ % 256];

			e->c = c;
			snprintf(e->path, sizeof(e->path), "%.255s", buf);
			snprintf(e->token, sizeof(e->token), "%.63s", buf + strlen(buf) + 1);
			continue;
		}
		t->hdr = h;
		memcpy(t->out, buf, sizeof(buf));
		got = 1;
	}
	return got;
}

/* Sends raw payload; returns the reply payload, or the error name for XS_ERROR. */
static inline const char *xs_t_raw(struct xs_test *t, struct xs_conn *c, uint32_t type,
				   uint32_t tx, const void *p, uint32_t len)
{
	struct xsd_sockmsg h = {.type = type, .req_id = 77, .tx_id = tx, .len = len};

	xs_conn_mem_feed(c, &h, sizeof(h));
	xs_conn_mem_feed(c, p, len);
	xs_conn_service(c);
	ck_assert_msg(xs_t_drain(t, c), "no reply to type %u", type);
	ck_assert_uint_eq(t->hdr.req_id, 77);
	ck_assert_uint_eq(t->hdr.tx_id, tx);
	return t->out;
}

/* Sends NULL-terminated string arguments, each with its NUL. */
static inline const char *xs_t_req(struct xs_test *t, struct xs_conn *c, uint32_t type,
				   uint32_t tx, ...)
{
	char buf[XENSTORE_PAYLOAD_MAX];
	uint32_t len = 0;
	const char *a;
	va_list ap;

	va_start(ap, tx);
	while ((a = va_arg(ap, const char *)) != NULL) {
		size_t n = strlen(a) + 1;

		memcpy(buf + len, a, n);
		len += (uint32_t)n;
	}
	va_end(ap);
	return xs_t_raw(t, c, type, tx, buf, len);
}

/* WRITE path=value, optionally in transaction tx. */
static inline const char *xs_t_write(struct xs_test *t, struct xs_conn *c, uint32_t tx,
				     const char *path, const char *value)
{
	char buf[XENSTORE_PAYLOAD_MAX];
	size_t n = strlen(path) + 1, v = strlen(value);

	memcpy(buf, path, n);
	memcpy(buf + n, value, v);
	return xs_t_raw(t, c, XS_WRITE, tx, buf, (uint32_t)(n + v));
}

static inline bool xs_t_is_error(struct xs_test *t)
{
	return t->hdr.type == XS_ERROR;
}

#endif
