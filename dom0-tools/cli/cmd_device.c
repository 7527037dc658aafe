/*
 * cmd_device.c - what the disk (cmd_block.c) and vif (cmd_net.c)
 * subcommands share: xl's spec given as one or several arguments, the
 * whole of *-detach (by force or not, its time-out), and the request of
 * *-list whose table each prints in xl's columns.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cli_join_spec(char *spec, size_t n, int argc, char **argv, const char *cmd,
		  const char *what)
{
	/* xl takes the spec's parts as several arguments too. */
	spec[0] = '\0';
	for (int i = 2; i < argc; i++)
		if (snprintf(spec + strlen(spec), n - strlen(spec), "%s%s", i > 2 ? "," : "",
			     argv[i]) >= (int)(n - strlen(spec)))
			return fprintf(stderr, "ketch: %s: %s spec too long\n", cmd, what),
			       KX_BAD_CONFIG;
	return KX_OK;
}

/* -f and -t SEC of *-detach into *force and *timeout; KX_USAGE if wrong. */
static int detach_opts(int argc, char **argv, const char *cmd, bool *force, long *timeout)
{
	static const struct option lo[] = { { "force", no_argument, NULL, 'f' }, { 0 } };
	char *end;
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "+ft:", lo, NULL)) != -1) {
		if (opt == 'f') {
			*force = true;
		} else if (opt == 't') {
			*timeout = strtol(optarg, &end, 10);
			if (*end || *timeout < 1 || *timeout > 3600)
				return fprintf(stderr, "ketch: %s: -t: 1..3600 seconds\n", cmd),
				       KX_USAGE;
		} else {
			return KX_USAGE;
		}
	}
	return KX_OK;
}

int cli_detach(const struct cli *c, int argc, char **argv, const struct cli_detach *how)
{
	struct json_object *req, *reply;
	bool force = false;
	long timeout = 0;
	int rc;

	if ((rc = detach_opts(argc, argv, how->cmd, &force, &timeout)))
		return rc;
	if (optind != argc - 2)
		return fprintf(stderr, "usage: ketch %s [-f] [-t SEC] DOMAIN %s\n", how->cmd,
			       how->arg), KX_USAGE;
	req = cli_req(how->op, argv[optind]);
	json_object_object_add(req, how->key, json_object_new_string(argv[optind + 1]));
	if (force)
		json_object_object_add(req, "force", json_object_new_boolean(1));
	if (timeout)
		json_object_object_add(req, "timeout", json_object_new_int64(timeout));
	rc = cli_request(c, how->cmd, req, &reply);
	if (rc)
		return rc;
	if (c->json)
		cli_print_json(reply);
	else if (!force && json_object_get_boolean(json_object_object_get(reply, "forced")))
		fprintf(stderr, "ketch: %s: the guest did not let go of %s%s in time; removed "
				"by force\n", how->cmd, how->what, argv[optind + 1]);
	json_object_put(reply);
	return KX_OK;
}

int cli_device_list(const struct cli *c, int argc, char **argv, const char *cmd,
		    const char *op, const char *key, void (*table)(struct json_object *items))
{
	struct json_object *reply;
	int rc;

	if (argc != 2)
		return fprintf(stderr, "usage: ketch %s DOMAIN\n", cmd), KX_USAGE;
	if ((rc = cli_request(c, cmd, cli_req(op, argv[1]), &reply)))
		return rc;
	if (c->json)
		cli_print_json(reply);
	else
		table(json_object_object_get(reply, key));
	json_object_put(reply);
	return KX_OK;
}
