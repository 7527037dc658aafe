/* Unit tests: ketchd's domain config rules (dom0-tools/ketchd/config_json.c,
 * validate.c, config_xl.c, config_disk.c): defaults, every field's bad values with the
 * message naming it, unknown fields, xl.cfg through libxlutil, round trip. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uuid/uuid.h>

#include "ketchd_cfg_helpers.h"

/* The config must be refused with this code, field and message. */
static void refused(const char *text, const char *code, const char *field, const char *msg)
{
	struct kd_config cfg;
	struct kd_error err;

	ck_assert_int_eq(parse(text, &cfg, &err), -EINVAL);
	ck_assert_str_eq(err.code, code);
	ck_assert_str_eq(err.field, field);
	ck_assert_str_eq(err.message, msg);
	ck_assert_ptr_null(cfg.kernel); /* nothing kept from a refused config */
}

#define K "\"kernel\":\"/k\""

START_TEST(defaults)
{
	struct kd_config cfg;
	struct kd_error err;

	ck_assert_int_eq(parse("{\"name\":\"a\"," K "}", &cfg, &err), 0);
	ck_assert_str_eq(cfg.name, "a");
	ck_assert_str_eq(cfg.kernel, "/k");
	ck_assert_uint_eq(cfg.memory_mib, 32);
	ck_assert_uint_eq(cfg.maxmem_mib, 32);
	ck_assert_uint_eq(cfg.vcpus, 1);
	ck_assert_ptr_null(cfg.ramdisk);
	ck_assert_ptr_null(cfg.cmdline);
	ck_assert_int_eq(cfg.on_poweroff, KD_ACT_DESTROY);
	ck_assert_int_eq(cfg.on_reboot, KD_ACT_RESTART);
	ck_assert_int_eq(cfg.on_crash, KD_ACT_DESTROY);
	ck_assert(!uuid_is_null(cfg.uuid)); /* generated */
	kd_config_free(&cfg);
}
END_TEST

START_TEST(every_field)
{
	struct kd_config cfg;
	struct kd_error err;
	char u[37];

	ck_assert_int_eq(parse("{\"name\":\"web-1.a_b\",\"uuid\":\"5b1c4f7e-0d5a-4e3b-9a55-2f6b8a1c9d00\","
			       "\"memory\":64,\"maxmem\":128,\"vcpus\":64," K ",\"ramdisk\":\"/r\","
			       "\"cmdline\":\"x=1\",\"on_poweroff\":\"preserve\",\"on_reboot\":\"destroy\","
			       "\"on_crash\":\"restart\",\"console_log\":\"/l\"}", &cfg, &err), 0);
	uuid_unparse_lower(cfg.uuid, u);
	ck_assert_str_eq(u, "5b1c4f7e-0d5a-4e3b-9a55-2f6b8a1c9d00");
	ck_assert_uint_eq(cfg.memory_mib, 64);
	ck_assert_uint_eq(cfg.maxmem_mib, 128);
	ck_assert_uint_eq(cfg.vcpus, 64);
	ck_assert_str_eq(cfg.ramdisk, "/r");
	ck_assert_str_eq(cfg.cmdline, "x=1");
	ck_assert_str_eq(cfg.console_log, "/l");
	ck_assert_int_eq(cfg.on_poweroff, KD_ACT_PRESERVE);
	ck_assert_int_eq(cfg.on_reboot, KD_ACT_DESTROY);
	ck_assert_int_eq(cfg.on_crash, KD_ACT_RESTART);
	kd_config_free(&cfg);
}
END_TEST

