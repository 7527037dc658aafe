/*
 * cmd_query.c - `ketch vcpu-list [DOMAIN]`, `ketch uptime [DOMAIN...]`,
 * `ketch mem-set DOMAIN SIZE` and `ketch dmesg`, in xl's columns and units.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char *field(struct json_object *o, const char *k)
{
	return json_object_get_string(json_object_object_get(o, k));
}

/* Print one domain's vCPUs (a "vcpus" reply); adds it to all for --json. */
static int vcpus_of(const struct cli *c, const char *dom, struct json_object *all)
{
	struct json_object *reply, *v;
	int rc = cli_request(c, "vcpu-list", cli_req("vcpus", dom), &reply);

	if (rc)
		return rc;
	v = json_object_object_get(reply, "vcpus");
	for (size_t i = 0; i < json_object_array_length(v); i++) {
		struct json_object *e = json_object_array_get_idx(v, i);
		bool on = json_object_get_boolean(json_object_object_get(e, "online"));

		if (c->json) {
			cli_copy(e, reply, "domid");
			cli_copy(e, reply, "name");
			json_object_array_add(all, json_object_get(e));
			continue;
		}
		printf("%-32s %5s %5s %-3s %-9s %9.1f\n", field(reply, "name"),
		       field(reply, "domid"), field(e, "vcpu"), on ? "y" : "n", field(e, "state"),
		       json_object_get_double(json_object_object_get(e, "cpu_time")));
	}
	json_object_put(reply);
	return KX_OK;
}

int cmd_vcpu_list(const struct cli *c, int argc, char **argv)
{
	struct json_object *all = json_object_new_array(), *reply = NULL, *doms;
	int rc = KX_OK;

	if (argc > 2)
		return json_object_put(all), fprintf(stderr, "usage: ketch vcpu-list [DOMAIN]\n"),
		       KX_USAGE;
	if (!c->json)
		printf("%-32s %5s %5s %-3s %-9s %9s\n", "Name", "ID", "VCPU", "On", "State",
		       "Time(s)");
	if (argc == 2) {
		rc = vcpus_of(c, argv[1], all);
	} else if (!(rc = cli_request(c, "vcpu-list", cli_req("list", NULL), &reply))) {
		doms = json_object_object_get(reply, "domains");
		for (size_t i = 0; i < json_object_array_length(doms) && !rc; i++) {
			rc = vcpus_of(c, field(json_object_array_get_idx(doms, i), "domid"), all);
			if (rc == KX_NO_DOMAIN)
				rc = KX_OK; /* destroyed since the listing */
		}
		json_object_put(reply);
	}
	if (!rc && c->json)
		cli_print_json(all);
	json_object_put(all);
	return rc;
}

int cmd_uptime(const struct cli *c, int argc, char **argv)
{
	struct json_object *reply, *doms, *out = json_object_new_array();
	int rc = cli_request(c, "uptime", cli_req("list", NULL), &reply);

	if (rc)
		return json_object_put(out), rc;
	if (!c->json)
		printf("%-32s %5s %s\n", "Name", "ID", "Uptime");
	doms = json_object_object_get(reply, "domains");
	for (size_t i = 0; i < json_object_array_length(doms); i++) {
		struct json_object *d = json_object_array_get_idx(doms, i), *e;
		bool want = argc == 1;
		long s;

		for (int j = 1; j < argc; j++)
			want |= !strcmp(argv[j], field(d, "name")) ||
				!strcmp(argv[j], field(d, "domid"));
		if (!want)
			continue;
		s = (long)json_object_get_double(json_object_object_get(d, "uptime"));
		if (!c->json) {
			printf("%-32s %5s %ld:%02ld:%02ld\n", field(d, "name"), field(d, "domid"),
			       s / 3600, s / 60 % 60, s % 60);
			continue;
		}
		e = json_object_new_object();
		cli_copy(e, d, "name");
		cli_copy(e, d, "domid");
		cli_copy(e, d, "uptime");
		json_object_array_add(out, e);
	}
	if (c->json)
		cli_print_json(out);
	json_object_put(out);
	json_object_put(reply);
	return KX_OK;
}

/* xl's sizes: a number with an optional b, k, m (the default), g or t. */
static int64_t parse_kib(const char *s)
{
	char *end;
	long long v = strtoll(s, &end, 10);
	int shift;

	if (end == s || v < 0 || strlen(end) > 1)
		return -1;
	switch (tolower((unsigned char)*end)) {
	case 'b': return v >> 10;
	case 'k': shift = 0; break;
	case '\0': case 'm': shift = 10; break;
	case 'g': shift = 20; break;
	case 't': shift = 30; break;
	default: return -1;
	}
	if (v > (INT64_MAX >> shift))
		return -1;
	return (int64_t)v << shift;
}

int cmd_mem_set(const struct cli *c, int argc, char **argv)
{
	struct json_object *req;
	int64_t kib;

	if (argc != 3 || (kib = parse_kib(argv[2])) < 0)
		return fprintf(stderr, "usage: ketch mem-set DOMAIN SIZE[b|k|m|g|t]\n"), KX_USAGE;
	req = cli_req("mem_set", argv[1]);
	json_object_object_add(req, "target_kib", json_object_new_int64(kib));
	return cli_request_print(c, "mem-set", req);
}

int cmd_dmesg(const struct cli *c, int argc, char **argv)
{
	struct json_object *req, *reply, *lines;
	bool clear = argc == 2 && !strcmp(argv[1], "-c");
	int rc;

	if (argc != 1 && !clear)
		return fprintf(stderr, "usage: ketch dmesg [-c]\n"), KX_USAGE;
	req = cli_req("dmesg", NULL);
	if (clear)
		json_object_object_add(req, "clear", json_object_new_boolean(1));
	if ((rc = cli_request(c, "dmesg", req, &reply)))
		return rc;
	lines = json_object_object_get(reply, "lines");
	if (c->json)
		cli_print_json(reply);
	for (size_t i = 0; !c->json && i < json_object_array_length(lines); i++)
		puts(json_object_get_string(json_object_array_get_idx(lines, i)));
	json_object_put(reply);
	return KX_OK;
}
