/*
 * config_image.c - can a disk's image be served as its config says?  The
 * format given (or, when none is, the one its header shows) must match
 * the header: a file that looks like another format is never served raw,
 * and never as a format it is not.  A qcow2 image's backing chain is
 * followed to its end, each file probed the same way, so QEMU opens
 * nothing whose format it would have to guess (docs/block.md).
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"

/* One file of the chain: what it is, and for messages what it is called. */
struct link {
	const struct kd_disk *d;
	unsigned int index;
	char path[4096];
	struct kd_chain *chain; /* NULL: not wanted */
};

/* "disk N (vdev): " and fmt, whose first %s is the file ("backing file
 * PATH" past the first link); -e. */
static int fail(const struct link *l, struct kd_error *err, int e, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(const struct link *l, struct kd_error *err, int e, const char *fmt, ...)
{
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	kd_error_set(err, "invalid_config", "disks", "disk %u (%s): %s", l->index, l->d->vdev,
		     what);
	return -e;
}

/* The file as messages name it: its path, "backing file PATH" past the first. */
static void file(const struct link *l, char *buf, size_t n)
{
	snprintf(buf, n, "%s%s", strcmp(l->path, l->d->target) ? "backing file " : "", l->path);
}

/* Read the head of l->path into buf; its length or -errno (err set). */
static ssize_t read_head(const struct link *l, unsigned char *buf, struct kd_error *err)
{
	int fd = open(l->path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK), e;
	char f[4200];
	struct stat st;
	ssize_t n;

	file(l, f, sizeof(f));
	if (fd < 0)
		return e = errno, fail(l, err, e, "cannot open %s: %s", f, strerror(e));
	if (fstat(fd, &st) < 0 || !(S_ISREG(st.st_mode) || S_ISBLK(st.st_mode))) {
		close(fd);
		return fail(l, err, EINVAL, "%s is not a regular file or a block device", f);
	}
	n = pread(fd, buf, KD_PROBE_BYTES, 0);
	e = errno;
	close(fd);
	if (n < 0)
		return fail(l, err, e, "cannot read %s: %s", f, strerror(e));
	return n;
}

/* The backing file's path: as recorded if absolute, else beside the overlay. */
static int backing_path(struct link *l, const char *backing)
{
	char dir[4096];
	int n;

	if (backing[0] == '/')
		n = snprintf(l->path, sizeof(l->path), "%s", backing);
	else {
		snprintf(dir, sizeof(dir), "%s", l->path);
		n = snprintf(l->path, sizeof(l->path), "%s/%s", dirname(dir), backing);
	}
	return n > 0 && (size_t)n < sizeof(l->path) ? 0 : -ENAMETOOLONG;
}

/*
 * Probe l->path, which must be a want image (KD_FMT_AUTO: any served
 * format), and then its backing chain; depth counts the files followed.
 */
static int check_chain(struct link *l, enum kd_fmt want, enum kd_fmt *got, int depth,
		       struct kd_error *err)
{
	unsigned char *head = calloc(1, KD_PROBE_BYTES);
	char f[4200];
	struct kd_probe p;
	const char *why;
	ssize_t n;
	int r;

	if (!head)
		return kd_error_set(err, "internal", "disks", "out of memory");
	n = read_head(l, head, err);
	r = n < 0 ? (int)n : kd_image_probe(head, (size_t)n, &p, &why);
	free(head);
	if (n < 0)
		return r;
	file(l, f, sizeof(f));
	if (want != KD_FMT_AUTO && p.fmt != want)
		return fail(l, err, EINVAL, "%s holds a %s image, not %s", f, kd_fmt_name(p.fmt),
			    want == KD_FMT_RAW ? "raw; a raw view would give the guest the "
					         "container" : kd_fmt_name(want));
	if (r)
		return fail(l, err, EINVAL, "%s: %s", f, why);
	if (p.fmt != KD_FMT_RAW && !kd_fmt_served_by_nbd(p.fmt))
		return fail(l, err, EINVAL, "%s holds a %s image, which is not served%s", f,
			    kd_fmt_name(p.fmt), p.fmt == KD_FMT_VMDK_DESC ? " (it names other "
			    "files; convert it to a monolithic VMDK or qcow2)" : "");
	if (got)
		*got = p.fmt;
	if (!p.backing[0])
		return 0;
	if (depth + 1 >= KD_CHAIN_MAX)
		return fail(l, err, ELOOP, "%s: the backing chain is longer than %d files", f,
			    KD_CHAIN_MAX);
	if (backing_path(l, p.backing))
		return fail(l, err, ENAMETOOLONG, "%s: the backing file's path is too long", f);
	if (l->chain && !(l->chain->path[l->chain->n++] = strdup(l->path)))
		return kd_error_set(err, "internal", "disks", "out of memory");
	return check_chain(l, p.backing_fmt, NULL, depth + 1, err);
}

int kd_disk_check_image(const struct kd_disk *d, unsigned int index, enum kd_fmt *fmt,
			struct kd_error *err)
{
	return kd_disk_check_chain(d, index, fmt, NULL, err);
}

void kd_chain_free(struct kd_chain *chain)
{
	while (chain->n)
		free(chain->path[--chain->n]);
}

int kd_disk_check_chain(const struct kd_disk *d, unsigned int index, enum kd_fmt *fmt,
			struct kd_chain *chain, struct kd_error *err)
{
	struct link l = { .d = d, .index = index, .chain = chain };
	enum kd_fmt got = KD_FMT_RAW;
	int r;

	snprintf(l.path, sizeof(l.path), "%s", d->target);
	r = check_chain(&l, d->format, &got, 0, err);
	if (!r && fmt)
		*fmt = got;
	return r;
}
