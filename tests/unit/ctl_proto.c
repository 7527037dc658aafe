/* Unit tests: control-socket framing (libketchctl's kctl_wire.c). */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ketch/ketchctl.h"

static struct kctl_hdr good_hdr(uint16_t op, uint32_t len)
{
	struct kctl_hdr h;

	kctl_hdr_init(&h, op, 7, 0, len);
	return h;
}

START_TEST(hdr_good)
{
	struct kctl_hdr h = good_hdr(KCTL_OP_GETINFO, sizeof(struct kctl_domid));

	ck_assert_uint_eq(h.magic, KCTL_MAGIC);
	ck_assert_uint_eq(h.version, KCTL_VERSION);
	ck_assert_uint_eq(h.req_id, 7);
	ck_assert_int_eq(kctl_hdr_check(&h), 0);
	h = good_hdr(KCTL_OP_SET_IMAGE, KCTL_MAX_PAYLOAD);
	ck_assert_int_eq(kctl_hdr_check(&h), 0);
	h = good_hdr(KCTL_OP_EVENT, sizeof(struct kctl_dominfo));
	ck_assert_int_eq(kctl_hdr_check(&h), 0);
	h = good_hdr(KCTL_OP_ERROR, 0);
	ck_assert_int_eq(kctl_hdr_check(&h), 0);
}
END_TEST

START_TEST(hdr_bad)
{
	struct kctl_hdr h = good_hdr(KCTL_OP_LIST, 0);

	h.magic = 0x4c54434b; /* byte-swapped */
	ck_assert_int_eq(kctl_hdr_check(&h), -EPROTO);
	h = good_hdr(KCTL_OP_LIST, 0);
	h.version = KCTL_VERSION + 1;
	ck_assert_int_eq(kctl_hdr_check(&h), -EPROTO);
	h.version = 0;
	ck_assert_int_eq(kctl_hdr_check(&h), -EPROTO);
	h = good_hdr(KCTL_OP_LIST, KCTL_MAX_PAYLOAD + 1);
	ck_assert_int_eq(kctl_hdr_check(&h), -EMSGSIZE);
	h = good_hdr(KCTL_OP_LIST, UINT32_MAX);
	ck_assert_int_eq(kctl_hdr_check(&h), -EMSGSIZE);
	h = good_hdr(0, 0);
	ck_assert_int_eq(kctl_hdr_check(&h), -EOPNOTSUPP);
	h = good_hdr(KCTL_OP_MAX, 0);
	ck_assert_int_eq(kctl_hdr_check(&h), -EOPNOTSUPP);
	h = good_hdr(13, 0); /* unassigned, between SET_IMAGE and HV_INFO */
	ck_assert_int_eq(kctl_hdr_check(&h), -EOPNOTSUPP);
	h = good_hdr(0xffff, 0);
	ck_assert_int_eq(kctl_hdr_check(&h), -EOPNOTSUPP);
	h = good_hdr(KCTL_OP_EVENT + 2, 0);
	ck_assert_int_eq(kctl_hdr_check(&h), -EOPNOTSUPP);
	/* Order: a bad magic wins over a bad length, a bad length over an op. */
	h = good_hdr(0, KCTL_MAX_PAYLOAD + 1);
	ck_assert_int_eq(kctl_hdr_check(&h), -EMSGSIZE);
	h.magic = 0;
	ck_assert_int_eq(kctl_hdr_check(&h), -EPROTO);
}
END_TEST

START_TEST(payload_sizes)
{
	static const struct { uint16_t op; size_t min, max; } want[] = {
		{ KCTL_OP_HELLO, sizeof(struct kctl_hello), sizeof(struct kctl_hello) },
		{ KCTL_OP_CREATE, sizeof(struct kctl_create), sizeof(struct kctl_create) },
		{ KCTL_OP_DESTROY, 8, 8 }, { KCTL_OP_PAUSE, 8, 8 },
		{ KCTL_OP_UNPAUSE, 8, 8 }, { KCTL_OP_GETINFO, 8, 8 },
		{ KCTL_OP_LIST, 0, 0 }, { KCTL_OP_MAP_MEMORY, 8, 8 },
		{ KCTL_OP_SET_VCPU, sizeof(struct kctl_set_vcpu), sizeof(struct kctl_set_vcpu) },
		{ KCTL_OP_HYPERCALL_INIT, 24, 24 }, { KCTL_OP_SUBSCRIBE, 0, 0 },
		{ KCTL_OP_SET_IMAGE, sizeof(struct kctl_image_chunk) + 1, KCTL_MAX_PAYLOAD },
		{ KCTL_OP_HV_INFO, 0, 0 }, { KCTL_OP_GNTTAB_FRAMES, 8, 8 },
		{ KCTL_OP_EVENT, sizeof(struct kctl_dominfo), sizeof(struct kctl_dominfo) },
		{ KCTL_OP_ERROR, 0, 0 },
	};
	size_t min, max;

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		ck_assert_msg(kctl_payload_size(want[i].op, &min, &max) == 0, "op %u",
			      want[i].op);
		ck_assert_msg(min == want[i].min && max == want[i].max,
			      "op %u: [%zu, %zu]", want[i].op, min, max);
		ck_assert_uint_le(max, KCTL_MAX_PAYLOAD);
	}
	ck_assert_uint_eq(sizeof(struct kctl_create), 32);
	ck_assert_uint_eq(sizeof(struct kctl_set_vcpu), 8 + 21 * 8);
	ck_assert_uint_eq(sizeof(struct kctl_image_chunk), 24);
	ck_assert_uint_eq(sizeof(struct kctl_gnttab_frames), 16);
	ck_assert_uint_le(sizeof(struct kctl_list), KCTL_MAX_PAYLOAD);
	ck_assert_int_eq(kctl_payload_size(0, &min, &max), -EOPNOTSUPP);
	ck_assert_int_eq(kctl_payload_size(13, &min, &max), -EOPNOTSUPP);
	ck_assert_int_eq(kctl_payload_size(KCTL_OP_MAX, &min, &max), -EOPNOTSUPP);
	ck_assert_int_eq(kctl_payload_size(0x7fff, &min, &max), -EOPNOTSUPP);
}
END_TEST

