/*
 * Runs a transaction script through Debian's libxenstore against the daemon
 * at XENSTORED_PATH and checks every reply against the one written in the
 * script (Xen's xenstored's replies), so the same script can be run against
 * ketch-xenstored and against the reference daemon.
 *
 * A script line:  <client> <op> <tx> [args...] => <expected reply>
 *   client  a letter: each names its own connection (xs_open), opened on use
 *   op      start | end T|F | read P | write P V | mkdir P | rm P | dir P |
 *           perms P | chmod P PERM...
 *   tx      "tx": inside the client's open transaction, "-": outside
 *   reply   OK, a value, "[a b]" for a directory (sorted), perms "n0,r5",
 *           or an error name (EAGAIN, ENOENT, ...)
 * '#' starts a comment line; "== name" starts a scenario (a title only).
 * Prints "ok <scenario>: <line>" or "FAIL <scenario>: <line>: got <reply>" per step, and
 * with -t FILE writes every reply to FILE (to compare two daemons).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xen/io/xs_wire.h>
#include <xenstore.h>
#include <xenstore_lib.h>

#define MAX_ARGS 8

struct client {
	struct xs_handle *h;
	xs_transaction_t t;
};

static struct client clients[26];

static void errname(char *out, size_t len)
{
	const char *name = "EIO";

	for (size_t i = 0; i < sizeof(xsd_errors) / sizeof(xsd_errors[0]); i++)
		if (xsd_errors[i].errnum == errno)
			name = xsd_errors[i].errstring;
	snprintf(out, len, "%s", name);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Directory listing, sorted (Xen lists in creation order, ketch by name). */
static void do_dir(struct client *c, xs_transaction_t t, const char *p, char *out, size_t len)
{
	unsigned n;
	char **d = xs_directory(c->h, t, p, &n);
	size_t used;

	if (!d) {
		errname(out, len);
		return;
	}
	qsort(d, n, sizeof(*d), cmp_str);
	used = (size_t)snprintf(out, len, "[");
	for (unsigned i = 0; i < n && used < len; i++)
		used += (size_t)snprintf(out + used, len - used, "%s%s", i ? " " : "", d[i]);
	if (used < len)
		snprintf(out + used, len - used, "]");
	free(d);
}

static void do_perms(struct client *c, xs_transaction_t t, const char *p, char *out, size_t len)
{
	unsigned n;
	struct xs_permissions *perms = xs_get_permissions(c->h, t, p, &n);
	size_t used = 0;
	char one[32];

	if (!perms) {
		errname(out, len);
		return;
	}
	out[0] = '\0';
	for (unsigned i = 0; i < n && used < len; i++) {
		snprintf(one, sizeof(one), "%c%u", "nrwb"[perms[i].perms & 3], perms[i].id);
		used += (size_t)snprintf(out + used, len - used, "%s%s", i ? "," : "", one);
	}
	free(perms);
}

static bool do_chmod(struct client *c, xs_transaction_t t, const char *p, char **argv,
		     int argc)
{
	struct xs_permissions perms[MAX_ARGS];

	for (int i = 0; i < argc; i++) {
		if (!xs_strings_to_perms(&perms[i], 1, argv[i])) {
			errno = EINVAL;
			return false;
		}
	}
	return xs_set_permissions(c->h, t, p, perms, (unsigned)argc);
}

static void do_read(struct client *c, xs_transaction_t t, const char *p, char *out, size_t len)
{
	unsigned n;
	char *v = xs_read(c->h, t, p, &n);

	if (!v) {
		errname(out, len);
		return;
	}
	snprintf(out, len, "%s", v);
	free(v);
}

static void ack(bool ok, char *out, size_t len)
{
	if (ok)
		snprintf(out, len, "OK");
	else
		errname(out, len);
}

static void do_start(struct client *c, char *out, size_t len)
{
	c->t = xs_transaction_start(c->h);
	ack(c->t != XBT_NULL, out, len);
}

static void do_end(struct client *c, const char *how, char *out, size_t len)
{
	ack(xs_transaction_end(c->h, c->t, strcmp(how, "T") != 0), out, len);
	c->t = XBT_NULL;
}

