/*
 * cmd_ops.c - the subcommands that act on one domain: destroy, pause,
 * unpause, rename, shutdown and reboot (-w waits on ketchd's events
 * stream for the outcome), and `ketch events`.
 */
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static int done(const struct cli *c, struct json_object *reply, const char *what,
		const char *dom)
{
	if (c->json)
		cli_print_json(reply);
	else if (what)
		printf("%s %s\n", what, dom);
	json_object_put(reply);
	return KX_OK;
}

int cmd_simple(const struct cli *c, int argc, char **argv)
{
	struct json_object *reply;
	int rc;

	if (argc != 2)
		return fprintf(stderr, "usage: ketch %s DOMAIN\n", argv[0]), KX_USAGE;
	rc = cli_request(c, argv[0], cli_req(argv[0], argv[1]), &reply);
	return rc ? rc : done(c, reply, NULL, argv[1]);
}

int cmd_rename(const struct cli *c, int argc, char **argv)
{
	struct json_object *req, *reply;
	int rc;

	if (argc != 3)
		return fprintf(stderr, "usage: ketch rename DOMAIN NEW-NAME\n"), KX_USAGE;
	req = cli_req("rename", argv[1]);
	json_object_object_add(req, "name", json_object_new_string(argv[2]));
	rc = cli_request(c, "rename", req, &reply);
	return rc ? rc : done(c, reply, NULL, argv[1]);
}

static void on_alarm(int sig)
{
	static const char msg[] = "ketch: gave up waiting\n";

	(void)sig;
	if (write(2, msg, sizeof(msg) - 1) < 0)
		_exit(KX_TIMEOUT);
	_exit(KX_TIMEOUT);
}

static bool is(struct json_object *ev, const char *k, const char *v)
{
	const char *s = json_object_get_string(json_object_object_get(ev, k));

	return s && !strcmp(s, v);
}

/* Read events until dom (name or id) stops; for reboot, until it is back. */
static int wait_outcome(const struct cli *c, struct kconn *k, const char *dom, bool reboot)
{
	struct json_object *ev;
	char name[64] = "";

	while ((ev = cli_read(k))) {
		bool mine = is(ev, "name", dom) || is(ev, "domid", dom) || is(ev, "name", name);

		if (mine && !name[0])
			snprintf(name, sizeof(name), "%s", json_object_get_string(json_object_object_get(ev, "name")));
		if (mine && c->json)
			cli_print_json(ev);
		if (mine && reboot && is(ev, "state", "created"))
			return json_object_put(ev), KX_OK;
		if (mine && !reboot && (is(ev, "state", "destroyed") || is(ev, "state", "shutdown") ||
					is(ev, "state", "crashed")))
			return json_object_put(ev), KX_OK;
		json_object_put(ev);
	}
	fprintf(stderr, "ketch: ketchd closed the events stream\n");
	return KX_FAILED;
}

int cmd_shutdown(const struct cli *c, int argc, char **argv)
{
	bool wait = false, reboot = !strcmp(argv[0], "reboot");
	long timeout = 0;
	struct json_object *req, *reply = NULL;
	struct kconn ev = { .fd = -1 };
	int opt, rc;

	optind = 1;
	while ((opt = getopt(argc, argv, "+wt:")) != -1) {
		if (opt == 'w')
			wait = true;
		else if (opt == 't' && (timeout = strtol(optarg, NULL, 10)) > 0)
			continue;
		else
			return fprintf(stderr, "usage: ketch %s [-w] [-t SEC] DOMAIN\n", argv[0]), KX_USAGE;
	}
	if (optind != argc - 1)
		return fprintf(stderr, "usage: ketch %s [-w] [-t SEC] DOMAIN\n", argv[0]), KX_USAGE;
	if (wait && ((rc = cli_connect(c, &ev)) || (rc = cli_call(&ev, cli_req("events", NULL), &reply))))
		return rc;
	json_object_put(reply);
	req = cli_req(argv[0], argv[optind]);
	if (timeout)
		json_object_object_add(req, "timeout", json_object_new_int64(timeout));
	rc = cli_request(c, argv[0], req, &reply);
	if (rc || !wait) {
		cli_close(&ev);
		return rc ? rc : done(c, reply, NULL, argv[optind]);
	}
	json_object_put(reply);
	signal(SIGALRM, on_alarm);
	alarm((unsigned)(timeout ? timeout : 30) + 10);
	rc = wait_outcome(c, &ev, argv[optind], reboot);
	cli_close(&ev);
	return rc;
}

int cmd_events(const struct cli *c, int argc, char **argv)
{
	struct json_object *reply, *ev;
	struct kconn k;
	int rc;

	(void)argv;
	if (argc != 1)
		return fprintf(stderr, "usage: ketch events\n"), KX_USAGE;
	if ((rc = cli_connect(c, &k)) || (rc = cli_call(&k, cli_req("events", NULL), &reply)))
		return rc;
	json_object_put(reply);
	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((ev = cli_read(&k))) {
		if (c->json)
			cli_print_json(ev);
		else
			printf("%s %s %s\n", json_object_get_string(json_object_object_get(ev, "domid")),
			       json_object_get_string(json_object_object_get(ev, "name")),
			       json_object_get_string(json_object_object_get(ev, "state")));
		json_object_put(ev);
	}
	cli_close(&k);
	return KX_OK;
}
