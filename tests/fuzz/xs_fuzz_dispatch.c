/* libFuzzer target: arbitrary bytes as a client's message stream into the daemon. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conn_mem.h"
#include "ctx.h"
#include "domain_ops.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Checks every queued reply is well formed, then discards it. */
static void drain(struct xs_conn *c)
{
	struct xsd_sockmsg h;
	static char buf[XENSTORE_PAYLOAD_MAX + 1];

	xs_conn_flush(c);
	while (xs_conn_mem_next(c, &h, buf, sizeof(buf)))
		if (h.len > XENSTORE_PAYLOAD_MAX || h.type >= XS_TYPE_COUNT)
			abort();
}

/*
 * Byte 0 picks who speaks (bit 0: the control domain or domain 5; bit 1:
 * whether the stream ends with a hang-up); the rest is the stream.  A second
 * connection holds watches so events are generated and queued.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xs_caller who = {.domid = 5}, dom0 = {.priv = true};
	struct xs_quota q;
	struct xs_ctx ctx;
	struct xs_conn *c, *watcher;
	static const char watch[] = "/\0all";
	struct xsd_sockmsg wh = {.type = XS_WATCH, .len = sizeof(watch)};

	if (size < 1)
		return 0;
	xs_quota_defaults(&q);
	q.nodes = 50;
	if (xs_ctx_init(&ctx, &q, xs_domain_ops_stub()))
		abort();
	ctx.log = fopen("/dev/null", "w");
	who.priv = data[0] & 1;
	c = xs_conn_mem_new(&ctx, &who);
	watcher = xs_conn_mem_new(&ctx, &dom0);
	xs_conn_mem_feed(watcher, &wh, sizeof(wh));
	xs_conn_mem_feed(watcher, watch, sizeof(watch));
	xs_conn_service(watcher);
	xs_conn_mem_feed(c, data + 1, size - 1);
	if (data[0] & 2)
		xs_conn_mem_hangup(c);
	for (int turns = 0; turns < 10000 && !c->dead; turns++) {
		xs_conn_service(c);
		drain(c);
		drain(watcher);
		if (!c->more)
			break;
	}
	xs_conn_reap(&ctx);
	fclose(ctx.log);
	ctx.log = stderr;
	xs_ctx_fini(&ctx);
	return 0;
}
