/*
 * cmd_block.c - PV disk hotplug, as xl names it: block-attach (an xl disk
 * spec read by libxlutil's own parser, a relative target made absolute),
 * block-detach (-f: do not wait for the guest to let go) and block-list
 * (xl's columns).
 */
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
	struct json_object *disk, *req;
	struct kd_error err = { 0 };
	char spec[4096];
	int rc;

	if (argc < 3)
		return fprintf(stderr, "usage: ketch block-attach DOMAIN DISKSPEC\n"), KX_USAGE;
	if ((rc = cli_join_spec(spec, sizeof(spec), argc, argv, "block-attach", "disk")))
		return rc;
	if (!(disk = kd_disk_xl_to_json(spec, &err)))
		return fprintf(stderr, "ketch: block-attach: %s\n", err.message), KX_BAD_CONFIG;
	absolute_target(disk);
	req = cli_req("block_attach", argv[1]);
	json_object_object_add(req, "disk", disk);
	return cli_request_print(c, "block-attach", req);
}

int cmd_block_detach(const struct cli *c, int argc, char **argv)
{
	static const struct cli_detach how = { "block-detach", "block_detach", "vdev", "VDEV", "" };

	return cli_detach(c, argc, argv, &how);
}

/* xl's columns (xl_vmcontrol.c's main_blocklist). */
static void table(struct json_object *disks)
{
	printf("%-5s %-3s %-6s %-5s %-6s %-8s %-30s\n", "Vdev", "BE", "handle", "state",
	       "evt-ch", "ring-ref", "BE-path");
	for (size_t i = 0; i < json_object_array_length(disks); i++) {
		struct json_object *d = json_object_array_get_idx(disks, i);

		printf("%-5ld %-3ld %-6ld %-5ld %-6ld %-8ld %-30s\n", cli_num(d, "devid"),
		       cli_num(d, "backend_id"), cli_num(d, "frontend_id"), cli_num(d, "state"),
		       cli_num(d, "evtchn"), cli_num(d, "ring_ref"), cli_str(d, "backend"));
	}
}

int cmd_block_list(const struct cli *c, int argc, char **argv)
{
	return cli_device_list(c, argc, argv, "block-list", "block_list", "disks", table);
}
