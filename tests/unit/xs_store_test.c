/* Unit tests of the xenstore-lite store: paths, permissions, tree operations, persistence. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <xen/io/xs_wire.h>

#include "path.h"
#include "persist.h"
#include "store.h"

static struct xs_quota q;
static struct xs_store st;
static struct xs_view live;
static const struct xs_caller dom0 = {.domid = 0, .priv = true};
static const struct xs_caller d5 = {.domid = 5};
static const struct xs_caller d6 = {.domid = 6};

static void setup(void)
{
	xs_quota_defaults(&q);
	ck_assert_int_eq(xs_store_init(&st, &q), 0);
	live = xs_store_live(&st);
}

static void teardown(void)
{
	xs_store_fini(&st);
}

static int wr(const struct xs_caller *c, const char *path, const char *v)
{
	return xs_store_write(&st, &live, c, path, v, (uint32_t)strlen(v));
}

static const char *rd(const struct xs_caller *c, const char *path, int *err)
{
	struct xs_node *n = NULL;

	*err = xs_store_get(&st, st.root, c, path, XS_PERM_READ, &n);
	return *err ? NULL : n->value;
}

static void chmod_(const char *path, const char *p0, const char *p1)
{
	struct xs_perm p[2];
	uint32_t n = 1;

	ck_assert_int_eq(xs_perms_parse(p0, &p[0]), 0);
	if (p1) {
		ck_assert_int_eq(xs_perms_parse(p1, &p[1]), 0);
		n = 2;
	}
	ck_assert_int_eq(xs_store_set_perms(&st, &live, &dom0, path, p, n), 0);
}

START_TEST(path_canon)
{
	char out[XS_PATH_BUF];
	bool rel;

	ck_assert_int_eq(xs_path_canon(&d5, "device/vif", false, out, &rel), 0);
	ck_assert_str_eq(out, "/local/domain/5/device/vif");
	ck_assert(rel);
	ck_assert_int_eq(xs_path_canon(&d5, "/a/b-c_d@e", false, out, &rel), 0);
	ck_assert(!rel);
	ck_assert_int_eq(xs_path_canon(&d5, "/", false, out, &rel), 0);
	ck_assert_int_eq(xs_path_canon(&d5, "/a//b", false, out, &rel), -EINVAL);
	ck_assert_int_eq(xs_path_canon(&d5, "/a/", false, out, &rel), -EINVAL);
	ck_assert_int_eq(xs_path_canon(&d5, "/a b", false, out, &rel), -EINVAL);
	ck_assert_int_eq(xs_path_canon(&d5, "/a\xff", false, out, &rel), -EINVAL);
	ck_assert_int_eq(xs_path_canon(&d5, "", false, out, &rel), -EINVAL);
	ck_assert_int_eq(xs_path_canon(&d5, "@releaseDomain", false, out, &rel), -EINVAL);
	ck_assert_int_eq(xs_path_canon(&d5, "@releaseDomain", true, out, &rel), 0);
}
END_TEST

START_TEST(path_length_limits)
{
	char in[XENSTORE_ABS_PATH_MAX + 8], out[XS_PATH_BUF];
	bool rel;

	in[0] = '/';
	memset(in + 1, 'a', XENSTORE_ABS_PATH_MAX - 1);
	in[XENSTORE_ABS_PATH_MAX] = '\0';
	ck_assert_int_eq(xs_path_canon(&dom0, in, false, out, &rel), 0);
	strcat(in, "a");
	ck_assert_int_eq(xs_path_canon(&dom0, in, false, out, &rel), -EINVAL);
	/* Unprivileged: the part below the home path is limited to REL_PATH_MAX. */
	memset(in, 'b', XENSTORE_REL_PATH_MAX + 1);
	in[XENSTORE_REL_PATH_MAX + 1] = '\0';
	ck_assert_int_eq(xs_path_canon(&d5, in, false, out, &rel), -EINVAL);
	in[XENSTORE_REL_PATH_MAX] = '\0';
	ck_assert_int_eq(xs_path_canon(&d5, in, false, out, &rel), 0);
}
END_TEST

START_TEST(path_below)
{
	ck_assert(xs_path_is_at_or_below("/a/b", "/a"));
	ck_assert(xs_path_is_at_or_below("/a", "/a"));
	ck_assert(xs_path_is_at_or_below("/a", "/"));
	ck_assert(!xs_path_is_at_or_below("/ab", "/a"));
	ck_assert(!xs_path_is_at_or_below("/a", "/a/b"));
	ck_assert_uint_eq(xs_path_parent_len("/a/b"), 2);
	ck_assert_uint_eq(xs_path_parent_len("/a"), 1);
	ck_assert_uint_eq(xs_path_parent_len("/"), 0);
}
END_TEST

