/*
 * ctl_socket.c - the control socket file: make its directory (0700), take
 * over a stale socket nobody answers on, refuse a live one, bind 0600.
 */
#include <stdint.h>
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl_internal.h"
#include "hv.h"

/* mkdir -p of path's parent directory; new directories get mode 0700. */
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

/* 0 if path is free (absent, or a stale socket now removed), else -errno. */
static int claim_path(const struct sockaddr_un *sa)
{
	struct stat st;
	int fd, r;

	if (lstat(sa->sun_path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode))
		return -EEXIST; /* never remove something that is not a socket */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	r = connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) < 0 ? -errno : 0;
	close(fd);
	if (r == 0)
		return -EADDRINUSE; /* a live server answers there */
	if (r != -ECONNREFUSED)
		return r;
	hv_log("control socket %s is stale; replacing it", sa->sun_path);
	return unlink(sa->sun_path) < 0 && errno != ENOENT ? -errno : 0;
}

static int bind_listen(struct ctl_server *srv, const struct sockaddr_un *sa)
{
	struct stat st;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	if (fd < 0)
		return -errno;
	/* The socket inode's mode (minus umask) becomes the file's mode. */
	if (fchmod(fd, 0600) < 0 ||
	    bind(fd, (const struct sockaddr *)sa, sizeof(*sa)) < 0 ||
	    chmod(sa->sun_path, 0600) < 0 || lstat(sa->sun_path, &st) < 0 ||
	    listen(fd, 64) < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	srv->sock_dev = st.st_dev;
	srv->sock_ino = st.st_ino;
	return fd;
}

int ctl_socket_listen(struct ctl_server *srv, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int r;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	r = make_parent(path);
	if (r == 0)
		r = claim_path(&sa);
	if (r == 0)
		r = bind_listen(srv, &sa);
	if (r == -EADDRINUSE)
		hv_log("another ketch-hv already serves %s; not starting", path);
	else if (r < 0)
		hv_log("cannot listen on %s: %s", path, strerror(-r));
	return r;
}

void ctl_socket_unlink(struct ctl_server *srv)
{
	struct stat st;

	if (lstat(srv->path, &st) == 0 && st.st_dev == srv->sock_dev &&
	    st.st_ino == srv->sock_ino)
		unlink(srv->path);
}
