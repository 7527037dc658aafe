/*
 * config.h - a domain's configuration as ketchd holds it, and the three
 * ways in: a JSON object (the API and config files), xl.cfg text (through
 * Debian's libxlutil), and back out to JSON.  Field rules: docs/config-reference.md.
 */
#ifndef KETCHD_CONFIG_H
#define KETCHD_CONFIG_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KD_NAME_MAX 63
#define KD_CMDLINE_MAX 1023
#define KD_MEM_MIN_MIB 4
#define KD_MEM_MAX_MIB 65536
#define KD_VCPUS_MAX 64

enum kd_action { KD_ACT_DESTROY, KD_ACT_RESTART, KD_ACT_PRESERVE };

struct kd_config {
	char name[KD_NAME_MAX + 1];
	uint8_t uuid[16];
	uint64_t memory_mib, maxmem_mib;
	uint32_t vcpus;
	char *kernel, *ramdisk, *cmdline, *console_log; /* NULL when absent */
	enum kd_action on_poweroff, on_reboot, on_crash;
};

/* An API error: a stable code, the field at fault ("" if none), a sentence. */
struct kd_error {
	char code[32];
	char field[32];
	char message[320];
};

/* Fill err (any of field may be NULL or ""); returns -EINVAL for chaining. */
int kd_error_set(struct kd_error *err, const char *code, const char *field,
		 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/*
 * Parse and validate a config object.  Every key must be a known field;
 * the first problem found is reported in err (code "invalid_config" or
 * "unknown_field", field named, message "<field>: <reason>") and -EINVAL
 * returned with cfg left empty.  A missing uuid is generated.  On success
 * cfg owns heap strings: release with kd_config_free.
 */
int kd_config_from_json(struct json_object *obj, struct kd_config *cfg,
			struct kd_error *err);

/* Release the strings of cfg and zero it.  Safe on a zeroed config. */
void kd_config_free(struct kd_config *cfg);

/* Deep copy src into dst (dst is overwritten).  0 or -ENOMEM. */
int kd_config_copy(struct kd_config *dst, const struct kd_config *src);

/* The config as a JSON object (every field, defaults filled in). */
struct json_object *kd_config_to_json(const struct kd_config *cfg);

/* "destroy", "restart" or "preserve". */
const char *kd_action_name(enum kd_action a);

/*
 * Read xl.cfg text (len bytes; label names it in messages) with libxlutil
 * and return the same fields as a JSON object for kd_config_from_json,
 * or NULL with err set (code "invalid_config").  Keys ketch does not know
 * are ignored, as xl ignores them.
 */
struct json_object *kd_config_xl_to_json(const char *text, size_t len,
					 const char *label, struct kd_error *err);

#endif
