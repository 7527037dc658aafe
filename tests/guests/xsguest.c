/*
 * xsguest: xenstore from inside a guest, through the kit's xenbus client.
 * Needs a xenstored that was told about this domain (INTRODUCE) and a home
 * made the way a toolstack makes it: /local/domain/<id> readable, its
 * data/ owned by the guest, "domid" written.  Command line:
 *   (none)     nodes, relative paths, directories, permissions, refusals,
 *              transactions; then prints "xsguest: ready" and waits (60 s)
 *              for the control domain to write data/conflict (which must
 *              make an open transaction fail with EAGAIN) and
 *              data/watched/one and data/watched/two (watch events), and
 *              for data/be/state to reach Connected (4) while data/be2/state
 *              is Closed (6); it ends with data/fe/state Connected.
 *   hostile=1  after one good request, writes an impossible req_prod and
 *              checks the daemon closes the ring (error field, EIO after).
 * PASS/FAIL lines; the exit code is the number of failures.
 */
#include <ketch-guest/kit.h>
#include <ketch-guest/xenbus.h>

#include "verdict.h"

#define WAIT_NS (60ull * 1000000000ull)

static char home[64];

/* PASS when reading path gives want. */
static void expect_value(const char *name, xenbus_transaction_t t, const char *path,
			 const char *want)
{
	char *v = NULL, detail[96];
	int r = xenbus_read(t, path, &v, NULL);

	snprintf(detail, sizeof(detail), "rc %d, value '%s'", r, v ? v : "");
	verdict_check(r == 0 && !strcmp(v, want), name, detail);
	free(v);
}

static void check_nodes(void)
{
	char path[96], **names = NULL;
	unsigned int n = 0;

	snprintf(path, sizeof(path), "%s/data/abs", home);
	verdict_rc("write absolute", xenbus_write(XBT_NIL, path, "one"), 0);
	expect_value("read it relative", XBT_NIL, "data/abs", "one");
	verdict_rc("write relative", xenbus_write(XBT_NIL, "data/rel", "two"), 0);
	snprintf(path, sizeof(path), "%s/data/rel", home);
	expect_value("read it absolute", XBT_NIL, path, "two");
	verdict_rc("mkdir", xenbus_mkdir(XBT_NIL, "data/dir"), 0);
	xenbus_write(XBT_NIL, "data/dir/b", "B");
	xenbus_write(XBT_NIL, "data/dir/a", "A");
	verdict_rc("directory", xenbus_directory(XBT_NIL, "data/dir", &names, &n), 0);
	verdict_check(n == 2 && !strcmp(names[0], "a") && !strcmp(names[1], "b"),
		      "directory lists a and b", "wrong names");
	free(names);
	verdict_rc("rm", xenbus_rm(XBT_NIL, "data/dir"), 0);
	verdict_rc("read below a removed node: ENOENT",
		   xenbus_read(XBT_NIL, "data/dir/a", NULL, NULL), -XEN_ENOENT);
	expect_value("home readable", XBT_NIL, "name", "xsguest");
}

/* A value longer than the ring: requests and replies cross it in pieces. */
static void check_long_value(void)
{
	unsigned int n = 2000, len = 0; /* under the 2048-byte value quota */
	char *big = malloc(n + 1), *v = NULL;
	int same;

	for (unsigned int i = 0; i < n; i++)
		big[i] = (char)('a' + i % 26);
	big[n] = '\0';
	verdict_rc("write a value longer than the ring", xenbus_write(XBT_NIL, "data/big", big), 0);
	verdict_rc("read it back", xenbus_read(XBT_NIL, "data/big", &v, &len), 0);
	same = v && len == n && !memcmp(v, big, n);
	verdict_check(same, "long value intact", "differs");
	free(v);
	free(big);
}

static void check_perms(domid_t id)
{
	char own[8], **p = NULL;
	const char *set[2] = {own, "r0"};
	unsigned int n = 0;

	snprintf(own, sizeof(own), "n%u", id);
	verdict_rc("get_perms", xenbus_get_perms(XBT_NIL, "data/abs", &p, &n), 0);
	verdict_check(n == 1 && !strcmp(p[0], own), "we own what we create", n ? p[0] : "none");
	free(p);
	verdict_rc("set_perms", xenbus_set_perms(XBT_NIL, "data/abs", set, 2), 0);
	xenbus_get_perms(XBT_NIL, "data/abs", &p, &n);
	verdict_check(n == 2 && !strcmp(p[1], "r0"), "set_perms took effect", "perms unchanged");
	free(p);
	verdict_rc("write in our read-only home: EACCES",
		   xenbus_write(XBT_NIL, "name", "evil"), -XEN_EACCES);
	verdict_rc("write in domain 0's subtree: EACCES",
		   xenbus_write(XBT_NIL, "/local/domain/0/data/x", "evil"), -XEN_EACCES);
	verdict_rc("read another domain's subtree: EACCES",
		   xenbus_read(XBT_NIL, "/local/domain/0/data/x", NULL, NULL), -XEN_EACCES);
}

static int bump(xenbus_transaction_t t, void *arg)
{
	long v = 0;
	char s[16];

	(void)arg;
	xenbus_read_integer(t, "data/counter", &v);
	snprintf(s, sizeof(s), "%ld", v + 1);
	return xenbus_write(t, "data/counter", s);
}

