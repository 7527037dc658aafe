/*
 * libFuzzer target: arbitrary bytes as the head of a disk image through
 * kd_image_probe (dom0-tools/ketchd/image_probe.c), which ketchd runs on
 * every image before QEMU or a guest sees it.  What it accepts must be
 * consistent: a qcow2 backing name is a bounded string with its format
 * recorded and not a protocol.
 */
#include <stdlib.h>
#include <string.h>

#include "image_probe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kd_probe p;
	const char *why;

	if (kd_image_probe(data, size, &p, &why) != 0) {
		if (!why || !*why)
			abort(); /* a refusal always says why */
		return 0;
	}
	if (p.fmt <= KD_FMT_AUTO || p.fmt >= KD_FMT_MAX)
		abort();
	if (p.backing[0] && (strlen(p.backing) > KD_BACKING_MAX ||
			     p.backing_fmt == KD_FMT_AUTO || p.backing_fmt >= KD_FMT_MAX ||
			     !strncmp(p.backing, "json:", 5)))
		abort();
	return 0;
}
