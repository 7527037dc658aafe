/*
 * gnt_access.c - libketchgnt against a fake guest: a memfd whose page 2
 * is a grant table with one entry of each kind.  Checks the statuses, the
 * GTF_reading/GTF_writing bits a granter would see, that copies and maps
 * reach exactly the granted frame, and the persistent-mapping cache.
 * Then a classic Xen PV guest's table outside its RAM, in the frames
 * memfd a fake ketch-hv hands over for GNTTAB_FRAMES.
 */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "ketch/gntaccess.h"
#include "ketch/ketchctl.h"

#define PAGES 16
#define TABLE_PFN 2

static int memfd;
static uint8_t *mem;
static grant_entry_v1_t *table;

static void grant(grant_ref_t ref, uint16_t flags, domid_t dom, uint32_t frame)
{
	table[ref] = (grant_entry_v1_t){ .flags = flags, .domid = dom, .frame = frame };
}

static void setup(void)
{
	memfd = memfd_create("fake-guest", 0);
	ck_assert_int_eq(ftruncate(memfd, PAGES * 4096), 0);
	mem = mmap(NULL, PAGES * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
	ck_assert(mem != MAP_FAILED);
	table = (grant_entry_v1_t *)(mem + TABLE_PFN * 4096);
	for (int i = 0; i < 4096; i++) {
		mem[5 * 4096 + i] = (uint8_t)(i * 3 + 1);
		mem[6 * 4096 + i] = (uint8_t)(i * 5 + 2);
	}
	grant(8, GTF_permit_access, 0, 5);
	grant(9, GTF_permit_access | GTF_readonly, 0, 6);
	grant(10, GTF_permit_access, 3, 5);     /* for another domain */
	grant(12, GTF_permit_access, 0, 100);   /* frame outside RAM */
	grant(13, GTF_transitive, 0, 5);
	grant(14, GTF_accept_transfer, 0, 5);
}

static void teardown(void)
{
	munmap(mem, PAGES * 4096);
}

static struct kgnt *open_fake(unsigned int flags)
{
	struct kctl_gnttab_info info = { .domid = 7, .nr_frames = 1, .max_frames = 32,
		.nr_pages = PAGES };
	int err = 0;
	struct kgnt *g;

	for (int i = 0; i < KCTL_GNT_MAX_FRAMES; i++)
		info.gpfn[i] = ~0ULL;
	info.gpfn[0] = TABLE_PFN;
	g = kgnt_open_fd(NULL, dup(memfd), &info, flags, &err);
	ck_assert_msg(g != NULL, "open: %d", err);
	return g;
}

START_TEST(copy_statuses)
{
	struct kgnt *g = open_fake(0);
	uint8_t buf[4096];

	ck_assert_int_eq(kgnt_copy_from(g, 8, 0, buf, 4096), GNTST_okay);
	ck_assert_mem_eq(buf, mem + 5 * 4096, 4096);
	ck_assert_int_eq(table[8].flags, GTF_permit_access); /* pins released */
	ck_assert_int_eq(kgnt_copy_from(g, 9, 100, buf, 10), GNTST_okay);
	ck_assert_mem_eq(buf, mem + 6 * 4096 + 100, 10);
	ck_assert_int_eq(kgnt_copy_to(g, 9, 0, buf, 10), GNTST_general_error);
	ck_assert_int_eq(kgnt_copy_from(g, 10, 0, buf, 10), GNTST_permission_denied);
	ck_assert_int_eq(kgnt_copy_from(g, 11, 0, buf, 10), GNTST_general_error);
	ck_assert_int_eq(kgnt_copy_from(g, 12, 0, buf, 10), GNTST_general_error);
	ck_assert_int_eq(table[12].flags, GTF_permit_access); /* bits undone */
	ck_assert_int_eq(kgnt_copy_from(g, 13, 0, buf, 10), GNTST_general_error);
	ck_assert_int_eq(kgnt_copy_from(g, 14, 0, buf, 10), GNTST_general_error);
	ck_assert_int_eq(kgnt_copy_from(g, 512, 0, buf, 10), GNTST_bad_gntref);
	ck_assert_int_eq(kgnt_copy_from(g, 0xffffffffu, 0, buf, 10), GNTST_bad_gntref);
	ck_assert_int_eq(kgnt_copy_from(g, 8, 4000, buf, 200), GNTST_bad_copy_arg);
	ck_assert_int_eq(kgnt_copy_to(g, 8, 4095, buf, 2), GNTST_bad_copy_arg);
	memset(buf, 0xee, 16);
	ck_assert_int_eq(kgnt_copy_to(g, 8, 8, buf, 16), GNTST_okay);
	ck_assert_int_eq(mem[5 * 4096 + 8], 0xee);
	ck_assert_int_eq(mem[5 * 4096 + 24], (uint8_t)(24 * 3 + 1));
	ck_assert_uint_eq(kgnt_pinned(g), 0);
	kgnt_close(g);
}
END_TEST

/* What a granter's end_access does: succeed only if not in use. */
static int end_access(grant_ref_t ref)
{
	uint16_t f = __atomic_load_n(&table[ref].flags, __ATOMIC_ACQUIRE);

	do {
		if (f & (GTF_reading | GTF_writing))
			return -1;
	} while (!__atomic_compare_exchange_n(&table[ref].flags, &f, 0, 0, __ATOMIC_ACQ_REL,
					      __ATOMIC_ACQUIRE));
	return 0;
}

START_TEST(map_in_use)
{
	struct kgnt *g = open_fake(0);
	int16_t st = 99;
	uint8_t *p = kgnt_map(g, 8, true, &st);

	ck_assert_int_eq(st, GNTST_okay);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(table[8].flags, GTF_permit_access | GTF_reading | GTF_writing);
	ck_assert_int_eq(p[7], mem[5 * 4096 + 7]);
	p[0] = 0x42;
	ck_assert_int_eq(mem[5 * 4096], 0x42);
	ck_assert_int_eq(end_access(8), -1);
	ck_assert_ptr_eq(kgnt_map(g, 8, false, &st), p); /* same page again */
	ck_assert_int_eq(kgnt_unmap(g, 8), GNTST_okay);
	ck_assert_int_eq(end_access(8), -1);
	ck_assert_int_eq(kgnt_unmap(g, 8), GNTST_okay);
	ck_assert_int_eq(kgnt_unmap(g, 8), GNTST_bad_handle);
	ck_assert_int_eq(table[8].flags, GTF_permit_access);
	ck_assert_ptr_null(kgnt_map(g, 9, true, &st));
	ck_assert_int_eq(st, GNTST_general_error);
	p = kgnt_map(g, 9, false, &st);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(table[9].flags, GTF_permit_access | GTF_readonly | GTF_reading);
	ck_assert_int_eq(p[1], mem[6 * 4096 + 1]);
	ck_assert_ptr_null(kgnt_map(g, 10, false, &st));
	ck_assert_int_eq(st, GNTST_permission_denied);
	ck_assert_int_eq(end_access(8), 0);
	ck_assert_ptr_null(kgnt_map(g, 8, false, &st)); /* revoked */
	ck_assert_int_eq(st, GNTST_general_error);
	kgnt_close(g); /* releases ref 9's mapping */
	ck_assert_int_eq(table[9].flags, GTF_permit_access | GTF_readonly);
}
END_TEST

START_TEST(persistent_cache)
{
	struct kgnt *g = open_fake(KGNT_PERSISTENT);
	int16_t st;
	void *p = kgnt_map(g, 8, true, &st), *q;

	ck_assert_int_eq(kgnt_unmap(g, 8), GNTST_okay);
	ck_assert_int_eq(table[8].flags & (GTF_reading | GTF_writing), GTF_reading | GTF_writing);
	ck_assert_uint_eq(kgnt_pinned(g), 1);
	q = kgnt_map(g, 8, true, &st);
	ck_assert_ptr_eq(p, q);
	ck_assert_int_eq(kgnt_unmap(g, 8), GNTST_okay);
	ck_assert_uint_eq(kgnt_flush(g), 1);
	ck_assert_int_eq(table[8].flags, GTF_permit_access);
	ck_assert_uint_eq(kgnt_pinned(g), 0);
	ck_assert_ptr_nonnull(kgnt_map(g, 8, false, &st));
	kgnt_close(g); /* a held mapping is released too */
	ck_assert_int_eq(table[8].flags, GTF_permit_access);
}
END_TEST

/* A multi-page ring: consecutive pages, each its own grant's frame. */
START_TEST(map_ring_pages)
{
	struct kgnt *g = open_fake(0);
	grant_ref_t refs[2] = { 8, 15 }, bad[2] = { 15, 10 }, twice[2] = { 15, 15 };
	int16_t st = 99;
	uint8_t *p;

	grant(15, GTF_permit_access, 0, 6);
	p = kgnt_map_ring(g, refs, 2, true, &st);
	ck_assert_int_eq(st, GNTST_okay);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(p[7], mem[5 * 4096 + 7]);
	ck_assert_int_eq(p[4096 + 9], mem[6 * 4096 + 9]);
	p[4096] = 0x77;
	ck_assert_int_eq(mem[6 * 4096], 0x77);
	ck_assert_int_eq(end_access(15), -1); /* in use */
	ck_assert_ptr_null(kgnt_map_ring(g, refs, 2, true, &st)); /* mapped already */
	ck_assert_int_eq(st, GNTST_general_error);
	ck_assert_int_eq(kgnt_unmap(g, 8), GNTST_okay);
	ck_assert_int_eq(kgnt_unmap(g, 15), GNTST_okay);
	ck_assert_uint_eq(kgnt_pinned(g), 0);
	/* One bad page: nothing stays mapped or pinned. */
	ck_assert_ptr_null(kgnt_map_ring(g, bad, 2, true, &st));
	ck_assert_int_eq(st, GNTST_permission_denied);
	ck_assert_ptr_null(kgnt_map_ring(g, twice, 2, true, &st));
	ck_assert_int_eq(st, GNTST_general_error);
	ck_assert_uint_eq(kgnt_pinned(g), 0);
	ck_assert_int_eq(table[15].flags, GTF_permit_access);
	ck_assert_int_eq(kgnt_unmap(g, 15), GNTST_bad_handle);
	kgnt_close(g);
}
END_TEST

START_TEST(granter_changes_entry)
{
	struct kgnt *g = open_fake(0);
	uint8_t buf[8];

	grant(8, GTF_permit_access, 0, 6); /* re-pointed: the new frame is read */
	ck_assert_int_eq(kgnt_copy_from(g, 8, 0, buf, 8), GNTST_okay);
	ck_assert_mem_eq(buf, mem + 6 * 4096, 8);
	grant(8, GTF_permit_access | GTF_readonly, 0, 6);
	ck_assert_int_eq(kgnt_copy_to(g, 8, 0, buf, 8), GNTST_general_error);
	kgnt_close(g);
}
END_TEST

/* A classic guest's hypervisor frames: gpfn XEN_FIRST + i is page i. */
#define XEN_FIRST 0x100000ULL
#define XEN_PAGES 4

struct fake_hv {
	int listen_fd;
	int frames_fd;
	unsigned int frames_asked;
};

/* Answer one op of a connection; false when it ends. */
static bool fake_hv_answer(struct fake_hv *f, int c)
{
	uint8_t buf[KCTL_MAX_PAYLOAD];
	struct kctl_hdr h, r;
	struct kctl_hello hello = { .version = KCTL_VERSION, .pid = 1 };
	struct kctl_gnttab_frames fr = { .domid = 7, .nr_frames = XEN_PAGES,
		.first_gpfn = XEN_FIRST };

	if (kctl_recv(c, &h, buf, sizeof(buf), NULL))
		return false;
	if (h.op == KCTL_OP_HELLO) {
		kctl_hdr_init(&r, h.op, h.req_id, 0, sizeof(hello));
		return kctl_send(c, &r, &hello, -1, 0) == 0;
	}
	if (h.op == KCTL_OP_GNTTAB_FRAMES) {
		f->frames_asked++;
		kctl_hdr_init(&r, h.op, h.req_id, 0, sizeof(fr));
		return kctl_send(c, &r, &fr, f->frames_fd, 0) == 0;
	}
	kctl_hdr_init(&r, h.op, h.req_id, -EOPNOTSUPP, 0);
	return kctl_send(c, &r, NULL, -1, 0) == 0;
}

static void *fake_hv_thread(void *arg)
{
	struct fake_hv *f = arg;
	int c = accept(f->listen_fd, NULL, NULL);

	while (c >= 0 && fake_hv_answer(f, c))
		;
	if (c >= 0)
		close(c);
	return NULL;
}

START_TEST(table_outside_ram)
{
	struct fake_hv f = { .frames_fd = memfd_create("fake-xenpv", 0) };
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	struct kctl_gnttab_info info = { .domid = 7, .nr_frames = 1, .max_frames = 32,
		.nr_pages = PAGES };
	grant_entry_v1_t *xt;
	uint8_t *xen, buf[16];
	struct kctl *h;
	struct kgnt *g;
	pthread_t t;
	int16_t st = 0;
	int err = 0;

	ck_assert_int_eq(ftruncate(f.frames_fd, XEN_PAGES * 4096), 0);
	xen = mmap(NULL, XEN_PAGES * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, f.frames_fd, 0);
	ck_assert(xen != MAP_FAILED);
	xt = (grant_entry_v1_t *)(xen + 2 * 4096); /* the table at gpfn XEN_FIRST + 2 */
	xt[8] = (grant_entry_v1_t){ .flags = GTF_permit_access, .domid = 0, .frame = 5 };
	xt[9] = (grant_entry_v1_t){ .flags = GTF_permit_access, .domid = 0,
		.frame = XEN_FIRST }; /* a hypervisor frame is not the guest's to grant */
	snprintf(a.sun_path, sizeof(a.sun_path), "/tmp/gnt-access-%d.sock", getpid());
	unlink(a.sun_path);
	f.listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_eq(bind(f.listen_fd, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(listen(f.listen_fd, 1), 0);
	ck_assert_int_eq(pthread_create(&t, NULL, fake_hv_thread, &f), 0);
	h = kctl_open(a.sun_path, &err);
	ck_assert_msg(h != NULL, "kctl_open: %d", err);
	for (int i = 0; i < KCTL_GNT_MAX_FRAMES; i++)
		info.gpfn[i] = ~0ULL;
	info.gpfn[0] = XEN_FIRST + 2;
	g = kgnt_open_fd(h, dup(memfd), &info, 0, &err);
	ck_assert_msg(g != NULL, "open: %d", err);
	ck_assert_uint_eq(f.frames_asked, 1);
	/* The entry is read and marked where the guest keeps it, the data
	 * comes from its RAM. */
	ck_assert_int_eq(kgnt_copy_from(g, 8, 0, buf, 16), GNTST_okay);
	ck_assert_mem_eq(buf, mem + 5 * 4096, 16);
	ck_assert_ptr_nonnull(kgnt_map(g, 8, false, &st));
	ck_assert_int_eq(xt[8].flags, GTF_permit_access | GTF_reading);
	kgnt_unmap(g, 8);
	ck_assert_int_eq(xt[8].flags, GTF_permit_access);
	ck_assert_int_eq(kgnt_copy_from(g, 9, 0, buf, 16), GNTST_general_error);
	ck_assert_int_eq(xt[9].flags, GTF_permit_access);
	ck_assert_int_eq(kgnt_copy_from(g, 600, 0, buf, 16), GNTST_bad_gntref);
	kgnt_close(g);
	kctl_close(h);
	pthread_join(t, NULL);
	close(f.listen_fd);
	unlink(a.sun_path);
	munmap(xen, XEN_PAGES * 4096);
	close(f.frames_fd);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("gnt_access");
	TCase *tc = tcase_create("fake table");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, copy_statuses);
	tcase_add_test(tc, map_in_use);
	tcase_add_test(tc, persistent_cache);
	tcase_add_test(tc, granter_changes_entry);
	tcase_add_test(tc, map_ring_pages);
	tcase_add_test(tc, table_outside_ram);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