START_TEST(perms_rules)
{
	struct xs_perm p[3];
	const struct xs_caller tgt = {.domid = 9, .has_target = true, .target = 5};

	ck_assert_int_eq(xs_perms_parse("r5", &p[0]), 0); /* owner 5, others read */
	ck_assert_int_eq(xs_perms_parse("n6", &p[1]), 0);
	ck_assert_int_eq(xs_perms_parse("w7", &p[2]), 0);
	ck_assert_uint_eq(xs_perms_for(&d5, p, 3), XS_PERM_BOTH | XS_PERM_OWNER);
	ck_assert_uint_eq(xs_perms_for(&d6, p, 3), XS_PERM_NONE);
	ck_assert_uint_eq(xs_perms_for(&(struct xs_caller){.domid = 7}, p, 3), XS_PERM_WRITE);
	ck_assert_uint_eq(xs_perms_for(&(struct xs_caller){.domid = 8}, p, 3), XS_PERM_READ);
	ck_assert_uint_eq(xs_perms_for(&dom0, p, 3), XS_PERM_BOTH | XS_PERM_OWNER);
	ck_assert_uint_eq(xs_perms_for(&tgt, p, 3), XS_PERM_BOTH | XS_PERM_OWNER);
	ck_assert_int_eq(xs_perms_parse("x5", &p[0]), -EINVAL);
	ck_assert_int_eq(xs_perms_parse("r", &p[0]), -EINVAL);
	ck_assert_int_eq(xs_perms_parse("r70000", &p[0]), -EINVAL);
	ck_assert_int_eq(xs_perms_parse("r5x", &p[0]), -EINVAL);
}
END_TEST

START_TEST(write_creates_parents)
{
	int err;

	ck_assert_int_eq(wr(&dom0, "/a/b/c", "v"), 0);
	ck_assert_str_eq(rd(&dom0, "/a/b/c", &err), "v");
	ck_assert_str_eq(rd(&dom0, "/a/b", &err), "");
	ck_assert_ptr_null(rd(&dom0, "/a/x", &err));
	ck_assert_int_eq(err, -ENOENT);
	ck_assert_int_eq(wr(&dom0, "/a/b/c", "longer value"), 0);
	ck_assert_str_eq(rd(&dom0, "/a/b/c", &err), "longer value");
}
END_TEST

START_TEST(inherit_and_owner)
{
	struct xs_node *n;
	int err;

	ck_assert_int_eq(xs_store_mkdir(&st, &live, &dom0, "/local/domain/5"), 0);
	chmod_("/local/domain/5", "n5", "r6");
	/* Dom 5 owns its home, creates below it: new nodes owned by 5, inherit r6. */
	ck_assert_int_eq(wr(&d5, "/local/domain/5/x/y", "1"), 0);
	n = xs_store_lookup(st.root, "/local/domain/5/x/y");
	ck_assert_uint_eq(n->perms[0].id, 5);
	ck_assert_uint_eq(n->nperms, 2);
	ck_assert_uint_eq(n->perms[1].id, 6);
	ck_assert_str_eq(rd(&d6, "/local/domain/5/x/y", &err), "1");
	/* Dom 6 may read, not write; dom 7 may do neither. */
	ck_assert_int_eq(wr(&d6, "/local/domain/5/x/y", "2"), -EACCES);
	ck_assert_ptr_null(rd(&(struct xs_caller){.domid = 7}, "/local/domain/5/x/y", &err));
	ck_assert_int_eq(err, -EACCES);
	/* Nodes the control domain creates inherit the owner too. */
	ck_assert_int_eq(wr(&dom0, "/local/domain/5/z", "1"), 0);
	ck_assert_uint_eq(xs_store_lookup(st.root, "/local/domain/5/z")->perms[0].id, 5);
}
END_TEST

START_TEST(enoent_vs_eacces)
{
	int err;

	ck_assert_int_eq(wr(&dom0, "/secret/a", "1"), 0); /* "/" is n0: nobody else */
	ck_assert_ptr_null(rd(&d5, "/secret/missing", &err));
	ck_assert_int_eq(err, -EACCES); /* may not even learn it is missing */
	chmod_("/secret", "r0", NULL);
	ck_assert_ptr_null(rd(&d5, "/secret/missing", &err));
	ck_assert_int_eq(err, -ENOENT);
	ck_assert_int_eq(wr(&d5, "/secret/new", "1"), -EACCES);
	ck_assert_int_eq(wr(&d5, "/elsewhere", "1"), -EACCES);
}
END_TEST

START_TEST(set_perms_rules)
{
	struct xs_perm p[2] = {{5, XS_PERM_NONE}, {6, XS_PERM_READ}};
	struct xs_perm other_owner = {6, XS_PERM_NONE};

	ck_assert_int_eq(xs_store_mkdir(&st, &live, &dom0, "/local/domain/5"), 0);
	chmod_("/local/domain/5", "n5", NULL);
	ck_assert_int_eq(xs_store_set_perms(&st, &live, &d5, "/local/domain/5", p, 2), 0);
	ck_assert_int_eq(xs_store_set_perms(&st, &live, &d5, "/local/domain/5", &other_owner, 1),
			 -EPERM);
	ck_assert_int_eq(xs_store_set_perms(&st, &live, &d6, "/local/domain/5", p, 2), -EACCES);
	ck_assert_int_eq(xs_store_set_perms(&st, &live, &dom0, "/local/domain/5", &other_owner, 1),
			 0);
	ck_assert_int_eq(xs_store_set_perms(&st, &live, &dom0, "/nope", p, 1), -ENOENT);
	ck_assert_int_eq(st.counts->owned[6], 1);
	ck_assert_int_eq(st.counts->owned[5], 0);
}
END_TEST

