/*
 * config_xl.c - xl.cfg text to the JSON config object, read with Debian's
 * libxlutil (the parser xl itself uses).  Strings stay strings and numbers
 * stay numbers, so kd_config_from_json applies the same rules to both.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libxlutil.h>

#include "config.h"

/* The first line of what libxlutil reported (flushed), for a message. */
static const char *first_line(char *msg, size_t msglen)
{
	char *nl;

	if (!msg || !msglen)
		return "";
	nl = strchr(msg, '\n');
	if (nl)
		*nl = '\0';
	return msg;
}

/* The length of the field at p, blanks at its end left out. */
static size_t field_len(const char *p, const char *end)
{
	size_t n = end ? (size_t)(end - p) : strlen(p);

	while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	return n;
}

/*
 * Does the spec name a format?  libxlutil makes a missing one raw, as xl
 * does, but Ketch then lets the image's header decide (docs/block.md),
 * and holds only a format written out to it: format=..., or the second
 * positional field.  xl's grammar: comma-separated fields, blanks around
 * each, positional ones without '=', target= taking the rest.
 */
static bool format_given(const char *spec)
{
	unsigned int pos = 0;

	for (const char *p = spec, *end;; p = end + 1) {
		size_t n;

		while (*p == ' ' || *p == '\t')
			p++;
		if (!strncmp(p, "target=", 7))
			return false;
		end = strchr(p, ',');
		n = field_len(p, end);
		if (n >= 7 && !strncmp(p, "format=", 7))
			return true;
		if (!memchr(p, '=', n) && pos++ == 1 && n)
			return true;
		if (!end)
			return false;
	}
}

/* What xlu_disk_parse found, as the JSON disk object. */
static struct json_object *disk_json(const libxl_device_disk *d, const char *spec,
				     struct kd_error *err)
{
	struct json_object *o;

	if (d->script)
		return kd_error_set(err, "invalid_config", "disks", "\"%.200s\": script= is "
				    "not supported (ketch-blkback serves the image itself)",
				    spec), NULL;
	if (d->is_cdrom)
		return kd_error_set(err, "invalid_config", "disks", "\"%.200s\": CD-ROM "
				    "devices are not supported yet", spec), NULL;
	o = json_object_new_object();
	if (d->pdev_path && *d->pdev_path)
		json_object_object_add(o, "target", json_object_new_string(d->pdev_path));
	if (d->vdev)
		json_object_object_add(o, "vdev", json_object_new_string(d->vdev));
	/* Not given: left out, so the image's header decides. */
	if (d->format != LIBXL_DISK_FORMAT_UNKNOWN && format_given(spec))
		json_object_object_add(o, "format", json_object_new_string(
			libxl_disk_format_to_string(d->format)));
	json_object_object_add(o, "access", json_object_new_string(d->readwrite ? "rw" : "ro"));
	if (d->direct_io_safe)
		json_object_object_add(o, "direct-io-safe", json_object_new_boolean(1));
	return o;
}

struct json_object *kd_disk_xl_to_json(const char *spec, struct kd_error *err)
{
	char *msg = NULL;
	size_t msglen = 0;
	FILE *report = open_memstream(&msg, &msglen);
	XLU_Config *c = report ? xlu_cfg_init(report, "disk") : NULL;
	libxl_device_disk disk;
	struct json_object *o = NULL;
	int r;

	if (!c) {
		kd_error_set(err, "internal", "disks", "out of memory");
	} else {
		libxl_device_disk_init(&disk);
		r = xlu_disk_parse(c, 1, &spec, &disk);
		fflush(report); /* msg and msglen are up to date only now */
		if (r)
			kd_error_set(err, "invalid_config", "disks", "\"%.200s\" is not a valid "
				     "disk spec: %.200s", spec, r == EINVAL ?
				     first_line(msg, msglen) : strerror(r));
		else
			o = disk_json(&disk, spec, err);
		libxl_device_disk_dispose(&disk);
	}
	if (c)
		xlu_cfg_destroy(c);
	if (report)
		fclose(report);
	free(msg);
	return o;
}

