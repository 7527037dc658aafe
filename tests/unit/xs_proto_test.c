/* Unit tests of xenstore-lite's request handling: transactions, watches, quotas, malformed input. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "dispatch.h"
#include "xs_helpers.h"

static struct xs_test T;
static struct xs_test *t = &T;
static struct xs_conn *c0, *c0b, *u5, *u6;

static void setup(void)
{
	struct xs_quota q;

	memset(t, 0, sizeof(*t));
	xs_quota_defaults(&q);
	ck_assert_int_eq(xs_ctx_init(&t->ctx, &q, xs_domain_ops_stub()), 0);
	c0 = xs_t_conn(t, 0, true);
	c0b = xs_t_conn(t, 0, true);
	u5 = xs_t_conn(t, 5, false);
	u6 = xs_t_conn(t, 6, false);
	/* Home directories the way a toolstack makes them. */
	ck_assert_str_eq(xs_t_req(t, c0, XS_MKDIR, 0, "/local/domain/5", NULL), "OK");
	ck_assert_str_eq(xs_t_req(t, c0, XS_SET_PERMS, 0, "/local/domain/5", "n5", NULL), "OK");
	ck_assert_str_eq(xs_t_req(t, c0, XS_MKDIR, 0, "/local/domain/6", NULL), "OK");
	ck_assert_str_eq(xs_t_req(t, c0, XS_SET_PERMS, 0, "/local/domain/6", "n6", NULL), "OK");
}

static void teardown(void)
{
	xs_ctx_fini(&t->ctx);
}

static uint32_t tx_start(struct xs_conn *c)
{
	const char *r = xs_t_req(t, c, XS_TRANSACTION_START, 0, "", NULL);

	ck_assert_msg(!xs_t_is_error(t), "TRANSACTION_START: %s", r);
	ck_assert_uint_ne(strtoul(r, NULL, 10), 0);
	return (uint32_t)strtoul(r, NULL, 10);
}

static const char *tx_end(struct xs_conn *c, uint32_t tx, const char *commit)
{
	return xs_t_req(t, c, XS_TRANSACTION_END, tx, commit, NULL);
}

START_TEST(tx_commit_without_conflict)
{
	uint32_t a = tx_start(c0), b = tx_start(c0);

	ck_assert_uint_ne(a, b); /* many at once per connection */
	ck_assert_str_eq(xs_t_write(t, c0, a, "/x/a", "1"), "OK");
	ck_assert_str_eq(xs_t_write(t, c0, b, "/y/b", "2"), "OK");
	/* Not visible outside before commit. */
	xs_t_req(t, c0b, XS_READ, 0, "/x/a", NULL);
	ck_assert_str_eq(t->out, "ENOENT");
	ck_assert_str_eq(xs_t_req(t, c0, XS_READ, a, "/x/a", NULL), "1");
	ck_assert_str_eq(tx_end(c0, a, "T"), "OK");
	ck_assert_str_eq(tx_end(c0, b, "T"), "OK");
	ck_assert_str_eq(xs_t_req(t, c0b, XS_READ, 0, "/x/a", NULL), "1");
	ck_assert_str_eq(xs_t_req(t, c0b, XS_READ, 0, "/y/b", NULL), "2");
}
END_TEST

START_TEST(tx_conflict_eagain)
{
	uint32_t a;

	ck_assert_str_eq(xs_t_write(t, c0, 0, "/k", "0"), "OK");
	a = tx_start(c0);
	ck_assert_str_eq(xs_t_req(t, c0, XS_READ, a, "/k", NULL), "0");
	ck_assert_str_eq(xs_t_write(t, c0b, 0, "/k", "other"), "OK");
	/* Snapshot isolation: the transaction still sees its snapshot. */
	ck_assert_str_eq(xs_t_req(t, c0, XS_READ, a, "/k", NULL), "0");
	ck_assert_str_eq(xs_t_write(t, c0, a, "/k", "mine"), "OK");
	ck_assert_str_eq(tx_end(c0, a, "T"), "EAGAIN");
	ck_assert_str_eq(xs_t_req(t, c0, XS_READ, 0, "/k", NULL), "other");
	/* The transaction is gone after END, even a failed one. */
	ck_assert_str_eq(xs_t_req(t, c0, XS_READ, a, "/k", NULL), "ENOENT");
}
END_TEST