START_TEST(rm_rules)
{
	ck_assert_int_eq(wr(&dom0, "/a/b/c", "1"), 0);
	ck_assert_int_eq(xs_store_rm(&st, &live, &dom0, "/a/b/zz"), 0);   /* parent exists */
	ck_assert_int_eq(xs_store_rm(&st, &live, &dom0, "/a/q/zz"), -ENOENT);
	ck_assert_int_eq(xs_store_rm(&st, &live, &dom0, "/"), -EINVAL);
	ck_assert_int_eq(xs_store_rm(&st, &live, &d5, "/a"), -EACCES);
	ck_assert_int_eq(xs_store_rm(&st, &live, &dom0, "/a/b"), 0);
	ck_assert_ptr_null(xs_store_lookup(st.root, "/a/b/c"));
	ck_assert_ptr_nonnull(xs_store_lookup(st.root, "/a"));
	ck_assert_uint_eq(xs_store_lookup(st.root, "/a")->nkids, 0);
}
END_TEST

START_TEST(quota_nodes_and_size)
{
	char big[4000];
	char path[64];

	q.nodes = 10;
	ck_assert_int_eq(xs_store_mkdir(&st, &live, &dom0, "/local/domain/5"), 0);
	chmod_("/local/domain/5", "n5", NULL); /* home owned by 5: 1 node */
	for (int i = 0; i < 9; i++) {
		snprintf(path, sizeof(path), "/local/domain/5/n%d", i);
		ck_assert_int_eq(wr(&d5, path, "x"), 0);
	}
	ck_assert_int_eq(wr(&d5, "/local/domain/5/one-too-many", "x"), -ENOSPC);
	ck_assert_int_eq(wr(&d5, "/local/domain/5/n1", "rewrite is fine"), 0);
	ck_assert_int_eq(xs_store_rm(&st, &live, &d5, "/local/domain/5/n0"), 0);
	ck_assert_int_eq(wr(&d5, "/local/domain/5/again", "x"), 0);
	memset(big, 'v', sizeof(big));
	big[sizeof(big) - 1] = '\0';
	ck_assert_int_eq(wr(&d5, "/local/domain/5/n1", big), -ENOSPC);
	ck_assert_int_eq(wr(&dom0, "/local/domain/5/n1", big), 0); /* dom0 is exempt */
}
END_TEST

START_TEST(persist_roundtrip)
{
	char file[] = "/tmp/xs-persist-XXXXXX";
	struct xs_store st2;
	int fd = mkstemp(file), err;

	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(wr(&dom0, "/a/b", "line1\nline2"), 0);
	ck_assert_int_eq(xs_store_write(&st, &live, &dom0, "/bin", "\0\1\2", 3), 0);
	chmod_("/a/b", "r7", "b9");
	ck_assert_int_eq(xs_persist_save(&st, file), 0);
	ck_assert_int_eq(xs_store_init(&st2, &q), 0);
	ck_assert_int_eq(xs_persist_load(&st2, file), 0);
	unlink(file);
	xs_store_fini(&st);
	st = st2;
	live = xs_store_live(&st);
	ck_assert_str_eq(rd(&dom0, "/a/b", &err), "line1\nline2");
	ck_assert_uint_eq(xs_store_lookup(st.root, "/bin")->vlen, 3);
	ck_assert_int_eq(memcmp(xs_store_lookup(st.root, "/bin")->value, "\0\1\2", 3), 0);
	ck_assert_uint_eq(xs_store_lookup(st.root, "/a/b")->perms[0].id, 7);
	ck_assert_uint_eq(xs_store_lookup(st.root, "/a/b")->perms[1].perm, XS_PERM_BOTH);
	ck_assert_int_eq(xs_persist_load(&st, "/nonexistent/xs"), -ENOENT);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("xs_store");
	TCase *t = tcase_create("store");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, path_canon);
	tcase_add_test(t, path_length_limits);
	tcase_add_test(t, path_below);
	tcase_add_test(t, perms_rules);
	tcase_add_test(t, write_creates_parents);
	tcase_add_test(t, inherit_and_owner);
	tcase_add_test(t, enoent_vs_eacces);
	tcase_add_test(t, set_perms_rules);
	tcase_add_test(t, rm_rules);
	tcase_add_test(t, quota_nodes_and_size);
	tcase_add_test(t, persist_roundtrip);
	suite_add_tcase(s, t);
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
