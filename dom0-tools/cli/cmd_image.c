/*
 * cmd_image.c - disk images on the host, without ketchd: `image info`
 * (format, virtual size, backing chain, and whether ketchd would serve
 * it) and `image clone` (a qcow2 overlay on a base image, so many domains
 * boot from one base).  The facts come from Debian's qemu-img, asked in
 * JSON; the format it is told to use is always the one ketchd's own probe
 * found (config_image.c), so qemu-img never guesses a format either.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../ketchd/config.h"
#include "cli.h"

/* Run qemu-img with argv; its stdout in *out (malloc'd, NUL-ended), its
 * stderr passed through.  Its exit status, or -1 if it could not run. */
static int qemu_img(const char *const *argv, char **out)
{
	size_t len = 0, cap = 4096;
	int p[2], status;
	char *buf = malloc(cap);
	ssize_t n;
	pid_t pid;

	if (!buf || pipe2(p, O_CLOEXEC) < 0)
		return free(buf), -1;
	if ((pid = fork()) == 0) {
		dup2(p[1], 1);
		execvp("qemu-img", (char *const *)argv);
		fprintf(stderr, "ketch: cannot run qemu-img: %s\n", strerror(errno));
		_exit(127);
	}
	close(p[1]);
	while (pid > 0 && (n = read(p[0], buf + len, cap - len - 1)) > 0)
		if ((len += (size_t)n) == cap - 1) {
			char *more = realloc(buf, cap *= 2);

			if (!more)
				break;
			buf = more;
		}
	close(p[0]);
	buf[len] = '\0';
	*out = buf;
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* The format ketchd would serve path as; false (err said) if it refuses. */
static bool served_as(const char *path, enum kd_fmt *fmt, struct kd_error *err)
{
	struct kd_disk d = { .target = (char *)path, .vdev = "image", .format = KD_FMT_AUTO };

	return kd_disk_check_image(&d, 0, fmt, err) == 0;
}

/* "disk 0 (image): " off ketchd's message: here there is no disk. */
static const char *reason(const struct kd_error *err)
{
	const char *s = strstr(err->message, "(image): ");

	return s ? s + 9 : err->message;
}

static void print_info(const char *path, struct json_object *chain)
{
	struct json_object *top = json_object_array_get_idx(chain, 0);

	printf("image: %s\nformat: %s\nvirtual size: %ld\ndisk size: %ld\n", path,
	       cli_str(top, "format"), cli_num(top, "virtual-size"), cli_num(top, "actual-size"));
	if (json_object_array_length(chain) > 1)
		printf("backing chain:\n");
	for (size_t i = 1; i < json_object_array_length(chain); i++) {
		struct json_object *b = json_object_array_get_idx(chain, i);

		printf("  %s (%s)\n", cli_str(b, "filename"), cli_str(b, "format"));
	}
}

/* qemu-img's chain (one object per file, the image first) as ours. */
static struct json_object *info_json(const char *path, struct json_object *chain)
{
	struct json_object *o = json_object_new_object(), *bc = json_object_new_array();
	struct json_object *top = json_object_array_get_idx(chain, 0);

	json_object_object_add(o, "image", json_object_new_string(path));
	cli_copy(o, top, "format");
	json_object_object_add(o, "virtual_size", json_object_new_int64(cli_num(top, "virtual-size")));
	json_object_object_add(o, "actual_size", json_object_new_int64(cli_num(top, "actual-size")));
	for (size_t i = 1; i < json_object_array_length(chain); i++) {
		struct json_object *b = json_object_array_get_idx(chain, i), *e = json_object_new_object();

		cli_copy(e, b, "filename");
		cli_copy(e, b, "format");
		json_object_array_add(bc, e);
	}
	json_object_object_add(o, "backing_chain", bc);
	return o;
}

/* qemu-img's answer: an array (--backing-chain) of image objects. */
static struct json_object *parse_chain(const char *out)
{
	struct json_object *top = json_tokener_parse(out), *chain = NULL;

	if (json_object_is_type(top, json_type_array) && json_object_array_length(top) > 0 &&
	    json_object_is_type(json_object_array_get_idx(top, 0), json_type_object))
		chain = json_object_get(top);
	json_object_put(top);
	return chain;
}

/* An image ketchd would refuse is not described: the refusal is the answer. */
static int image_info(const struct cli *c, const char *path)
{
	struct kd_error err = { 0 };
	enum kd_fmt fmt;
	struct json_object *chain;
	char *out = NULL;
	int rc;

	if (!served_as(path, &fmt, &err))
		return fprintf(stderr, "ketch: image info: %s\n", reason(&err)), KX_BAD_CONFIG;
	{
		const char *argv[] = { "qemu-img", "info", "--output=json", "--backing-chain", "-U",
				       "-f", kd_fmt_qemu_driver(fmt) ? kd_fmt_qemu_driver(fmt) : "raw",
				       path, NULL };

		rc = qemu_img(argv, &out);
	}
	chain = rc == 0 ? parse_chain(out) : NULL;
	free(out);
	if (!chain)
		return fprintf(stderr, "ketch: image info: qemu-img %s\n", rc ? "failed" :
			       "gave no image description"), KX_FAILED;
	if (c->json) {
		struct json_object *o = info_json(path, chain);

		cli_print_json(o);
		json_object_put(o);
	} else {
		print_info(path, chain);
	}
	json_object_put(chain);
	return KX_OK;
}

/* A qcow2 overlay new on base: base opened read-only through it, its
 * format recorded (-F) so nothing ever guesses it. */
static int image_clone(const char *base, const char *new)
{
	struct kd_error err = { 0 };
	enum kd_fmt fmt;
	char abs[PATH_MAX], *out = NULL;
	struct stat st;
	int rc;

	if (!realpath(base, abs))
		return fprintf(stderr, "ketch: image clone: %s: %s\n", base, strerror(errno)),
		       KX_FAILED;
	if (!served_as(abs, &fmt, &err))
		return fprintf(stderr, "ketch: image clone: %s\n", reason(&err)), KX_BAD_CONFIG;
	if (lstat(new, &st) == 0 || errno != ENOENT)
		return fprintf(stderr, "ketch: image clone: %s already exists; not overwritten\n",
			       new), KX_FAILED;
	{
		const char *argv[] = { "qemu-img", "create", "-q", "-f", "qcow2", "-b", abs, "-F",
				       kd_fmt_qemu_driver(fmt) ? kd_fmt_qemu_driver(fmt) : "raw",
				       new, NULL };

		rc = qemu_img(argv, &out);
	}
	free(out);
	if (rc != 0)
		return fprintf(stderr, "ketch: image clone: qemu-img create failed (status %d)\n",
			       rc), KX_FAILED;
	return KX_OK;
}

int cmd_image(const struct cli *c, int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "info"))
		return image_info(c, argv[2]);
	if (argc == 4 && !strcmp(argv[1], "clone"))
		return image_clone(argv[2], argv[3]);
	fprintf(stderr, "usage: ketch image info FILE | ketch image clone BASE NEW\n");
	return KX_USAGE;
}
