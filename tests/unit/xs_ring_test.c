/* Unit tests of the ring transport against fake guests, with the daemon loop in a thread. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <check.h>

#include "conn.h"
#include "conn_socket.h"
#include "domain.h"
#include "loop.h"
#include "xs_fake_guest.h"

#define START_IDX 0xffffff00u /* indices wrap during every test */

static struct xs_fake_env env;
static struct xs_ctx ctx;
static pthread_t loop_thread;
static int dom0_fd;
static bool running;

static void *loop_main(void *arg)
{
	(void)arg;
	xs_loop_run(&ctx);
	return NULL;
}

static void setup(void)
{
	struct xs_quota q;
	int sv[2];

	xs_fake_env_init(&env, 3, START_IDX);
	xs_quota_defaults(&q);
	q.event_queue = 64 * 1024; /* small, so the flood test reaches it quickly */
	ck_assert_int_eq(xs_ctx_init(&ctx, &q, &env.ops), 0);
	ck_assert_int_eq(xs_loop_init(&ctx), 0);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	fcntl(sv[0], F_SETFL, O_NONBLOCK);
	ck_assert_ptr_nonnull(xs_conn_socket_new(&ctx, sv[0]));
	dom0_fd = sv[1];
	ck_assert_int_eq(pthread_create(&loop_thread, NULL, loop_main, NULL), 0);
	running = true;
}

static void stop_loop(void)
{
	if (running) {
		xs_loop_stop(&ctx);
		pthread_join(loop_thread, NULL);
		running = false;
	}
}

static void teardown(void)
{
	stop_loop();
	close(dom0_fd);
	xs_ctx_fini(&ctx);
	xs_fake_env_fini(&env);
}

/* A synchronous request from the control domain over the socket. */
static const char *dom0_req(uint32_t type, const char *a, const char *b, const char *c)
{
	static char out[XENSTORE_PAYLOAD_MAX + 1];
	char buf[XENSTORE_PAYLOAD_MAX];
	struct xsd_sockmsg h = {.type = type, .req_id = 42};
	const char *args[] = {a, b, c};
	uint32_t len = 0;

	for (int i = 0; i < 3 && args[i]; i++) {
		memcpy(buf + len, args[i], strlen(args[i]) + 1);
		len += (uint32_t)strlen(args[i]) + 1;
	}
	h.len = len;
	ck_assert_int_eq(write(dom0_fd, &h, sizeof(h)), sizeof(h));
	ck_assert_int_eq(write(dom0_fd, buf, len), len);
	do {
		ck_assert_int_eq(recv(dom0_fd, &h, sizeof(h), MSG_WAITALL), sizeof(h));
		if (h.len)
			ck_assert_int_eq(recv(dom0_fd, out, h.len, MSG_WAITALL), h.len);
		out[h.len] = '\0';
	} while (h.type == XS_WATCH_EVENT);
	ck_assert_uint_eq(h.req_id, 42);
	return out;
}

static void introduce(uint16_t domid)
{
	char d[8], home[32];

	snprintf(d, sizeof(d), "%u", domid);
	snprintf(home, sizeof(home), "/local/domain/%u", domid);
	ck_assert_str_eq(dom0_req(XS_MKDIR, home, NULL, NULL), "OK");
	snprintf(d + 4, 4, "n%u", domid);
	ck_assert_str_eq(dom0_req(XS_SET_PERMS, home, d + 4, NULL), "OK");
	snprintf(d, sizeof(d), "%u", domid);
	ck_assert_str_eq(dom0_req(XS_INTRODUCE, d, "4096", "1"), "OK");
}

/* A guest request with string args; returns the reply payload. */
static const char *guest_req(struct xs_fake_guest *g, uint32_t type, const void *p, uint32_t len,
			     struct xsd_sockmsg *h)
{
	static char out[XENSTORE_PAYLOAD_MAX + 1];

	ck_assert_int_eq(xs_fake_guest_send(g, type, 7, p, len, 2000), 0);
	do
		ck_assert_int_eq(xs_fake_guest_recv(g, h, out, sizeof(out), 2000), 0);
	while (h->type == XS_WATCH_EVENT);
	ck_assert_uint_eq(h->req_id, 7);
	return out;
}

