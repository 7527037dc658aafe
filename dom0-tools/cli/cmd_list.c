/*
 * cmd_list.c - `ketch list [-l] [--json] [DOMAIN...]` (xl's columns) and
 * `ketch info DOMAIN`.
 */
#include <getopt.h>
#include <string.h>

#include "cli.h"

/* xl's six state flags: running, blocked, paused, shutdown, crashed, dying. */
static const char *xl_state(const char *s)
{
	static const struct { const char *name, *flags; } m[] = {
		{ "running", "r-----" }, { "blocked", "-b----" }, { "paused", "--p---" },
		{ "shutdown", "---s--" }, { "crashed", "----c-" }, { "dying", "-----d" },
	};

	for (size_t i = 0; i < sizeof(m) / sizeof(*m); i++)
		if (!strcmp(m[i].name, s))
			return m[i].flags;
	return "------";
}

static const char *field(struct json_object *d, const char *k)
{
	return json_object_get_string(json_object_object_get(d, k));
}

static bool wanted(struct json_object *d, int argc, char **argv)
{
	if (argc == 0)
		return true;
	for (int i = 0; i < argc; i++)
		if (!strcmp(argv[i], field(d, "name")) || !strcmp(argv[i], field(d, "domid")))
			return true;
	return false;
}

int cmd_list(const struct cli *c, int argc, char **argv)
{
	static const struct option lo[] = { { "long", no_argument, NULL, 'l' }, { 0 } };
	struct json_object *reply, *doms, *out = json_object_new_array();
	bool lng = false;
	int opt, rc;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "+l", lo, NULL)) != -1) {
		if (opt != 'l')
			return json_object_put(out), KX_USAGE;
		lng = true;
	}
	rc = cli_request(c, "list", cli_req("list", NULL), &reply);
	if (rc)
		return json_object_put(out), rc;
	doms = json_object_object_get(reply, "domains");
	for (size_t i = 0; i < json_object_array_length(doms); i++) {
		struct json_object *d = json_object_array_get_idx(doms, i);

		if (wanted(d, argc - optind, argv + optind))
			json_object_array_add(out, json_object_get(d));
	}
	if (c->json || lng) {
		puts(json_object_to_json_string_ext(out, (lng && !c->json ? JSON_C_TO_STRING_PRETTY
									   : JSON_C_TO_STRING_PLAIN) |
								 JSON_C_TO_STRING_NOSLASHESCAPE));
	} else {
		printf("%-32s %5s %5s %5s %-6s %9s\n", "Name", "ID", "Mem", "VCPUs", "State", "Time(s)");
		for (size_t i = 0; i < json_object_array_length(out); i++) {
			struct json_object *d = json_object_array_get_idx(out, i);

			printf("%-32s %5s %5s %5s %-6s %9.1f\n", field(d, "name"), field(d, "domid"),
			       field(d, "memory"), field(d, "vcpus"), xl_state(field(d, "state")),
			       json_object_get_double(json_object_object_get(d, "cpu_time")));
		}
	}
	json_object_put(out);
	json_object_put(reply);
	return KX_OK;
}

int cmd_info(const struct cli *c, int argc, char **argv)
{
	struct json_object *reply;
	int rc;

	if (argc != 2)
		return fprintf(stderr, "usage: ketch info DOMAIN\n"), KX_USAGE;
	rc = cli_request(c, "info", cli_req("info", argv[1]), &reply);
	if (rc)
		return rc;
	if (c->json) {
		cli_print_json(reply);
	} else {
		json_object_object_foreach(json_object_object_get(reply, "domain"), k, v)
			if (strcmp(k, "config"))
				printf("%s: %s\n", k, json_object_get_string(v));
		json_object_object_foreach(json_object_object_get(json_object_object_get(reply, "domain"), "config"), k2, v2)
			printf("config.%s: %s\n", k2, json_object_get_string(v2));
	}
	json_object_put(reply);
	return KX_OK;
}
