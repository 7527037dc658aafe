/*
 * client.c - ketch's side of ketchd's socket: connect, one JSON line out,
 * one JSON line back, and the mapping of API error codes to exit codes.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "cli.h"

int cli_connect(const struct cli *c, struct kconn *k)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };

	k->in = NULL;
	k->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (strlen(c->socket) >= sizeof(a.sun_path) || k->fd < 0) {
		fprintf(stderr, "ketch: bad socket path %s\n", c->socket);
		return KX_NO_DAEMON;
	}
	strcpy(a.sun_path, c->socket);
	if (connect(k->fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		fprintf(stderr, "ketch: cannot reach ketchd at %s: %s (is ketchd running? "
			"--socket or KETCH_SOCKET selects another)\n", c->socket, strerror(errno));
		close(k->fd);
		return KX_NO_DAEMON;
	}
	k->in = fdopen(dup(k->fd), "r");
	return k->in ? KX_OK : KX_NO_DAEMON;
}

void cli_close(struct kconn *k)
{
	if (k->in)
		fclose(k->in);
	if (k->fd >= 0)
		close(k->fd);
	k->in = NULL;
	k->fd = -1;
}

struct json_object *cli_read(struct kconn *k)
{
	char *line = NULL;
	size_t cap = 0;
	struct json_object *o = NULL;

	if (getline(&line, &cap, k->in) > 0)
		o = json_tokener_parse(line);
	free(line);
	return o;
}

int cli_call(struct kconn *k, struct json_object *req, struct json_object **reply)
{
	size_t len;
	const char *s = json_object_to_json_string_length(req, JSON_C_TO_STRING_PLAIN, &len);
	char *buf = malloc(len + 1);
	size_t off = 0;

	if (buf) {
		memcpy(buf, s, len);
		buf[len++] = '\n';
	}
	while (buf && off < len) {
		ssize_t n = send(k->fd, buf + off, len - off, MSG_NOSIGNAL);

		if (n <= 0)
			break;
		off += (size_t)n;
	}
	free(buf);
	json_object_put(req);
	*reply = off == len ? cli_read(k) : NULL;
	if (!*reply) {
		fprintf(stderr, "ketch: ketchd closed the connection without a reply\n");
		return KX_NO_DAEMON;
	}
	return KX_OK;
}

int cli_exit_for(const char *code)
{
	static const struct { const char *code; int rc; } map[] = {
		{ "no_such_domain", KX_NO_DOMAIN }, { "invalid_config", KX_BAD_CONFIG },
		{ "unknown_field", KX_BAD_CONFIG }, { "duplicate_name", KX_BAD_CONFIG },
		{ "duplicate_uuid", KX_BAD_CONFIG }, { "already_paused", KX_WRONG_STATE },
		{ "already_running", KX_WRONG_STATE }, { "domain_stopped", KX_WRONG_STATE },
		{ "disk_in_use", KX_BAD_CONFIG }, { "duplicate_vdev", KX_BAD_CONFIG },
		{ "duplicate_vif", KX_BAD_CONFIG },
		{ "no_such_device", KX_NO_DOMAIN }, { "busy", KX_WRONG_STATE },
		{ "invalid_save", KX_BAD_CONFIG }, { "timeout", KX_TIMEOUT },
		{ "overlay_exists", KX_BAD_CONFIG },
	};

	for (size_t i = 0; code && i < sizeof(map) / sizeof(*map); i++)
		if (!strcmp(map[i].code, code))
			return map[i].rc;
	return KX_FAILED;
}

void cli_print_json(struct json_object *o)
{
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
						       JSON_C_TO_STRING_NOSLASHESCAPE));
}

void cli_copy(struct json_object *to, struct json_object *from, const char *key)
{
	struct json_object *v;

	if (json_object_object_get_ex(from, key, &v))
		json_object_object_add(to, key, json_object_get(v));
}

struct json_object *cli_req(const char *op, const char *dom)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "op", json_object_new_string(op));
	if (dom)
		json_object_object_add(o, "domain", json_object_new_string(dom));
	return o;
}

int cli_request(const struct cli *c, const char *cmd, struct json_object *req,
		struct json_object **reply)
{
	struct kconn k;
	struct json_object *e;
	int rc = cli_connect(c, &k);

	*reply = NULL;
	if (rc) {
		json_object_put(req);
		return rc;
	}
	rc = cli_call(&k, req, reply);
	cli_close(&k);
	if (rc)
		return rc;
	if (json_object_get_boolean(json_object_object_get(*reply, "ok")))
		return KX_OK;
	e = json_object_object_get(*reply, "error");
	rc = cli_exit_for(json_object_get_string(json_object_object_get(e, "code")));
	if (c->json)
		cli_print_json(*reply);
	else
		fprintf(stderr, "ketch: %s: %s\n", cmd,
			json_object_get_string(json_object_object_get(e, "message")));
	json_object_put(*reply);
	*reply = NULL;
	return rc;
}

int cli_request_print(const struct cli *c, const char *cmd, struct json_object *req)
{
	struct json_object *reply;
	int rc = cli_request(c, cmd, req, &reply);

	if (rc)
		return rc;
	if (c->json)
		cli_print_json(reply);
	json_object_put(reply);
	return KX_OK;
}

long cli_num(struct json_object *o, const char *key)
{
	return (long)json_object_get_int64(json_object_object_get(o, key));
}

const char *cli_str(struct json_object *o, const char *key)
{
	return json_object_get_string(json_object_object_get(o, key));
}