START_TEST(introduce_and_round_trip)
{
	struct xs_fake_guest *g = xs_fake_guest_get(&env, 3);
	struct xsd_sockmsg h;

	ck_assert_str_eq(dom0_req(XS_WATCH, "@introduceDomain", "intro", NULL), "OK");
	introduce(3);
	ck_assert(g->mapped && g->bound);
	ck_assert_uint_eq(g->page->server_features & XENSTORE_SERVER_FEATURE_ERROR,
			  XENSTORE_SERVER_FEATURE_ERROR);
	ck_assert_str_eq(guest_req(g, XS_WRITE, "data/x\0hello", 12, &h), "OK");
	ck_assert_str_eq(dom0_req(XS_READ, "/local/domain/3/data/x", NULL, NULL), "hello");
	ck_assert_str_eq(guest_req(g, XS_READ, "data/x", 7, &h), "hello");
	ck_assert_str_eq(guest_req(g, XS_READ, "/local/domain/4", 16, &h), "EACCES");
	ck_assert_str_eq(guest_req(g, XS_READ, "data/none", 10, &h), "ENOENT");
	ck_assert_str_eq(guest_req(g, XS_INTRODUCE, "9\0" "1\0" "1", 6, &h), "EACCES");
	ck_assert_str_eq(dom0_req(XS_IS_DOMAIN_INTRODUCED, "3", NULL, NULL), "T");
	ck_assert_str_eq(dom0_req(XS_RELEASE, "3", NULL, NULL), "OK");
	ck_assert(!g->mapped && !g->bound);
	ck_assert_str_eq(dom0_req(XS_IS_DOMAIN_INTRODUCED, "3", NULL, NULL), "F");
}
END_TEST

START_TEST(set_target_gives_target_rights)
{
	struct xs_fake_guest *guest = xs_fake_guest_get(&env, 3), *dm = xs_fake_guest_get(&env, 4);
	struct xsd_sockmsg h;

	introduce(3);
	introduce(4);
	ck_assert_str_eq(dom0_req(XS_WRITE, "/local/domain/3/secret", NULL, NULL), "OK");
	ck_assert_str_eq(guest_req(dm, XS_READ, "/local/domain/3/secret", 23, &h), "EACCES");
	ck_assert_str_eq(guest_req(dm, XS_WRITE, "/local/domain/3/dm\0x", 21, &h), "EACCES");
	ck_assert_str_eq(dom0_req(XS_SET_TARGET, "4", "3", NULL), "OK");
	ck_assert_str_eq(guest_req(dm, XS_READ, "/local/domain/3/secret", 23, &h), "");
	ck_assert_str_eq(guest_req(dm, XS_WRITE, "/local/domain/3/dm\0x", 21, &h), "OK");
	/* As in Xen, the device model owns what it creates... */
	ck_assert_str_eq(dom0_req(XS_GET_PERMS, "/local/domain/3/dm", NULL, NULL), "n4");
	ck_assert_str_eq(guest_req(guest, XS_READ, "dm", 3, &h), "EACCES");
	/* ...and may share it with its target. */
	ck_assert_str_eq(guest_req(dm, XS_SET_PERMS, "/local/domain/3/dm\0n4\0b3", 25, &h), "OK");
	ck_assert_str_eq(guest_req(guest, XS_READ, "dm", 3, &h), "x");
	ck_assert_str_eq(dom0_req(XS_SET_TARGET, "9", "3", NULL), "ENOENT");
}
END_TEST

START_TEST(messages_larger_than_ring_and_wrap)
{
	struct xs_fake_guest *g = xs_fake_guest_get(&env, 3);
	static char big[16 + 3000];
	struct xsd_sockmsg h;
	const char *r;

	introduce(3);
	memcpy(big, "big", 4);
	memset(big + 4, 'z', 2000);
	ck_assert_str_eq(guest_req(g, XS_WRITE, big, 2004, &h), "OK");
	r = guest_req(g, XS_READ, "big", 4, &h);
	ck_assert_uint_eq(h.len, 2000);
	ck_assert(r[0] == 'z' && r[1999] == 'z');
	memset(big + 4, 'y', 3000);
	ck_assert_str_eq(guest_req(g, XS_WRITE, big, 3004, &h), "ENOSPC"); /* value quota */
	for (int i = 0; i < 300; i++)
		ck_assert_str_eq(guest_req(g, XS_GET_DOMAIN_PATH, "3", 2, &h), "/local/domain/3");
	ck_assert_uint_lt(g->page->req_prod, START_IDX); /* the indices wrapped */
}
END_TEST

START_TEST(hostile_index_disconnects_only_that_guest)
{
	struct xs_fake_guest *bad = xs_fake_guest_get(&env, 3), *good = xs_fake_guest_get(&env, 4);
	struct xsd_sockmsg h;
	uint64_t one = 1;

	introduce(3);
	introduce(4);
	bad->page->req_prod = bad->page->req_cons + XENSTORE_RING_SIZE + 1;
	ck_assert_int_eq(write(bad->wake_fd, &one, 8), 8);
	for (int i = 0; i < 200 && !bad->page->error; i++)
		usleep(5000);
	ck_assert_uint_eq(bad->page->error, XENSTORE_ERROR_RINGIDX);
	ck_assert_str_eq(guest_req(good, XS_GET_DOMAIN_PATH, "4", 2, &h), "/local/domain/4");
	ck_assert_str_eq(dom0_req(XS_READ, "/local/domain", NULL, NULL), "");
	/* The domain stays known until the toolstack releases it. */
	ck_assert_str_eq(dom0_req(XS_IS_DOMAIN_INTRODUCED, "3", NULL, NULL), "T");
	ck_assert_str_eq(dom0_req(XS_INTRODUCE, "3", "4095", "1"), "EEXIST");
	/* Introducing the same ring again, once the guest fixed it, reconnects it. */
	bad->page->req_prod = bad->page->req_cons;
	ck_assert_str_eq(dom0_req(XS_INTRODUCE, "3", "4096", "1"), "OK");
	ck_assert_uint_eq(bad->page->error, XENSTORE_ERROR_NONE);
	ck_assert_str_eq(guest_req(bad, XS_GET_DOMAIN_PATH, "3", 2, &h), "/local/domain/3");
	ck_assert_str_eq(dom0_req(XS_RELEASE, "3", NULL, NULL), "OK");
	ck_assert(!bad->mapped);
}
END_TEST

