/* Unit tests: the image format probe (dom0-tools/ketchd/image_probe.c) on
 * well-formed and hostile headers, and the backing-chain check
 * (config_image.c) on files: a recorded format that lies, a chain that
 * loops, a relative backing name. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ketchd_cfg_helpers.h"

static unsigned char h[KD_PROBE_BYTES];

static void put32(size_t off, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		h[off + (size_t)i] = (unsigned char)(v >> (24 - 8 * i));
}

static void put64(size_t off, uint64_t v)
{
	put32(off, (uint32_t)(v >> 32));
	put32(off + 4, (uint32_t)v);
}

/* A qcow2 v3 header: 64 KiB clusters, 16 MiB, header 104 bytes, extensions ending at once. */
static void qcow2_v3(void)
{
	memset(h, 0, sizeof(h));
	memcpy(h, "QFI\xfb", 4);
	put32(4, 3);
	put32(20, 16);
	put64(24, 16 << 20);
	put32(100, 104);
}

/* Backing name at 512, and (if fmt) its format extension at 104. */
static void backing(const char *name, const char *fmt)
{
	put64(8, 512);
	put32(16, (uint32_t)strlen(name));
	memcpy(h + 512, name, strlen(name));
	if (fmt) {
		put32(104, 0xe2792aca);
		put32(108, (uint32_t)strlen(fmt));
		memcpy(h + 112, fmt, strlen(fmt));
	}
}

/* The probe must refuse h[0..n) with a reason containing want. */
static void refused(size_t n, const char *want)
{
	struct kd_probe p;
	const char *why;

	ck_assert_int_eq(kd_image_probe(h, n, &p, &why), -EINVAL);
	ck_assert_ptr_nonnull(why);
	ck_assert_msg(strstr(why, want) != NULL, "\"%s\" lacks \"%s\"", why, want);
}

static enum kd_fmt probed(size_t n, struct kd_probe *p)
{
	const char *why;

	ck_assert_int_eq(kd_image_probe(h, n, p, &why), 0);
	return p->fmt;
}

START_TEST(magics)
{
	static const struct { size_t off; const char *magic; size_t len; enum kd_fmt fmt; } m[] = {
		{ 0, "KDMV", 4, KD_FMT_VMDK }, { 0, "COWD", 4, KD_FMT_VMDK_DESC },
		{ 0, "# Disk DescriptorFile", 21, KD_FMT_VMDK_DESC },
		{ 0x40, "\x7f\x10\xda\xbe", 4, KD_FMT_VDI }, { 0, "vhdxfile", 8, KD_FMT_VHDX },
		{ 0, "conectix", 8, KD_FMT_VHD }, { 0, "QED", 4, KD_FMT_QED },
		{ 0, "KETCH", 5, KD_FMT_RAW },
	};
	struct kd_probe p;

	for (size_t i = 0; i < sizeof(m) / sizeof(*m); i++) {
		memset(h, 0, sizeof(h));
		memcpy(h + m[i].off, m[i].magic, m[i].len);
		ck_assert_int_eq(probed(sizeof(h), &p), m[i].fmt);
	}
	memset(h, 0, sizeof(h));
	memcpy(h + 0x40, "\x7f\x10\xda\xbe", 4);
	ck_assert_int_eq(probed(0x43, &p), KD_FMT_RAW); /* the magic cut short: not VDI */
	ck_assert_int_eq(probed(0, &p), KD_FMT_RAW);     /* an empty file */
}
END_TEST