START_TEST(tx_conflict_on_created_sibling_and_rm)
{
	uint32_t a;

	ck_assert_str_eq(xs_t_write(t, c0, 0, "/d/keep", "1"), "OK");
	a = tx_start(c0);
	ck_assert_str_eq(xs_t_req(t, c0, XS_RM, a, "/d", NULL), "OK");
	ck_assert_str_eq(xs_t_write(t, c0b, 0, "/d/keep", "changed"), "OK");
	ck_assert_str_eq(tx_end(c0, a, "T"), "EAGAIN");
	/* A write to an unrelated path does not conflict. */
	a = tx_start(c0);
	ck_assert_str_eq(xs_t_req(t, c0, XS_READ, a, "/d/keep", NULL), "changed");
	ck_assert_str_eq(xs_t_write(t, c0b, 0, "/elsewhere", "1"), "OK");
	ck_assert_str_eq(xs_t_req(t, c0, XS_RM, a, "/d", NULL), "OK");
	ck_assert_str_eq(tx_end(c0, a, "T"), "OK");
	ck_assert_str_eq(xs_t_req(t, c0, XS_READ, 0, "/d/keep", NULL), "ENOENT");
}
END_TEST

START_TEST(tx_abort_and_close)
{
	uint32_t a = tx_start(c0);

	ck_assert_str_eq(xs_t_write(t, c0, a, "/gone", "1"), "OK");
	ck_assert_str_eq(tx_end(c0, a, "F"), "OK");
	ck_assert_str_eq(xs_t_req(t, c0, XS_READ, 0, "/gone", NULL), "ENOENT");
	a = tx_start(c0b);
	ck_assert_str_eq(xs_t_write(t, c0b, a, "/gone2", "1"), "OK");
	xs_conn_free(c0b); /* closing the connection aborts its transactions */
	ck_assert_str_eq(xs_t_req(t, c0, XS_READ, 0, "/gone2", NULL), "ENOENT");
	ck_assert_str_eq(xs_t_req(t, c0, XS_READ, 12345, "/", NULL), "ENOENT");
	ck_assert_str_eq(tx_end(c0, 0, "T"), "ENOENT");
	a = tx_start(c0);
	ck_assert_str_eq(tx_end(c0, a, "maybe"), "EINVAL");
	ck_assert_str_eq(xs_t_req(t, c0, XS_TRANSACTION_START, a, "", NULL), "EBUSY");
}
END_TEST

START_TEST(tx_quota_and_perms)
{
	uint32_t ids[10];

	for (int i = 0; i < 10; i++)
		ids[i] = tx_start(u5);
	ck_assert_str_eq(xs_t_req(t, u5, XS_TRANSACTION_START, 0, "", NULL), "ENOSPC");
	/* Permissions apply inside transactions too. */
	ck_assert_str_eq(xs_t_write(t, u5, ids[0], "/local/domain/6/x", "1"), "EACCES");
	ck_assert_str_eq(xs_t_write(t, u5, ids[0], "x", "1"), "OK");
	ck_assert_str_eq(tx_end(u5, ids[0], "T"), "OK");
	ck_assert_str_eq(xs_t_req(t, c0, XS_READ, 0, "/local/domain/5/x", NULL), "1");
	ck_assert_str_eq(xs_t_req(t, c0, XS_GET_PERMS, 0, "/local/domain/5/x", NULL), "n5");
}
END_TEST

START_TEST(tx_memory_bounded)
{
	uint32_t a = tx_start(u5), b = tx_start(c0);
	char p[32];
	const char *r = "OK";
	int i;

	t->ctx.quota.tx_entries = 100;
	/* Reads of distinct (even missing) paths and repeated writes all hold memory. */
	for (i = 0; i < 1000 && strcmp(r, "ENOSPC"); i++) {
		snprintf(p, sizeof(p), "missing%d", i);
		r = xs_t_req(t, u5, XS_READ, a, p, NULL);
	}
	ck_assert_str_eq(r, "ENOSPC");
	ck_assert_int_le(i, 101);
	for (i = 0; i < 1000 && strcmp(r = xs_t_write(t, u5, a, "x", "v"), "ENOSPC"); i++)
		;
	ck_assert_str_eq(r, "ENOSPC");
	for (i = 0; i < 200; i++) /* the control domain is exempt */
		ck_assert_str_eq(xs_t_write(t, c0, b, "/y", "v"), "OK");
	ck_assert_str_eq(tx_end(c0, b, "T"), "OK");
	ck_assert_str_eq(tx_end(u5, a, "F"), "OK");
}
END_TEST

