/*
 * config_nic_xl.c - xl's vif spec ("mac=00:16:3e:01:02:03, bridge=br0")
 * to the JSON vif object.  libxlutil exports no vif parser (xl keeps its
 * own, parse_nic_config in xl_parse.c), so this one follows xl's grammar:
 * settings separated by commas, blanks around each ignored, each
 * key=value.  It is stricter than xl where xl guesses: a key given twice,
 * an empty setting or a setting without '=' is refused, and so is every
 * key Ketch cannot honour, by name, rather than ignored.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

#define SPEC_MAX 1024

static struct json_object *refuse(struct kd_error *err, const char *spec, const char *fmt,
				  const char *arg)
{
	char why[160];

	snprintf(why, sizeof(why), fmt, arg);
	kd_error_set(err, "invalid_config", "vifs", "\"%.120s\" is not a vif spec Ketch can "
		     "honour: %s", spec, why);
	return NULL;
}

/* A number stays a number when it is all digits, so the JSON checks name it. */
static struct json_object *number_or_string(const char *v)
{
	if (*v && strlen(v) <= 9 && strspn(v, "0123456789") == strlen(v))
		return json_object_new_int64(atol(v));
	return json_object_new_string(v);
}

/* Keys xl knows that do not become a vif field: accepted (false) when the
 * value is what Ketch does anyway, else refused with the reason in why. */
static bool xl_only(const char *k, const char *v, char *why, size_t len)
{
	static const char *const unsupported[] = { "model", "vifname", "gatewaydev", "accel",
						   "netdev", "forwarddev", "colo_", "trusted",
						   "untrusted", "ifname", "vid" };
	size_t n = strlen(v);

	if (!strcmp(k, "type"))
		return strcmp(v, "vif") &&
		       snprintf(why, len, "type=%.20s: only PV vifs (type=vif) are served", v);
	if (!strcmp(k, "script"))
		return strcmp(v, "vif-bridge") && !(n >= 11 && !strcmp(v + n - 11, "/vif-bridge")) &&
		       snprintf(why, len, "script=: ketch-netback does vif-bridge's work "
				"itself; no other script is run");
	if (!strcmp(k, "backend"))
		return strcmp(v, "0") && strcmp(v, "Domain-0") &&
		       snprintf(why, len, "backend=: driver domains are not supported (the "
				"backend is domain 0)");
	for (size_t i = 0; i < sizeof(unsupported) / sizeof(*unsupported); i++)
		if (!strncmp(k, unsupported[i], strlen(unsupported[i])))
			return snprintf(why, len, "%.40s= is not supported", k);
	return snprintf(why, len, "\"%.40s\" is not a vif setting (known: mac, bridge, ip, "
			"rate, mtu, devid, type, script, backend)", k);
}

/* One "key=value" (blanks trimmed) into o; false with err set. */
static bool setting(char *tok, const char *spec, struct json_object *o, struct kd_error *err)
{
	static const char *const fields[] = { "mac", "bridge", "ip", "rate", "mtu", "devid" };
	char *eq, *k, *v, *end;
	char why[160];

	while (*tok == ' ' || *tok == '\t')
		tok++;
	for (end = tok + strlen(tok); end > tok && (end[-1] == ' ' || end[-1] == '\t');)
		*--end = '\0';
	if (!*tok)
		return refuse(err, spec, "an empty setting (two commas, or one at an end)%s", ""),
		       false;
	if (!(eq = strchr(tok, '=')))
		return refuse(err, spec, "\"%.40s\" is not key=value", tok), false;
	*eq = '\0';
	k = tok, v = eq + 1;
	if (json_object_object_get_ex(o, k, NULL))
		return refuse(err, spec, "%.40s= is given twice", k), false;
	for (size_t i = 0; i < sizeof(fields) / sizeof(*fields); i++)
		if (!strcmp(k, fields[i])) {
			json_object_object_add(o, k, !strcmp(k, "mtu") || !strcmp(k, "devid")
							     ? number_or_string(v)
							     : json_object_new_string(v));
			return true;
		}
	if (xl_only(k, v, why, sizeof(why)))
		return refuse(err, spec, "%s", why), false;
	return true;
}

struct json_object *kd_nic_xl_to_json(const char *spec, struct kd_error *err)
{
	char buf[SPEC_MAX + 1], *tok, *p;
	struct json_object *o;

	if (strlen(spec) > SPEC_MAX)
		return refuse(err, spec, "longer than %s bytes", "1024");
	for (p = buf, memcpy(buf, spec, strlen(spec) + 1); *p; p++)
		if ((unsigned char)*p < 0x20 && *p != '\t')
			return refuse(err, spec, "a control character%s", "");
	o = json_object_new_object();
	if (!buf[strspn(buf, " \t")])
		return o; /* vif = [ '' ]: one vif with every default, as in xl */
	/* strtok_r would merge ",," into one separator: split by hand. */
	for (tok = buf; tok; tok = p) {
		if ((p = strchr(tok, ',')))
			*p++ = '\0';
		if (!setting(tok, spec, o, err)) {
			json_object_put(o);
			return NULL;
		}
	}
	return o;
}
