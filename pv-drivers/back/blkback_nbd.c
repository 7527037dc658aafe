/*
 * blkback_nbd.c - an image served over NBD (bb_disk_nbd): ketchd started
 * a qemu-storage-daemon for a qcow2, vmdk, vdi, vhd or vhdx image and
 * named its Unix socket (--nbd) and pid (--nbd-pid).  Each prepared
 * request becomes one libnbd command: a read or a write of its segments
 * gathered in the request's bounce buffer (its slot's, grown to the
 * largest request it carried, freed with the slot), a flush, or for a discard a
 * write of zeros the server may deallocate.  The request is answered
 * when its command completes.
 *
 * The export is write-through (ketchd asks the daemon so): a write is
 * acknowledged once it is on disk, QEMU's metadata too, so a daemon that
 * dies loses nothing the guest was told was written.  A request whose
 * connection broke is not answered at all, and the frontend sends it
 * again to our successor.
 *
 * The server and this process live and die together: the server gets
 * SIGTERM when we end (ketchd set its parent-death signal), and a broken
 * NBD connection ends us with status 1, so ketchd restarts the pair and
 * the frontend reconnects as after any backend crash.
 */
#include <errno.h>
#include <libnbd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "blkback.h"

/* How long the server gets to finish after SIGTERM before SIGKILL. */
#define BB_NBD_STOP_MS 3000

static int nbd_err(void)
{
	int e = nbd_get_errno();

	return e > 0 ? -e : -EIO;
}

static int nbd_init(struct bb *b)
{
	int64_t size;

	/* Before confinement: only a pidfd we hold can be signalled later. */
	b->nbd_pidfd = (int)syscall(SYS_pidfd_open, b->nbd_pid, 0);
	if (b->nbd_pidfd < 0)
		bk_log("NBD server pid %d: %s", b->nbd_pid, strerror(errno));
	if (!(b->nbd = nbd_create()) || nbd_set_export_name(b->nbd, "disk") < 0 ||
	    nbd_connect_unix(b->nbd, b->nbd_socket) < 0) {
		bk_log("NBD server at %s: %s", b->nbd_socket, nbd_get_error());
		return nbd_err();
	}
	if ((size = nbd_get_size(b->nbd)) < 0) {
		bk_log("NBD server: size: %s", nbd_get_error());
		return nbd_err();
	}
	if (!b->readonly && nbd_is_read_only(b->nbd) != 0) {
		bk_log("NBD server exports the image read-only; the disk is read-write");
		return -EROFS;
	}
	b->sectors = (uint64_t)size / BLKIF_SECTOR;
	return 0;
}

/* Wait for the server to exit, up to ms; true if it did. */
static bool server_gone(struct bb *b, int ms)
{
	struct pollfd p = { .fd = b->nbd_pidfd, .events = POLLIN };

	return poll(&p, 1, ms) == 1;
}

/* Signal the server; false if it cannot be (it then ends by its
 * parent-death signal when we exit: with --user it is not ours to kill). */
static bool stop_server(struct bb *b, int sig)
{
	if (syscall(SYS_pidfd_send_signal, b->nbd_pidfd, sig, NULL, 0) == 0 || errno == ESRCH)
		return true;
	bk_log("NBD server pid %d: signal %d: %s; it stops when we exit", b->nbd_pid, sig,
	       strerror(errno));
	return false;
}

/* Close the connection and stop the server, so that once we have exited
 * its image locks are free for whoever is next. */
static void nbd_fini(struct bb *b)
{
	if (b->nbd)
		nbd_close(b->nbd);
	b->nbd = NULL;
	if (b->nbd_pidfd < 0)
		return;
	if (stop_server(b, SIGTERM) && !server_gone(b, BB_NBD_STOP_MS)) {
		bk_log("NBD server pid %d ignored SIGTERM; killing it", b->nbd_pid);
		stop_server(b, SIGKILL);
		server_gone(b, BB_NBD_STOP_MS);
	}
	/* Reap it: nothing above us may (our own parent is not its). */
	waitid(P_PIDFD, (id_t)b->nbd_pidfd, &(siginfo_t){ 0 }, WEXITED | WNOHANG);
	close(b->nbd_pidfd);
	b->nbd_pidfd = -1;
}

/* r's bounce buffer, grown to r->len; NULL when out of memory. */
static char *bounce(struct bb_req *r)
{
	char *p;

	if (r->bounce_len >= r->len)
		return r->bounce;
	if (!(p = realloc(r->bounce, r->len)))
		return NULL;
	r->bounce = p;
	r->bounce_len = r->len;
	return p;
}

/* A read arrived in r's bounce buffer: into the guest's pages. */
static void scatter(struct bb_req *r)
{
	const char *buf = r->bounce;
	size_t at = 0;

	for (unsigned int i = 0; i < r->nseg; at += r->iov[i++].iov_len)
		memcpy(r->iov[i].iov_base, buf + at, r->iov[i].iov_len);
}

/* libnbd's errors for a connection that is gone (commands in flight are
 * failed with ENOTCONN when it dies), or any error once it is: a command
 * issued on a dead handle fails with EINVAL ("invalid state"). */
static bool conn_lost(struct bb *b, int err)
{
	return err == ENOTCONN || err == EPIPE || err == ECONNRESET || err == ESHUTDOWN ||
	       nbd_aio_is_dead(b->nbd) || nbd_aio_is_closed(b->nbd);
}

