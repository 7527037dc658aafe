/*
 * Unit tests: a migration's receiving end (dom0-tools/ketchd/migrate_recv.c
 * over migrate_wire.c), run as the child it is in ketchd, with this test
 * as the source on the other end of a socket pair and as its ketchd on
 * the other end of its ctl pair.  A whole migration goes through (the
 * memory image ketchd passes holds the pages sent, last copy winning;
 * the stream handed to ketchd is a checked save stream without pages);
 * every hostile source
 * gets an ERROR frame saying why and the child fails: a wrong key, no
 * HELLO first, sizes and vCPU counts no domain has, names unterminated or empty,
 * a name its ketchd holds, frames outside RAM, counts and lengths
 * out of bounds, a state that is not a save stream, silence.  And the
 * runs of data a save or a migration reads (mem_scan.c): holes are
 * skipped, and reading the runs gives no hole a page.
 */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ketchd.h"
#include "migrate.h"
#include "ketch/savestream.h"

static const uint8_t key[] = "unit-test-migration-key";
#define KLEN (sizeof(key) - 1)
#define MEM (8ull << 20)

struct peer {
	int conn, ctl, out, img; /* img: the memory image, as ketchd passes it */
	pid_t pid;
};

static struct peer start(int timeout_s)
{
	struct peer p;
	int c[2], k[2];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, c), 0);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, k), 0);
	p.out = memfd_create("out", 0);
	p.img = memfd_create("img", 0);
	ck_assert(p.out >= 0 && p.img >= 0);
	p.pid = fork();
	ck_assert(p.pid >= 0);
	if (p.pid == 0) {
		close(c[0]);
		close(k[0]);
		mig_recv_main(k[1], c[1], p.out, key, KLEN, timeout_s);
	}
	close(c[1]);
	close(k[1]);
	p.conn = c[0];
	p.ctl = k[0];
	mig_set_timeout(p.conn, 10);
	return p;
}

