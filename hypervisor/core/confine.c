/*
 * confine.c - ketch-hv gives up what it does not need: every capability
 * at start (before any thread exists, since capabilities belong to each
 * thread), then, once its control socket is open or its guest's files are
 * read, everything outside its seccomp allow-list (libconfine's
 * kcf_confine_hv; docs/security.md).
 */
#include <stdbool.h>
#include <stdio.h>

#include "hv.h"
#include "ketch/confine.h"

int hv_confine_early(bool confine)
{
	char err[256];
	int r;

	if (!confine)
		return 0;
	r = kcf_drop_early(0, NULL, err, sizeof(err));
	if (r)
		fprintf(stderr, "ketch-hv: cannot drop capabilities: %s\n", err);
	return r;
}

int hv_confine(struct hv *hv)
{
	char err[256];
	int r;

	if (!hv->confine) {
		hv_log("not confined (--no-confine)");
		kcf_selftest("ketch-hv"); /* test builds: the same probes, unrefused */
		return 0;
	}
	r = kcf_confine_hv(err, sizeof(err));
	if (r)
		hv_log("cannot confine ketch-hv: %s", err);
	else
		hv_log("confined: seccomp allow-list (a forbidden call ends ketch-hv with "
		       "SIGSYS), no capabilities");
	return r;
}
