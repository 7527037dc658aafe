/*
 * cmd_create.c - `ketch create [-c] [-p] CONFIG`: read a JSON or xl.cfg
 * file (xl.cfg through libxlutil), make relative paths (disk targets too)
 * absolute against the current directory (ketchd has no idea of yours),
 * send it to ketchd.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../ketchd/config.h"
#include "cli.h"

static char *slurp(const char *path, size_t *len)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	char *buf = NULL;
	size_t cap = 0;

	*len = 0;
	if (!f)
		return NULL;
	for (size_t n = 1; n > 0 && *len < (1u << 20);) {
		if (*len + 4096 + 1 > cap) {
			char *p = realloc(buf, cap = *len + 65536);

			if (!p)
				break;
			buf = p;
		}
		n = fread(buf + *len, 1, 4096, f);
		*len += n;
	}
	if (buf)
		buf[*len] = '\0';
	if (f != stdin)
		fclose(f);
	return buf;
}

static void absolutize_key(struct json_object *cfg, const char *key, const char *cwd)
{
	struct json_object *v = json_object_object_get(cfg, key);
	const char *s = json_object_get_string(v);
	char *abs;

	if (!json_object_is_type(v, json_type_string) || !*s || *s == '/')
		return;
	if (asprintf(&abs, "%s/%s", cwd, s) < 0)
		return;
	json_object_object_add(cfg, key, json_object_new_string(abs));
	free(abs);
}

/* kernel, ramdisk, console_log and each disk's target. */
static void absolutize(struct json_object *cfg)
{
	static const char *const keys[] = { "kernel", "ramdisk", "console_log" };
	struct json_object *disks = json_object_object_get(cfg, "disks");
	char cwd[PATH_MAX];

	if (!getcwd(cwd, sizeof(cwd)))
		return;
	for (size_t i = 0; i < 3; i++)
		absolutize_key(cfg, keys[i], cwd);
	for (size_t i = 0; json_object_is_type(disks, json_type_array) &&
			   i < json_object_array_length(disks); i++) {
		struct json_object *d = json_object_array_get_idx(disks, i);

		if (json_object_is_type(d, json_type_object))
			absolutize_key(d, "target", cwd);
	}
}

/* The config object from a file: JSON when it starts with '{', else xl.cfg. */
static struct json_object *load(const char *path)
{
	size_t len;
	char *text = slurp(path, &len);
	const char *p = text;
	struct json_object *o = NULL;
	struct kd_error err = { 0 };
	enum json_tokener_error jerr;

	if (!text) {
		fprintf(stderr, "ketch: create: cannot read %s: %s\n", path, strerror(errno));
		return NULL;
	}
	while (p && (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r'))
		p++;
	if (*p == '{') {
		o = json_tokener_parse_verbose(p, &jerr);
		if (!o)
			fprintf(stderr, "ketch: create: %s: not valid JSON: %s\n", path,
				json_tokener_error_desc(jerr));
	} else if (!(o = kd_config_xl_to_json(text, len, path, &err))) {
		fprintf(stderr, "ketch: create: %s\n", err.message);
	}
	free(text);
	if (o && json_object_is_type(o, json_type_object))
		absolutize(o);
	return o;
}

int cmd_create(const struct cli *c, int argc, char **argv)
{
	bool console = false, paused = false;
	struct json_object *cfg, *req, *reply;
	int opt, rc;

	optind = 1;
	while ((opt = getopt(argc, argv, "+cp")) != -1) {
		if (opt == 'c')
			console = true;
		else if (opt == 'p')
			paused = true;
		else
			return KX_USAGE;
	}
	if (optind != argc - 1)
		return fprintf(stderr, "usage: ketch create [-c] [-p] CONFIG\n"), KX_USAGE;
	if (!(cfg = load(argv[optind])))
		return KX_BAD_CONFIG;
	req = cli_req("create", NULL);
	json_object_object_add(req, "config", cfg);
	json_object_object_add(req, "paused", json_object_new_boolean(paused || console));
	rc = cli_request(c, "create", req, &reply);
	if (rc)
		return rc;
	if (c->json)
		cli_print_json(reply);
	else
		printf("Created domain %s (id %s)\n",
		       json_object_get_string(json_object_object_get(reply, "name")),
		       json_object_get_string(json_object_object_get(reply, "domid")));
	fflush(stdout);
	if (console) {
		char id[16];

		snprintf(id, sizeof(id), "%s", json_object_get_string(json_object_object_get(reply, "domid")));
		json_object_put(reply);
		return cli_console_attach(c, id, !paused);
	}
	json_object_put(reply);
	return KX_OK;
}
