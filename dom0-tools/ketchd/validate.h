/*
 * validate.h - one checker per config field.  Each takes the JSON value
 * of its field and stores it in the config, or fills the error naming the
 * field and the reason and returns -EINVAL.
 */
#ifndef KETCHD_VALIDATE_H
#define KETCHD_VALIDATE_H

#include "config.h"

struct kd_field {
	const char *name;
	int (*set)(const struct kd_field *f, struct json_object *v,
		   struct kd_config *cfg, struct kd_error *err);
};

/* The field with this name, or NULL when ketch has no such field. */
const struct kd_field *kd_field_find(const char *name);

/* Checks across fields once all are set (kernel given, maxmem >= memory). */
int kd_config_check(struct kd_config *cfg, struct kd_error *err);

#endif
