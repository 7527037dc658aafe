/*
 * config_disk.c - a domain's disks in its config: the JSON disk object,
 * and virtual device names numbered as Xen numbers them (docs/block.md);
 * the image itself is config_image.c's.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"

#define XEN_VBD_MAJOR 202
#define XEN_VBD_EXTENDED (1u << 28)

/* Decimal digits only, no leading zero, at most max; the whole string. */
static bool parse_dec(const char *s, uint32_t max, uint32_t *v)
{
	uint64_t n = 0;

	if (!*s || (*s == '0' && s[1]))
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		n = n * 10 + (uint64_t)(*s - '0');
		if (n > max)
			return false;
	}
	*v = (uint32_t)n;
	return true;
}

/*
 * prefix, then a disk letter run read as bijective base 26 (a = 0, z = 25,
 * aa = 26, as libxl and Linux name disks), then an optional partition
 * number without leading zeros.
 */
static bool letters_disk(const char *s, const char *prefix, uint32_t max_disk,
			 uint32_t max_part, uint32_t *disk, uint32_t *part)
{
	size_t pl = strlen(prefix), i = 0;
	uint64_t n = 0;

	if (strncmp(s, prefix, pl))
		return false;
	for (s += pl; s[i] >= 'a' && s[i] <= 'z'; i++) {
		n = n * 26 + (uint64_t)(s[i] - 'a' + 1);
		if (n - 1 > max_disk)
			return false;
	}
	if (i == 0)
		return false;
	*disk = (uint32_t)(n - 1);
	*part = 0;
	return !s[i] || (s[i] != '0' && parse_dec(s + i, max_part, part));
}

/* d<disk>p<partition>, Xen's name for any disk number. */
static bool dp_disk(const char *s, uint32_t *disk, uint32_t *part)
{
	char num[16];
	const char *p;

	if (s[0] != 'd' || !(p = strchr(s, 'p')) || (size_t)(p - s - 1) >= sizeof(num))
		return false;
	memcpy(num, s + 1, (size_t)(p - s - 1));
	num[p - s - 1] = '\0';
	return parse_dec(num, (1u << 20) - 1, disk) && parse_dec(p + 1, 255, part);
}

int kd_vdev_to_devid(const char *vdev, uint32_t *devid)
{
	uint32_t disk, part;
	char *end;
	unsigned long n;

	if (letters_disk(vdev, "xvd", (1u << 20) - 1, 255, &disk, &part) ||
	    dp_disk(vdev, &disk, &part)) {
		*devid = disk <= 15 && part <= 15 ? (XEN_VBD_MAJOR << 8) | (disk << 4) | part
						  : XEN_VBD_EXTENDED | (disk << 8) | part;
		return 0;
	}
	if (vdev[0] >= '0' && vdev[0] <= '9') {
		errno = 0;
		n = strtoul(vdev, &end, 0);
		if (errno || *end || n > 0x7fffffffUL)
			return -EINVAL;
		*devid = (uint32_t)n;
		return 0;
	}
	if (letters_disk(vdev, "hd", 3, 63, &disk, &part)) {
		*devid = ((disk < 2 ? 3u : 22u) << 8) | ((disk & 1) << 6) | part;
		return 0;
	}
	if (letters_disk(vdev, "sd", 15, 15, &disk, &part)) {
		*devid = (8u << 8) | (disk << 4) | part;
		return 0;
	}
	return -EINVAL;
}

/* "disks: disk N: ..." */
static int bad(struct kd_error *err, unsigned int i, const char *why, const char *arg)
{
	return kd_error_set(err, "invalid_config", "disks", "disk %u: %s%s%.200s%s", i, why,
			    arg ? " \"" : "", arg ? arg : "", arg ? "\"" : "");
}

/* format: one served (raw, or through QEMU), or refused by name. */
static int set_format(struct json_object *v, unsigned int i, struct kd_disk *d,
		      struct kd_error *err)
{
	const char *s;
	enum kd_fmt f;

	if (!json_object_is_type(v, json_type_string))
		return bad(err, i, "format must be a string (\"raw\", \"qcow2\"...)", NULL);
	s = json_object_get_string(v);
	f = kd_fmt_from_name(s);
	if (f == KD_FMT_QCOW || f == KD_FMT_QED || !strcmp(s, "empty"))
		return kd_error_set(err, "invalid_config", "disks", "disk %u: format %s is not "
				    "supported (served: raw, qcow2, vmdk, vdi, vhd, vhdx)", i, s);
	if (f == KD_FMT_MAX || !strcmp(s, "vpc"))
		return bad(err, i, "unknown format (known: raw, qcow2, vmdk, vdi, vhd, vhdx; "
				   "none: detected from the header)", s);
	d->format = f;
	return 0;
}