START_TEST(qcow2_good)
{
	struct kd_probe p;

	qcow2_v3();
	ck_assert_int_eq(probed(sizeof(h), &p), KD_FMT_QCOW2);
	ck_assert_uint_eq(p.virtual_size, 16 << 20);
	ck_assert_str_eq(p.backing, "");
	put32(4, 2); /* version 2: a 72-byte header, extensions from there */
	ck_assert_int_eq(probed(sizeof(h), &p), KD_FMT_QCOW2);
	qcow2_v3();
	backing("base.img", "raw");
	ck_assert_int_eq(probed(sizeof(h), &p), KD_FMT_QCOW2);
	ck_assert_str_eq(p.backing, "base.img");
	ck_assert_int_eq(p.backing_fmt, KD_FMT_RAW);
	qcow2_v3();
	backing("/srv/a:b/base.vhd", "vpc"); /* a colon after a slash is a path */
	ck_assert_int_eq(probed(sizeof(h), &p), KD_FMT_QCOW2);
	ck_assert_int_eq(p.backing_fmt, KD_FMT_VHD);
	qcow2_v3();
	put32(4, 1);
	ck_assert_int_eq(probed(sizeof(h), &p), KD_FMT_QCOW); /* qcow version 1 */
}
END_TEST

START_TEST(qcow2_hostile)
{
	qcow2_v3();
	refused(40, "truncated");
	refused(80, "truncated"); /* v3 needs 104 */
	put32(4, 4);
	refused(sizeof(h), "unknown version");
	qcow2_v3(); put32(20, 8);
	refused(sizeof(h), "cluster size");
	qcow2_v3(); put32(20, 31);
	refused(sizeof(h), "cluster size");
	qcow2_v3(); put32(32, 1);
	refused(sizeof(h), "encrypted");
	qcow2_v3(); put32(100, 50);
	refused(sizeof(h), "header length");
	qcow2_v3(); put32(100, 0xffffffff);
	refused(sizeof(h), "header length");
	qcow2_v3(); put32(100, 2000);
	refused(1000, "header length"); /* past what was read */
	qcow2_v3(); put64(72, 1u << 2);
	refused(sizeof(h), "external file");
	qcow2_v3(); put32(104, 7); put32(108, 0xffffffff);
	refused(sizeof(h), "runs past the header");
	qcow2_v3();
	for (size_t off = 104; off + 8 <= sizeof(h); off += 8)
		put32(off, 7); /* extensions of length 0 up to the cluster's end */
	refused(sizeof(h), "not terminated");
}
END_TEST

START_TEST(backing_hostile)
{
	char longname[1100];

	qcow2_v3(); backing("base.img", NULL);
	refused(sizeof(h), "no recorded format");
	qcow2_v3(); backing("json:{\"driver\":\"file\",\"filename\":\"/etc/shadow\"}", "raw");
	refused(sizeof(h), "not a plain path");
	qcow2_v3(); backing("nbd://evil:10809/x", "raw");
	refused(sizeof(h), "not a plain path");
	qcow2_v3(); backing("file:/etc/shadow", "raw");
	refused(sizeof(h), "not a plain path");
	qcow2_v3(); backing("base.img", "floppy");
	refused(sizeof(h), "not one Ketch serves");
	qcow2_v3(); backing("base.img", "auto");
	refused(sizeof(h), "not one Ketch serves");
	qcow2_v3(); backing("base.img", "raw"); put32(108, 0);
	refused(sizeof(h), "not a format name");
	qcow2_v3(); backing("base.img", "raw"); put32(108, 40);
	refused(sizeof(h), "not a format name");
	qcow2_v3(); backing("base.img", "raw"); h[514] = '\0';
	refused(sizeof(h), "NUL byte");
	qcow2_v3(); backing("base.img", "raw"); put32(16, 0);
	refused(sizeof(h), "empty or longer");
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	qcow2_v3(); backing(longname, "raw");
	refused(sizeof(h), "empty or longer");
	qcow2_v3(); backing("base.img", "raw"); put64(8, sizeof(h) - 4);
	refused(sizeof(h), "outside");
	qcow2_v3(); backing("base.img", "raw"); put64(8, ~0ULL - 2); /* offset + size wraps */
	refused(sizeof(h), "outside");
	qcow2_v3(); backing("base.img", "raw");
	refused(400, "outside"); /* the name lies past what was read */
}
END_TEST

START_TEST(vhd_parent)
{
	struct kd_probe p;

	memset(h, 0, sizeof(h));
	memcpy(h, "conectix", 8);
	put32(60, 3);
	ck_assert_int_eq(probed(sizeof(h), &p), KD_FMT_VHD);
	put32(60, 4);
	refused(sizeof(h), "differencing");
	refused(40, "truncated");
}
END_TEST

