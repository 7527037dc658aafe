/*
 * gnt_backend - a control-domain program using libketchgnt the way a
 * backend does.  Boots the gnt_share guest, then through the library:
 * copies its granted page and checks the pattern, is refused a page
 * granted to another domain and an entry never granted, may not write a
 * read-only grant, writes the page with a grant copy, maps it (the guest
 * sees it in use and answers through the page) and unmaps it (the guest
 * can revoke).  Prints PASS/FAIL lines; exits 0 when all passed and the
 * guest powered off with 0.
 *   gnt_backend SOCKET GNT_SHARE_GUEST
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ketch/gntaccess.h"
#include "ketch/ketchctl.h"

static int failures;

static void check(int ok, const char *what)
{
	printf("%s %s\n", ok ? "PASS" : "FAIL", what);
	failures += !ok;
}

static int boot(struct kctl *h, const char *path, uint32_t *domid)
{
	struct kctl_boot_spec s = { .mem_bytes = 32ULL << 20, .vcpus = 1 };
	char err[KCTL_ERRLEN];
	int fd = open(path, O_RDONLY), r = -EIO;
	struct stat st;
	void *img = NULL;

	if (fd >= 0 && fstat(fd, &st) == 0 && (img = malloc((size_t)st.st_size)) &&
	    read(fd, img, (size_t)st.st_size) == st.st_size) {
		s.kernel = img;
		s.kernel_len = (size_t)st.st_size;
		r = kctl_boot(h, &s, domid, NULL, err);
		if (r)
			fprintf(stderr, "boot: %s\n", err);
	}
	if (fd >= 0)
		close(fd);
	free(img);
	return r;
}

/* Wait (up to 10 s) until the guest has granted ref 10, its last. */
static int16_t first_copy(struct kgnt *g, uint8_t *buf)
{
	int16_t st = GNTST_bad_gntref;

	for (int i = 0; i < 1000; i++) {
		st = kgnt_copy_from(g, 10, 0, buf, 4096);
		if (st == GNTST_okay)
			break;
		usleep(10000);
	}
	return st;
}

static void exercise(struct kgnt *g)
{
	uint8_t buf[4096], mark[4] = { 0xd0, 0xd0, 0xd0, 0xd0 };
	volatile uint8_t *p;
	int16_t st;
	int ok = 1;

	check(first_copy(g, buf) == GNTST_okay, "copy of a granted page");
	for (int i = 0; i < 4096; i++)
		ok &= buf[i] == (uint8_t)(i * 3 + 1);
	check(ok, "copied bytes are the guest's pattern");
	check(kgnt_copy_from(g, 8, 0, buf, 16) == GNTST_permission_denied &&
		      kgnt_copy_from(g, 11, 0, buf, 16) == GNTST_general_error &&
		      kgnt_copy_from(g, 4000, 0, buf, 16) == GNTST_bad_gntref,
	      "ungranted page refused");
	check(kgnt_map(g, 8, false, &st) == NULL && st == GNTST_permission_denied,
	      "map of another domain's grant refused");
	check(kgnt_copy_to(g, 9, 0, buf, 16) == GNTST_general_error, "read-only grant not writable");
	check(kgnt_copy_from(g, 10, 4000, buf, 200) == GNTST_bad_copy_arg, "copy crossing a page refused");
	check(kgnt_copy_to(g, 10, 0, mark, 4) == GNTST_okay, "copy into the granted page");
	p = kgnt_map(g, 10, true, &st);
	check(p != NULL, "map of the granted page");
	if (!p)
		return;
	for (int i = 0; i < 1000 && p[4] != 0xb5; i++)
		usleep(10000);
	check(p[4] == 0xb5, "guest saw its page in use while mapped");
	check(kgnt_unmap(g, 10) == GNTST_okay, "unmap");
	check(kgnt_pinned(g) == 0, "no pins left");
}

int main(int argc, char **argv)
{
	struct kctl_dominfo info;
	struct kctl *h;
	struct kgnt *g;
	uint32_t domid;
	int err = 0;

	if (argc != 3) {
		fprintf(stderr, "usage: %s SOCKET GNT_SHARE_GUEST\n", argv[0]);
		return 2;
	}
	h = kctl_open(argv[1], &err);
	if (!h || boot(h, argv[2], &domid)) {
		fprintf(stderr, "cannot start the guest: %s\n", kctl_strerror(err));
		return 1;
	}
	g = kgnt_open(h, domid, 0, &err);
	check(g != NULL, "library opened the guest's grants");
	if (g)
		exercise(g);
	kgnt_close(g);
	for (int i = 0; i < 1000; i++) {
		if (kctl_getinfo(h, domid, &info) == 0 && info.state == KCTL_STATE_SHUTDOWN)
			break;
		usleep(10000);
	}
	check(info.state == KCTL_STATE_SHUTDOWN && info.shutdown_code == 0,
	      "guest revoked its grant after the unmap and passed");
	kctl_destroy(h, domid);
	kctl_close(h);
	return failures ? 1 : 0;
}