START_TEST(bad_values)
{
	refused("[1]", "invalid_config", "", "a domain config must be a JSON object");
	refused("{" K "}", "invalid_config", "name", "name: is required");
	refused("{\"name\":\"a\"}", "invalid_config", "kernel", "kernel: is required");
	refused("{\"name\":\"\"," K "}", "invalid_config", "name", "name: must be 1 to 63 characters");
	refused("{\"name\":\"a/b\"," K "}", "invalid_config", "name",
		"name: may hold only letters, digits, '_', '.' and '-'");
	refused("{\"name\":\"42\"," K "}", "invalid_config", "name",
		"name: must not be all digits (it would read as a domain id)");
	refused("{\"name\":\"-x\"," K "}", "invalid_config", "name", "name: must not start with '-' or '.'");
	refused("{\"name\":null," K "}", "invalid_config", "name", "name: must be a string");
	refused("{\"name\":\"a\"," K ",\"uuid\":\"nope\"}", "invalid_config", "uuid",
		"uuid: must be a UUID string like \"5b1c4f7e-0d5a-4e3b-9a55-2f6b8a1c9d00\"");
	refused("{\"name\":\"a\"," K ",\"memory\":\"32\"}", "invalid_config", "memory",
		"memory: must be an integer from 4 to 65536");
	refused("{\"name\":\"a\"," K ",\"memory\":3}", "invalid_config", "memory",
		"memory: 3 is out of range 4..65536");
	refused("{\"name\":\"a\"," K ",\"memory\":-1}", "invalid_config", "memory",
		"memory: -1 is out of range 4..65536");
	refused("{\"name\":\"a\"," K ",\"memory\":true}", "invalid_config", "memory",
		"memory: must be an integer from 4 to 65536");
	refused("{\"name\":\"a\"," K ",\"maxmem\":70000}", "invalid_config", "maxmem",
		"maxmem: 70000 is out of range 4..65536");
	refused("{\"name\":\"a\"," K ",\"memory\":64,\"maxmem\":32}", "invalid_config", "maxmem",
		"maxmem: 32 is less than memory (64)");
	refused("{\"name\":\"a\"," K ",\"vcpus\":0}", "invalid_config", "vcpus",
		"vcpus: 0 is out of range 1..64");
	refused("{\"name\":\"a\",\"kernel\":\"k\"}", "invalid_config", "kernel",
		"kernel: must be an absolute path");
	refused("{\"name\":\"a\",\"kernel\":5}", "invalid_config", "kernel",
		"kernel: must be a string (an absolute path)");
	refused("{\"name\":\"a\"," K ",\"ramdisk\":\"\"}", "invalid_config", "ramdisk",
		"ramdisk: must be an absolute path");
	refused("{\"name\":\"a\"," K ",\"console_log\":\"log\"}", "invalid_config", "console_log",
		"console_log: must be an absolute path");
	refused("{\"name\":\"a\"," K ",\"cmdline\":[]}", "invalid_config", "cmdline",
		"cmdline: must be a string");
	refused("{\"name\":\"a\"," K ",\"on_reboot\":\"Restart\"}", "invalid_config", "on_reboot",
		"on_reboot: must be \"destroy\", \"restart\" or \"preserve\"");
}
END_TEST

START_TEST(long_values)
{
	char buf[2200], name[70];

	memset(name, 'n', 64);
	name[64] = '\0';
	snprintf(buf, sizeof(buf), "{\"name\":\"%s\"," K "}", name);
	refused(buf, "invalid_config", "name", "name: must be 1 to 63 characters");
	name[63] = '\0';
	snprintf(buf, sizeof(buf), "{\"name\":\"%s\"," K "}", name);
	{
		struct kd_config cfg;
		struct kd_error err;

		ck_assert_int_eq(parse(buf, &cfg, &err), 0);
		kd_config_free(&cfg);
	}
	memset(name, 0, sizeof(name));
	snprintf(buf, sizeof(buf), "{\"name\":\"a\"," K ",\"cmdline\":\"%01024d\"}", 0);
	refused(buf, "invalid_config", "cmdline", "cmdline: is longer than 1023 bytes");
}
END_TEST

START_TEST(unknown_fields)
{
	refused("{\"name\":\"a\"," K ",\"memmory\":32}", "unknown_field", "memmory",
		"memmory: unknown field (known: name, uuid, memory, maxmem, vcpus, kernel, "
		"ramdisk, cmdline, on_poweroff, on_reboot, on_crash, console_log, disks, vifs)");
}
END_TEST

START_TEST(round_trip)
{
	struct kd_config a, b;
	struct kd_error err;
	struct json_object *o;

	ck_assert_int_eq(parse("{\"name\":\"a\"," K ",\"memory\":16,\"cmdline\":\"c\"}", &a, &err), 0);
	o = kd_config_to_json(&a);
	ck_assert_int_eq(kd_config_from_json(o, &b, &err), 0);
	ck_assert_mem_eq(a.uuid, b.uuid, 16);
	ck_assert_str_eq(b.name, "a");
	ck_assert_uint_eq(b.memory_mib, 16);
	ck_assert_str_eq(b.cmdline, "c");
	json_object_put(o);
	kd_config_free(&b);
	ck_assert_int_eq(kd_config_copy(&b, &a), 0);
	ck_assert_ptr_ne(b.kernel, a.kernel);
	ck_assert_str_eq(b.kernel, a.kernel);
	kd_config_free(&a);
	kd_config_free(&b);
}
END_TEST

