/*
 * validate.c - the rules for each domain config field (docs/config-reference.md):
 * types are strict (a number is never accepted as a string or the other
 * way round), ranges are checked, and every message starts with the field.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uuid/uuid.h>

#include "validate.h"

int kd_error_set(struct kd_error *err, const char *code, const char *field,
		 const char *fmt, ...)
{
	va_list ap;
	int n = 0;

	if (!err)
		return -EINVAL;
	snprintf(err->code, sizeof(err->code), "%s", code);
	snprintf(err->field, sizeof(err->field), "%s", field ? field : "");
	if (field && *field)
		n = snprintf(err->message, sizeof(err->message), "%s: ", field);
	/* A field name is whatever key the client sent: one longer than the
	 * message leaves nothing of it but the (truncated) name. */
	if (n < 0 || (size_t)n >= sizeof(err->message))
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(err->message + n, sizeof(err->message) - (size_t)n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int bad(const struct kd_field *f, struct kd_error *err, const char *why)
{
	return kd_error_set(err, "invalid_config", f->name, "%s", why);
}

static int get_int(const struct kd_field *f, struct json_object *v, int64_t lo,
		   int64_t hi, int64_t *out, struct kd_error *err)
{
	int64_t n;

	if (!json_object_is_type(v, json_type_int))
		return kd_error_set(err, "invalid_config", f->name,
				    "must be an integer from %lld to %lld",
				    (long long)lo, (long long)hi);
	errno = 0;
	n = json_object_get_int64(v);
	if (errno || n < lo || n > hi)
		return kd_error_set(err, "invalid_config", f->name,
				    "%lld is out of range %lld..%lld", (long long)n,
				    (long long)lo, (long long)hi);
	*out = n;
	return 0;
}

static int set_name(const struct kd_field *f, struct json_object *v,
		    struct kd_config *cfg, struct kd_error *err)
{
	const char *s;
	size_t len, digits;

	if (!json_object_is_type(v, json_type_string))
		return bad(f, err, "must be a string");
	s = json_object_get_string(v);
	len = strlen(s);
	if (len == 0 || len > KD_NAME_MAX || len != (size_t)json_object_get_string_len(v))
		return bad(f, err, "must be 1 to 63 characters");
	if (strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		      "0123456789_.-") != len)
		return bad(f, err, "may hold only letters, digits, '_', '.' and '-'");
	digits = strspn(s, "0123456789");
	if (digits == len)
		return bad(f, err, "must not be all digits (it would read as a domain id)");
	if (s[0] == '-' || s[0] == '.')
		return bad(f, err, "must not start with '-' or '.'");
	memcpy(cfg->name, s, len + 1);
	return 0;
}

static int set_uuid(const struct kd_field *f, struct json_object *v,
		    struct kd_config *cfg, struct kd_error *err)
{
	if (!json_object_is_type(v, json_type_string) ||
	    uuid_parse(json_object_get_string(v), cfg->uuid) != 0)
		return bad(f, err, "must be a UUID string like "
				   "\"5b1c4f7e-0d5a-4e3b-9a55-2f6b8a1c9d00\"");
	if (uuid_is_null(cfg->uuid))
		return bad(f, err, "must not be the nil UUID");
	return 0;
}

static int set_memory(const struct kd_field *f, struct json_object *v,
		      struct kd_config *cfg, struct kd_error *err)
{
	int64_t n;
	int r = get_int(f, v, KD_MEM_MIN_MIB, KD_MEM_MAX_MIB, &n, err);

	if (r == 0) {
		if (!strcmp(f->name, "memory"))
			cfg->memory_mib = (uint64_t)n;
		else
			cfg->maxmem_mib = (uint64_t)n;
	}
	return r;
}

static int set_vcpus(const struct kd_field *f, struct json_object *v,
		     struct kd_config *cfg, struct kd_error *err)
{
	int64_t n;
	int r = get_int(f, v, 1, KD_VCPUS_MAX, &n, err);

	if (r == 0)
		cfg->vcpus = (uint32_t)n;
	return r;
}

/* kernel, ramdisk, console_log: absolute paths (the daemon has no cwd of yours). */
static int set_path(const struct kd_field *f, struct json_object *v,
		    struct kd_config *cfg, struct kd_error *err)
{
	const char *s;
	char **slot = !strcmp(f->name, "kernel")    ? &cfg->kernel
		      : !strcmp(f->name, "ramdisk") ? &cfg->ramdisk
						    : &cfg->console_log;

	if (!json_object_is_type(v, json_type_string))
		return bad(f, err, "must be a string (an absolute path)");
	s = json_object_get_string(v);
	if (strlen(s) != (size_t)json_object_get_string_len(v) || s[0] != '/')
		return bad(f, err, "must be an absolute path");
	if (strlen(s) >= 4096)
		return bad(f, err, "path is longer than 4095 bytes");
	free(*slot);
	*slot = strdup(s);
	return *slot ? 0 : kd_error_set(err, "internal", f->name, "out of memory");
}

