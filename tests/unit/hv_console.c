/*
 * Unit test: CONSOLEIO_read from two vCPUs at once.  Each input byte is
 * delivered once and the buffer's length never underflows.  The copy to
 * the guest is this file's __wrap_gm_copy_to (linked with
 * --wrap=gm_copy_to), which sleeps, so both readers are in the middle of
 * a read together (the window a read that drops the lock between
 * measuring and consuming had).
 */
#include <check.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xen/xen.h>

#include "../../hypervisor/hv.h"

static struct domain *d;
static size_t got[2];

int __wrap_gm_copy_to(struct vcpu *v, uint64_t va, const void *src, size_t len);

/* The copy to the guest: what a reader receives is only counted. */
int __wrap_gm_copy_to(struct vcpu *v, uint64_t va, const void *src, size_t len)
{
	(void)src;
	(void)va;
	usleep(20000);
	got[v->id] += len;
	return 0;
}

static void *reader(void *arg)
{
	struct vcpu *v = arg;
	const uint64_t a[6] = { CONSOLEIO_read, 100, 0x400000 };

	hc_console_io(v, a);
	return NULL;
}

START_TEST(two_readers_share_the_input)
{
	pthread_t t[2];

	d = calloc(1, sizeof(*d));
	pthread_mutex_init(&d->lock, NULL);
	for (unsigned int i = 0; i < 2; i++)
		d->vcpus[i] = (struct vcpu){ .d = d, .id = i };
	memset(d->console_in, 'x', 150);
	d->console_in_len = 150;
	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, reader, &d->vcpus[i]);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	ck_assert_uint_eq(got[0] + got[1], 150);
	ck_assert_uint_eq(d->console_in_len, 0);
	free(d);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("hv_console");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, two_readers_share_the_input);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