START_TEST(xl_cfg)
{
	struct kd_config cfg;
	struct kd_error err;

	ck_assert_int_eq(xl("# a comment\nname = \"x\"\nkernel = \"/k\"\nmemory = 48\n"
			    "vcpus = 2\ncmdline = \"a b\"\non_crash = \"preserve\"\n"
			    "builder = \"generic\"\n", &cfg, &err), 0);
	ck_assert_str_eq(cfg.name, "x");
	ck_assert_uint_eq(cfg.memory_mib, 48);
	ck_assert_uint_eq(cfg.vcpus, 2);
	ck_assert_str_eq(cfg.cmdline, "a b");
	ck_assert_int_eq(cfg.on_crash, KD_ACT_PRESERVE);
	kd_config_free(&cfg);
	ck_assert_int_eq(xl("name = \"x\"\nkernel = \"/k\"\nmemory = \"many\"\n", &cfg, &err), -EINVAL);
	ck_assert_str_eq(err.message, "memory: must be an integer from 4 to 65536");
	ck_assert_int_eq(xl("name = \"x\"\nkernel = \"/k\"\nvcpus = 0\n", &cfg, &err), -EINVAL);
	ck_assert_str_eq(err.field, "vcpus");
	ck_assert_int_eq(xl("name = \n", &cfg, &err), -1);
	ck_assert_str_eq(err.code, "invalid_config");
	ck_assert_msg(strstr(err.message, "test.cfg: not valid xl.cfg syntax") == err.message,
		      "message: %s", err.message);
}
END_TEST

/* libxlutil aborted the process on a NUL inside a quoted string (found by
 * tests/fuzz/kd_fuzz_config_xl); such text is refused before it gets there. */
START_TEST(xl_cfg_nul)
{
	static const char text[] = "name = 'a\0b'\nkernel = \"/k\"\n";
	struct kd_error err = { 0 };
	struct json_object *o = kd_config_xl_to_json(text, sizeof(text) - 1, "nul.cfg", &err);

	ck_assert_ptr_null(o);
	ck_assert_str_eq(err.code, "invalid_config");
	ck_assert_str_eq(err.message, "nul.cfg: not valid xl.cfg syntax: a NUL byte at offset 9");
}
END_TEST

/* A field name longer than the message made kd_error_set write past it
 * (found by tests/fuzz/kd_fuzz_config_json); it is truncated instead. */
START_TEST(long_unknown_key)
{
	char key[400], text[512];
	struct json_object *o;
	struct kd_config cfg;
	struct kd_error err = { 0 };

	memset(key, 'k', sizeof(key) - 1);
	key[sizeof(key) - 1] = '\0';
	snprintf(text, sizeof(text), "{\"%s\": 1}", key);
	o = json_tokener_parse(text);
	ck_assert_int_eq(kd_config_from_json(o, &cfg, &err), -EINVAL);
	ck_assert_str_eq(err.code, "unknown_field");
	ck_assert_uint_eq(strlen(err.field), sizeof(err.field) - 1);
	ck_assert_uint_eq(strlen(err.message), sizeof(err.message) - 1);
	ck_assert(strncmp(err.message, key, sizeof(err.message) - 1) == 0);
	json_object_put(o);
}
END_TEST

/* ---- disks ------------------------------------------------------------- */

static uint32_t devid(const char *vdev)
{
	uint32_t id = 0xdeadbeef;

	ck_assert_msg(kd_vdev_to_devid(vdev, &id) == 0, "%s refused", vdev);
	return id;
}