/* A transaction's own changes are not conflicts (Xen commits these). */
START_TEST(tx_own_changes_do_not_conflict)
{
	uint32_t a;

	ck_assert_str_eq(xs_t_write(t, c0, 0, "/p/c", "1"), "OK");
	a = tx_start(c0);
	ck_assert_str_eq(xs_t_write(t, c0, a, "/p/new", "1"), "OK");
	xs_t_req(t, c0, XS_DIRECTORY, a, "/p", NULL);
	ck_assert_str_eq(tx_end(c0, a, "T"), "OK"); /* write a child, list the parent */
	a = tx_start(c0);
	ck_assert_str_eq(xs_t_req(t, c0, XS_RM, a, "/p/c", NULL), "OK");
	xs_t_req(t, c0, XS_DIRECTORY, a, "/p", NULL);
	ck_assert_str_eq(t->out, "new");
	ck_assert_str_eq(tx_end(c0, a, "T"), "OK"); /* remove a child, list the parent */
	a = tx_start(u5);
	ck_assert_str_eq(xs_t_req(t, u5, XS_MKDIR, a, "d/e", NULL), "OK");
	ck_assert_str_eq(xs_t_req(t, u5, XS_READ, a, "d", NULL), "");
	ck_assert_str_eq(tx_end(u5, a, "T"), "OK"); /* mkdir, read the parent */
	ck_assert_str_eq(xs_t_req(t, c0, XS_READ, 0, "/local/domain/5/d/e", NULL), "");
	/* Another client's change to the listed parent still conflicts. */
	a = tx_start(c0);
	ck_assert_str_eq(xs_t_write(t, c0, a, "/p/n2", "1"), "OK");
	xs_t_req(t, c0, XS_DIRECTORY, a, "/p", NULL);
	ck_assert_str_eq(xs_t_write(t, c0b, 0, "/p/other", "1"), "OK");
	ck_assert_str_eq(tx_end(c0, a, "T"), "EAGAIN");
	ck_assert_str_eq(xs_t_req(t, c0, XS_READ, 0, "/p/n2", NULL), "ENOENT");
}
END_TEST

/* What the transaction has recorded so far (records plus logged operations). */
static unsigned tx_entries(struct xs_conn *c, uint32_t id)
{
	for (struct xs_tx *tx = c->txs; tx; tx = tx->next)
		if (tx->id == id)
			return tx->entries;
	ck_abort_msg("transaction %u not found", id);
	return 0;
}

/* A refused RM records nothing; an allowed one does not record the subtree. */
START_TEST(tx_rm_checks_before_recording)
{
	char p[64];
	uint32_t a;

	for (int i = 0; i < 2000; i++) {
		snprintf(p, sizeof(p), "/bulk/n%d", i);
		ck_assert_str_eq(xs_t_write(t, c0, 0, p, "v"), "OK");
	}
	for (int i = 0; i < 300; i++) {
		snprintf(p, sizeof(p), "/local/domain/5/big/n%d", i);
		ck_assert_str_eq(xs_t_write(t, c0, 0, p, "v"), "OK");
	}
	t->ctx.quota.tx_entries = 50;
	a = tx_start(u5);
	ck_assert_str_eq(xs_t_req(t, u5, XS_RM, a, "/", NULL), "EACCES");
	ck_assert_str_eq(xs_t_req(t, u5, XS_RM, a, "/bulk", NULL), "EACCES");
	ck_assert_uint_eq(tx_entries(u5, a), 0);
	ck_assert_str_eq(xs_t_req(t, u5, XS_RM, a, "big", NULL), "OK");
	ck_assert_uint_le(tx_entries(u5, a), 50);
	ck_assert_str_eq(tx_end(u5, a, "T"), "OK");
	ck_assert_str_eq(xs_t_req(t, c0, XS_READ, 0, "/local/domain/5/big", NULL), "ENOENT");
	/* Every record is charged: the count never passes the limit. */
	a = tx_start(u5);
	for (int i = 0; i < 100; i++) {
		snprintf(p, sizeof(p), "x%d/a/b/c", i);
		if (strcmp(xs_t_write(t, u5, a, p, "v"), "OK"))
			break;
		ck_assert_uint_le(tx_entries(u5, a), 50);
	}
	ck_assert_str_eq(t->out, "ENOSPC");
	ck_assert_uint_le(tx_entries(u5, a), 50);
}
END_TEST