/* The child's exit status, once it is gone. */
static int reap(struct peer *p)
{
	int st = 0;

	close(p->conn);
	close(p->ctl);
	close(p->out);
	close(p->img);
	ck_assert_int_eq(waitpid(p->pid, &st, 0), p->pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void authenticate(struct peer *p)
{
	char why[256] = "";

	ck_assert_msg(mig_auth_source(p->conn, key, KLEN, why, sizeof(why)) == 0, "%s", why);
}


static void hello_named(struct peer *p, uint64_t mem, uint64_t vcpus, const char *name,
			size_t len)
{
	struct mig_hello h = { .mem = mem, .vcpus = vcpus };

	for (int i = 0; i < 16; i++)
		h.uuid[i] = (uint8_t)i;
	memcpy(h.name, name, len);
	ck_assert_int_eq(mig_send(p->conn, MIG_HELLO, &h, sizeof(h)), 0);
}

static void hello(struct peer *p, uint64_t mem, uint64_t vcpus)
{
	hello_named(p, mem, vcpus, "guest", 6);
}

static struct mig_ctl ctl_expect(struct peer *p, char want);

/* A HELLO the child takes: as its ketchd, hand it an image of mem bytes. */
static void hello_ok(struct peer *p, uint64_t mem)
{
	struct mig_ctl m;
	uint8_t uuid[16];
	uint32_t type, len;
	char why[256];

	hello(p, mem, 1);
	m = ctl_expect(p, 'H');
	ck_assert_int_eq(m.a, (int64_t)mem);
	/* for ketchd to refuse a name or uuid it holds: the name, the uuid's bytes */
	ck_assert_str_eq(m.text, "guest");
	memcpy(uuid, &m.c, 8);
	memcpy(uuid + 8, &m.d, 8);
	for (int i = 0; i < 16; i++)
		ck_assert_int_eq(uuid[i], i);
	ck_assert_int_eq(ftruncate(p->img, (off_t)mem), 0);
	ck_assert_int_eq(mig_ctl_send_fd(p->ctl, 'I', 0, p->img), 0);
	/* the source hears the domain was taken before it sends a page */
	ck_assert_int_eq(mig_recv_head(p->conn, &type, &len, 64, why, sizeof(why)), 0);
	ck_assert_int_eq(type, MIG_WELCOME);
	ck_assert_int_eq(len, 0);
}

/* A ctl message from the child, of kind want. */
static struct mig_ctl ctl_expect(struct peer *p, char want)
{
	struct mig_ctl m;

	ck_assert_int_eq(recv(p->ctl, &m, sizeof(m), 0), (ssize_t)sizeof(m));
	ck_assert_msg(m.kind == want, "ctl '%c' (%s), not '%c'", m.kind, m.text, want);
	return m;
}

/* The child's ERROR frame and its 'E' to ketchd both say want, and it failed. */
static void refused(struct peer *p, const char *want)
{
	char why[600] = "";
	uint32_t type, len;
	struct mig_ctl m;
	int r;

	do
		r = mig_recv_head(p->conn, &type, &len, MIG_TEXT_MAX, why, sizeof(why));
	while (!r && type == MIG_NOP);
	/* mig_recv_head turns an ERROR frame into its text */
	ck_assert_msg(r != 0 && strstr(why, want), "\"%s\" lacks \"%s\"", why, want);
	do
		ck_assert_int_eq(recv(p->ctl, &m, sizeof(m), 0), (ssize_t)sizeof(m));
	while (m.kind == 'H');
	ck_assert_int_eq(m.kind, 'E');
	ck_assert_msg(strstr(m.text, want), "ctl \"%s\" lacks \"%s\"", m.text, want);
	ck_assert_int_eq(reap(p), 1);
}

static void send_pages(struct peer *p, uint32_t count, const uint64_t *pfn, uint8_t fill)
{
	size_t len = 8 + count * (8 + KS_PAGE);
	uint8_t *b = malloc(len);
	uint32_t h[2] = { count, 0 };

	memcpy(b, h, 8);
	memcpy(b + 8, pfn, count * 8ul);
	memset(b + 8 + count * 8ul, fill, (size_t)count * KS_PAGE);
	ck_assert_int_eq(mig_send(p->conn, MIG_PAGES, b, (uint32_t)len), 0);
	free(b);
}

static int sink(void *opaque, const void *data, size_t len)
{
	uint8_t **bp = opaque;
	size_t *n = (size_t *)(bp + 1);

	*bp = realloc(*bp, *n + len);
	memcpy(*bp + *n, data, len);
	*n += len;
	return 0;
}

/* A save stream without pages, as the source's ketchd writes the state. */
static uint8_t *state(size_t *len)
{
	static const struct ks_domain dom = { .mem_bytes = MEM, .vcpus = 1, .uuid = { 7 },
		.start_info_pfn = 5, .shared_info_gpa = 0x6000, .hypercall_page_gpa = 0x1000,
		.hypercall_page_va = 0x401000, .config = "{\"name\":\"m\"}" };
	struct ks_vcpu v = { .id = 0, .online = 1, .rip = 0x400100, .cr3 = 0x3000 };
	struct { uint8_t *p; size_t n; } b = { 0 };
	struct ks_writer w = { .sink = sink, .sink_opaque = &b };

	ck_assert_int_eq(ks_write_header(&w), 0);
	ck_assert_int_eq(ks_write_domain(&w, &dom), 0);
	ck_assert_int_eq(ks_write_vcpu(&w, &v), 0);
	ck_assert_int_eq(ks_write_end(&w), 0);
	*len = b.n;
	return b.p;
}

START_TEST(whole_migration)
{
	struct peer p = start(10);
	uint64_t a[2] = { 3, 2047 }, b[1] = { 3 };
	static uint8_t page[KS_PAGE];
	uint8_t *st;
	size_t len;
	struct mig_ctl m;
	uint32_t type, n, domid = 0;
	char why[256];

	authenticate(&p);
	hello_ok(&p, MEM);
	send_pages(&p, 2, a, 0x11);
	send_pages(&p, 1, b, 0x22); /* a later round: frame 3 again */
	st = state(&len);
	ck_assert_int_eq(mig_send(p.conn, MIG_STATE, st, (uint32_t)len), 0);
	m = ctl_expect(&p, 'R');
	/* The image: the last copy of each frame sent; two frames in all. */
	ck_assert_int_eq(m.b, 2);
	ck_assert_int_eq(pread(p.img, page, sizeof(page), 3 * KS_PAGE), (ssize_t)sizeof(page));
	ck_assert_int_eq(page[100], 0x22);
	ck_assert_int_eq(pread(p.img, page, sizeof(page), 2047 * KS_PAGE), (ssize_t)sizeof(page));
	ck_assert_int_eq(page[0], 0x11);
	ck_assert_int_eq(pread(p.img, page, sizeof(page), 4 * KS_PAGE), (ssize_t)sizeof(page));
	ck_assert_int_eq(page[0], 0);
	/* The stream for ketchd: the state, checked, with no pages. */
	ck_assert_int_eq(m.a, (int64_t)len);
	ck_assert_int_eq(lseek(p.out, 0, SEEK_SET), 0);
	ck_assert_int_eq(ks_verify(ks_read_fd, &p.out, why), 0);
	free(st);
	/* Built as domain 9; the source says go; it runs; done. */
	ck_assert_int_eq(mig_ctl_send(p.ctl, 'Y', 9, 0, 0, 0, NULL), 0);
	ck_assert_int_eq(mig_recv_head(p.conn, &type, &n, 64, why, sizeof(why)), 0);
	ck_assert_int_eq(type, MIG_READY);
	ck_assert_int_eq(n, 4);
	ck_assert_int_eq(mig_read_all(p.conn, &domid, 4), 0);
	ck_assert_int_eq(domid, 9);
	ck_assert_int_eq(mig_send(p.conn, MIG_GO, NULL, 0), 0);
	ctl_expect(&p, 'G');
	ck_assert_int_eq(mig_ctl_send(p.ctl, 'O', 9, 0, 0, 0, NULL), 0);
	ck_assert_int_eq(mig_recv_head(p.conn, &type, &n, 64, why, sizeof(why)), 0);
	ck_assert_int_eq(type, MIG_DONE);
	ck_assert_int_eq(reap(&p), 0);
}
END_TEST

START_TEST(wrong_key)
{
	struct peer p = start(10);
	struct mig_ctl m;
	char why[256] = "";
	static const uint8_t other[] = "another-key";

	/* the target's ERROR frame: -EREMOTEIO, its text in why */
	ck_assert_int_eq(mig_auth_source(p.conn, other, sizeof(other) - 1, why, sizeof(why)),
			 -EREMOTEIO);
	ck_assert_msg(strstr(why, "authentication failed"), "%s", why);
	ck_assert_int_eq(recv(p.ctl, &m, sizeof(m), 0), (ssize_t)sizeof(m));
	ck_assert_int_eq(m.kind, 'E');
	ck_assert_msg(strstr(m.text, "wrong key"), "%s", m.text);
	ck_assert_int_eq(reap(&p), 1);
}
END_TEST

START_TEST(not_a_peer)
{
	struct peer p = start(10);
	static const char junk[] = "GET / HTTP/1.0\r\n\r\nGET / HTTP/1.0\r\n\r\nGET / HTTP/1.0\r\n\r\n";
	char why[256] = "";
	uint8_t body[64];
	uint32_t type, len;

	/* Its opening is read as a listener's; then the junk goes in. */
	ck_assert_int_eq(mig_recv_head(p.conn, &type, &len, 64, why, sizeof(why)), 0);
	ck_assert_int_eq(type, MIG_AUTH);
	ck_assert_int_eq(mig_read_all(p.conn, body, len), 0);
	ck_assert_int_eq(write(p.conn, junk, sizeof(junk) - 1), (ssize_t)sizeof(junk) - 1);
	refused(&p, "frame");
}
END_TEST

START_TEST(no_hello_first)
{
	struct peer p = start(10);
	uint64_t a[1] = { 1 };

	authenticate(&p);
	send_pages(&p, 1, a, 1);
	refused(&p, "frame type 2 of 4112 bytes");
}
END_TEST

/* Sizes and vCPU counts no domain has: 1 PiB, under 4 MiB, not whole pages, 0 or 1000 vCPUs. */
static const uint64_t bad_hellos[][2] = {
	{ 1ull << 50, 1 }, { 1 << 20, 1 }, { MEM + 100, 1 }, { MEM, 0 }, { MEM, 1000 },
};

START_TEST(bad_hello)
{
	struct peer p = start(10);

	authenticate(&p);
	hello(&p, bad_hellos[_i][0], bad_hellos[_i][1]);
	refused(&p, "cannot be received");
}
END_TEST

/* A name with no NUL in its 64 bytes, and an empty one. */
START_TEST(bad_name)
{
	struct peer p = start(10);
	char name[64];

	memset(name, 'x', sizeof(name));
	authenticate(&p);
	hello_named(&p, MEM, 1, _i ? "" : name, _i ? 1 : sizeof(name));
	refused(&p, "name is empty or not terminated");
}
END_TEST

START_TEST(frame_outside_ram)
{
	struct peer p = start(10);
	uint64_t a[2] = { 1, MEM / KS_PAGE };

	authenticate(&p);
	hello_ok(&p, MEM);
	send_pages(&p, 2, a, 1);
	refused(&p, "outside the domain's memory");
}
END_TEST

START_TEST(count_and_length_disagree)
{
	struct peer p = start(10);
	uint32_t h[4] = { 5, 0, 0, 0 }; /* says 5 pages, carries none */

	authenticate(&p);
	hello_ok(&p, MEM);
	ck_assert_int_eq(mig_send(p.conn, MIG_PAGES, h, sizeof(h)), 0);
	refused(&p, "pages frame of 5 pages");
}
END_TEST

START_TEST(oversized_frame)
{
	struct peer p = start(10);
	uint32_t h[2] = { MIG_PAGES, 0x7fffffff };

	authenticate(&p);
	hello_ok(&p, MEM);
	ck_assert_int_eq(write(p.conn, h, sizeof(h)), (ssize_t)sizeof(h));
	refused(&p, "at most");
}
END_TEST

START_TEST(state_not_a_stream)
{
	struct peer p = start(10);
	static const char junk[] = "this is not a save stream at all";

	authenticate(&p);
	hello_ok(&p, MEM);
	ck_assert_int_eq(mig_send(p.conn, MIG_STATE, junk, sizeof(junk)), 0);
	refused(&p, "the state");
}
END_TEST

START_TEST(state_of_another_size)
{
	struct peer p = start(10);
	uint8_t *st;
	size_t len;

	authenticate(&p);
	hello_ok(&p, MEM * 2); /* the state says MEM */
	st = state(&len);
	ck_assert_int_eq(mig_send(p.conn, MIG_STATE, st, (uint32_t)len), 0);
	free(st);
	refused(&p, "does not fit the domain");
}
END_TEST

/* Its ketchd does not take the domain: no image (ketch-hv refused), or a
 * name it holds (the source hears ketchd's reason). */
static const struct {
	char kind;
	const char *text, *want;
} answers[] = {
	{ 'I', NULL, "no memory image" },
	{ 'E', "a domain named \"guest\" already exists on the target",
	  "a domain named \"guest\" already exists on the target" },
};

START_TEST(not_taken)
{
	struct peer p = start(10);

	authenticate(&p);
	hello(&p, MEM, 1);
	ctl_expect(&p, 'H');
	ck_assert_int_eq(mig_ctl_send(p.ctl, answers[_i].kind, 0, 0, 0, 0, answers[_i].text), 0);
	refused(&p, answers[_i].want);
}
END_TEST

START_TEST(silent_source)
{
	struct peer p = start(1);

	authenticate(&p);
	hello_ok(&p, MEM);
	/* nothing more: the child's stall timeout (1 s) ends it */
	refused(&p, "stalled");
}
END_TEST

/* KiB the memfd holds in memory: its own count, not the host's Shmem,
 * which every other process on the host moves too. */
static long held_kib(int fd)
{
	struct stat st;

	return fstat(fd, &st) ? -1 : (long)(st.st_blocks / 2);
}

START_TEST(runs_of_data)
{
	struct kd_guest_mem g = { .fd = memfd_create("g", 0), .size = 64 << 20 };
	uint64_t f = 0, end = 0, pages = 0;
	long before;

	ck_assert_int_eq(ftruncate(g.fd, (off_t)g.size), 0);
	g.mem = mmap(NULL, g.size, PROT_READ | PROT_WRITE, MAP_SHARED, g.fd, 0);
	ck_assert_ptr_ne(g.mem, MAP_FAILED);
	g.mem[3 * KS_PAGE] = 1;
	memset(g.mem + 10 * KS_PAGE, 2, 3 * KS_PAGE);
	g.mem[16383 * KS_PAGE + 9] = 3;
	ck_assert(kd_guest_mem_run(&g, &f, &end));
	ck_assert_uint_eq(f, 3);
	ck_assert_uint_eq(end, 4);
	f = end;
	ck_assert(kd_guest_mem_run(&g, &f, &end));
	ck_assert_uint_eq(f, 10);
	ck_assert_uint_eq(end, 13);
	f = end;
	ck_assert(kd_guest_mem_run(&g, &f, &end));
	ck_assert_uint_eq(f, 16383);
	ck_assert_uint_eq(end, 16384);
	f = end;
	ck_assert(!kd_guest_mem_run(&g, &f, &end));
	/* Every byte of every run read: no hole got a page (64 MiB would show). */
	before = held_kib(g.fd);
	for (f = 0, end = 0; f < end || kd_guest_mem_run(&g, &f, &end); f++)
		pages += g.mem[f * KS_PAGE + 9] != 0 || g.mem[f * KS_PAGE] != 0;
	ck_assert_uint_eq(pages, 5);
	ck_assert_msg(before > 0 && held_kib(g.fd) == before, "the memfd grew from %ld to %ld KiB",
		      before, held_kib(g.fd));
	kd_guest_mem_close(&g);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("ketchd_migrate");
	TCase *t = tcase_create("receiver"), *m = tcase_create("mem_scan");

	tcase_set_timeout(t, 30);
	tcase_add_test(t, whole_migration);
	tcase_add_test(t, wrong_key);
	tcase_add_test(t, not_a_peer);
	tcase_add_test(t, no_hello_first);
	tcase_add_loop_test(t, bad_hello, 0, sizeof(bad_hellos) / sizeof(bad_hellos[0]));
	tcase_add_loop_test(t, bad_name, 0, 2);
	tcase_add_test(t, frame_outside_ram);
	tcase_add_test(t, count_and_length_disagree);
	tcase_add_test(t, oversized_frame);
	tcase_add_test(t, state_not_a_stream);
	tcase_add_test(t, state_of_another_size);
	tcase_add_loop_test(t, not_taken, 0, sizeof(answers) / sizeof(answers[0]));
	tcase_add_test(t, silent_source);
	suite_add_tcase(s, t);
	tcase_add_test(m, runs_of_data);
	suite_add_tcase(s, m);
	return s;
}

int main(void)
{
	SRunner *r = srunner_create(suite());
	int failed;

	signal(SIGPIPE, SIG_IGN);
	srunner_run_all(r, CK_NORMAL);
	failed = srunner_ntests_failed(r);
	srunner_free(r);
	return failed ? 1 : 0;
}