/* Xen's numbers (libxl__device_disk_dev_number). */
START_TEST(vdev_numbers)
{
	ck_assert_uint_eq(devid("xvda"), 51712);
	ck_assert_uint_eq(devid("xvdb"), 51728);
	ck_assert_uint_eq(devid("xvda1"), 51713);
	ck_assert_uint_eq(devid("xvdp15"), (202 << 8) | (15 << 4) | 15);
	ck_assert_uint_eq(devid("xvdq"), (1u << 28) | (16 << 8));
	ck_assert_uint_eq(devid("xvda16"), (1u << 28) | 16);
	ck_assert_uint_eq(devid("xvdaa"), (1u << 28) | (26 << 8));
	ck_assert_uint_eq(devid("xvdba3"), (1u << 28) | (52 << 8) | 3);
	ck_assert_uint_eq(devid("d0p0"), 51712);
	ck_assert_uint_eq(devid("d16p2"), (1u << 28) | (16 << 8) | 2);
	ck_assert_uint_eq(devid("hda"), 768);
	ck_assert_uint_eq(devid("hdb"), 768 | 64);
	ck_assert_uint_eq(devid("hdc1"), (22 << 8) | 1);
	ck_assert_uint_eq(devid("sda"), 2048);
	ck_assert_uint_eq(devid("sdb2"), 2048 | 16 | 2);
	ck_assert_uint_eq(devid("51712"), 51712);
	ck_assert_uint_eq(devid("0xca10"), 51728);
}
END_TEST

START_TEST(vdev_refused)
{
	static const char *const bad[] = { "", "xvd", "xvd1", "xvda0", "xvda01", "xvda256",
					   "xvdA", "xvda-1", "hde", "hda64", "sdq", "sda16",
					   "vda", "d1", "dp1", "d1p", "d01p1", "d1048576p0",
					   "d0p256", "99999999999", "-1", "51712x", "xvd a" };
	uint32_t id;

	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		ck_assert_msg(kd_vdev_to_devid(bad[i], &id) == -EINVAL, "%s accepted", bad[i]);
}
END_TEST

#define DISK(x) "{\"name\":\"a\"," K ",\"disks\":[" x "]}"

START_TEST(disks_good)
{
	struct kd_config cfg, b;
	struct kd_error err;
	struct json_object *o;

	ck_assert_int_eq(parse(DISK("{\"target\":\"/i/a.img\",\"vdev\":\"xvda\"},"
				    "{\"target\":\"/i/b.img\",\"format\":\"raw\",\"vdev\":\"xvdb\","
				    "\"access\":\"ro\",\"direct-io-safe\":true}"), &cfg, &err), 0);
	ck_assert_uint_eq(cfg.nr_disks, 2);
	ck_assert_str_eq(cfg.disks[0].target, "/i/a.img");
	ck_assert_uint_eq(cfg.disks[0].devid, 51712);
	ck_assert(!cfg.disks[0].readonly); /* rw by default, as xl */
	ck_assert_str_eq(cfg.disks[1].vdev, "xvdb");
	ck_assert(cfg.disks[1].readonly);
	ck_assert(!cfg.disks[0].direct_io_safe && cfg.disks[1].direct_io_safe);
	ck_assert_int_eq(cfg.disks[0].format, KD_FMT_AUTO); /* none given: the header decides */
	ck_assert_int_eq(cfg.disks[1].format, KD_FMT_RAW);
	o = kd_config_to_json(&cfg);
	ck_assert_int_eq(kd_config_from_json(o, &b, &err), 0);
	ck_assert_uint_eq(b.nr_disks, 2);
	ck_assert_str_eq(b.disks[1].target, "/i/b.img");
	ck_assert(b.disks[1].readonly);
	ck_assert(!b.disks[0].direct_io_safe && b.disks[1].direct_io_safe);
	ck_assert_int_eq(b.disks[0].format, KD_FMT_AUTO); /* saved and restored as given */
	ck_assert_int_eq(b.disks[1].format, KD_FMT_RAW);
	json_object_put(o);
	kd_config_free(&b);
	ck_assert_int_eq(parse(DISK("{\"target\":\"/i/a\",\"vdev\":\"xvda\",\"format\":\"vhdx\"}"),
			       &b, &err), 0);
	ck_assert_int_eq(b.disks[0].format, KD_FMT_VHDX);
	kd_config_free(&b);
	ck_assert_int_eq(kd_config_copy(&b, &cfg), 0);
	ck_assert_ptr_ne(b.disks[0].target, cfg.disks[0].target);
	ck_assert_str_eq(b.disks[0].target, "/i/a.img");
	kd_config_free(&b);
	kd_config_free(&cfg);
}
END_TEST

