/*
 * Unit tests: libketchctl's bounded calls.  A fake ketch-hv answers HELLO
 * and then goes silent on one request; a handle opened with a timeout must
 * give up with -ETIMEDOUT in about that time, and its next call must work
 * again over a fresh connection.  A handle without a timeout is untouched.
 */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "ketch/ketchctl.h"

struct fake {
	char dir[64], path[96];
	int lfd;
	int silent_after;  /* requests answered before going silent (-1: never) */
	int silent_subscribe; /* never answer SUBSCRIBE */
};

static void reply(int fd, const struct kctl_hdr *h, const void *p, uint32_t len)
{
	struct kctl_hdr r;

	kctl_hdr_init(&r, h->op, h->req_id, 0, len);
	kctl_send(fd, &r, p, -1, 0);
}

/* Serve one connection; returns when the client goes away. */
static void serve(struct fake *f, int fd)
{
	uint8_t buf[KCTL_MAX_PAYLOAD];
	struct kctl_hdr h;
	int answered = 0;

	while (kctl_recv(fd, &h, buf, sizeof(buf), NULL) == 0) {
		struct kctl_hello hi = { .version = KCTL_VERSION, .pid = 42 };

		if (h.op == KCTL_OP_HELLO)
			reply(fd, &h, &hi, sizeof(hi));
		else if (h.op == KCTL_OP_SUBSCRIBE && f->silent_subscribe)
			continue;
		else if (f->silent_after >= 0 && answered++ >= f->silent_after)
			continue; /* stuck: never answers */
		else
			reply(fd, &h, NULL, 0);
	}
}

static void *fake_main(void *arg)
{
	struct fake *f = arg;
	int fd;

	while ((fd = accept(f->lfd, NULL, NULL)) >= 0) {
		int once = f->silent_after;

		serve(f, fd);
		close(fd);
		f->silent_after = once < 0 ? once : -1; /* a new connection works */
	}
	return NULL;
}

static pthread_t fake_start(struct fake *f)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	pthread_t t;

	strcpy(f->dir, "/tmp/kctl-timeout.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/hv.sock", f->dir);
	strcpy(sa.sun_path, f->path);
	f->lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_eq(bind(f->lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(f->lfd, 8), 0);
	ck_assert_int_eq(pthread_create(&t, NULL, fake_main, f), 0);
	return t;
}

static void fake_stop(struct fake *f, pthread_t t)
{
	shutdown(f->lfd, SHUT_RDWR);
	close(f->lfd);
	pthread_join(t, NULL);
	unlink(f->path);
	rmdir(f->dir);
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

START_TEST(stuck_request_times_out)
{
	struct fake f = { .silent_after = 0 };
	pthread_t t = fake_start(&f);
	int err;
	struct kctl *h = kctl_open_timeout(f.path, 300, &err);
	double t0;

	ck_assert_ptr_nonnull(h);
	t0 = now_ms();
	ck_assert_int_eq(kctl_pause(h, 1), -ETIMEDOUT);
	ck_assert_double_ge(now_ms() - t0, 250);
	ck_assert_double_lt(now_ms() - t0, 2000);
	/* The stream lost step; the next call connects again and is answered. */
	ck_assert_int_eq(kctl_pause(h, 1), 0);
	ck_assert_int_eq(kctl_unpause(h, 1), 0);
	kctl_close(h);
	fake_stop(&f, t);
}
END_TEST

START_TEST(no_timeout_when_answered)
{
	struct fake f = { .silent_after = -1 };
	pthread_t t = fake_start(&f);
	struct kctl *h = kctl_open_timeout(f.path, 300, NULL);

	ck_assert_ptr_nonnull(h);
	ck_assert_uint_eq(kctl_server_pid(h), 42);
	for (int i = 0; i < 5; i++)
		ck_assert_int_eq(kctl_pause(h, 1), 0);
	kctl_close(h);
	fake_stop(&f, t);
}
END_TEST

START_TEST(subscribe_times_out)
{
	struct fake f = { .silent_after = -1, .silent_subscribe = 1 };
	pthread_t t = fake_start(&f);
	int err = 0;
	double t0 = now_ms();
	struct kctl_events *ev = kctl_subscribe_timeout(f.path, 300, &err);

	ck_assert_ptr_null(ev);
	ck_assert_int_eq(err, -ETIMEDOUT);
	ck_assert_double_lt(now_ms() - t0, 2000);
	fake_stop(&f, t);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("kctl_timeout");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, stuck_request_times_out);
	tcase_add_test(tc, no_timeout_when_answered);
	tcase_add_test(tc, subscribe_times_out);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
