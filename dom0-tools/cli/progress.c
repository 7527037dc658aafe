/*
 * progress.c - save, restore, snapshot, clone and migrate show how far
 * they got:
 * ketchd's "progress" events about our file arrive on a second
 * connection, read by a thread while the request waits for its reply.
 * On a terminal they are one line on stderr, redrawn in place; with
 * --json each is a JSON line on stdout, before the reply's.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cli.h"

static void show(const struct cli_progress *p, struct json_object *ev)
{
	if (p->json) {
		cli_print_json(ev);
		fflush(stdout);
		return;
	}
	char round[32] = "";

	if (json_object_object_get_ex(ev, "round", NULL))
		snprintf(round, sizeof(round), " round %ld", cli_num(ev, "round"));
	fprintf(stderr, "\r%s %s%s: %s%% (%ld of %ld %s), %s MiB/s, ETA %s s   ",
		cli_str(ev, "op"), p->file, round, cli_str(ev, "percent"), cli_num(ev, "done"),
		cli_num(ev, "total"), cli_str(ev, "unit"), cli_str(ev, "mib_per_s"),
		cli_str(ev, "eta_seconds"));
}

static void *reader(void *arg)
{
	struct cli_progress *p = arg;
	struct json_object *ev;

	while ((ev = cli_read(&p->ev))) {
		if (!strcmp(cli_str(ev, "event"), "progress") &&
		    !strcmp(cli_str(ev, "file"), p->file)) {
			show(p, ev);
			p->shown = true;
		}
		json_object_put(ev);
	}
	return NULL;
}

void cli_progress_start(const struct cli *c, struct cli_progress *p, const char *file)
{
	struct json_object *reply = NULL;

	*p = (struct cli_progress){ .ev = { .fd = -1 }, .file = file, .json = c->json };
	if (!c->json && !isatty(STDERR_FILENO))
		return; /* nobody to show it to: no second connection */
	/* Subscribed before the request goes out, so no event is missed. */
	if (cli_connect(c, &p->ev) || cli_call(&p->ev, cli_req("events", NULL), &reply)) {
		cli_close(&p->ev);
		return;
	}
	json_object_put(reply);
	p->on = pthread_create(&p->thread, NULL, reader, p) == 0;
	if (!p->on)
		cli_close(&p->ev);
}

void cli_progress_stop(struct cli_progress *p)
{
	if (!p->on)
		return;
	shutdown(p->ev.fd, SHUT_RDWR); /* ends the reader's read */
	pthread_join(p->thread, NULL);
	cli_close(&p->ev);
	if (p->shown && !p->json)
		fputc('\n', stderr);
	p->on = false;
}
