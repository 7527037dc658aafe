/*
 * private_socket.h - the listening Unix socket of a control-domain daemon
 * (ketch-hv's control socket, ketch-xenstored's socket): a private
 * directory, a socket file that is never more open than 0600, a stale
 * socket left by a crash taken over, a live one never stolen, and a peer
 * credential check.  Written once, used by every daemon.
 */
#ifndef KETCH_PRIVATE_SOCKET_H
#define KETCH_PRIVATE_SOCKET_H

#include <stdbool.h>
#include <sys/socket.h>
#include <sys/types.h>

/* Which file was bound, so only that one is removed at exit. */
struct kps_file {
	dev_t dev;
	ino_t ino;
};

/*
 * Binds and listens on a Unix socket at path (non-blocking, close-on-exec).
 * Missing parent directories are created 0700; an existing socket nobody
 * answers on is replaced (*stale set true), a live one (-EADDRINUSE) or
 * anything that is not a socket (-EEXIST) is left alone; the file is
 * created 0600 (umask held around bind, so it is never more open, not
 * even briefly).  Returns the fd or -errno.
 */
int kps_listen(const char *path, int backlog, struct kps_file *f, bool *stale);

/* Removes path if it is still the socket kps_listen bound. */
void kps_unlink(const char *path, const struct kps_file *f);

/*
 * The peer of a connected socket: 0 when it is root or runs as this
 * process's effective uid, -EACCES otherwise, -errno when the kernel
 * gives no credentials.  *cr is filled whenever it could be read.
 */
int kps_peer_check(int fd, struct ucred *cr);

#endif
