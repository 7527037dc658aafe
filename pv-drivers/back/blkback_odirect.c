/*
 * blkback_odirect.c - direct I/O on the image (O_DIRECT: the host's page
 * cache bypassed, as Linux's blkback writes to its block device), when
 * --direct-io says so or the toolstack wrote `direct-io-safe` 1 in our
 * directory (libxl writes it for xl's `direct-io-safe` disk option, and
 * QEMU's qdisk then opens the image O_DIRECT).  Requests are 512-byte
 * aligned in memory and on the image, which most file systems and block
 * devices take; one that refuses them (a probe read fails) keeps the
 * buffered path, and the log says so.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "blkback.h"

/* One 512-byte read at 512 into a 512-aligned buffer: what a guest asks. */
static int probe(int fd)
{
	void *buf = aligned_alloc(4096, 4096);
	ssize_t n;
	int e;

	if (!buf)
		return -ENOMEM;
	n = pread(fd, (char *)buf + BLKIF_SECTOR, BLKIF_SECTOR, BLKIF_SECTOR);
	e = errno;
	free(buf);
	return n < 0 ? -e : 0;
}

int bb_direct_io(struct bb *b)
{
	unsigned long safe = 0;
	int fl, r;

	if (!b->direct_io && !(bkx_get_ulong(&b->x, b->x.be, "direct-io-safe", &safe) && safe == 1))
		return 0;
	fl = fcntl(b->disk_fd, F_GETFL);
	if (fl < 0 || fcntl(b->disk_fd, F_SETFL, fl | O_DIRECT) < 0) {
		bk_log("%s: O_DIRECT refused (%s); buffered I/O", b->image, strerror(errno));
		return 0;
	}
	if ((r = probe(b->disk_fd))) {
		fcntl(b->disk_fd, F_SETFL, fl);
		bk_log("%s: direct I/O of 512-byte sectors refused (%s); buffered I/O", b->image,
		       strerror(-r));
		return 0;
	}
	b->direct = true;
	bk_log("%s: direct I/O (O_DIRECT)", b->image);
	return 0;
}
