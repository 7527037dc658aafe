/*
 * cmd_console.c - `ketch console DOMAIN`: after ketchd's reply line the
 * connection carries the guest's console both ways as raw bytes.  On a
 * terminal, input is raw and Ctrl-] detaches; the command ends when the
 * domain goes away (ketchd closes the stream).
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cli.h"

#define CTRL_RBRACKET 0x1d

/* The reply line, read a byte at a time so no console bytes are buffered. */
static struct json_object *read_reply(int fd)
{
	char line[4096];
	size_t n = 0;

	while (n < sizeof(line) - 1 && read(fd, &line[n], 1) == 1 && line[n] != '\n')
		n++;
	line[n] = '\0';
	return n ? json_tokener_parse(line) : NULL;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Copy both ways until Ctrl-] on a terminal or the stream ends. */
static void relay(int fd, bool tty)
{
	struct pollfd p[2] = { { fd, POLLIN, 0 }, { 0, POLLIN, 0 } };
	char buf[4096];
	int np = 2;

	while (poll(p, np, -1) > 0) {
		if (p[0].revents) {
			ssize_t n = read(fd, buf, sizeof(buf));

			if (n <= 0 || write_all(1, buf, (size_t)n) < 0)
				return;
		}
		if (np == 2 && p[1].revents) {
			ssize_t n = read(0, buf, sizeof(buf));
			char *esc = n > 0 && tty ? memchr(buf, CTRL_RBRACKET, (size_t)n) : NULL;

			if (n <= 0) {
				np = 1; /* input ended: keep showing output */
				continue;
			}
			if (write_all(fd, buf, esc ? (size_t)(esc - buf) : (size_t)n) < 0 || esc)
				return;
		}
	}
}

int cli_console_attach(const struct cli *c, const char *dom, bool unpause)
{
	struct json_object *req = cli_req("console", dom), *reply;
	const char *s;
	struct kconn k;
	struct termios saved, raw;
	bool tty = isatty(0) && tcgetattr(0, &saved) == 0;
	int rc = cli_connect(c, &k);

	if (rc)
		return json_object_put(req), rc;
	s = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN);
	if (write_all(k.fd, s, strlen(s)) < 0 || write_all(k.fd, "\n", 1) < 0 ||
	    !(reply = read_reply(k.fd))) {
		fprintf(stderr, "ketch: console: ketchd closed the connection\n");
		return json_object_put(req), cli_close(&k), KX_NO_DAEMON;
	}
	json_object_put(req);
	if (!json_object_get_boolean(json_object_object_get(reply, "ok"))) {
		struct json_object *e = json_object_object_get(reply, "error");

		fprintf(stderr, "ketch: console: %s\n",
			json_object_get_string(json_object_object_get(e, "message")));
		rc = cli_exit_for(json_object_get_string(json_object_object_get(e, "code")));
		return json_object_put(reply), cli_close(&k), rc;
	}
	json_object_put(reply);
	if (unpause && (rc = cli_request(c, "unpause", cli_req("unpause", dom), &reply)) == 0)
		json_object_put(reply);
	if (tty) {
		raw = saved;
		cfmakeraw(&raw);
		tcsetattr(0, TCSANOW, &raw);
	}
	relay(k.fd, tty);
	if (tty)
		tcsetattr(0, TCSANOW, &saved);
	cli_close(&k);
	return rc;
}

int cmd_console(const struct cli *c, int argc, char **argv)
{
	if (argc != 2)
		return fprintf(stderr, "usage: ketch console DOMAIN\n"), KX_USAGE;
	return cli_console_attach(c, argv[1], false);
}
