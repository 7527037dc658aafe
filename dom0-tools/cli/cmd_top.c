/*
 * cmd_top.c - `ketch top`: per-domain CPU% and memory, refreshed like
 * xentop.  CPU% is the CPU time a domain used since the previous sample
 * over the wall time between them (100% = one host CPU).  Interactive on
 * a terminal until q or Ctrl-C; `-b -n N` prints N frames and exits.
 */
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

#define TOP_MAX 1024 /* domains remembered between samples */

struct sample {
	long long domid;
	double cpu;
};

struct top {
	struct sample prev[TOP_MAX];
	size_t n_prev;
	double prev_t;
};

static volatile sig_atomic_t stop;

static void on_int(int sig)
{
	(void)sig;
	stop = 1;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double prev_cpu(const struct top *t, long long domid, bool *found)
{
	for (size_t i = 0; i < t->n_prev; i++)
		if (t->prev[i].domid == domid)
			return *found = true, t->prev[i].cpu;
	return *found = false, 0;
}

/* One frame from a "list" reply; remembers the sample for the next one. */
static void frame(const struct cli *c, struct top *t, struct json_object *doms, double now)
{
	struct json_object *rows = json_object_new_array();
	size_t n = json_object_array_length(doms);
	struct sample cur[TOP_MAX];
	size_t k = 0;

	if (!c->json)
		printf("%-24s %5s %-9s %10s %7s %9s %5s\n", "NAME", "ID", "STATE", "CPU(sec)",
		       "CPU(%)", "MEM(MiB)", "VCPUS");
	for (size_t i = 0; i < n; i++) {
		struct json_object *d = json_object_array_get_idx(doms, i), *r;
		long long id = json_object_get_int64(json_object_object_get(d, "domid"));
		double cpu = json_object_get_double(json_object_object_get(d, "cpu_time"));
		bool seen;
		double before = prev_cpu(t, id, &seen), pct = 0;

		if (seen && now > t->prev_t && cpu >= before)
			pct = (cpu - before) / (now - t->prev_t) * 100.0;
		if (k < TOP_MAX)
			cur[k++] = (struct sample){ id, cpu };
		if (!c->json) {
			printf("%-24s %5lld %-9s %10.1f %7.1f %9s %5s\n",
			       json_object_get_string(json_object_object_get(d, "name")), id,
			       json_object_get_string(json_object_object_get(d, "state")), cpu, pct,
			       json_object_get_string(json_object_object_get(d, "memory")),
			       json_object_get_string(json_object_object_get(d, "vcpus")));
			continue;
		}
		r = json_object_new_object();
		json_object_object_add(r, "domid", json_object_new_int64(id));
		cli_copy(r, d, "name");
		cli_copy(r, d, "state");
		json_object_object_add(r, "cpu_time", json_object_new_double(cpu));
		json_object_object_add(r, "cpu_percent", json_object_new_double(pct));
		cli_copy(r, d, "memory");
		cli_copy(r, d, "vcpus");
		json_object_array_add(rows, r);
	}
	if (c->json)
		cli_print_json(rows);
	json_object_put(rows);
	memcpy(t->prev, cur, k * sizeof(*cur));
	t->n_prev = k;
	t->prev_t = now;
	fflush(stdout);
}

/* Take a sample; print it as a frame unless it is the baseline. */
static int sample(const struct cli *c, struct top *t, bool print, bool clear)
{
	struct json_object *reply;
	int rc = cli_request(c, "top", cli_req("list", NULL), &reply);
	double now = now_s();

	if (rc)
		return rc;
	if (clear)
		fputs("\033[H\033[2J", stdout);
	if (print) {
		frame(c, t, json_object_object_get(reply, "domains"), now);
	} else {
		struct json_object *doms = json_object_object_get(reply, "domains");

		t->n_prev = 0;
		for (size_t i = 0; i < json_object_array_length(doms) && i < TOP_MAX; i++) {
			struct json_object *d = json_object_array_get_idx(doms, i);

			t->prev[t->n_prev++] = (struct sample){
				json_object_get_int64(json_object_object_get(d, "domid")),
				json_object_get_double(json_object_object_get(d, "cpu_time")) };
		}
		t->prev_t = now;
	}
	json_object_put(reply);
	return KX_OK;
}

/* Wait up to ms for 'q' on a terminal (true: quit). */
static bool wait_key(int ms, bool interactive)
{
	struct pollfd p = { .fd = 0, .events = POLLIN };
	char ch;

	if (!interactive) {
		struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

		while (nanosleep(&ts, &ts) < 0 && !stop)
			;
		return stop;
	}
	if (poll(&p, 1, ms) > 0 && read(0, &ch, 1) == 1)
		return ch == 'q' || ch == 'Q';
	return stop;
}

int cmd_top(const struct cli *c, int argc, char **argv)
{
	static const struct option lo[] = { { "batch", no_argument, NULL, 'b' },
					    { "iterations", required_argument, NULL, 'n' },
					    { "delay", required_argument, NULL, 'd' }, { 0 } };
	struct top *t = calloc(1, sizeof(*t));
	bool batch = false, tty;
	long iters = -1, delay_ms = 1000;
	struct termios old, raw;
	int opt, rc;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "+bn:i:d:", lo, NULL)) != -1) {
		if (opt == 'b')
			batch = true;
		else if ((opt == 'n' || opt == 'i') && (iters = strtol(optarg, NULL, 10)) > 0)
			continue;
		else if (opt == 'd' && (delay_ms = (long)(atof(optarg) * 1000)) >= 100)
			continue;
		else
			return free(t), fprintf(stderr, "usage: ketch top [-b] [-n N] [-d SEC]\n"),
			       KX_USAGE;
	}
	if (optind != argc || !t)
		return free(t), fprintf(stderr, "usage: ketch top [-b] [-n N] [-d SEC]\n"), KX_USAGE;
	tty = !batch && !c->json && isatty(0) && tcgetattr(0, &old) == 0;
	if (tty) {
		raw = old;
		raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
		tcsetattr(0, TCSANOW, &raw);
	}
	signal(SIGINT, on_int);
	signal(SIGTERM, on_int);
	rc = sample(c, t, false, false);
	for (long i = 0; !rc && (iters < 0 || i < iters); i++) {
		if (wait_key((int)delay_ms, tty))
			break;
		rc = sample(c, t, true, tty);
		if (!rc && !tty && !c->json && (iters < 0 || i + 1 < iters))
			putchar('\n');
	}
	if (tty)
		tcsetattr(0, TCSANOW, &old);
	free(t);
	return rc;
}