START_TEST(disks_hostile)
{
	refused(DISK("{\"target\":\"/i\",\"vdev\":\"xvdA\"}"), "invalid_config", "disks",
		"disks: disk 0: vdev is not a virtual disk name (xvda, xvdb1, hda..hdd, "
		"sda..sdp, d<N>p<M> or a device number): \"xvdA\"");
	refused(DISK("{\"target\":\"/i\",\"vdev\":\"xvda\"},{\"target\":\"/j\",\"vdev\":\"51712\"}"),
		"invalid_config", "disks",
		"disks: disk 1: vdev 51712 is the same device as disk 0's (xvda, devid 51712)");
	refused(DISK("{\"vdev\":\"xvda\"}"), "invalid_config", "disks",
		"disks: disk 0: target is required (the image's absolute path)");
	refused(DISK("{\"target\":\"/i\"}"), "invalid_config", "disks",
		"disks: disk 0: vdev is required (e.g. \"xvda\")");
	refused(DISK("{\"target\":\"/i\",\"vdev\":\"xvda\",\"format\":\"qed\"}"),
		"invalid_config", "disks", "disks: disk 0: format qed is not supported (served: "
		"raw, qcow2, vmdk, vdi, vhd, vhdx)");
	refused(DISK("{\"target\":\"/i\",\"vdev\":\"xvda\",\"format\":\"floppy\"}"),
		"invalid_config", "disks", "disks: disk 0: unknown format (known: raw, qcow2, "
		"vmdk, vdi, vhd, vhdx; none: detected from the header) \"floppy\"");
	refused(DISK("{\"target\":\"/i\",\"vdev\":\"xvda\",\"format\":\"vpc\"}"),
		"invalid_config", "disks", "disks: disk 0: unknown format (known: raw, qcow2, "
		"vmdk, vdi, vhd, vhdx; none: detected from the header) \"vpc\"");
	refused(DISK("{\"target\":\"i.img\",\"vdev\":\"xvda\"}"), "invalid_config", "disks",
		"disks: disk 0: target must be an absolute path, not \"i.img\"");
	refused(DISK("{\"target\":\"/i\",\"vdev\":\"xvda\",\"access\":\"rwx\"}"),
		"invalid_config", "disks", "disks: disk 0: access must be \"rw\" or \"ro\", not \"rwx\"");
	refused(DISK("{\"target\":\"/i\",\"vdev\":\"xvda\",\"cache\":\"none\"}"),
		"unknown_field", "disks",
		"disks: disk 0: unknown key \"cache\" (known: target, vdev, format, access, "
		"direct-io-safe)");
	refused(DISK("{\"target\":\"/i\",\"vdev\":\"xvda\",\"direct-io-safe\":1}"),
		"invalid_config", "disks", "disks: disk 0: direct-io-safe must be true or false");
	refused(DISK("{\"target\":7,\"vdev\":\"xvda\"}"), "invalid_config", "disks",
		"disks: disk 0: target must be a string (an absolute path)");
	refused(DISK("\"/i\""), "invalid_config", "disks", "disks: disk 0: must be an object "
		"{\"target\", \"vdev\", \"format\", \"access\"}");
	refused("{\"name\":\"a\"," K ",\"disks\":{}}", "invalid_config", "disks",
		"disks: must be an array of disk objects");
}
END_TEST

START_TEST(disks_too_many)
{
	char text[4096] = "{\"name\":\"a\"," K ",\"disks\":[";

	for (int i = 0; i < 17; i++)
		snprintf(text + strlen(text), sizeof(text) - strlen(text),
			 "%s{\"target\":\"/i\",\"vdev\":\"xvd%c\"}", i ? "," : "", 'a' + i);
	strcat(text, "]}");
	refused(text, "invalid_config", "disks", "disks: 17 disks; at most 16");
}
END_TEST