/* Random bytes behind the qcow2 magic never crash the probe, and what it
 * accepts is consistent. */
START_TEST(qcow2_random)
{
	struct kd_probe p;
	const char *why;

	srandom(11);
	for (int i = 0; i < 20000; i++) {
		size_t n = (size_t)random() % 1024;

		for (size_t k = 0; k < n; k++)
			h[k] = (unsigned char)random();
		if (i & 1) { /* plausible headers reach the extension and backing code */
			qcow2_v3();
			for (size_t k = 8; k < 600; k++)
				if (random() % 8 == 0)
					h[k] = (unsigned char)random();
			n = 600 + (size_t)random() % 2000;
		}
		memcpy(h, "QFI\xfb", 4);
		if (kd_image_probe(h, n, &p, &why) == 0 && p.fmt == KD_FMT_QCOW2 && p.backing[0]) {
			ck_assert_uint_le(strlen(p.backing), KD_BACKING_MAX);
			ck_assert_int_ne(p.backing_fmt, KD_FMT_AUTO);
			ck_assert_int_lt(p.backing_fmt, KD_FMT_MAX);
		}
	}
}
END_TEST

START_TEST(names)
{
	ck_assert_int_eq(kd_fmt_from_name("qcow2"), KD_FMT_QCOW2);
	ck_assert_int_eq(kd_fmt_from_name("vpc"), KD_FMT_VHD);
	ck_assert_int_eq(kd_fmt_from_name("vhd"), KD_FMT_VHD);
	ck_assert_int_eq(kd_fmt_from_name("auto"), KD_FMT_MAX);
	ck_assert_int_eq(kd_fmt_from_name("vmdk descriptor"), KD_FMT_MAX);
	ck_assert_str_eq(kd_fmt_qemu_driver(KD_FMT_VHD), "vpc");
	ck_assert_ptr_null(kd_fmt_qemu_driver(KD_FMT_RAW));
	ck_assert_ptr_null(kd_fmt_qemu_driver(KD_FMT_QED));
	ck_assert(kd_fmt_served_by_nbd(KD_FMT_VHDX) && !kd_fmt_served_by_nbd(KD_FMT_QCOW));
}
END_TEST

/* ---- the chain, on files ---------------------------------------------------- */

static char dir[64];

static void write_file(const char *name, size_t n)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	ck_assert_uint_eq(fwrite(h, 1, n, f), n);
	fclose(f);
}

static int check_file(const char *name, enum kd_fmt want, enum kd_fmt *got, struct kd_error *err)
{
	char path[128];
	struct kd_disk d = { .target = path, .vdev = "xvda", .devid = 51712, .format = want };

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	memset(err, 0, sizeof(*err));
	return kd_disk_check_image(&d, 0, got, err);
}