/* A commit fails when the permission one of its writes relied on changed. */
START_TEST(tx_commit_rechecks_parent)
{
	const char *home = "/local/domain/5/data";
	uint32_t a;

	ck_assert_str_eq(xs_t_req(t, c0, XS_MKDIR, 0, home, NULL), "OK");
	/* Write access revoked after the write. */
	a = tx_start(u5);
	ck_assert_str_eq(xs_t_write(t, u5, a, "data/x", "1"), "OK");
	ck_assert_str_eq(xs_t_req(t, c0, XS_SET_PERMS, 0, home, "n0", "r5", NULL), "OK");
	tx_end(u5, a, "T");
	ck_assert(!strcmp(t->out, "EAGAIN") || !strcmp(t->out, "EACCES"));
	ck_assert_str_eq(xs_t_req(t, c0, XS_READ, 0, "/local/domain/5/data/x", NULL), "ENOENT");
	/* The parent removed and re-created by someone else (not writable by 5). */
	ck_assert_str_eq(xs_t_req(t, c0, XS_SET_PERMS, 0, home, "n5", NULL), "OK");
	a = tx_start(u5);
	ck_assert_str_eq(xs_t_write(t, u5, a, "data/new/deep/y", "1"), "OK");
	ck_assert_str_eq(xs_t_req(t, c0, XS_RM, 0, home, NULL), "OK");
	ck_assert_str_eq(xs_t_req(t, c0, XS_MKDIR, 0, home, NULL), "OK");
	ck_assert_str_eq(xs_t_req(t, c0, XS_SET_PERMS, 0, home, "n0", NULL), "OK");
	tx_end(u5, a, "T");
	ck_assert(!strcmp(t->out, "EAGAIN") || !strcmp(t->out, "EACCES"));
	ck_assert_str_eq(xs_t_req(t, c0, XS_READ, 0, "/local/domain/5/data/new", NULL), "ENOENT");
	/* Unchanged permissions: the same transaction commits. */
	ck_assert_str_eq(xs_t_req(t, c0, XS_SET_PERMS, 0, home, "n5", NULL), "OK");
	a = tx_start(u5);
	ck_assert_str_eq(xs_t_write(t, u5, a, "data/new/deep/y", "1"), "OK");
	ck_assert_str_eq(xs_t_write(t, c0, 0, "/local/domain/5/data/sibling", "1"), "OK");
	ck_assert_str_eq(tx_end(u5, a, "T"), "OK");
	ck_assert_str_eq(xs_t_req(t, c0, XS_GET_PERMS, 0, "/local/domain/5/data/new/deep/y", NULL),
			 "n5");
}
END_TEST

/* Transactions of one domain cannot hold more than its memory quota. */
START_TEST(domain_memory_bounded_tx)
{
	static char v[2001];
	size_t accepted = 0;
	uint32_t ids[10], b = tx_start(c0);

	memset(v, 'v', 2000);
	for (int i = 0; i < 10; i++) {
		ids[i] = tx_start(u5);
		while (!strcmp(xs_t_write(t, u5, ids[i], "big", v), "OK")) {
			accepted += 2000;
			/* Xen's default: 2.5 MiB for all a domain makes the daemon hold. */
			ck_assert_uint_le(accepted, 2621440);
		}
		ck_assert_str_eq(t->out, "ENOSPC");
	}
	ck_assert_uint_gt(accepted, 1024 * 1024);
	for (int j = 0; j < 2000; j++) /* the control domain is exempt */
		ck_assert_str_eq(xs_t_write(t, c0, b, "/big", v), "OK");
	/* Ending a transaction gives its memory back. */
	ck_assert_str_eq(tx_end(u5, ids[0], "F"), "OK");
	ck_assert_str_eq(xs_t_write(t, u5, ids[1], "big", v), "OK");
}
END_TEST