/*
 * One command of r ended (err: its errno, 0 if it succeeded).  A request
 * whose connection broke is not answered: the frontend queues it again
 * once it has reconnected to our successor, as after a backend crash,
 * where an error would have failed the guest's I/O.
 */
static void part_done(struct bb_req *r, int err)
{
	if (err && r->res >= 0)
		r->res = -err;
	if (--r->pending)
		return;
	if (r->res < 0 && conn_lost(r->bb, -r->res)) {
		r->bb->nbd_lost = true;
		return;
	}
	if (r->res >= 0 && r->op == BLKIF_OP_READ)
		scatter(r);
	bb_io_done(r->bb, r, r->res < 0 ? r->res : (int)r->bytes);
}

static int on_done(void *user, int *error)
{
	part_done(user, *error);
	return 1; /* retire the command */
}

/* One command for the whole request, through its bounce buffer: the
 * export is write-through, so each command costs a flush, and a request's
 * segments are separate pages. */
static int start_rw(struct bb *b, struct bb_req *r, nbd_completion_callback cb)
{
	char *buf = bounce(r);
	size_t at = 0;
	int64_t c;

	if (!buf)
		return -ENOMEM;
	if (r->op == BLKIF_OP_WRITE)
		for (unsigned int i = 0; i < r->nseg; at += r->iov[i++].iov_len)
			memcpy(buf + at, r->iov[i].iov_base, r->iov[i].iov_len);
	r->pending++;
	c = r->op == BLKIF_OP_READ ? nbd_aio_pread(b->nbd, buf, r->len, r->off, cb, 0)
				   : nbd_aio_pwrite(b->nbd, buf, r->len, r->off, cb, 0);
	return c < 0 ? (r->pending--, nbd_err()) : 0;
}

/* A dead connection cannot be mended here: leave with status 1, and
 * ketchd starts this backend and a new server again. */
static void check_alive(struct bb *b)
{
	if (!b->nbd_lost && !nbd_aio_is_dead(b->nbd) && !nbd_aio_is_closed(b->nbd))
		return;
	if (b->x.failed)
		return;
	bk_log("the NBD server's connection broke (%s); exiting to be restarted",
	       nbd_get_error() ? nbd_get_error() : "closed");
	b->x.quit = true;
	b->x.failed = true;
}

static void nbd_start(struct bb *b, struct bb_req *r)
{
	nbd_completion_callback cb = { .callback = on_done, .user_data = r };
	int e = 0;

	r->bb = b;
	r->res = 0;
	r->pending = 1; /* held while commands are issued, so none answers early */
	if (r->op == BLKIF_OP_READ || r->op == BLKIF_OP_WRITE) {
		e = start_rw(b, r, cb);
	} else if (r->op == BLKIF_OP_FLUSH_DISKCACHE ? nbd_can_flush(b->nbd) != 1
						     : nbd_can_zero(b->nbd) != 1) {
		e = -EOPNOTSUPP;
	} else {
		/* A discard writes zeros the server may leave as a hole (no
		 * NO_HOLE flag): the range then reads zero, as a punched hole
		 * does on raw, where a trim would leave it undefined. */
		r->pending++;
		if ((r->op == BLKIF_OP_FLUSH_DISKCACHE ? nbd_aio_flush(b->nbd, cb, 0)
			: nbd_aio_zero(b->nbd, r->len, r->off, cb, 0)) < 0)
			e = (r->pending--, nbd_err());
	}
	part_done(r, -e);
	/* The connection may have died in the send: its socket will not
	 * say so any more (a dead handle has none to poll). */
	check_alive(b);
}

static void nbd_submit(struct bb *b)
{
	(void)b; /* libnbd sends as the socket takes it (the poll's POLLOUT) */
}

static void nbd_poll_fd(struct bb *b, struct pollfd *p)
{
	unsigned int dir = b->nbd ? nbd_aio_get_direction(b->nbd) : 0;

	*p = (struct pollfd){ .fd = b->nbd ? nbd_aio_get_fd(b->nbd) : -1 };
	if (dir & LIBNBD_AIO_DIRECTION_READ)
		p->events |= POLLIN;
	if (dir & LIBNBD_AIO_DIRECTION_WRITE)
		p->events |= POLLOUT;
}


static unsigned int nbd_complete(struct bb *b, short revents)
{
	unsigned int before = b->inflight;

	if (revents & (POLLIN | POLLHUP | POLLERR))
		nbd_aio_notify_read(b->nbd);
	else if (revents & POLLOUT)
		nbd_aio_notify_write(b->nbd);
	check_alive(b);
	return before - b->inflight;
}

static void nbd_drain(struct bb *b)
{
	while (b->inflight && b->nbd && !b->nbd_lost && !nbd_aio_is_dead(b->nbd) &&
	       !nbd_aio_is_closed(b->nbd))
		if (nbd_poll(b->nbd, -1) < 0)
			break;
	check_alive(b);
	bb_ring_push(b);
}

const struct bb_disk_ops bb_disk_nbd = {
	.init = nbd_init,
	.fini = nbd_fini,
	.start = nbd_start,
	.submit = nbd_submit,
	.poll = nbd_poll_fd,
	.complete = nbd_complete,
	.drain = nbd_drain,
};