static int set_cmdline(const struct kd_field *f, struct json_object *v,
		       struct kd_config *cfg, struct kd_error *err)
{
	const char *s;

	if (!json_object_is_type(v, json_type_string))
		return bad(f, err, "must be a string");
	s = json_object_get_string(v);
	if (strlen(s) != (size_t)json_object_get_string_len(v))
		return bad(f, err, "must not contain NUL bytes");
	if (strlen(s) > KD_CMDLINE_MAX)
		return bad(f, err, "is longer than 1023 bytes");
	free(cfg->cmdline);
	cfg->cmdline = strdup(s);
	return cfg->cmdline ? 0 : kd_error_set(err, "internal", f->name, "out of memory");
}

static int set_action(const struct kd_field *f, struct json_object *v,
		      struct kd_config *cfg, struct kd_error *err)
{
	static const char *const names[] = { "destroy", "restart", "preserve" };
	enum kd_action *slot = !strcmp(f->name, "on_poweroff") ? &cfg->on_poweroff
			       : !strcmp(f->name, "on_reboot") ? &cfg->on_reboot
								: &cfg->on_crash;

	if (json_object_is_type(v, json_type_string))
		for (int i = 0; i < 3; i++)
			if (!strcmp(json_object_get_string(v), names[i])) {
				*slot = (enum kd_action)i;
				return 0;
			}
	return bad(f, err, "must be \"destroy\", \"restart\" or \"preserve\"");
}

/* disks: an array of disk objects, each vdev once. */
static int set_disks(const struct kd_field *f, struct json_object *v,
		     struct kd_config *cfg, struct kd_error *err)
{
	size_t n;

	if (!json_object_is_type(v, json_type_array))
		return bad(f, err, "must be an array of disk objects");
	n = json_object_array_length(v);
	if (n > KD_DISKS_MAX)
		return kd_error_set(err, "invalid_config", f->name, "%zu disks; at most %d",
				    n, KD_DISKS_MAX);
	for (unsigned int i = 0; i < n; i++) {
		struct kd_disk *d = &cfg->disks[cfg->nr_disks];

		if (kd_disk_from_json(json_object_array_get_idx(v, i), i, d, err))
			return -EINVAL;
		cfg->nr_disks++;
		for (unsigned int j = 0; j < i; j++)
			if (cfg->disks[j].devid == d->devid)
				return kd_error_set(err, "invalid_config", f->name,
						    "disk %u: vdev %s is the same device as "
						    "disk %u's (%s, devid %u)", i, d->vdev, j,
						    cfg->disks[j].vdev, d->devid);
	}
	return 0;
}

/* vifs: an array of vif objects; devids and macs are checked once the
 * defaults are filled in (kd_config_check). */
static int set_vifs(const struct kd_field *f, struct json_object *v,
		    struct kd_config *cfg, struct kd_error *err)
{
	size_t n;

	if (!json_object_is_type(v, json_type_array))
		return bad(f, err, "must be an array of vif objects");
	n = json_object_array_length(v);
	if (n > KD_VIFS_MAX)
		return kd_error_set(err, "invalid_config", f->name, "%zu vifs; at most %d",
				    n, KD_VIFS_MAX);
	for (unsigned int i = 0; i < n; i++) {
		if (kd_nic_from_json(json_object_array_get_idx(v, i), i, &cfg->nics[i], err))
			return -EINVAL;
		cfg->nr_nics++;
	}
	return 0;
}

static const struct kd_field fields[] = {
	{ "name", set_name },	     { "uuid", set_uuid },
	{ "memory", set_memory },    { "maxmem", set_memory },
	{ "vcpus", set_vcpus },	     { "kernel", set_path },
	{ "ramdisk", set_path },     { "cmdline", set_cmdline },
	{ "on_poweroff", set_action }, { "on_reboot", set_action },
	{ "on_crash", set_action },  { "console_log", set_path },
	{ "disks", set_disks },	     { "vifs", set_vifs },
};

const struct kd_field *kd_field_find(const char *name)
{
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (!strcmp(fields[i].name, name))
			return &fields[i];
	return NULL;
}

int kd_config_check(struct kd_config *cfg, struct kd_error *err)
{
	if (!cfg->name[0])
		return kd_error_set(err, "invalid_config", "name", "is required");
	if (!cfg->kernel)
		return kd_error_set(err, "invalid_config", "kernel", "is required");
	if (!cfg->maxmem_mib)
		cfg->maxmem_mib = cfg->memory_mib;
	if (cfg->maxmem_mib < cfg->memory_mib)
		return kd_error_set(err, "invalid_config", "maxmem",
				    "%llu is less than memory (%llu)",
				    (unsigned long long)cfg->maxmem_mib,
				    (unsigned long long)cfg->memory_mib);
	if (uuid_is_null(cfg->uuid))
		uuid_generate(cfg->uuid);
	return kd_nic_defaults(cfg->nics, cfg->nr_nics, cfg->uuid, err);
}
