/*
 * blkback_connect.c - connecting to what the frontend published, as
 * Linux's blkback (connect_ring, read_per_ring_refs): ring-page-order and
 * multi-queue-num-queues judged against our offer (blkif_nego.c), then for
 * each queue its ring-ref(s) mapped as one region and its event-channel
 * bound.  Every value is the guest's: bounded before it sizes anything.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xen/io/protocols.h>

#include "blkback.h"

struct blkif_offer bb_default_offer(void)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	return (struct blkif_offer){
		.max_order = BLKIF_MAX_RING_ORDER,
		.max_queues = cpus < 1 ? 1 : cpus > BLKIF_MAX_QUEUES ? BLKIF_MAX_QUEUES
								    : (unsigned int)cpus,
		.persistent = true,
	};
}

/* The protocol the frontend names must be ours (x86-64); none means native. */
static bool protocol_ok(struct bb *b)
{
	char *p = bkx_get(&b->x, b->x.fe, "protocol");
	bool ok = !p || !strcmp(p, XEN_IO_PROTO_ABI_NATIVE);

	if (!ok)
		bk_log("frontend protocol %s is not offered", p);
	free(p);
	return ok;
}

/* The frontend's optional keys; a key present but not a number is refused. */
static bool read_keys(struct bb *b, struct blkif_fe_keys *k)
{
	char *v;

	*k = (struct blkif_fe_keys){ 0 };
	if ((v = bkx_get(&b->x, b->x.fe, "ring-page-order"))) {
		free(v);
		if (!(k->has_order = bkx_get_ulong(&b->x, b->x.fe, "ring-page-order", &k->order)))
			return false;
	}
	if ((v = bkx_get(&b->x, b->x.fe, "multi-queue-num-queues"))) {
		free(v);
		if (!(k->has_queues = bkx_get_ulong(&b->x, b->x.fe, "multi-queue-num-queues",
						    &k->queues)))
			return false;
	}
	if (!bkx_get_ulong(&b->x, b->x.fe, "feature-persistent", &k->persistent))
		k->persistent = 0;
	return true;
}

/* A node of the frontend's that must be a 32-bit number. */
static bool get_u32(struct bb *b, const char *key, uint32_t *out)
{
	unsigned long v;

	if (!bkx_get_ulong(&b->x, b->x.fe, key, &v) || v > UINT32_MAX) {
		bk_log("frontend's %s missing or bad", key);
		return false;
	}
	*out = (uint32_t)v;
	return true;
}

/* Queue q's ring refs and port, read; its ring mapped. */
static int map_queue(struct bb *b, struct bb_queue *q)
{
	unsigned int n = b->conn.nr_pages;
	char key[48];
	int16_t st;
	void *sring;

	for (unsigned int p = 0; p < n; p++) {
		blkif_ring_key(key, sizeof(key), &b->conn, q->idx, p);
		if (!get_u32(b, key, &q->ring_ref[p]))
			return -EINVAL;
	}
	blkif_port_key(key, sizeof(key), &b->conn, q->idx);
	if (!get_u32(b, key, &q->port))
		return -EINVAL;
	sring = kgnt_map_ring(b->gnt, q->ring_ref, n, true, &st);
	if (!sring) {
		bk_log("queue %u: ring-ref %u (of %u pages) refused (status %d)", q->idx,
		       q->ring_ref[0], n, st);
		return -EACCES;
	}
	q->mapped = true;
	BACK_RING_INIT(&q->ring, (blkif_sring_t *)sring, 4096u * n);
	q->req = calloc(RING_SIZE(&q->ring), sizeof(*q->req));
	return q->req ? 0 : -ENOMEM;
}

static int bind_queue(struct bb *b, struct bb_queue *q)
{
	int r = kctl_evtchn_bind(b->x.hv, b->x.domid, q->port, &q->from_guest, &q->to_guest);

	if (r) {
		bk_log("queue %u: cannot bind event channel %u: %s", q->idx, q->port,
		       kctl_strerror(r));
		return r;
	}
	fcntl(q->from_guest, F_SETFL, fcntl(q->from_guest, F_GETFL) | O_NONBLOCK);
	fcntl(q->to_guest, F_SETFL, fcntl(q->to_guest, F_GETFL) | O_NONBLOCK);
	return 0;
}

static int negotiate(struct bb *b)
{
	struct blkif_fe_keys k;
	const char *why;

	if (!read_keys(b, &k) || !protocol_ok(b)) {
		bk_log("frontend's ring-page-order, multi-queue-num-queues or protocol bad");
		return -EINVAL;
	}
	if ((why = blkif_back_negotiate(&k, &b->offer, &b->conn))) {
		bk_log("frontend refused: %s (ring-page-order %lu, queues %lu)", why,
		       k.has_order ? k.order : 0, k.has_queues ? k.queues : 1);
		return -EINVAL;
	}
	return 0;
}

int bb_connect_rings(struct bb *b)
{
	int r = negotiate(b), err = 0;

	if (r)
		return r;
	b->gnt = kgnt_open(b->x.hv, b->x.domid, b->conn.persistent ? KGNT_PERSISTENT : 0, &err);
	if (!b->gnt)
		return err;
	for (unsigned int i = 0; i < b->conn.nr_queues; i++)
		b->q[i] = (struct bb_queue){ .idx = i, .from_guest = -1, .to_guest = -1 };
	for (unsigned int i = 0; i < b->conn.nr_queues; i++) {
		struct bb_queue *q = &b->q[i];

		if ((r = map_queue(b, q)) || (r = bind_queue(b, q))) {
			b->connected = true; /* so that bb_release_rings undoes it */
			return r;
		}
	}
	b->connected = true;
	return 0;
}

static void release_queue(struct bb *b, struct bb_queue *q)
{
	if (q->mapped)
		for (unsigned int p = 0; p < b->conn.nr_pages; p++)
			kgnt_unmap(b->gnt, q->ring_ref[p]);
	q->mapped = false;
	if (q->from_guest >= 0) {
		kctl_evtchn_unbind(b->x.hv, b->x.domid, q->port); /* fails if the domain died */
		close(q->from_guest);
		close(q->to_guest);
	}
	q->from_guest = q->to_guest = -1;
	for (unsigned int i = 0; q->req && i < RING_SIZE(&q->ring); i++)
		free(q->req[i].bounce); /* NBD's, kept with the slot */
	free(q->req);
	q->req = NULL;
	q->more = false;
}

void bb_release_rings(struct bb *b)
{
	for (unsigned int i = 0; i < b->conn.nr_queues; i++)
		release_queue(b, &b->q[i]);
	kgnt_close(b->gnt);
	b->gnt = NULL;
	b->connected = false;
}