/* Queued output counts against the same quota, and is given back when read. */
START_TEST(domain_memory_counts_output)
{
	char v[64];
	uint32_t a;

	ck_assert_int_eq(xs_quota_set(&t->ctx.quota, "memory=60000"), 0);
	ck_assert_str_eq(xs_t_req(t, u5, XS_WATCH, 0, "w", "tok", NULL), "OK");
	xs_t_drain(t, u5);
	a = tx_start(u5);
	/* u5 does not read: its events pile up until the quota, then are dropped. */
	for (int i = 0; i < 5000; i++) {
		snprintf(v, sizeof(v), "/local/domain/5/w/node-%d", i % 100);
		ck_assert_str_eq(xs_t_write(t, c0, 0, v, "x"), "OK");
	}
	ck_assert_uint_le(u5->out_bytes, 60000);
	ck_assert_uint_gt(u5->out_bytes, 55000);
	ck_assert_uint_gt(u5->dropped_events, 0);
	/* With the quota full of output, the transaction may not grow... */
	xs_conn_mem_feed(u5, &(struct xsd_sockmsg){.type = XS_WRITE, .req_id = 1, .tx_id = a, .len = 6},
			 sizeof(struct xsd_sockmsg));
	xs_conn_mem_feed(u5, "x\0abcd", 6);
	xs_conn_service(u5);
	xs_t_drain(t, u5);
	ck_assert_str_eq(t->out, "ENOSPC");
	/* ...and once the output is read, it may. */
	ck_assert_str_eq(xs_t_write(t, u5, a, "x", "abcd"), "OK");
	ck_assert_str_eq(tx_end(u5, a, "T"), "OK");
	ck_assert_str_eq(xs_t_req(t, c0, XS_READ, 0, "/local/domain/5/x", NULL), "abcd");
}
END_TEST

static int events_for(struct xs_conn *c, const char *path, const char *token)
{
	int n = 0;

	xs_t_drain(t, c);
	for (int i = 0; i < t->nev; i++)
		if (t->ev[i].c == c && !strcmp(t->ev[i].path, path) && !strcmp(t->ev[i].token, token))
			n++;
	return n;
}

START_TEST(watch_basics)
{
	ck_assert_str_eq(xs_t_req(t, c0, XS_WATCH, 0, "/w", "tok", NULL), "OK");
	ck_assert_int_eq(events_for(c0, "/w", "tok"), 1); /* fires once on registration */
	ck_assert_str_eq(xs_t_req(t, c0, XS_WATCH, 0, "/w", "tok", NULL), "EEXIST");
	ck_assert_str_eq(xs_t_write(t, c0b, 0, "/w/a/b", "1"), "OK");
	ck_assert_int_eq(events_for(c0, "/w/a/b", "tok"), 1);
	ck_assert_str_eq(xs_t_write(t, c0b, 0, "/wx", "1"), "OK"); /* not below /w */
	ck_assert_int_eq(events_for(c0, "/wx", "tok"), 0);
	ck_assert_str_eq(xs_t_req(t, c0b, XS_SET_PERMS, 0, "/w/a", "b0", NULL), "OK");
	ck_assert_int_eq(events_for(c0, "/w/a", "tok"), 1);
	ck_assert_str_eq(xs_t_req(t, c0, XS_UNWATCH, 0, "/w", "tok", NULL), "OK");
	ck_assert_str_eq(xs_t_req(t, c0, XS_UNWATCH, 0, "/w", "tok", NULL), "ENOENT");
	ck_assert_str_eq(xs_t_write(t, c0b, 0, "/w/a/c", "1"), "OK");
	ck_assert_int_eq(events_for(c0, "/w/a/c", "tok"), 0);
}
END_TEST

