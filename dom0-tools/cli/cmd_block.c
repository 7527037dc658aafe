/*
 * cmd_block.c - PV disk hotplug, as xl names it: block-attach (an xl disk
 * spec read by libxlutil's own parser, a relative target made absolute),
 * block-detach (-f: do not wait for the guest to let go) and block-list
 * (xl's columns).
 */
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../ketchd/config.h"
#include "cli.h"

/* A relative target is the caller's: ketchd has no idea of our directory. */
static void absolute_target(struct json_object *disk)
{
	struct json_object *t = json_object_object_get(disk, "target");
	const char *s = json_object_get_string(t);
	char cwd[PATH_MAX], *abs;

	if (!json_object_is_type(t, json_type_string) || !*s || *s == '/' ||
	    !getcwd(cwd, sizeof(cwd)) || asprintf(&abs, "%s/%s", cwd, s) < 0)
		return;
	json_object_object_add(disk, "target", json_object_new_string(abs));
	free(abs);
}

int cmd_block_attach(const struct cli *c, int argc, char **argv)
{
	struct json_object *disk, *req, *reply;
	struct kd_error err = { 0 };
	char spec[4096] = "";
	int rc;

	if (argc < 3)
		return fprintf(stderr, "usage: ketch block-attach DOMAIN DISKSPEC\n"), KX_USAGE;
	/* xl takes the spec's parts as several arguments too. */
	for (int i = 2; i < argc; i++)
		if (snprintf(spec + strlen(spec), sizeof(spec) - strlen(spec), "%s%s",
			     i > 2 ? "," : "", argv[i]) >= (int)(sizeof(spec) - strlen(spec)))
			return fprintf(stderr, "ketch: block-attach: disk spec too long\n"),
			       KX_BAD_CONFIG;
	if (!(disk = kd_disk_xl_to_json(spec, &err)))
		return fprintf(stderr, "ketch: block-attach: %s\n", err.message), KX_BAD_CONFIG;
	absolute_target(disk);
	req = cli_req("block_attach", argv[1]);
	json_object_object_add(req, "disk", disk);
	rc = cli_request(c, "block-attach", req, &reply);
	if (rc)
		return rc;
	if (c->json)
		cli_print_json(reply);
	json_object_put(reply);
	return KX_OK;
}

int cmd_block_detach(const struct cli *c, int argc, char **argv)
{
	static const struct option lo[] = { { "force", no_argument, NULL, 'f' }, { 0 } };
	struct json_object *req, *reply;
	bool force = false;
	long timeout = 0;
	char *end;
	int opt, rc;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "+ft:", lo, NULL)) != -1) {
		if (opt == 'f') {
			force = true;
		} else if (opt == 't') {
			timeout = strtol(optarg, &end, 10);
			if (*end || timeout < 1 || timeout > 3600)
				return fprintf(stderr, "ketch: block-detach: -t: 1..3600 seconds\n"),
				       KX_USAGE;
		} else {
			return KX_USAGE;
		}
	}
	if (optind != argc - 2)
		return fprintf(stderr, "usage: ketch block-detach [-f] [-t SEC] DOMAIN VDEV\n"),
		       KX_USAGE;
	req = cli_req("block_detach", argv[optind]);
	json_object_object_add(req, "vdev", json_object_new_string(argv[optind + 1]));
	if (force)
		json_object_object_add(req, "force", json_object_new_boolean(1));
	if (timeout)
		json_object_object_add(req, "timeout", json_object_new_int64(timeout));
	rc = cli_request(c, "block-detach", req, &reply);
	if (rc)
		return rc;
	if (c->json)
		cli_print_json(reply);
	else if (!force && json_object_get_boolean(json_object_object_get(reply, "forced")))
		fprintf(stderr, "ketch: block-detach: the guest did not let go of %s in time; "
				"removed by force\n", argv[optind + 1]);
	json_object_put(reply);
	return KX_OK;
}

static long num(struct json_object *o, const char *k)
{
	return (long)json_object_get_int64(json_object_object_get(o, k));
}

int cmd_block_list(const struct cli *c, int argc, char **argv)
{
	struct json_object *reply, *disks;
	int rc;

	if (argc != 2)
		return fprintf(stderr, "usage: ketch block-list DOMAIN\n"), KX_USAGE;
	rc = cli_request(c, "block-list", cli_req("block_list", argv[1]), &reply);
	if (rc)
		return rc;
	if (c->json) {
		cli_print_json(reply);
		json_object_put(reply);
		return KX_OK;
	}
	disks = json_object_object_get(reply, "disks");
	printf("%-5s %-3s %-6s %-5s %-6s %-8s %-30s\n", "Vdev", "BE", "handle", "state",
	       "evt-ch", "ring-ref", "BE-path");
	for (size_t i = 0; i < json_object_array_length(disks); i++) {
		struct json_object *d = json_object_array_get_idx(disks, i);

		printf("%-5ld %-3ld %-6ld %-5ld %-6ld %-8ld %-30s\n", num(d, "devid"),
		       num(d, "backend_id"), num(d, "frontend_id"), num(d, "state"),
		       num(d, "evtchn"), num(d, "ring_ref"),
		       json_object_get_string(json_object_object_get(d, "backend")));
	}
	json_object_put(reply);
	return KX_OK;
}
