/* The daemon's state: set-up, tear-down and logging. */
#include "ctx.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conn.h"
#include "domain.h"

int xs_ctx_init(struct xs_ctx *ctx, const struct xs_quota *q, const struct xs_domain_ops *dops)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->quota = *q;
	ctx->dops = dops;
	ctx->epfd = -1;
	ctx->stopfd = -1;
	ctx->listenfd = -1;
	ctx->sigfd = -1;
	ctx->src_fd = -1;
	ctx->log = stderr;
	/* 512 KiB of address space; pages are only touched for domains in use. */
	ctx->mem_used = calloc(65536, sizeof(*ctx->mem_used));
	if (!ctx->mem_used)
		return -ENOMEM;
	return xs_store_init(&ctx->store, &ctx->quota);
}

void xs_ctx_fini(struct xs_ctx *ctx)
{
	while (ctx->domains)
		xs_domain_release(ctx, ctx->domains->domid);
	while (ctx->conns)
		xs_conn_free(ctx->conns);
	xs_store_fini(&ctx->store);
	free(ctx->mem_used);
	free(ctx->rx_spare);
	ctx->mem_used = NULL;
	ctx->rx_spare = NULL;
	if (ctx->epfd >= 0)
		close(ctx->epfd);
	if (ctx->stopfd >= 0)
		close(ctx->stopfd);
	if (ctx->listenfd >= 0)
		close(ctx->listenfd);
	if (ctx->sigfd >= 0)
		close(ctx->sigfd);
	ctx->epfd = ctx->stopfd = ctx->listenfd = ctx->sigfd = -1;
}

void xs_log(struct xs_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("ketch-xenstored: ", ctx->log);
	vfprintf(ctx->log, fmt, ap);
	fputc('\n', ctx->log);
	fflush(ctx->log);
	va_end(ap);
}