/* Runs one step; the reply goes to out. */
static int run_op(struct client *c, char **argv, int argc, char *out, size_t len)
{
	const char *op = argv[0];
	xs_transaction_t t = argc > 1 && !strcmp(argv[1], "tx") ? c->t : XBT_NULL;
	const char *p = argc > 2 ? argv[2] : "";

	errno = 0;
	if (!strcmp(op, "start"))
		do_start(c, out, len);
	else if (!strcmp(op, "end") && argc == 2)
		do_end(c, argv[1], out, len);
	else if (!strcmp(op, "read") && argc == 3)
		do_read(c, t, p, out, len);
	else if (!strcmp(op, "write") && argc == 4)
		ack(xs_write(c->h, t, p, argv[3], (unsigned)strlen(argv[3])), out, len);
	else if (!strcmp(op, "mkdir") && argc == 3)
		ack(xs_mkdir(c->h, t, p), out, len);
	else if (!strcmp(op, "rm") && argc == 3)
		ack(xs_rm(c->h, t, p), out, len);
	else if (!strcmp(op, "dir") && argc == 3)
		do_dir(c, t, p, out, len);
	else if (!strcmp(op, "perms") && argc == 3)
		do_perms(c, t, p, out, len);
	else if (!strcmp(op, "chmod") && argc > 3)
		ack(do_chmod(c, t, p, argv + 3, argc - 3), out, len);
	else
		return -1;
	return 0;
}

static struct client *client(const char *name)
{
	struct client *c;

	if (strlen(name) != 1 || name[0] < 'A' || name[0] > 'Z')
		return NULL;
	c = &clients[name[0] - 'A'];
	if (!c->h)
		c->h = xs_open(0);
	return c->h ? c : NULL;
}

/* Splits "A op tx args... => expected"; returns argc (client excluded) or -1. */
static int parse(char *line, char **who, char **argv, char **want)
{
	char *arrow = strstr(line, " => ");
	int argc = 0;

	if (!arrow)
		return -1;
	*arrow = '\0';
	*want = arrow + 4;
	*who = strtok(line, " ");
	while (argc < MAX_ARGS && (argv[argc] = strtok(NULL, " ")))
		argc++;
	return *who && argc ? argc : -1;
}

static int run_line(const char *scenario, char *line, int n, FILE *transcript)
{
	char copy[1024], got[4096], *who, *argv[MAX_ARGS + 1], *want;
	struct client *c;
	int argc;

	snprintf(copy, sizeof(copy), "%s", line);
	argc = parse(line, &who, argv, &want);
	c = argc > 0 ? client(who) : NULL;
	if (!c || run_op(c, argv, argc, got, sizeof(got))) {
		printf("FAIL %s: %s: cannot run this step\n", scenario, copy);
		return 1;
	}
	if (transcript)
		fprintf(transcript, "%d %s\n", n, got);
	if (strcmp(got, want)) {
		printf("FAIL %s: %s: got %s\n", scenario, copy, got);
		return 1;
	}
	printf("ok %s: %s\n", scenario, copy);
	return 0;
}

int main(int argc, char **argv)
{
	FILE *transcript = NULL;
	char line[1024], scenario[1024] = "";
	int n = 0, failed = 0;

	if (argc == 3 && !strcmp(argv[1], "-t"))
		transcript = fopen(argv[2], "w");
	else if (argc != 1) {
		fprintf(stderr, "usage: xs_txscript [-t TRANSCRIPT] < SCRIPT\n");
		return 2;
	}
	while (fgets(line, sizeof(line), stdin)) {
		line[strcspn(line, "\n")] = '\0';
		if (!strncmp(line, "== ", 3))
			snprintf(scenario, sizeof(scenario), "%s", line + 3);
		if (line[0] == '\0' || line[0] == '#' || !strncmp(line, "==", 2))
			continue;
		failed += run_line(scenario, line, ++n, transcript);
	}
	if (transcript)
		fclose(transcript);
	return failed ? 1 : 0;
}
