/*
 * config_json.c - a domain config from and to its JSON object: defaults,
 * refusal of unknown keys, and the field checks of validate.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <uuid/uuid.h>

#include "validate.h"

static void set_defaults(struct kd_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->memory_mib = 32;
	cfg->vcpus = 1;
	cfg->on_poweroff = KD_ACT_DESTROY;
	cfg->on_reboot = KD_ACT_RESTART;
	cfg->on_crash = KD_ACT_DESTROY;
}

int kd_config_from_json(struct json_object *obj, struct kd_config *cfg,
			struct kd_error *err)
{
	set_defaults(cfg);
	if (!json_object_is_type(obj, json_type_object))
		return kd_error_set(err, "invalid_config", "",
				    "a domain config must be a JSON object");
	json_object_object_foreach(obj, key, val) {
		const struct kd_field *f = kd_field_find(key);
		int r;

		if (!f) {
			kd_config_free(cfg);
			return kd_error_set(err, "unknown_field", key,
					    "unknown field (known: name, uuid, memory, "
					    "maxmem, vcpus, kernel, ramdisk, cmdline, "
					    "on_poweroff, on_reboot, on_crash, console_log, "
					    "disks, vifs)");
		}
		r = f->set(f, val, cfg, err);
		if (r) {
			kd_config_free(cfg);
			return r;
		}
	}
	if (kd_config_check(cfg, err)) {
		kd_config_free(cfg);
		return -EINVAL;
	}
	return 0;
}

void kd_config_free(struct kd_config *cfg)
{
	free(cfg->kernel);
	free(cfg->ramdisk);
	free(cfg->cmdline);
	free(cfg->console_log);
	for (unsigned int i = 0; i < cfg->nr_disks && i < KD_DISKS_MAX; i++)
		kd_disk_free(&cfg->disks[i]);
	for (unsigned int i = 0; i < cfg->nr_nics && i < KD_VIFS_MAX; i++)
		kd_nic_free(&cfg->nics[i]);
	memset(cfg, 0, sizeof(*cfg));
}

static int dup_str(char **dst, const char *src)
{
	*dst = NULL;
	if (!src)
		return 0;
	*dst = strdup(src);
	return *dst ? 0 : -ENOMEM;
}

int kd_config_copy(struct kd_config *dst, const struct kd_config *src)
{
	bool fail;

	*dst = *src;
	dst->nr_disks = 0;
	dst->nr_nics = 0;
	fail = dup_str(&dst->kernel, src->kernel) || dup_str(&dst->ramdisk, src->ramdisk) ||
	       dup_str(&dst->cmdline, src->cmdline) ||
	       dup_str(&dst->console_log, src->console_log);
	for (unsigned int i = 0; !fail && i < src->nr_disks; i++, dst->nr_disks++)
		fail = kd_disk_copy(&dst->disks[i], &src->disks[i]) != 0;
	for (unsigned int i = 0; !fail && i < src->nr_nics; i++, dst->nr_nics++)
		fail = kd_nic_copy(&dst->nics[i], &src->nics[i]) != 0;
	if (fail) {
		kd_config_free(dst);
		return -ENOMEM;
	}
	return 0;
}

const char *kd_action_name(enum kd_action a)
{
	switch (a) {
	case KD_ACT_DESTROY: return "destroy";
	case KD_ACT_RESTART: return "restart";
	case KD_ACT_PRESERVE: return "preserve";
	}
	return "?";
}

static void add_str(struct json_object *o, const char *k, const char *v)
{
	if (v)
		json_object_object_add(o, k, json_object_new_string(v));
}

struct json_object *kd_config_to_json(const struct kd_config *cfg)
{
	struct json_object *o = json_object_new_object();
	char uuid[37];

	uuid_unparse_lower(cfg->uuid, uuid);
	add_str(o, "name", cfg->name);
	add_str(o, "uuid", uuid);
	json_object_object_add(o, "memory", json_object_new_int64((int64_t)cfg->memory_mib));
	json_object_object_add(o, "maxmem", json_object_new_int64((int64_t)cfg->maxmem_mib));
	json_object_object_add(o, "vcpus", json_object_new_int64(cfg->vcpus));
	add_str(o, "kernel", cfg->kernel);
	add_str(o, "ramdisk", cfg->ramdisk);
	add_str(o, "cmdline", cfg->cmdline);
	add_str(o, "on_poweroff", kd_action_name(cfg->on_poweroff));
	add_str(o, "on_reboot", kd_action_name(cfg->on_reboot));
	add_str(o, "on_crash", kd_action_name(cfg->on_crash));
	add_str(o, "console_log", cfg->console_log);
	if (cfg->nr_disks) {
		struct json_object *a = json_object_new_array();

		for (unsigned int i = 0; i < cfg->nr_disks; i++)
			json_object_array_add(a, kd_disk_to_json(&cfg->disks[i]));
		json_object_object_add(o, "disks", a);
	}
	if (cfg->nr_nics) {
		struct json_object *a = json_object_new_array();

		for (unsigned int i = 0; i < cfg->nr_nics; i++)
			json_object_array_add(a, kd_nic_to_json(&cfg->nics[i]));
		json_object_object_add(o, "vifs", a);
	}
	return o;
}