static void pair(int sv[2])
{
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
}

START_TEST(roundtrip)
{
	struct kctl_domid req = { .domid = 42 }, got;
	struct kctl_hdr h = good_hdr(KCTL_OP_PAUSE, sizeof(req)), rh;
	int sv[2], fd = 5;

	pair(sv);
	ck_assert_int_eq(kctl_send(sv[0], &h, &req, -1, 0), 0);
	ck_assert_int_eq(kctl_recv(sv[1], &rh, &got, sizeof(got), &fd), 0);
	ck_assert_int_eq(fd, -1);
	ck_assert_uint_eq(rh.op, KCTL_OP_PAUSE);
	ck_assert_uint_eq(rh.req_id, 7);
	ck_assert_uint_eq(rh.len, sizeof(req));
	ck_assert_uint_eq(got.domid, 42);
	/* Empty payload. */
	h = good_hdr(KCTL_OP_LIST, 0);
	ck_assert_int_eq(kctl_send(sv[0], &h, NULL, -1, 0), 0);
	ck_assert_int_eq(kctl_recv(sv[1], &rh, NULL, 0, NULL), 0);
	ck_assert_uint_eq(rh.len, 0);
	/* A length without a payload is a caller bug. */
	h = good_hdr(KCTL_OP_LIST, 4);
	ck_assert_int_eq(kctl_send(sv[0], &h, NULL, -1, 0), -EINVAL);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

START_TEST(passes_fd)
{
	struct kctl_mem m = { .mem_bytes = 4096 }, got;
	struct kctl_hdr h = good_hdr(KCTL_OP_MAP_MEMORY, sizeof(m)), rh;
	int sv[2], p[2], fd = -1;
	char c = 0;

	pair(sv);
	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(kctl_send(sv[0], &h, &m, p[1], 0), 0);
	ck_assert_int_eq(kctl_recv(sv[1], &rh, &got, sizeof(got), &fd), 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_ne(fd, p[1]);
	ck_assert(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	ck_assert_int_eq(write(fd, "x", 1), 1);
	ck_assert_int_eq(read(p[0], &c, 1), 1);
	ck_assert_int_eq(c, 'x');
	close(fd);
	/* An unwanted descriptor is closed, not leaked: the pipe sees EOF. */
	ck_assert_int_eq(kctl_send(sv[0], &h, &m, p[1], 0), 0);
	close(p[1]);
	ck_assert_int_eq(kctl_recv(sv[1], &rh, &got, sizeof(got), NULL), 0);
	ck_assert_int_eq(read(p[0], &c, 1), 0);
	close(p[0]);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

START_TEST(eof_and_truncation)
{
	struct kctl_hdr h = good_hdr(KCTL_OP_GETINFO, 100), rh;
	char buf[200] = { 0 };
	int sv[2], fd = 3;

	/* EOF before anything: a clean end of stream. */
	pair(sv);
	close(sv[0]);
	ck_assert_int_eq(kctl_recv(sv[1], &rh, buf, sizeof(buf), &fd), -ECONNRESET);
	ck_assert_int_eq(fd, -1);
	close(sv[1]);
	/* EOF inside the header. */
	pair(sv);
	ck_assert_int_eq(write(sv[0], &h, 10), 10);
	close(sv[0]);
	ck_assert_int_eq(kctl_recv(sv[1], &rh, buf, sizeof(buf), NULL), -EPROTO);
	close(sv[1]);
	/* EOF inside the payload. */
	pair(sv);
	ck_assert_int_eq(write(sv[0], &h, sizeof(h)), (ssize_t)sizeof(h));
	ck_assert_int_eq(write(sv[0], buf, 50), 50);
	close(sv[0]);
	ck_assert_int_eq(kctl_recv(sv[1], &rh, buf, sizeof(buf), NULL), -EPROTO);
	close(sv[1]);
}
END_TEST

START_TEST(bad_frames_refused)
{
	struct kctl_hdr h = good_hdr(KCTL_OP_GETINFO, 100), rh;
	char buf[64] = { 0 }, big[200] = { 0 };
	int sv[2];

	pair(sv);
	/* Larger than the caller's buffer. */
	ck_assert_int_eq(kctl_send(sv[0], &h, big, -1, 0), 0);
	ck_assert_int_eq(kctl_recv(sv[1], &rh, buf, sizeof(buf), NULL), -EMSGSIZE);
	close(sv[0]);
	close(sv[1]);
	pair(sv);
	h.magic = 0xdeadbeef;
	ck_assert_int_eq(write(sv[0], &h, sizeof(h)), (ssize_t)sizeof(h));
	ck_assert_int_eq(kctl_recv(sv[1], &rh, big, sizeof(big), NULL), -EPROTO);
	h = good_hdr(KCTL_OP_GETINFO, KCTL_MAX_PAYLOAD + 1);
	ck_assert_int_eq(write(sv[0], &h, sizeof(h)), (ssize_t)sizeof(h));
	ck_assert_int_eq(kctl_recv(sv[1], &rh, big, sizeof(big), NULL), -EMSGSIZE);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

/* A sender that dribbles a frame one byte at a time: short reads. */
START_TEST(short_reads)
{
	uint8_t payload[KCTL_MAX_PAYLOAD], got[KCTL_MAX_PAYLOAD];
	struct kctl_hdr h = good_hdr(KCTL_OP_SET_IMAGE, sizeof(payload)), rh;
	const uint8_t *p = (const uint8_t *)&h;
	int sv[2], st;
	pid_t pid;

	for (size_t i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(i * 7);
	pair(sv);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		for (size_t i = 0; i < sizeof(h); i++)
			if (write(sv[0], p + i, 1) != 1 || usleep(200) < 0)
				_exit(1);
		for (size_t i = 0; i < sizeof(payload); i += 512)
			if (write(sv[0], payload + i, 512) != 512 || usleep(200) < 0)
				_exit(1);
		_exit(0);
	}
	ck_assert_int_eq(kctl_recv(sv[1], &rh, got, sizeof(got), NULL), 0);
	ck_assert_int_eq(memcmp(got, payload, sizeof(got)), 0);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

/* A sender whose socket buffer is small: short writes are completed. */
START_TEST(short_writes)
{
	static uint8_t payload[KCTL_MAX_PAYLOAD], got[KCTL_MAX_PAYLOAD];
	struct kctl_hdr h = good_hdr(KCTL_OP_SET_IMAGE, sizeof(payload)), rh;
	int sv[2], sz = 1024, st;
	pid_t pid;

	memset(payload, 0xa5, sizeof(payload));
	pair(sv);
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	setsockopt(sv[1], SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		for (int i = 0; i < 20; i++)
			if (kctl_send(sv[0], &h, payload, -1, 0))
				_exit(1);
		_exit(0);
	}
	for (int i = 0; i < 20; i++) {
		usleep(1000);
		ck_assert_int_eq(kctl_recv(sv[1], &rh, got, sizeof(got), NULL), 0);
		ck_assert_int_eq(memcmp(got, payload, sizeof(got)), 0);
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

/* MSG_DONTWAIT on a full socket reports -EAGAIN instead of blocking. */
START_TEST(nonblocking_full)
{
	static uint8_t payload[KCTL_MAX_PAYLOAD];
	struct kctl_hdr h = good_hdr(KCTL_OP_SET_IMAGE, sizeof(payload));
	int sv[2], r = 0;

	pair(sv);
	for (int i = 0; i < 100000 && r == 0; i++)
		r = kctl_send(sv[0], &h, payload, -1, MSG_DONTWAIT);
	ck_assert_int_eq(r, -EAGAIN);
	close(sv[1]);
	ck_assert_int_eq(kctl_send(sv[0], &h, payload, -1, MSG_DONTWAIT), -EPIPE);
	close(sv[0]);
}
END_TEST

START_TEST(names)
{
	ck_assert_str_eq(kctl_state_name(KCTL_STATE_RUNNING), "running");
	ck_assert_str_eq(kctl_state_name(KCTL_STATE_DYING), "dying");
	ck_assert_str_eq(kctl_state_name(0), "unknown");
	ck_assert_str_eq(kctl_state_name(99), "unknown");
	ck_assert_str_eq(kctl_shutdown_name(0), "poweroff");
	ck_assert_str_eq(kctl_shutdown_name(-1), "-");
	ck_assert_str_eq(kctl_strerror(-ESRCH), "no such domain");
	ck_assert_ptr_nonnull(kctl_strerror(-ENOSPC));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ctl_proto");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	signal(SIGPIPE, SIG_IGN);
	tcase_add_test(tc, hdr_good);
	tcase_add_test(tc, hdr_bad);
	tcase_add_test(tc, payload_sizes);
	tcase_add_test(tc, roundtrip);
	tcase_add_test(tc, passes_fd);
	tcase_add_test(tc, eof_and_truncation);
	tcase_add_test(tc, bad_frames_refused);
	tcase_add_test(tc, short_reads);
	tcase_add_test(tc, short_writes);
	tcase_add_test(tc, nonblocking_full);
	tcase_add_test(tc, names);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
