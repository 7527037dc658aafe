/*
 * private_socket.c - a daemon's listening socket file and who may use it
 * (include/ketch/private_socket.h).
 */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "ketch/private_socket.h"

/* mkdir -p of path's parent; directories it creates are 0700. */
static int make_parent(const char *path)
{
	char dir[PATH_MAX];
	size_t n = strlen(path);

	if (n >= sizeof(dir))
		return -ENAMETOOLONG;
	memcpy(dir, path, n + 1);
	for (char *p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0700) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	return 0;
}

/* 0 if the path is free (absent, or a stale socket now removed), else -errno. */
static int claim_path(const struct sockaddr_un *sa, bool *stale)
{
	struct stat st;
	int fd, r;

	if (lstat(sa->sun_path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode))
		return -EEXIST; /* never remove what is not a socket */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	r = connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) < 0 ? -errno : 0;
	close(fd);
	if (r == 0)
		return -EADDRINUSE; /* another daemon answers there */
	if (r != -ECONNREFUSED)
		return r;
	*stale = true;
	return unlink(sa->sun_path) < 0 && errno != ENOENT ? -errno : 0;
}

static int bind_listen(const struct sockaddr_un *sa, int backlog, struct kps_file *f)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	struct stat st;
	mode_t old;
	int r;

	if (fd < 0)
		return -errno;
	old = umask(0177); /* born 0600: no window in which others may connect */
	r = bind(fd, (const struct sockaddr *)sa, sizeof(*sa));
	umask(old);
	if (r < 0 || lstat(sa->sun_path, &st) < 0 || listen(fd, backlog) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	return fd;
}

int kps_listen(const char *path, int backlog, struct kps_file *f, bool *stale)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int r;

	*stale = false;
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	r = make_parent(path);
	if (r == 0)
		r = claim_path(&sa, stale);
	return r < 0 ? r : bind_listen(&sa, backlog, f);
}

void kps_unlink(const char *path, const struct kps_file *f)
{
	struct stat st;

	if (lstat(path, &st) == 0 && st.st_dev == f->dev && st.st_ino == f->ino)
		unlink(path);
}

int kps_peer_check(int fd, struct ucred *cr)
{
	socklen_t len = sizeof(*cr);

	memset(cr, 0, sizeof(*cr));
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, cr, &len) < 0)
		return -errno;
	return cr->uid == 0 || cr->uid == geteuid() ? 0 : -EACCES;
}
