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
