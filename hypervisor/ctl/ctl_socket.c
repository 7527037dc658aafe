/*
 * ctl_socket.c - the control socket file, through the daemons' shared
 * private_socket code: 0700 directory, a stale socket taken over, a live
 * one refused, bound 0600.
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
#include "ketch/private_socket.h"

int ctl_socket_listen(struct ctl_server *srv, const char *path)
{
	struct kps_file f;
	bool stale;
	int r = kps_listen(path, 64, &f, &stale);

	if (stale)
		hv_log("control socket %s is stale; replaced it", path);
	if (r >= 0) {
		srv->sock_dev = f.dev;
		srv->sock_ino = f.ino;
	} else if (r == -EADDRINUSE)
		hv_log("another ketch-hv already serves %s; not starting", path);
	else if (r < 0)
		hv_log("cannot listen on %s: %s", path, strerror(-r));
	return r;
}

void ctl_socket_unlink(struct ctl_server *srv)
{
	struct kps_file f = { .dev = srv->sock_dev, .ino = srv->sock_ino };

	kps_unlink(srv->path, &f);
}
