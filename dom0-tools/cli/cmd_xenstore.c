/*
 * cmd_xenstore.c - `ketch xenstore-ls [PATH]`, `xenstore-read PATH` and
 * `xenstore-write PATH VALUE`, made by ketchd on its xenstore connection
 * (so they need only ketchd's socket, as every other subcommand).
 */
#include <string.h>

#include "cli.h"

static struct json_object *xs_req(const char *op, const char *path)
{
	struct json_object *o = cli_req(op, NULL);

	if (path)
		json_object_object_add(o, "path", json_object_new_string(path));
	return o;
}

int cmd_xs_read(const struct cli *c, int argc, char **argv)
{
	struct json_object *reply;
	int rc;

	if (argc != 2)
		return fprintf(stderr, "usage: ketch xenstore-read PATH\n"), KX_USAGE;
	if ((rc = cli_request(c, argv[0], xs_req("xenstore_read", argv[1]), &reply)))
		return rc;
	if (c->json)
		cli_print_json(reply);
	else
		puts(json_object_get_string(json_object_object_get(reply, "value")));
	json_object_put(reply);
	return KX_OK;
}

int cmd_xs_write(const struct cli *c, int argc, char **argv)
{
	struct json_object *req, *reply;
	int rc;

	if (argc != 3)
		return fprintf(stderr, "usage: ketch xenstore-write PATH VALUE\n"), KX_USAGE;
	req = xs_req("xenstore_write", argv[1]);
	json_object_object_add(req, "value", json_object_new_string(argv[2]));
	if ((rc = cli_request(c, argv[0], req, &reply)))
		return rc;
	if (c->json)
		cli_print_json(reply);
	json_object_put(reply);
	return KX_OK;
}

/* Like xenstore-ls -f: one "path = "value"" line per node. */
int cmd_xs_ls(const struct cli *c, int argc, char **argv)
{
	struct json_object *reply, *nodes;
	int rc;

	if (argc > 2)
		return fprintf(stderr, "usage: ketch xenstore-ls [PATH]\n"), KX_USAGE;
	if ((rc = cli_request(c, argv[0], xs_req("xenstore_ls", argc == 2 ? argv[1] : NULL),
			      &reply)))
		return rc;
	nodes = json_object_object_get(reply, "nodes");
	if (c->json)
		cli_print_json(nodes);
	for (size_t i = 0; !c->json && i < json_object_array_length(nodes); i++) {
		struct json_object *n = json_object_array_get_idx(nodes, i);

		printf("%s = \"%s\"\n", json_object_get_string(json_object_object_get(n, "path")),
		       json_object_get_string(json_object_object_get(n, "value")));
	}
	json_object_put(reply);
	return KX_OK;
}
