/*
 * libFuzzer target: arbitrary bytes as a save file for `ketch restore`
 * (libketchsave's reader and every record decoder).  Save files come from
 * wherever the operator got them, so none may crash the reader, make it
 * read outside its buffers or allocate without bound; every decoded
 * field is touched so ASan sees an overread.
 */
#include <stdlib.h>
#include <string.h>

#include "ketch/savestream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile uint64_t sink;

static void touch(const struct ks_record *rec)
{
	switch (rec->type) {
	case KS_REC_DOMAIN:
		sink += strlen(rec->u.domain.config);
		break;
	case KS_REC_PAGES:
		for (uint32_t i = 0; i < rec->u.pages.count; i++)
			sink += rec->u.pages.pfn[i] + rec->u.pages.data[i * KS_PAGE + KS_PAGE - 1];
		break;
	case KS_REC_EVTCHN:
		for (uint32_t i = 0; i < rec->u.evtchn.count; i++)
			sink += rec->u.evtchn.ports[i].port;
		break;
	case KS_REC_XENSTORE:
		for (uint32_t i = 0; i < rec->u.xenstore.count; i++)
			sink += strlen(rec->u.xenstore.nodes[i].path) +
				strlen(rec->u.xenstore.nodes[i].value);
		break;
	default:
		sink += rec->type;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy = malloc(size ? size : 1); /* exact size: ASan sees overreads */
	struct ks_membuf m = { .data = copy, .len = size };
	struct ks_reader r;
	struct ks_record rec;
	char err[KS_ERRLEN];

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	if (ks_reader_init(&r, ks_read_mem, &m, err) == 0)
		while (ks_reader_next(&r, &rec, err) == 1)
			touch(&rec);
	ks_reader_free(&r);
	free(copy);
	return 0;
}