START_TEST(chains)
{
	struct kd_error err;
	enum kd_fmt got;
	char want[256];

	ck_assert_ptr_nonnull(mkdtemp(strcpy(dir, "/tmp/ketchd-image.XXXXXX")));
	memset(h, 0, sizeof(h));
	write_file("base.raw", 4096);
	qcow2_v3(); backing("base.raw", "raw"); /* relative: beside the overlay */
	write_file("top.qcow2", 4096);
	ck_assert_int_eq(check_file("top.qcow2", KD_FMT_AUTO, &got, &err), 0);
	ck_assert_int_eq(got, KD_FMT_QCOW2);
	qcow2_v3(); backing("top.qcow2", "qcow2");
	write_file("top2.qcow2", 4096);
	ck_assert_int_eq(check_file("top2.qcow2", KD_FMT_QCOW2, &got, &err), 0);
	/* a recorded format that lies about its file */
	qcow2_v3(); backing("base.raw", "qcow2");
	write_file("liar.qcow2", 4096);
	ck_assert_int_eq(check_file("liar.qcow2", KD_FMT_AUTO, &got, &err), -EINVAL);
	snprintf(want, sizeof(want), "disks: disk 0 (xvda): backing file %s/base.raw holds a raw "
		 "image, not qcow2", dir);
	ck_assert_str_eq(err.message, want);
	/* raw recorded for a file that is qcow2: the guest would see a container */
	qcow2_v3(); backing("top.qcow2", "raw");
	write_file("rawlie.qcow2", 4096);
	ck_assert_int_eq(check_file("rawlie.qcow2", KD_FMT_AUTO, &got, &err), -EINVAL);
	ck_assert_msg(strstr(err.message, "top.qcow2 holds a qcow2 image, not raw") != NULL, "%s",
		      err.message);
	/* a loop: its own backing file */
	qcow2_v3(); backing("loop.qcow2", "qcow2");
	write_file("loop.qcow2", 4096);
	ck_assert_int_eq(check_file("loop.qcow2", KD_FMT_AUTO, &got, &err), -ELOOP);
	ck_assert_msg(strstr(err.message, "the backing chain is longer than 16 files") != NULL,
		      "%s", err.message);
	/* a missing backing file */
	qcow2_v3(); backing("nothere.raw", "raw");
	write_file("orphan.qcow2", 4096);
	ck_assert_int_eq(check_file("orphan.qcow2", KD_FMT_AUTO, &got, &err), -ENOENT);
	snprintf(want, sizeof(want), "disks: disk 0 (xvda): cannot open backing file "
		 "%s/nothere.raw: No such file or directory", dir);
	ck_assert_str_eq(err.message, want);
	snprintf(want, sizeof(want), "rm -rf %s", dir);
	ck_assert_int_eq(system(want), 0);
}
END_TEST

/* Where a snapshot or clone puts a disk's overlay (overlay_name.c). */
START_TEST(overlay_names)
{
	char out[64], tag[KD_NAME_MAX + 1];

	ck_assert_int_eq(kd_overlay_name("/srv/web.qcow2", "mon", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "/srv/web.mon.qcow2");
	ck_assert_int_eq(kd_overlay_name("/srv/web", "web-1", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "/srv/web.web-1.qcow2");
	ck_assert_int_eq(kd_overlay_name("/a.b/disk.img", "x", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "/a.b/disk.x.qcow2");
	ck_assert_int_eq(kd_overlay_name("/srv/.hidden", "t", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "/srv/.hidden.t.qcow2");
	/* a tag cannot climb out of the directory or hide a path */
	ck_assert_int_eq(kd_overlay_name("/srv/web.qcow2", "../x y", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "/srv/web..._x_y.qcow2");
	ck_assert_int_eq(kd_overlay_name("web.qcow2", "t", out, sizeof(out)), -EINVAL);
	ck_assert_int_eq(kd_overlay_name("/srv/web.qcow2", "", out, sizeof(out)), -EINVAL);
	ck_assert_int_eq(kd_overlay_name("/srv/", "t", out, sizeof(out)), -EINVAL);
	ck_assert_int_eq(kd_overlay_name("/srv/a-very-long-image-name-indeed.qcow2",
					 "and-a-long-tag-too-long", out, sizeof(out)), -ENAMETOOLONG);
	/* a snapshot file's tag */
	kd_overlay_tag("/backups/mon.snap", tag, sizeof(tag));
	ck_assert_str_eq(tag, "mon");
	kd_overlay_tag("plain", tag, sizeof(tag));
	ck_assert_str_eq(tag, "plain");
	kd_overlay_tag("/x/a.b.save", tag, sizeof(tag));
	ck_assert_str_eq(tag, "a.b");
}
END_TEST

int main(void)
{
	TCase *tc = tcase_create("image");

	tcase_add_test(tc, overlay_names);
	tcase_add_test(tc, magics);
	tcase_add_test(tc, qcow2_good);
	tcase_add_test(tc, qcow2_hostile);
	tcase_add_test(tc, backing_hostile);
	tcase_add_test(tc, vhd_parent);
	tcase_add_test(tc, qcow2_random);
	tcase_add_test(tc, names);
	tcase_add_test(tc, chains);
	return kd_t_run("ketchd_image", tc);
}