static int set_access(struct json_object *v, unsigned int i, struct kd_disk *d,
		      struct kd_error *err)
{
	const char *s = json_object_get_string(v);

	if (!json_object_is_type(v, json_type_string))
		return bad(err, i, "access must be \"rw\" or \"ro\"", NULL);
	if (!strcmp(s, "rw") || !strcmp(s, "w"))
		d->readonly = false;
	else if (!strcmp(s, "ro") || !strcmp(s, "r"))
		d->readonly = true;
	else
		return bad(err, i, "access must be \"rw\" or \"ro\", not", s);
	return 0;
}

static int set_vdev(struct json_object *v, unsigned int i, struct kd_disk *d,
		    struct kd_error *err)
{
	const char *s = json_object_get_string(v);

	if (!json_object_is_type(v, json_type_string))
		return bad(err, i, "vdev must be a string such as \"xvda\"", NULL);
	if (strlen(s) != (size_t)json_object_get_string_len(v) || strlen(s) > KD_VDEV_MAX ||
	    kd_vdev_to_devid(s, &d->devid))
		return bad(err, i, "vdev is not a virtual disk name (xvda, xvdb1, hda..hdd, "
				   "sda..sdp, d<N>p<M> or a device number):", s);
	memcpy(d->vdev, s, strlen(s) + 1);
	return 0;
}

static int set_target(struct json_object *v, unsigned int i, struct kd_disk *d,
		      struct kd_error *err)
{
	const char *s = json_object_get_string(v);

	if (!json_object_is_type(v, json_type_string))
		return bad(err, i, "target must be a string (an absolute path)", NULL);
	if (strlen(s) != (size_t)json_object_get_string_len(v) || s[0] != '/')
		return bad(err, i, "target must be an absolute path, not", s);
	if (strlen(s) >= 4096)
		return bad(err, i, "target is longer than 4095 bytes", NULL);
	free(d->target);
	d->target = strdup(s);
	return d->target ? 0 : kd_error_set(err, "internal", "disks", "out of memory");
}

static int disk_field(const char *key, struct json_object *v, unsigned int i,
		      struct kd_disk *d, struct kd_error *err)
{
	if (!strcmp(key, "target"))
		return set_target(v, i, d, err);
	if (!strcmp(key, "vdev"))
		return set_vdev(v, i, d, err);
	if (!strcmp(key, "access"))
		return set_access(v, i, d, err);
	if (!strcmp(key, "format"))
		return set_format(v, i, d, err);
	if (!strcmp(key, "direct-io-safe")) {
		if (!json_object_is_type(v, json_type_boolean))
			return bad(err, i, "direct-io-safe must be true or false", NULL);
		d->direct_io_safe = json_object_get_boolean(v);
		return 0;
	}
	return kd_error_set(err, "unknown_field", "disks", "disk %u: unknown key \"%.64s\" "
			    "(known: target, vdev, format, access, direct-io-safe)", i, key);
}

int kd_disk_from_json(struct json_object *v, unsigned int index, struct kd_disk *d,
		      struct kd_error *err)
{
	int r = 0;

	memset(d, 0, sizeof(*d));
	if (!json_object_is_type(v, json_type_object))
		return bad(err, index, "must be an object {\"target\", \"vdev\", \"format\", "
				       "\"access\"}", NULL);
	json_object_object_foreach(v, key, val) {
		if ((r = disk_field(key, val, index, d, err)))
			break;
	}
	if (!r && !d->target)
		r = bad(err, index, "target is required (the image's absolute path)", NULL);
	if (!r && !d->vdev[0])
		r = bad(err, index, "vdev is required (e.g. \"xvda\")", NULL);
	if (r)
		kd_disk_free(d);
	return r;
}

struct json_object *kd_disk_to_json(const struct kd_disk *d)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "target", json_object_new_string(d->target ? d->target : ""));
	if (d->format != KD_FMT_AUTO)
		json_object_object_add(o, "format", json_object_new_string(kd_fmt_name(d->format)));
	json_object_object_add(o, "vdev", json_object_new_string(d->vdev));
	json_object_object_add(o, "access", json_object_new_string(d->readonly ? "ro" : "rw"));
	if (d->direct_io_safe)
		json_object_object_add(o, "direct-io-safe", json_object_new_boolean(1));
	return o;
}

void kd_disk_free(struct kd_disk *d)
{
	free(d->target);
	memset(d, 0, sizeof(*d));
}

int kd_disk_copy(struct kd_disk *dst, const struct kd_disk *src)
{
	*dst = *src;
	dst->target = src->target ? strdup(src->target) : NULL;
	return !src->target || dst->target ? 0 : -ENOMEM;
}
