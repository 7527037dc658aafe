/* Unit tests: ketchd's domain config rules (dom0-tools/ketchd/config_json.c,
 * validate.c, config_xl.c): defaults, every field's bad values with the
 * message naming it, unknown fields, xl.cfg through libxlutil, round trip. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uuid/uuid.h>

#include "config.h"

/* Parse text as JSON and then as a config; returns kd_config_from_json's result. */
static int parse(const char *text, struct kd_config *cfg, struct kd_error *err)
{
	struct json_object *o = json_tokener_parse(text);
	int r;

	ck_assert_msg(o != NULL, "test JSON does not parse: %s", text);
	memset(err, 0, sizeof(*err));
	r = kd_config_from_json(o, cfg, err);
	json_object_put(o);
	return r;
}

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
		"ramdisk, cmdline, on_poweroff, on_reboot, on_crash, console_log)");
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

static int xl(const char *text, struct kd_config *cfg, struct kd_error *err)
{
	struct json_object *o;
	int r;

	memset(err, 0, sizeof(*err));
	o = kd_config_xl_to_json(text, strlen(text), "test.cfg", err);
	if (!o)
		return -1;
	r = kd_config_from_json(o, cfg, err);
	json_object_put(o);
	return r;
}

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

int main(void)
{
	Suite *s = suite_create("ketchd_config");
	TCase *tc = tcase_create("config");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, defaults);
	tcase_add_test(tc, every_field);
	tcase_add_test(tc, bad_values);
	tcase_add_test(tc, long_values);
	tcase_add_test(tc, unknown_fields);
	tcase_add_test(tc, round_trip);
	tcase_add_test(tc, xl_cfg);
	tcase_add_test(tc, xl_cfg_nul);
	tcase_add_test(tc, long_unknown_key);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
