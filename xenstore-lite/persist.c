/* Optional persistence: the tree saved on clean shutdown, loaded at start. */
#include "persist.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "path.h"

/*
 * Format, one record per node in depth-first order (parents first):
 *   <path>\n<nperms>[ <perm>]*\n<value length>\n<value bytes>\n
 * Paths and permission strings never contain spaces or newlines.
 */
static int save_node(FILE *f, char *path, size_t len, const struct xs_node *n)
{
	char p[16];

	fprintf(f, "%s\n%u", len ? path : "/", n->nperms);
	for (uint32_t i = 0; i < n->nperms; i++) {
		xs_perms_format(&n->perms[i], p, sizeof(p));
		fprintf(f, " %s", p);
	}
	fprintf(f, "\n%u\n", n->vlen);
	fwrite(n->value, 1, n->vlen, f);
	fputc('\n', f);
	for (uint32_t i = 0; i < n->nkids; i++) {
		size_t k = strlen(n->kids[i]->name);

		if (len + 1 + k >= XS_PATH_BUF)
			return -EINVAL;
		path[len] = '/';
		memcpy(path + len + 1, n->kids[i]->name, k + 1);
		if (save_node(f, path, len + 1 + k, n->kids[i]))
			return -EINVAL;
		path[len] = '\0';
	}
	return 0;
}

/* A new file, 0600 whatever the umask (the tree holds every guest's data),
 * never opened through a link or a file somebody left there. */
static FILE *create_private(const char *path)
{
	int fd;
	FILE *f;

	if (unlink(path) < 0 && errno != ENOENT)
		return NULL;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return NULL;
	if (fchmod(fd, 0600) < 0 || !(f = fdopen(fd, "w"))) {
		close(fd);
		return NULL;
	}
	return f;
}

int xs_persist_save(struct xs_store *st, const char *path)
{
	char tmp[4096], buf[XS_PATH_BUF] = "";
	FILE *f;
	int r;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = create_private(tmp);
	if (!f)
		return -errno;
	r = save_node(f, buf, 0, st->root);
	if (fflush(f) || ferror(f))
		r = -EIO;
	if (fclose(f) && !r)
		r = -EIO;
	if (!r && rename(tmp, path) < 0)
		r = -errno;
	return r;
}

/* Reads one record and applies it; 1 when done, 0 at EOF, <0 on error. */
static int load_one(struct xs_store *st, FILE *f, char *value)
{
	const struct xs_caller dom0 = {.priv = true};
	struct xs_view v = xs_store_live(st);
	char raw[XS_PATH_BUF], path[XS_PATH_BUF], ps[16];
	struct xs_perm perms[64];
	unsigned np, vlen;
	bool rel;
	int r;

	if (!fgets(raw, sizeof(raw), f))
		return 0;
	raw[strcspn(raw, "\n")] = '\0';
	if (xs_path_canon(&dom0, raw, false, path, &rel) || rel)
		return -EINVAL;
	if (fscanf(f, "%u", &np) != 1 || np == 0 || np > 64)
		return -EINVAL;
	for (unsigned i = 0; i < np; i++)
		if (fscanf(f, " %15s", ps) != 1 || xs_perms_parse(ps, &perms[i]))
			return -EINVAL;
	if (fscanf(f, "\n%u", &vlen) != 1 || vlen > 65536 || fgetc(f) != '\n')
		return -EINVAL;
	if (fread(value, 1, vlen, f) != vlen || fgetc(f) != '\n')
		return -EINVAL;
	if (strcmp(path, "/") && (r = xs_store_write(st, &v, &dom0, path, value, vlen)))
		return r;
	return (r = xs_store_set_perms(st, &v, &dom0, path, perms, np)) ? r : 1;
}

int xs_persist_load(struct xs_store *st, const char *path)
{
	FILE *f = fopen(path, "r");
	char *value = malloc(65536);
	int r = value ? 1 : -ENOMEM;

	if (!f) {
		free(value);
		return -errno;
	}
	while (r == 1)
		r = load_one(st, f, value);
	fclose(f);
	free(value);
	return r;
}
