/*
 * cmd_save.c - `ketch save` and `ketch restore`, xl's options: save -c
 * (the domain goes on running), -p (left paused); restore -p (paused), -c
 * (attach to its console), a new name as --name or a last argument.
 * Paths are made absolute here: ketchd does not share our directory.
 */
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

char *cli_absolute(const char *cmd, const char *path)
{
	char *a = strdup(path), *b = strdup(path), dir[PATH_MAX], *out = NULL;

	if (a && b && realpath(dirname(a), dir) &&
	    asprintf(&out, "%s/%s", strcmp(dir, "/") ? dir : "", basename(b)) < 0)
		out = NULL;
	if (!out)
		fprintf(stderr, "ketch: %s: %s: no such directory\n", cmd, path);
	free(a);
	free(b);
	return out;
}

void cli_save_summary(struct json_object *reply, const char *what)
{
	printf("%s: %ld pages, %.1f MiB in %s s (%s MiB/s)\n", what, cli_num(reply, "pages"),
	       (double)cli_num(reply, "bytes") / (1 << 20), cli_str(reply, "seconds"),
	       cli_str(reply, "mib_per_s"));
}

int cmd_save(const struct cli *c, int argc, char **argv)
{
	bool checkpoint = false, paused = false;
	struct json_object *req, *reply;
	struct cli_progress pr;
	long timeout = 0;
	char *file;
	int opt, rc;

	optind = 1;
	while ((opt = getopt(argc, argv, "+cpt:")) != -1) {
		if (opt == 'c')
			checkpoint = true;
		else if (opt == 'p')
			paused = true;
		else if (opt == 't')
			timeout = strtol(optarg, NULL, 10);
		else
			return KX_USAGE;
	}
	if (optind != argc - 2)
		return fprintf(stderr, "usage: ketch save [-c] [-p] [-t SEC] DOMAIN FILE\n"),
		       KX_USAGE;
	if (!(file = cli_absolute("save", argv[optind + 1])))
		return KX_FAILED;
	req = cli_req("save", argv[optind]);
	json_object_object_add(req, "file", json_object_new_string(file));
	if (checkpoint)
		json_object_object_add(req, "checkpoint", json_object_new_boolean(1));
	if (paused)
		json_object_object_add(req, "paused", json_object_new_boolean(1));
	if (timeout)
		json_object_object_add(req, "timeout", json_object_new_int64(timeout));
	cli_progress_start(c, &pr, file);
	rc = cli_request(c, "save", req, &reply);
	cli_progress_stop(&pr);
	if (rc == KX_OK) {
		if (c->json)
			cli_print_json(reply);
		else
			cli_save_summary(reply, file);
		json_object_put(reply);
	}
	free(file);
	return rc;
}

static int restored(const struct cli *c, struct json_object *reply, bool console, bool paused)
{
	char id[16];

	if (c->json)
		cli_print_json(reply);
	else {
		printf("Restored domain %s (id %ld)\n", cli_str(reply, "name"),
		       cli_num(reply, "domid"));
		cli_save_summary(reply, "  read");
	}
	fflush(stdout);
	snprintf(id, sizeof(id), "%ld", cli_num(reply, "domid"));
	json_object_put(reply);
	return console ? cli_console_attach(c, id, !paused) : KX_OK;
}

int cmd_restore(const struct cli *c, int argc, char **argv)
{
	static const struct option lo[] = { { "name", required_argument, NULL, 'n' }, { 0 } };
	bool console = false, paused = false;
	const char *name = NULL;
	struct json_object *req, *reply;
	struct cli_progress pr;
	char *file;
	int opt, rc;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "+cpn:", lo, NULL)) != -1) {
		if (opt == 'c')
			console = true;
		else if (opt == 'p')
			paused = true;
		else if (opt == 'n')
			name = optarg;
		else
			return KX_USAGE;
	}
	if (optind != argc - 1 && !(optind == argc - 2 && !name))
		return fprintf(stderr, "usage: ketch restore [-c] [-p] [--name NAME] FILE "
				       "[NAME]\n"), KX_USAGE;
	if (optind == argc - 2)
		name = argv[optind + 1];
	if (!(file = cli_absolute("restore", argv[optind])))
		return KX_FAILED;
	req = cli_req("restore", NULL);
	json_object_object_add(req, "file", json_object_new_string(file));
	if (name)
		json_object_object_add(req, "name", json_object_new_string(name));
	json_object_object_add(req, "paused", json_object_new_boolean(paused || console));
	cli_progress_start(c, &pr, file);
	rc = cli_request(c, "restore", req, &reply);
	cli_progress_stop(&pr);
	free(file);
	return rc ? rc : restored(c, reply, console, paused);
}