START_TEST(watch_rm_parent_and_tx)
{
	uint32_t a;

	ck_assert_str_eq(xs_t_write(t, c0, 0, "/p/q/r", "1"), "OK");
	ck_assert_str_eq(xs_t_req(t, c0b, XS_WATCH, 0, "/p/q/r", "deep", NULL), "OK");
	ck_assert_str_eq(xs_t_req(t, c0, XS_RM, 0, "/p", NULL), "OK");
	/* Removing a parent fires watches set below it, with their own path. */
	ck_assert_int_eq(events_for(c0b, "/p/q/r", "deep"), 2);
	ck_assert_str_eq(xs_t_req(t, c0b, XS_WATCH, 0, "/t", "tx", NULL), "OK");
	a = tx_start(c0);
	ck_assert_str_eq(xs_t_write(t, c0, a, "/t/v", "1"), "OK");
	ck_assert_int_eq(events_for(c0b, "/t/v", "tx"), 0); /* not before commit */
	ck_assert_str_eq(tx_end(c0, a, "T"), "OK");
	ck_assert_int_eq(events_for(c0b, "/t/v", "tx"), 1);
}
END_TEST

START_TEST(watch_relative_special_and_perms)
{
	ck_assert_str_eq(xs_t_req(t, u5, XS_WATCH, 0, "dev", "rel", NULL), "OK");
	ck_assert_int_eq(events_for(u5, "dev", "rel"), 1);
	ck_assert_str_eq(xs_t_write(t, c0, 0, "/local/domain/5/dev/x", "1"), "OK");
	ck_assert_int_eq(events_for(u5, "dev/x", "rel"), 1);
	/* Events for nodes the watcher cannot read are not sent. */
	ck_assert_str_eq(xs_t_req(t, u6, XS_WATCH, 0, "/local/domain/5", "spy", NULL), "OK");
	ck_assert_str_eq(xs_t_write(t, c0, 0, "/local/domain/5/dev/y", "1"), "OK");
	ck_assert_int_eq(events_for(u6, "/local/domain/5/dev/y", "spy"), 0);
	ck_assert_str_eq(xs_t_req(t, u6, XS_WATCH, 0, "@releaseDomain", "rel", NULL), "OK");
	ck_assert_int_eq(events_for(u6, "@releaseDomain", "rel"), 1);
	ck_assert_str_eq(xs_t_req(t, u6, XS_WATCH, 0, "bad//path", "x", NULL), "EINVAL");
	ck_assert_str_eq(xs_t_req(t, u6, XS_RESET_WATCHES, 0, "", NULL), "OK");
	ck_assert_str_eq(xs_t_req(t, u6, XS_UNWATCH, 0, "@releaseDomain", "rel", NULL), "ENOENT");
}
END_TEST

START_TEST(watch_quota)
{
	char tok[16];

	for (int i = 0; i < 128; i++) {
		snprintf(tok, sizeof(tok), "t%d", i);
		ck_assert_str_eq(xs_t_req(t, u5, XS_WATCH, 0, "w", tok, NULL), "OK");
	}
	ck_assert_str_eq(xs_t_req(t, u5, XS_WATCH, 0, "w", "last", NULL), "E2BIG");
	ck_assert_str_eq(xs_t_req(t, c0, XS_WATCH, 0, "/w", "last", NULL), "OK"); /* dom0 exempt */
}
END_TEST

START_TEST(event_queue_bounded)
{
	char v[64];

	t->ctx.quota.event_queue = 4096;
	ck_assert_str_eq(xs_t_req(t, c0b, XS_WATCH, 0, "/flood", "f", NULL), "OK");
	/* c0b never reads: its queue stops growing at the limit. */
	for (int i = 0; i < 1000; i++) {
		snprintf(v, sizeof(v), "%d", i);
		ck_assert_str_eq(xs_t_write(t, c0, 0, "/flood/x", v), "OK");
	}
	ck_assert_uint_le(c0b->out_bytes, 4096 + 64);
	ck_assert_uint_gt(c0b->dropped_events, 0);
}
END_TEST

START_TEST(oversized_event_dropped)
{
	static char token[4000], path[200];

	memset(token, 't', sizeof(token) - 1);
	memset(path, 'p', sizeof(path) - 1);
	path[0] = '/';
	ck_assert_str_eq(xs_t_req(t, c0, XS_WATCH, 0, "/", token, NULL), "OK");
	ck_assert_str_eq(xs_t_write(t, c0b, 0, path, "1"), "OK");
	xs_t_drain(t, c0); /* asserts nothing over XENSTORE_PAYLOAD_MAX was queued */
	/* Only the initial event (path "/") fits; the one for the long path is dropped. */
	ck_assert_int_eq(t->nev, 1);
	ck_assert_str_eq(t->ev[0].path, "/");
	ck_assert_str_eq(xs_t_write(t, c0b, 0, "/short", "1"), "OK");
	xs_t_drain(t, c0);
	ck_assert_int_eq(t->nev, 2); /* later events still flow */
}
END_TEST

