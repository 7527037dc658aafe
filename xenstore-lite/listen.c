/* The listening socket's file and its peers, over the shared private_socket code. */
#include "listen.h"

#include <errno.h>
#include <string.h>

int xs_listen_open(const char *path, struct xs_listen_file *f)
{
	bool stale;

	return kps_listen(path, 128, &f->file, &stale);
}

void xs_listen_unlink(const char *path, const struct xs_listen_file *f)
{
	kps_unlink(path, &f->file);
}

bool xs_listen_peer_ok(struct xs_ctx *ctx, int fd)
{
	struct ucred cr;
	int r = kps_peer_check(fd, &cr);

	if (r == 0)
		return true;
	if (r == -EACCES)
		xs_log(ctx, "refused a client: pid %d uid %u (only root and uid %u may connect)",
		       (int)cr.pid, (unsigned)cr.uid, (unsigned)geteuid());
	else
		xs_log(ctx, "refused a client: no peer credentials: %s", strerror(-r));
	return false;
}
