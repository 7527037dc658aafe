/* Shared helpers for the unit tests of libketchcfg (ketchd_config.c,
 * ketchd_vif.c): a config from JSON text or from xl.cfg text, and a
 * suite run the same way. */
#ifndef KETCHD_CFG_TEST_HELPERS_H
#define KETCHD_CFG_TEST_HELPERS_H

#include <string.h>

#include <check.h>

#include "config.h"

/* Parse text as JSON and then as a config; returns kd_config_from_json's result. */
static inline int parse(const char *text, struct kd_config *cfg, struct kd_error *err)
{
	struct json_object *o = json_tokener_parse(text);
	int r;

	ck_assert_msg(o != NULL, "test JSON does not parse: %s", text);
	memset(err, 0, sizeof(*err));
	r = kd_config_from_json(o, cfg, err);
	json_object_put(o);
	return r;
}

/* text as an xl.cfg, then as a config; -1 if xl's syntax is refused. */
static inline int xl(const char *text, struct kd_config *cfg, struct kd_error *err)
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

/* Run tc alone in a suite called name; the exit status for main. */
static inline int kd_t_run(const char *name, TCase *tc)
{
	Suite *s = suite_create(name);
	SRunner *sr;
	int failed;

	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}

#endif