START_TEST(many_permission_entries)
{
	char buf[XENSTORE_PAYLOAD_MAX];
	uint32_t len = 3;

	memcpy(buf, "/m", 3);
	for (int i = 0; i < 100; i++)
		len += (uint32_t)snprintf(buf + len, sizeof(buf) - len, "r%d", i) + 1;
	ck_assert_str_eq(xs_t_write(t, c0, 0, "/m", ""), "OK");
	ck_assert_str_eq(xs_t_raw(t, c0, XS_SET_PERMS, 0, buf, len), "OK");
	xs_t_req(t, c0, XS_GET_PERMS, 0, "/m", NULL);
	ck_assert_uint_eq(t->hdr.len, len - 3);
}
END_TEST

START_TEST(domain_ops_privileged)
{
	ck_assert_str_eq(xs_t_req(t, u5, XS_INTRODUCE, 0, "7", "123", "4", NULL), "EACCES");
	ck_assert_str_eq(xs_t_req(t, u5, XS_RELEASE, 0, "7", NULL), "EACCES");
	ck_assert_str_eq(xs_t_req(t, u5, XS_SET_TARGET, 0, "7", "5", NULL), "EACCES");
	ck_assert_str_eq(xs_t_req(t, u5, XS_CONTROL, 0, "help", NULL), "EACCES");
	ck_assert_str_eq(xs_t_req(t, c0, XS_INTRODUCE, 0, "7", "123", "4", NULL), "ENOSYS");
	ck_assert_str_eq(xs_t_req(t, c0, XS_INTRODUCE, 0, "x", "123", "4", NULL), "EINVAL");
	ck_assert_str_eq(xs_t_req(t, c0, XS_IS_DOMAIN_INTRODUCED, 0, "7", NULL), "F");
	ck_assert_str_eq(xs_t_req(t, c0, XS_IS_DOMAIN_INTRODUCED, 0, "0", NULL), "T");
	ck_assert_str_eq(xs_t_req(t, c0, XS_RELEASE, 0, "7", NULL), "ENOENT");
	ck_assert_str_eq(xs_t_req(t, u5, XS_GET_DOMAIN_PATH, 0, "7", NULL), "/local/domain/7");
	ck_assert_str_eq(xs_t_req(t, c0, XS_RESUME, 0, "7", NULL), "ENOENT");
	ck_assert_str_eq(xs_t_req(t, c0, XS_CONTROL, 0, "nonsense", NULL), "EINVAL");
	ck_assert_ptr_nonnull(strstr(xs_t_req(t, c0, XS_CONTROL, 0, "quota", NULL), "nodes 1000"));
}
END_TEST

START_TEST(malformed_requests)
{
	ck_assert_str_eq(xs_t_raw(t, c0, XS_READ, 0, "/no-nul", 7), "EINVAL");
	ck_assert_str_eq(xs_t_raw(t, c0, XS_READ, 0, "/a\0/b\0", 6), "EINVAL");
	ck_assert_str_eq(xs_t_raw(t, c0, XS_READ, 0, "", 0), "EINVAL");
	ck_assert_str_eq(xs_t_raw(t, c0, XS_WRITE, 0, "/no-nul-at-all", 14), "EINVAL");
	ck_assert_str_eq(xs_t_raw(t, c0, 20, 0, "", 0), "ENOSYS"); /* removed XS_RESTRICT */
	ck_assert_str_eq(xs_t_raw(t, c0, XS_WATCH_EVENT, 0, "", 0), "ENOSYS");
	ck_assert_str_eq(xs_t_raw(t, c0, 0xdeadbeef, 0, "x", 1), "ENOSYS");
	ck_assert_str_eq(xs_t_req(t, c0, XS_SET_PERMS, 0, "/", "q0", NULL), "EINVAL");
	ck_assert_str_eq(xs_t_req(t, c0, XS_DIRECTORY_PART, 0, "/", "x", NULL), "EINVAL");
	/* The connection still works afterwards. */
	ck_assert_str_eq(xs_t_write(t, c0, 0, "/still", "fine"), "OK");
}
END_TEST