/* disk = [ 'spec', ... ] into "disks"; false with err set. */
static bool copy_disks(XLU_Config *c, struct json_object *o, struct kd_error *err)
{
	XLU_ConfigList *list;
	struct json_object *a;
	const char *spec;
	int n = 0;

	if (xlu_cfg_get_string(c, "disk", &spec, 1) == 0)
		return kd_error_set(err, "invalid_config", "disks", "disk must be a list: "
				    "disk = [ 'vdev=xvda, target=/path' ]"), false;
	if (xlu_cfg_get_list(c, "disk", &list, &n, 1))
		return true; /* none */
	a = json_object_new_array();
	json_object_object_add(o, "disks", a);
	for (int i = 0; i < n && i <= KD_DISKS_MAX; i++) {
		struct json_object *d;

		spec = xlu_cfg_get_listitem(list, i);
		if (!spec || !(d = kd_disk_xl_to_json(spec, err)))
			return spec ? false : (kd_error_set(err, "invalid_config", "disks",
							    "disk %d is not a string", i), false);
		json_object_array_add(a, d);
	}
	return true;
}

/* vif = [ 'spec', ... ] into "vifs"; false with err set. */
static bool copy_vifs(XLU_Config *c, struct json_object *o, struct kd_error *err)
{
	XLU_ConfigList *list;
	struct json_object *a;
	const char *spec;
	int n = 0;

	if (xlu_cfg_get_string(c, "vif", &spec, 1) == 0)
		return kd_error_set(err, "invalid_config", "vifs", "vif must be a list: "
				    "vif = [ 'mac=00:16:3e:01:02:03, bridge=ketchbr0' ]"), false;
	if (xlu_cfg_get_list(c, "vif", &list, &n, 1))
		return true; /* none */
	a = json_object_new_array();
	json_object_object_add(o, "vifs", a);
	/* One past the most, so the JSON check says how many is too many. */
	for (int i = 0; i < n && i <= KD_VIFS_MAX; i++) {
		struct json_object *v;

		spec = xlu_cfg_get_listitem(list, i);
		if (!spec)
			return kd_error_set(err, "invalid_config", "vifs", "vif %d is not a string",
					    i), false;
		if (!(v = kd_nic_xl_to_json(spec, err)))
			return false;
		json_object_array_add(a, v);
	}
	return true;
}

static const char *const str_keys[] = { "name", "uuid", "kernel", "ramdisk",
					"cmdline", "on_poweroff", "on_reboot",
					"on_crash", "console_log" };
static const char *const num_keys[] = { "memory", "maxmem", "vcpus" };

/* One key: a number when xl.cfg has one, else the string, so that a
 * mistyped value reaches the validator and is refused by name. */
static void copy_key(XLU_Config *c, const char *k, struct json_object *o, bool num)
{
	const char *s;
	long n;

	if (num && xlu_cfg_get_long(c, k, &n, 1) == 0)
		json_object_object_add(o, k, json_object_new_int64(n));
	else if (xlu_cfg_get_string(c, k, &s, 1) == 0)
		json_object_object_add(o, k, json_object_new_string(s));
}

struct json_object *kd_config_xl_to_json(const char *text, size_t len,
					 const char *label, struct kd_error *err)
{
	char *msg = NULL;
	size_t msglen = 0;
	FILE *report = open_memstream(&msg, &msglen);
	XLU_Config *c = report ? xlu_cfg_init(report, label) : NULL;
	struct json_object *o = NULL;

	if (!c) {
		kd_error_set(err, "internal", "", "out of memory");
	} else if (memchr(text, '\0', len)) {
		/* libxlutil's lexer asserts (aborting us) on a NUL inside a
		 * quoted string; a text file has none anywhere. */
		kd_error_set(err, "invalid_config", "", "%s: not valid xl.cfg syntax: "
			     "a NUL byte at offset %zu", label,
			     (size_t)((const char *)memchr(text, '\0', len) - text));
	} else if (len > 1 << 20 || xlu_cfg_readdata(c, text, (int)len) != 0) {
		fflush(report);
		kd_error_set(err, "invalid_config", "", "%s: not valid xl.cfg syntax%s%.200s",
			     label, msglen ? ": " : "", msglen ? msg : "");
	} else {
		o = json_object_new_object();
		for (size_t i = 0; i < sizeof(str_keys) / sizeof(*str_keys); i++)
			copy_key(c, str_keys[i], o, false);
		for (size_t i = 0; i < sizeof(num_keys) / sizeof(*num_keys); i++)
			copy_key(c, num_keys[i], o, true);
		if (!copy_disks(c, o, err) || !copy_vifs(c, o, err)) {
			json_object_put(o);
			o = NULL;
		}
	}
	if (c)
		xlu_cfg_destroy(c);
	if (report)
		fclose(report);
	free(msg);
	if (err && err->message[0] && !o) {
		char *nl = strchr(err->message, '\n');

		if (nl)
			*nl = '\0';
	}
	return o;
}
