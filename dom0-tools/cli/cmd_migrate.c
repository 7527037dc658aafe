/*
 * cmd_migrate.c - `ketch migrate [-t SEC] DOMAIN HOST[:PORT]`: ketchd
 * sends the running domain to the ketchd listening at HOST:PORT
 * (--migrate-listen there; both hold the same --migrate-key).  Prints
 * the rounds, the pages and bytes sent and the downtime.
 * docs/save-migrate.md.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* HOST, HOST:PORT or [V6]:PORT into host (malloc'd) and *port (0: default). */
static int split(const char *spec, char **host, long *port)
{
	const char *colon = spec[0] == '[' ? strchr(spec, ']') : strrchr(spec, ':');
	char *end;

	*port = 0;
	if (spec[0] == '[') {
		if (!colon)
			return -1;
		*host = strndup(spec + 1, (size_t)(colon - spec - 1));
		colon = colon[1] == ':' ? colon + 1 : colon[1] ? NULL : colon + 1;
		if (!colon)
			return -1;
	} else {
		*host = colon ? strndup(spec, (size_t)(colon - spec)) : strdup(spec);
	}
	if (colon && *colon == ':') {
		*port = strtol(colon + 1, &end, 10);
		if (*end || *port < 1 || *port > 65535)
			return -1;
	}
	return *host && **host ? 0 : -1;
}

int cmd_migrate(const struct cli *c, int argc, char **argv)
{
	struct json_object *req, *reply;
	struct cli_progress pr;
	long timeout = 0, port;
	char *host = NULL, target[300];
	int opt, rc;

	optind = 1;
	while ((opt = getopt(argc, argv, "+t:")) != -1) {
		if (opt == 't')
			timeout = strtol(optarg, NULL, 10);
		else
			return KX_USAGE;
	}
	if (optind != argc - 2 || split(argv[optind + 1], &host, &port)) {
		free(host);
		return fprintf(stderr, "usage: ketch migrate [-t SEC] DOMAIN HOST[:PORT]\n"),
		       KX_USAGE;
	}
	req = cli_req("migrate", argv[optind]);
	json_object_object_add(req, "host", json_object_new_string(host));
	if (!port)
		port = 8002; /* ketchd's default, given so the progress events' target is known */
	json_object_object_add(req, "port", json_object_new_int64(port));
	if (timeout)
		json_object_object_add(req, "timeout", json_object_new_int64(timeout));
	snprintf(target, sizeof(target), "%s:%ld", host, port);
	cli_progress_start(c, &pr, target);
	rc = cli_request(c, "migrate", req, &reply);
	cli_progress_stop(&pr);
	if (rc == KX_OK) {
		if (c->json)
			cli_print_json(reply);
		else
			printf("Migrated %s to %s (domain %ld there): %ld rounds, %ld pages, "
			       "%.1f MiB in %s s (%s MiB/s); downtime %s s\n", argv[optind],
			       argv[optind + 1], cli_num(reply, "target_domid"),
			       cli_num(reply, "rounds"), cli_num(reply, "pages"),
			       (double)cli_num(reply, "bytes") / (1 << 20),
			       cli_str(reply, "seconds"), cli_str(reply, "mib_per_s"),
			       cli_str(reply, "downtime_seconds"));
		json_object_put(reply);
	}
	free(host);
	return rc;
}