START_TEST(oversized_message_disconnects)
{
	struct xsd_sockmsg h = {.type = XS_READ, .req_id = 9, .len = XENSTORE_PAYLOAD_MAX + 1};

	xs_conn_mem_feed(u5, &h, sizeof(h));
	xs_conn_service(u5);
	ck_assert(xs_t_drain(t, u5));
	ck_assert_str_eq(t->out, "E2BIG");
	ck_assert(u5->dead);
	ck_assert_str_eq(xs_t_write(t, c0, 0, "/others/fine", "1"), "OK");
}
END_TEST

START_TEST(directory_and_part)
{
	char p[64], buf[256];
	const char *r;
	uint32_t seen = 0;

	for (int i = 0; i < 400; i++) {
		snprintf(p, sizeof(p), "/big/child-number-%03d", i);
		ck_assert_str_eq(xs_t_write(t, c0, 0, p, ""), "OK");
	}
	ck_assert_str_eq(xs_t_req(t, c0, XS_DIRECTORY, 0, "/big", NULL), "E2BIG");
	for (unsigned off = 0;;) {
		snprintf(buf, sizeof(buf), "%u", off);
		r = xs_t_req(t, c0, XS_DIRECTORY_PART, 0, "/big", buf, NULL);
		ck_assert(!xs_t_is_error(t));
		uint32_t gl = (uint32_t)strlen(r) + 1, len = t->hdr.len - gl;

		ck_assert_uint_gt(len, 0);
		for (uint32_t i = gl; i < t->hdr.len; i += (uint32_t)strlen(r + i) + 1)
			seen += r[i] != '\0';
		off += len;
		if (r[t->hdr.len - 1] == '\0' && r[t->hdr.len - 2] == '\0')
			break;
	}
	ck_assert_uint_eq(seen, 400);
	xs_t_req(t, c0, XS_DIRECTORY, 0, "/local", NULL);
	ck_assert_uint_eq(t->hdr.len, 7);
	ck_assert_str_eq(t->out, "domain");
}
END_TEST

START_TEST(outstanding_requests_per_turn)
{
	struct xsd_sockmsg h = {.type = XS_GET_DOMAIN_PATH, .len = 2};
	int replies = 0;

	for (int i = 0; i < 50; i++) {
		xs_conn_mem_feed(u5, &h, sizeof(h));
		xs_conn_mem_feed(u5, "1", 2);
	}
	xs_conn_service(u5); /* one turn: at most the per-turn quota */
	while (xs_conn_mem_next(u5, &h, t->out, sizeof(t->out)))
		replies++;
	ck_assert_int_eq(replies, 20);
	ck_assert(u5->more);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("xs_proto");
	TCase *tc = tcase_create("proto");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, tx_commit_without_conflict);
	tcase_add_test(tc, tx_conflict_eagain);
	tcase_add_test(tc, tx_conflict_on_created_sibling_and_rm);
	tcase_add_test(tc, tx_abort_and_close);
	tcase_add_test(tc, tx_quota_and_perms);
	tcase_add_test(tc, tx_memory_bounded);
	tcase_add_test(tc, tx_own_changes_do_not_conflict);
	tcase_add_test(tc, tx_rm_checks_before_recording);
	tcase_add_test(tc, tx_commit_rechecks_parent);
	tcase_add_test(tc, domain_memory_bounded_tx);
	tcase_add_test(tc, domain_memory_counts_output);
	tcase_add_test(tc, watch_basics);
	tcase_add_test(tc, watch_rm_parent_and_tx);
	tcase_add_test(tc, watch_relative_special_and_perms);
	tcase_add_test(tc, watch_quota);
	tcase_add_test(tc, event_queue_bounded);
	tcase_add_test(tc, oversized_event_dropped);
	tcase_add_test(tc, many_permission_entries);
	tcase_add_test(tc, domain_ops_privileged);
	tcase_add_test(tc, malformed_requests);
	tcase_add_test(tc, oversized_message_disconnects);
	tcase_add_test(tc, directory_and_part);
	tcase_add_test(tc, outstanding_requests_per_turn);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
