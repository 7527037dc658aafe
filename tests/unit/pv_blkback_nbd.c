/*
 * Unit tests: ketch-blkback's NBD disk layer (pv-drivers/back/
 * blkback_nbd.c) against a real qemu-storage-daemon serving a scratch
 * raw file on a Unix socket, this test standing in for the ring above
 * it (bb_io_done records each answer).  A write and a read go through
 * and the file holds what was written; then the daemon is killed and
 * neither the request issued right after (the death found while sending
 * it) nor one issued on the dead connection is answered, so the frontend
 * sends them again to the restarted backend instead of failing the
 * guest's I/O, and the layer asks to exit.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../pv-drivers/back/blkback.h"

static int answers, last_res;

void bb_io_done(struct bb *b, struct bb_req *r, int res)
{
	(void)b;
	(void)r;
	answers++;
	last_res = res;
}

void bb_ring_push(struct bb *b)
{
	(void)b;
}

void bk_log(const char *fmt, ...)
{
	(void)fmt;
}

struct server {
	char dir[64], sock[96], file[96];
	pid_t pid;
};

static void serve(struct server *s)
{
	char bd[160], ex[64];
	int fd;

	snprintf(s->dir, sizeof(s->dir), "/tmp/ketch-bbnbd-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(s->dir));
	snprintf(s->sock, sizeof(s->sock), "%s/nbd.sock", s->dir);
	snprintf(s->file, sizeof(s->file), "%s/disk.raw", s->dir);
	fd = open(s->file, O_CREAT | O_RDWR, 0600);
	ck_assert_int_eq(ftruncate(fd, 1 << 20), 0);
	close(fd);
	snprintf(bd, sizeof(bd), "driver=file,node-name=f,filename=%s", s->file);
	snprintf(ex, sizeof(ex), "type=nbd,id=e,node-name=f,name=disk,writable=on");
	s->pid = fork();
	if (s->pid == 0) {
		char na[140];

		snprintf(na, sizeof(na), "addr.type=unix,addr.path=%s", s->sock);
		execlp("qemu-storage-daemon", "qemu-storage-daemon", "--blockdev", bd,
		       "--nbd-server", na, "--export", ex, (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 500 && access(s->sock, F_OK); i++)
		usleep(10000);
	ck_assert_msg(access(s->sock, F_OK) == 0, "qemu-storage-daemon did not start");
}

static void unserve(struct server *s)
{
	char cmd[200];

	if (s->pid > 0) {
		kill(s->pid, SIGKILL);
		waitpid(s->pid, NULL, 0);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf %s", s->dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* A one-segment request of op over [off, off+4096) from/into page. */
static void req_init(struct bb_req *r, uint8_t op, uint64_t off, void *page)
{
	memset(r, 0, sizeof(*r));
	r->op = op;
	r->nseg = 1;
	r->off = off;
	r->len = r->bytes = 4096;
	r->iov[0] = (struct iovec){ page, 4096 };
}

/* Until r was answered or the layer gave up: how it ended. */
static void run(struct bb *b, unsigned int want)
{
	for (int i = 0; i < 500 && answers < (int)want && !b->x.quit; i++) {
		struct pollfd p;

		bb_disk_nbd.poll(b, &p);
		if (p.fd < 0)
			break;
		if (poll(&p, 1, 10) > 0)
			bb_disk_nbd.complete(b, p.revents);
	}
}

START_TEST(write_read_then_server_dies)
{
	static uint8_t page[4096], back[4096];
	struct server s;
	struct bb b = { .nbd_pidfd = -1 };
	struct bb_req w, r, late, dead;
	int fd;

	serve(&s);
	b.nbd_socket = s.sock;
	b.nbd_pid = s.pid;
	ck_assert_int_eq(bb_disk_nbd.init(&b), 0);
	ck_assert_uint_eq(b.sectors, (1 << 20) / 512);
	/* through: written, read back, on the file */
	memset(page, 0x5a, sizeof(page));
	req_init(&w, BLKIF_OP_WRITE, 8192, page);
	bb_disk_nbd.start(&b, &w);
	run(&b, 1);
	ck_assert_int_eq(answers, 1);
	ck_assert_int_eq(last_res, 4096);
	req_init(&r, BLKIF_OP_READ, 8192, back);
	bb_disk_nbd.start(&b, &r);
	run(&b, 2);
	ck_assert_int_eq(last_res, 4096);
	ck_assert_mem_eq(back, page, sizeof(page));
	fd = open(s.file, O_RDONLY);
	ck_assert_int_eq(pread(fd, back, sizeof(back), 8192), (ssize_t)sizeof(back));
	close(fd);
	ck_assert_mem_eq(back, page, sizeof(page));
	/* the server dies: nothing more is answered, the layer asks to exit */
	kill(s.pid, SIGKILL);
	waitpid(s.pid, NULL, 0);
	s.pid = 0;
	req_init(&late, BLKIF_OP_WRITE, 0, page);
	bb_disk_nbd.start(&b, &late);
	run(&b, 3);
	req_init(&dead, BLKIF_OP_WRITE, 4096, page);
	bb_disk_nbd.start(&b, &dead);
	run(&b, 3);
	ck_assert_msg(answers == 2, "%d more answered after the server died (last %d)",
		      answers - 2, last_res);
	ck_assert(b.x.quit && b.x.failed);
	free(w.bounce);
	free(r.bounce);
	free(late.bounce);
	free(dead.bounce);
	b.nbd_pidfd = -1; /* reaped above */
	bb_disk_nbd.fini(&b);
	unserve(&s);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("pv_blkback_nbd");
	TCase *t = tcase_create("nbd");
	SRunner *sr;
	int failed;

	tcase_set_timeout(t, 30);
	tcase_add_test(t, write_read_then_server_dies);
	suite_add_tcase(s, t);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
