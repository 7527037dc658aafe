/*
 * cmd_snapshot.c - `ketch snapshot DOMAIN FILE` (a save during which the
 * domain goes on running, its disks on new overlays) and `ketch clone
 * [-n N] FILE NAME` (N domains from one save file, each with an identity
 * of its own).  docs/save-migrate.md.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cmd_snapshot(const struct cli *c, int argc, char **argv)
{
	struct json_object *req, *reply, *disks;
	struct cli_progress pr;
	long timeout = 0;
	char *file;
	int opt, rc;

	optind = 1;
	while ((opt = getopt(argc, argv, "+t:")) != -1) {
		if (opt != 't' || (timeout = strtol(optarg, NULL, 10)) <= 0)
			return fprintf(stderr, "usage: ketch snapshot [-t SEC] DOMAIN FILE\n"),
			       KX_USAGE;
	}
	if (optind != argc - 2)
		return fprintf(stderr, "usage: ketch snapshot [-t SEC] DOMAIN FILE\n"), KX_USAGE;
	if (!(file = cli_absolute("snapshot", argv[optind + 1])))
		return KX_FAILED;
	req = cli_req("snapshot", argv[optind]);
	json_object_object_add(req, "file", json_object_new_string(file));
	if (timeout)
		json_object_object_add(req, "timeout", json_object_new_int64(timeout));
	cli_progress_start(c, &pr, file);
	rc = cli_request(c, "snapshot", req, &reply);
	cli_progress_stop(&pr);
	if (rc != KX_OK) {
		free(file);
		return rc;
	}
	if (c->json)
		cli_print_json(reply);
	else
		cli_save_summary(reply, file);
	disks = json_object_object_get(reply, "disks");
	for (size_t i = 0; !c->json && i < json_object_array_length(disks); i++) {
		struct json_object *d = json_object_array_get_idx(disks, i);

		printf("  %s: snapshot %s; the domain goes on in %s\n", cli_str(d, "vdev"),
		       cli_str(d, "snapshot"), cli_str(d, "overlay"));
	}
	json_object_put(reply);
	free(file);
	return KX_OK;
}

static void print_clones(struct json_object *reply)
{
	struct json_object *a = json_object_object_get(reply, "domains");

	for (size_t i = 0; i < json_object_array_length(a); i++) {
		struct json_object *d = json_object_array_get_idx(a, i), *m, *k;

		printf("Cloned domain %s (id %ld, uuid %s)", cli_str(d, "name"),
		       cli_num(d, "domid"), cli_str(d, "uuid"));
		m = json_object_object_get(d, "macs");
		for (size_t j = 0; j < json_object_array_length(m); j++)
			printf(" mac %s", json_object_get_string(json_object_array_get_idx(m, j)));
		k = json_object_object_get(d, "disks");
		for (size_t j = 0; j < json_object_array_length(k); j++)
			printf(" disk %s", json_object_get_string(json_object_array_get_idx(k, j)));
		printf("\n");
	}
	cli_save_summary(reply, "  read");
}

int cmd_clone(const struct cli *c, int argc, char **argv)
{
	static const char usage[] = "usage: ketch clone [-p] [-n N] FILE NAME\n";
	struct json_object *req, *reply;
	struct cli_progress pr;
	bool paused = false;
	long count = 1;
	char *file, *end;
	int opt, rc;

	optind = 1;
	while ((opt = getopt(argc, argv, "+pn:")) != -1) {
		if (opt == 'p') {
			paused = true;
			continue;
		}
		if (opt != 'n')
			return fprintf(stderr, "%s", usage), KX_USAGE;
		count = strtol(optarg, &end, 10);
		if (*end || end == optarg || count < 1 || count > 64)
			return fprintf(stderr, "ketch: clone: -n %s: a number from 1 to 64\n",
				       optarg), KX_USAGE;
	}
	if (optind != argc - 2)
		return fprintf(stderr, "%s", usage), KX_USAGE;
	if (!(file = cli_absolute("clone", argv[optind])))
		return KX_FAILED;
	req = cli_req("clone", NULL);
	json_object_object_add(req, "file", json_object_new_string(file));
	json_object_object_add(req, "name", json_object_new_string(argv[optind + 1]));
	json_object_object_add(req, "count", json_object_new_int64(count));
	json_object_object_add(req, "paused", json_object_new_boolean(paused));
	cli_progress_start(c, &pr, file);
	rc = cli_request(c, "clone", req, &reply);
	cli_progress_stop(&pr);
	free(file);
	if (rc != KX_OK)
		return rc;
	if (c->json)
		cli_print_json(reply);
	else
		print_clones(reply);
	json_object_put(reply);
	return KX_OK;
}
