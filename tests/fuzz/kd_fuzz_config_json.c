/*
 * libFuzzer target: arbitrary bytes as a JSON domain config (a config file
 * or the "config" of a create request) through kd_config_from_json.  A
 * config it accepts must survive kd_config_to_json and back unchanged:
 * ketchd saves configs that way and restores them after a restart.
 */
#include <stdlib.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int str_eq(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

static int same(const struct kd_config *a, const struct kd_config *b)
{
	return !strcmp(a->name, b->name) && !memcmp(a->uuid, b->uuid, 16) &&
	       a->memory_mib == b->memory_mib && a->maxmem_mib == b->maxmem_mib &&
	       a->vcpus == b->vcpus && str_eq(a->kernel, b->kernel) &&
	       str_eq(a->ramdisk, b->ramdisk) && str_eq(a->cmdline, b->cmdline) &&
	       str_eq(a->console_log, b->console_log) && a->on_poweroff == b->on_poweroff &&
	       a->on_reboot == b->on_reboot && a->on_crash == b->on_crash;
}

/* Saved and restored as ketchd does: to JSON text and parsed again. */
static void round_trip(const struct kd_config *cfg)
{
	struct json_object *o = kd_config_to_json(cfg), *back;
	struct kd_config again;
	struct kd_error err = { 0 };

	back = json_tokener_parse(json_object_to_json_string(o));
	if (kd_config_from_json(back, &again, &err) || !same(cfg, &again))
		abort();
	kd_config_free(&again);
	json_object_put(back);
	json_object_put(o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *o;
	struct kd_config cfg, copy;
	struct kd_error err = { 0 };

	if (!tok)
		return 0;
	o = json_tokener_parse_ex(tok, (const char *)data, (int)(size < 1 << 20 ? size : 1 << 20));
	if (o && kd_config_from_json(o, &cfg, &err) == 0) {
		round_trip(&cfg);
		if (kd_config_copy(&copy, &cfg) == 0) {
			if (!same(&cfg, &copy))
				abort();
			kd_config_free(&copy);
		}
		kd_config_free(&cfg);
	} else if (o && (!err.code[0] || !memchr(err.message, '\0', sizeof(err.message)))) {
		abort(); /* a refusal must say why */
	}
	json_object_put(o);
	json_tokener_free(tok);
	return 0;
}
