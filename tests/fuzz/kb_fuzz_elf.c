/*
 * libFuzzer target: arbitrary bytes as a guest kernel image for the domain
 * builder: ELF headers, program headers, Xen notes, the symbol table
 * (kb_elf_parse, kb_elf_symbolize) and, for images that parse, the whole
 * start-of-day build into a small domain (kb_build).  Images come from
 * whoever creates a domain, and ketch-hv parses them again for crash
 * reports, so none may crash or read outside the buffer.
 */
#include <stdlib.h>
#include <string.h>

#include "ketch/builder.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_MEM (8u << 20) /* the smallest domain worth building */

/* Symbolise the entry point and each segment's ends. */
static void symbolize(const uint8_t *img, size_t len, const struct kb_elf_info *info)
{
	char name[64];
	uint64_t off;

	kb_elf_symbolize(img, len, info, info->entry, name, sizeof(name), &off);
	for (int i = 0; i < info->nseg && i < KB_MAX_SEGMENTS; i++) {
		kb_elf_symbolize(img, len, info, info->seg[i].vaddr, name, sizeof(name), &off);
		kb_elf_symbolize(img, len, info, info->seg[i].vaddr + info->seg[i].memsz - 1,
				 name, 1, &off);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t *mem;
	struct kb_elf_info info;
	struct kb_layout out;
	char err[KB_ERRLEN];
	uint8_t *img = malloc(size ? size : 1); /* exact size: ASan sees overreads */

	if (!img)
		return 0;
	memcpy(img, data, size);
	if (kb_elf_parse(img, size, &info, err) == 0) {
		struct kb_domain_spec spec = {
			.domid = 1, .mem_bytes = FUZZ_MEM, .kernel = img, .kernel_len = size,
			.cmdline = "console=hvc0", .store_evtchn = 1, .console_evtchn = 2,
			.hv_features = { (1u << XENFEAT_writable_page_tables) },
		};

		if (!mem && !(mem = malloc(FUZZ_MEM)))
			abort();
		spec.mem = mem;
		symbolize(img, size, &info);
		kb_build(&spec, &out, err);
	}
	free(img);
	return 0;
}