START_TEST(hostile_response_index)
{
	struct xs_fake_guest *bad = xs_fake_guest_get(&env, 3);

	introduce(3);
	bad->page->rsp_cons = bad->page->rsp_prod + 7; /* consumer ahead of producer */
	ck_assert_int_eq(xs_fake_guest_send(bad, XS_GET_DOMAIN_PATH, 1, "3", 2, 2000), 0);
	for (int i = 0; i < 200 && !bad->page->error; i++)
		usleep(5000);
	ck_assert_uint_eq(bad->page->error, XENSTORE_ERROR_RINGIDX);
	ck_assert_str_eq(dom0_req(XS_GET_DOMAIN_PATH, "1", NULL, NULL), "/local/domain/1");
}
END_TEST

START_TEST(oversized_guest_message)
{
	struct xs_fake_guest *bad = xs_fake_guest_get(&env, 3), *good = xs_fake_guest_get(&env, 4);
	struct xsd_sockmsg h = {.type = XS_READ, .len = XENSTORE_PAYLOAD_MAX + 100};

	introduce(3);
	introduce(4);
	ck_assert_uint_eq(xs_fake_guest_put(bad, &h, sizeof(h)), sizeof(h));
	ck_assert_int_eq(xs_fake_guest_recv(bad, &h, (char[64]){0}, 64, 2000), 0);
	ck_assert_uint_eq(h.type, XS_ERROR);
	for (int i = 0; i < 200 && !bad->page->error; i++)
		usleep(5000);
	ck_assert_uint_eq(bad->page->error, XENSTORE_ERROR_PROTO);
	ck_assert_str_eq(guest_req(good, XS_GET_DOMAIN_PATH, "4", 2, &h), "/local/domain/4");
}
END_TEST

START_TEST(guest_that_never_reads_is_bounded)
{
	struct xs_fake_guest *g = xs_fake_guest_get(&env, 3);
	struct xsd_sockmsg h = {.type = XS_GET_DOMAIN_PATH, .len = 2};
	char msg[sizeof(h) + 2];
	struct xsd_sockmsg rh;
	size_t sent = 0, stuck = 0;
	struct xs_domain *d;

	introduce(3);
	ck_assert_str_eq(dom0_req(XS_WRITE, "/local/domain/3/w", NULL, NULL), "OK");
	ck_assert_str_eq(guest_req(g, XS_WATCH, "w\0t", 4, &rh), "OK");
	memcpy(msg, &h, sizeof(h));
	memcpy(msg + sizeof(h), "3", 2);
	/* Requests until the daemon stops taking them (it stops reading this ring). */
	while (stuck < 50) {
		size_t n = xs_fake_guest_put(g, msg, sizeof(msg));

		sent += n;
		if (n < sizeof(msg)) {
			stuck++;
			usleep(2000);
			if (n)
				while (xs_fake_guest_put(g, msg + n, sizeof(msg) - n) == 0 && stuck < 50)
					stuck++, usleep(2000);
		}
	}
	/* Watch events pile up for it too, from another client's writes. */
	for (int i = 0; i < 3000; i++)
		dom0_req(XS_WRITE, "/local/domain/3/w/x", "v", NULL);
	ck_assert_str_eq(dom0_req(XS_READ, "/local/domain/3/w/x", NULL, NULL), "v");
	stop_loop();
	d = xs_domain_find(&ctx, 3);
	ck_assert_ptr_nonnull(d);
	ck_assert_ptr_nonnull(d->conn);
	ck_assert_uint_le(d->conn->out_bytes, ctx.quota.event_queue + XENSTORE_PAYLOAD_MAX);
	ck_assert_uint_gt(d->conn->dropped_events, 0);
	ck_assert_uint_gt(sent, 64 * 1024 / 32); /* it was served until its replies piled up */
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("xs_ring");
	TCase *t = tcase_create("ring");

	tcase_set_timeout(t, 30);
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, introduce_and_round_trip);
	tcase_add_test(t, set_target_gives_target_rights);
	tcase_add_test(t, messages_larger_than_ring_and_wrap);
	tcase_add_test(t, hostile_index_disconnects_only_that_guest);
	tcase_add_test(t, hostile_response_index);
	tcase_add_test(t, oversized_guest_message);
	tcase_add_test(t, guest_that_never_reads_is_bounded);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