/* An image file holding head at offset off; its path in path. */
static void image(char *path, size_t n, size_t off, const void *head, size_t len)
{
	int fd;

	snprintf(path, n, "/tmp/ketchd-config-img.XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, 1 << 20), 0);
	ck_assert_int_eq(pwrite(fd, head, len, (off_t)off), (ssize_t)len);
	close(fd);
}

static int check_img(const char *path, enum kd_fmt want, struct kd_error *err)
{
	struct kd_disk d = { .target = (char *)path, .vdev = "xvda", .devid = 51712,
			     .format = want };

	memset(err, 0, sizeof(*err));
	return kd_disk_check_image(&d, 0, NULL, err);
}

START_TEST(image_formats)
{
	static const struct { size_t off; const char *magic; size_t len; const char *name; } f[] = {
		{ 0, "QFI\xfb\0\0\0\3", 8, "qcow2" }, { 0, "KDMV", 4, "vmdk" },
		{ 0x40, "\x7f\x10\xda\xbe", 4, "vdi" }, { 0, "vhdxfile", 8, "vhdx" },
		{ 0, "conectix", 8, "vhd" }, { 0, "QED", 4, "qed" },
		{ 0, "# Disk DescriptorFile", 21, "vmdk descriptor" },
	};
	struct kd_error err;
	char path[64], want[256];

	for (size_t i = 0; i < sizeof(f) / sizeof(*f); i++) {
		image(path, sizeof(path), f[i].off, f[i].magic, f[i].len);
		ck_assert_int_eq(check_img(path, KD_FMT_RAW, &err), -EINVAL);
		snprintf(want, sizeof(want), "disks: disk 0 (xvda): %s holds a %s image, not raw; a "
			 "raw view would give the guest the container", path, f[i].name);
		ck_assert_msg(strncmp(err.message, want, strlen(want)) == 0, "%s", err.message);
		unlink(path);
	}
	image(path, sizeof(path), 0, "KETCH", 5); /* anything else is raw */
	ck_assert_int_eq(check_img(path, KD_FMT_RAW, &err), 0);
	ck_assert_int_eq(check_img(path, KD_FMT_AUTO, &err), 0);
	ck_assert_int_eq(check_img(path, KD_FMT_QCOW2, &err), -EINVAL);
	snprintf(want, sizeof(want), "disks: disk 0 (xvda): %s holds a raw image, not qcow2", path);
	ck_assert_str_eq(err.message, want);
	unlink(path);
	ck_assert_int_eq(check_img("/nonexistent/disk.img", KD_FMT_AUTO, &err), -ENOENT);
	ck_assert_str_eq(err.message, "disks: disk 0 (xvda): cannot open /nonexistent/disk.img: "
				      "No such file or directory");
	ck_assert_int_eq(check_img("/tmp", KD_FMT_AUTO, &err), -EINVAL);
	ck_assert_str_eq(err.message, "disks: disk 0 (xvda): /tmp is not a regular file or a "
				      "block device");
}
END_TEST

START_TEST(xl_disks)
{
	struct kd_config cfg;
	struct kd_error err;

	ck_assert_int_eq(xl("name = \"x\"\nkernel = \"/k\"\ndisk = [ 'format=raw, vdev=xvda, "
			    "access=rw, direct-io-safe, target=/i/a.img', '/i/b.img,,xvdb,r' ]\n",
			    &cfg, &err), 0);
	ck_assert_uint_eq(cfg.nr_disks, 2);
	ck_assert_str_eq(cfg.disks[0].target, "/i/a.img");
	ck_assert_uint_eq(cfg.disks[0].devid, 51712);
	ck_assert(!cfg.disks[0].readonly);
	ck_assert(cfg.disks[0].direct_io_safe); /* xl's spelling, xlu_disk_parse's flag */
	ck_assert(!cfg.disks[1].direct_io_safe);
	ck_assert_str_eq(cfg.disks[1].target, "/i/b.img"); /* xl's positional form */
	ck_assert_uint_eq(cfg.disks[1].devid, 51728);
	ck_assert(cfg.disks[1].readonly);
	kd_config_free(&cfg);
	ck_assert_int_eq(xl("name = \"x\"\nkernel = \"/k\"\ndisk = [ 'format=qcow2, vdev=xvda, "
			    "target=/i/a.qcow2', '/i/b.vhd,vhd,xvdb' ]\n", &cfg, &err), 0);
	ck_assert_int_eq(cfg.disks[0].format, KD_FMT_QCOW2);
	ck_assert_int_eq(cfg.disks[1].format, KD_FMT_VHD);
	kd_config_free(&cfg);
	/* A format left out is left to the header (libxlutil would say raw);
	 * one written out, by key or position, is held to. */
	ck_assert_int_eq(xl("name = \"x\"\nkernel = \"/k\"\ndisk = [ 'vdev=xvda, target=/i/a,b', "
			    "'/i/b,,xvdb', ' /i/c, raw, xvdc', 'format=raw,vdev=xvdd,target=/i/d', "
			    "'/i/e,raw,xvde', 'vdev=xvdf, access=r, target=/i/format=raw' ]\n", &cfg, &err), 0);
	ck_assert_int_eq(cfg.disks[0].format, KD_FMT_AUTO);
	ck_assert_str_eq(cfg.disks[0].target, "/i/a,b");
	ck_assert_int_eq(cfg.disks[1].format, KD_FMT_AUTO);
	ck_assert_int_eq(cfg.disks[2].format, KD_FMT_RAW);
	ck_assert_int_eq(cfg.disks[3].format, KD_FMT_RAW);
	ck_assert_int_eq(cfg.disks[4].format, KD_FMT_RAW);
	ck_assert_int_eq(cfg.disks[5].format, KD_FMT_AUTO);
	kd_config_free(&cfg);
	ck_assert_int_eq(xl("name = \"x\"\nkernel = \"/k\"\ndisk = [ 'format=qed, vdev=xvda, "
			    "target=/i/a.qed' ]\n", &cfg, &err), -EINVAL);
	ck_assert_str_eq(err.message, "disks: disk 0: format qed is not supported (served: raw, "
				      "qcow2, vmdk, vdi, vhd, vhdx)");
	ck_assert_int_eq(xl("name = \"x\"\nkernel = \"/k\"\ndisk = [ 'format=vmdk, vdev=xvda, "
			    "target=/i/a' ]\n", &cfg, &err), -1);
	ck_assert_msg(strstr(err.message, "is not a valid disk spec: disk: config parsing error "
				 "in disk specification: unknown value for format: near `vmdk'") != NULL,
		      "%s", err.message);
	ck_assert_int_eq(xl("name = \"x\"\nkernel = \"/k\"\ndisk = [ 'vdev=xvda, frob=1, "
			    "target=/i/a' ]\n", &cfg, &err), -1);
	ck_assert_str_eq(err.field, "disks");
	ck_assert_msg(strstr(err.message, "unknown parameter: near `frob=1,'") != NULL, "%s",
		      err.message);
	ck_assert_int_eq(xl("name = \"x\"\nkernel = \"/k\"\ndisk = [ 'vdev=xvda' ]\n", &cfg, &err),
			 -1);
	ck_assert_msg(strstr(err.message, "no target specified") != NULL, "%s", err.message);
	ck_assert_int_eq(xl("name = \"x\"\nkernel = \"/k\"\ndisk = [ 'vdev=xvda, devtype=cdrom, "
			    "target=/i/a' ]\n", &cfg, &err), -1);
	ck_assert_msg(strstr(err.message, "CD-ROM devices are not supported yet") != NULL, "%s",
		      err.message);
	ck_assert_int_eq(xl("name = \"x\"\nkernel = \"/k\"\ndisk = [ 'vdev=xvda, "
			    "script=block-iscsi, target=/i/a' ]\n", &cfg, &err), -1);
	ck_assert_msg(strstr(err.message, "script= is not supported") != NULL, "%s", err.message);
	ck_assert_int_eq(xl("name = \"x\"\nkernel = \"/k\"\ndisk = 'vdev=xvda, target=/i'\n",
			    &cfg, &err), -1);
	ck_assert_str_eq(err.message, "disks: disk must be a list: disk = [ 'vdev=xvda, target=/path' ]");
	ck_assert_int_eq(xl("name = \"x\"\nkernel = \"/k\"\ndisk = [ 'vdev=xvdZZ, target=/i' ]\n",
			    &cfg, &err), -EINVAL);
	ck_assert_str_eq(err.field, "disks");
}
END_TEST

int main(void)
{
	TCase *tc = tcase_create("config");

	tcase_add_test(tc, defaults);
	tcase_add_test(tc, every_field);
	tcase_add_test(tc, bad_values);
	tcase_add_test(tc, long_values);
	tcase_add_test(tc, unknown_fields);
	tcase_add_test(tc, round_trip);
	tcase_add_test(tc, xl_cfg);
	tcase_add_test(tc, xl_cfg_nul);
	tcase_add_test(tc, long_unknown_key);
	tcase_add_test(tc, vdev_numbers);
	tcase_add_test(tc, vdev_refused);
	tcase_add_test(tc, disks_good);
	tcase_add_test(tc, disks_hostile);
	tcase_add_test(tc, disks_too_many);
	tcase_add_test(tc, image_formats);
	tcase_add_test(tc, xl_disks);
	return kd_t_run("ketchd_config", tc);
}