static void check_transactions(void)
{
	xenbus_transaction_t t = XBT_NIL;

	verdict_rc("transaction start", xenbus_transaction_start(&t), 0);
	xenbus_write(t, "data/tx/x", "1");
	xenbus_write(t, "data/tx/y", "2");
	expect_value("transaction sees its own write", t, "data/tx/x", "1");
	verdict_rc("outside sees nothing before commit",
		   xenbus_read(XBT_NIL, "data/tx/x", NULL, NULL), -XEN_ENOENT);
	verdict_rc("commit", xenbus_transaction_end(t, 0), 0);
	expect_value("committed x", XBT_NIL, "data/tx/x", "1");
	expect_value("committed y", XBT_NIL, "data/tx/y", "2");
	xenbus_transaction_start(&t);
	xenbus_write(t, "data/tx/z", "3");
	verdict_rc("abort", xenbus_transaction_end(t, 1), 0);
	verdict_rc("aborted write is gone", xenbus_read(XBT_NIL, "data/tx/z", NULL, NULL),
		   -XEN_ENOENT);
	for (int i = 0; i < 3; i++)
		xenbus_transaction_retry(bump, NULL, 5);
	expect_value("retry helper committed three bumps", XBT_NIL, "data/counter", "3");
}

/* Take the next event for token; PASS when its path is want. */
static void expect_event(const char *name, const char *token, const char *want)
{
	struct xenbus_event *ev = NULL;
	int r = xenbus_wait_event(token, &ev, deadline_after_ns(WAIT_NS));

	verdict_check(r == 0 && !strcmp(ev->path, want), name, r ? "no event" : ev->path);
	free(ev);
}

/* The control domain's writes: one conflicts with our open transaction. */
static void check_watches(void)
{
	xenbus_transaction_t t = XBT_NIL;

	verdict_rc("watch data/watched", xenbus_watch("data/watched", "w"), 0);
	verdict_rc("watch data/conflict", xenbus_watch("data/conflict", "c"), 0);
	expect_event("first event names the watch", "w", "data/watched");
	expect_event("first event of the second watch", "c", "data/conflict");
	xenbus_transaction_start(&t);
	xenbus_read(t, "data/conflict", NULL, NULL); /* ENOENT, but recorded */
	printk("xsguest: ready\n");
	expect_event("control domain's write seen", "c", "data/conflict");
	xenbus_write(t, "data/conflict", "guest");
	verdict_rc("conflicting transaction: EAGAIN", xenbus_transaction_end(t, 0), -XEN_EAGAIN);
	expect_value("the control domain's value stands", XBT_NIL, "data/conflict", "dom0");
	expect_event("event for watched/one", "w", "data/watched/one");
	expect_event("event for watched/two", "w", "data/watched/two");
	verdict_rc("unwatch", xenbus_unwatch("data/watched", "w"), 0);
}

/* The XenbusState handshake helpers, against states the control domain writes. */
static void check_states(void)
{
	XenbusState got = XenbusStateUnknown, mine = XenbusStateUnknown;
	uint64_t end = deadline_after_ns(WAIT_NS);

	verdict_rc("switch state", xenbus_switch_state(XBT_NIL, "data/fe/state",
						       XenbusStateInitialising), 0);
	verdict_rc("wait for the peer's Connected",
		   xenbus_wait_for_state("data/be/state", XenbusStateConnected, &got, end), 0);
	verdict_rc("peer state read", got, XenbusStateConnected);
	verdict_rc("closed peer: ENOTCONN",
		   xenbus_wait_for_state("data/be2/state", XenbusStateConnected, &got, end),
		   -XEN_ENOTCONN);
	xenbus_switch_state(XBT_NIL, "data/fe/state", XenbusStateConnected);
	verdict_rc("read own state", xenbus_read_state("data/fe/state", &mine), 0);
	verdict_rc("own state Connected", mine, XenbusStateConnected);
}

static int hostile(void)
{
	struct xenstore_domain_interface *in = xenbus_ring();
	uint64_t end;

	verdict_rc("a good request first", xenbus_write(XBT_NIL, "data/hostile", "1"), 0);
	in->req_prod = in->req_cons + 3 * XENSTORE_RING_SIZE;
	evtchn_send(start_info->store_evtchn);
	for (end = deadline_after_ns(WAIT_NS); !in->error && !deadline_passed(end);)
		sched_yield();
	verdict_rc("daemon flagged the ring", in->error, XENSTORE_ERROR_RINGIDX);
	verdict_rc("and requests fail", xenbus_read(XBT_NIL, "data/hostile", NULL, NULL),
		   -XEN_EIO);
	return verdict_done("xsguest hostile");
}

int main(const start_info_t *si)
{
	domid_t id = 0;
	char *path = NULL;

	verdict_rc("init_xenbus", init_xenbus(si), 0);
	if (start_info_arg_ul("hostile", 0))
		return hostile();
	verdict_rc("own domid", xenbus_domid(&id), 0);
	snprintf(home, sizeof(home), "/local/domain/%u", id);
	verdict_rc("domain path", xenbus_domain_path(id, &path), 0);
	verdict_check(path && !strcmp(path, home), "domain path is our home", path ? path : "");
	free(path);
	check_nodes();
	check_long_value();
	check_perms(id);
	check_transactions();
	check_watches();
	check_states();
	return verdict_done("xsguest");
}
