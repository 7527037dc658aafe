/* Protocol tests through Debian's libxenstore against a running daemon (XENSTORED_PATH).
 * Prints one "ok <what>" or "FAIL <what>" line per check. */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xenstore.h>

static int failures;

static void check(bool cond, const char *what)
{
	printf("%s %s\n", cond ? "ok" : "FAIL", what);
	failures += !cond;
}

static bool read_is(struct xs_handle *h, xs_transaction_t t, const char *path, const char *want)
{
	unsigned len;
	char *v = xs_read(h, t, path, &len);
	bool ok = v && len == strlen(want) && !strcmp(v, want);

	free(v);
	return ok;
}

static void test_basic(struct xs_handle *h)
{
	unsigned n;
	char **d;

	check(xs_write(h, XBT_NULL, "/t/basic/a", "1", 1), "write creates parents");
	check(read_is(h, XBT_NULL, "/t/basic/a", "1"), "read back");
	check(xs_mkdir(h, XBT_NULL, "/t/basic/dir"), "mkdir");
	d = xs_directory(h, XBT_NULL, "/t/basic", &n);
	check(d && n == 2, "directory lists two children");
	free(d);
	check(xs_rm(h, XBT_NULL, "/t/basic/a") && !xs_read(h, XBT_NULL, "/t/basic/a", &n) &&
		      errno == ENOENT,
	      "rm then read gives ENOENT");
	check(!xs_write(h, XBT_NULL, "/t/bad//path", "1", 1) && errno == EINVAL,
	      "invalid path gives EINVAL");
}

static void test_big_directory(struct xs_handle *h)
{
	char p[64];
	unsigned n = 0;
	char **d;
	bool ok = true;

	for (int i = 0; i < 600 && ok; i++) {
		snprintf(p, sizeof(p), "/t/big/entry-with-a-long-name-%04d", i);
		ok = xs_write(h, XBT_NULL, p, "", 0);
	}
	d = xs_directory(h, XBT_NULL, "/t/big", &n);
	check(ok && d && n == 600, "directory of 600 children (DIRECTORY_PART fallback)");
	free(d);
}

static void test_transactions(struct xs_handle *h, struct xs_handle *h2)
{
	xs_transaction_t t1, t2;

	xs_write(h, XBT_NULL, "/t/tx/k", "0", 1);
	t1 = xs_transaction_start(h);
	t2 = xs_transaction_start(h);
	check(t1 && t2 && t1 != t2, "two transactions open on one connection");
	check(xs_write(h, t1, "/t/tx/k", "t1", 2), "write in transaction");
	check(read_is(h2, XBT_NULL, "/t/tx/k", "0"), "not visible outside before commit");
	check(read_is(h, t1, "/t/tx/k", "t1"), "visible inside");
	check(xs_transaction_end(h, t1, true) && read_is(h, XBT_NULL, "/t/tx/k", "0"),
	      "abort discards");
	check(read_is(h, t2, "/t/tx/k", "0") && xs_write(h, t2, "/t/tx/k", "t2", 2),
	      "second transaction reads and writes");
	check(xs_write(h2, XBT_NULL, "/t/tx/k", "other", 5), "conflicting write outside");
	check(!xs_transaction_end(h, t2, false) && errno == EAGAIN, "commit fails with EAGAIN");
	check(read_is(h, XBT_NULL, "/t/tx/k", "other"), "conflicting commit left no trace");
	t1 = xs_transaction_start(h);
	check(xs_write(h, t1, "/t/tx/new", "v", 1) && xs_transaction_end(h, t1, false) &&
		      read_is(h2, XBT_NULL, "/t/tx/new", "v"),
	      "non-conflicting commit lands");
}

static char **wait_watch(struct xs_handle *h)
{
	struct pollfd p = {.fd = xs_fileno(h), .events = POLLIN};
	char **w = xs_check_watch(h);

	while (!w && poll(&p, 1, 3000) > 0)
		w = xs_check_watch(h);
	return w;
}

static bool event_is(struct xs_handle *h, const char *path, const char *token)
{
	char **w = wait_watch(h);
	bool ok = w && !strcmp(w[XS_WATCH_PATH], path) && !strcmp(w[XS_WATCH_TOKEN], token);

	free(w);
	return ok;
}

static void test_watches(struct xs_handle *h, struct xs_handle *h2)
{
	check(xs_watch(h, "/t/w", "tok"), "watch");
	check(event_is(h, "/t/w", "tok"), "initial event on registration");
	xs_write(h2, XBT_NULL, "/t/w/x/y", "1", 1);
	check(event_is(h, "/t/w/x/y", "tok"), "event for a change below the path");
	xs_rm(h2, XBT_NULL, "/t/w");
	check(event_is(h, "/t/w", "tok"), "event on removal");
	check(xs_watch(h, "@introduceDomain", "intro") && event_is(h, "@introduceDomain", "intro"),
	      "special watch @introduceDomain");
	/* Events and replies on the same connection stay well framed. */
	check(xs_write(h, XBT_NULL, "/t/w/self", "1", 1), "write on the watching connection");
	check(event_is(h, "/t/w/self", "tok"), "its own write fires its watch");
	check(read_is(h, XBT_NULL, "/t/w/self", "1"), "and replies still match requests");
	check(xs_unwatch(h, "/t/w", "tok"), "unwatch");
	check(!xs_unwatch(h, "/t/w", "tok") && errno == ENOENT, "second unwatch gives ENOENT");
}

static void test_perms_and_domains(struct xs_handle *h)
{
	struct xs_permissions set[2] = {{7, XS_PERM_READ}, {9, XS_PERM_READ | XS_PERM_WRITE}};
	struct xs_permissions *got;
	unsigned n = 0;
	char *p;

	xs_write(h, XBT_NULL, "/t/perm", "x", 1);
	check(xs_set_permissions(h, XBT_NULL, "/t/perm", set, 2), "set permissions");
	got = xs_get_permissions(h, XBT_NULL, "/t/perm", &n);
	check(got && n == 2 && got[0].id == 7 && got[0].perms == XS_PERM_READ && got[1].id == 9 &&
		      got[1].perms == (XS_PERM_READ | XS_PERM_WRITE),
	      "get permissions returns them");
	free(got);
	p = xs_get_domain_path(h, 12);
	check(p && !strcmp(p, "/local/domain/12"), "get domain path");
	free(p);
	check(xs_is_domain_introduced(h, 0) && !xs_is_domain_introduced(h, 12),
	      "is_domain_introduced");
	check(!xs_introduce_domain(h, 12, 1234, 5) && errno == ENOSYS,
	      "introduce without a hypervisor client fails with ENOSYS");
	check(!xs_release_domain(h, 12) && errno == ENOENT, "release of unknown domain: ENOENT");
}

int main(void)
{
	struct xs_handle *h = xs_open(0), *h2 = xs_open(0);

	if (!h || !h2) {
		perror("xs_open");
		return 2;
	}
	test_basic(h);
	test_big_directory(h);
	test_transactions(h, h2);
	test_watches(h, h2);
	test_perms_and_domains(h);
	xs_close(h);
	xs_close(h2);
	return failures ? 1 : 0;
}
