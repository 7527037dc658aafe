/*
 * Unit test: the page behind the shadow-zap slot (guest-physical 2^39,
 * present while hv_kvm_zap_shadow runs) is each domain's own, reads zero
 * and is read-only in ketch-hv, so no domain can leave data there for
 * another.  Without KVM the slot ioctls fail; the page is set up first.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../hypervisor/hv.h"

/* The permissions /proc/self/maps shows for addr ("r--p"...), or "". */
static void perms_of(const void *addr, char out[5])
{
	FILE *f = fopen("/proc/self/maps", "r");
	unsigned long lo, hi, a = (unsigned long)addr;
	char line[512];

	strcpy(out, "");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%lx %4s", &lo, &hi, out) == 3 && a >= lo && a < hi)
			break;
		else
			strcpy(out, "");
	if (f)
		fclose(f);
}

static struct domain *fake(struct hv *hv)
{
	struct domain *d = calloc(1, sizeof(*d));

	d->hv = hv;
	d->vmfd = -1;
	pthread_mutex_init(&d->zap_lock, NULL);
	return d;
}

START_TEST(zap_page_is_per_domain_and_read_only)
{
	struct hv hv = { .kvm = -1 };
	struct domain *a = fake(&hv), *b = fake(&hv);
	char perms[5];

	hv_kvm_zap_shadow(a);
	hv_kvm_zap_shadow(b);
	ck_assert_ptr_nonnull(a->zap_page);
	ck_assert_ptr_nonnull(b->zap_page);
	ck_assert_ptr_ne(a->zap_page, b->zap_page);
	for (unsigned int i = 0; i < HV_PAGE_SIZE; i++)
		ck_assert_uint_eq(((uint8_t *)a->zap_page)[i], 0);
	perms_of(a->zap_page, perms);
	ck_assert_str_eq(perms, "r--p");
	hv_kvm_zap_free(a);
	hv_kvm_zap_free(b);
	ck_assert_ptr_null(a->zap_page);
	free(a);
	free(b);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("hv_zap");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, zap_page_is_per_domain_and_read_only);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
