/* XEN_ELFNOTE_FEATURES strings and the feature bitmaps derived from them. */
#include <errno.h>
#include <string.h>

#include "kb_private.h"

#define F(name) [XENFEAT_##name] = #name
/* Names as spelled in xen/features.h (XENFEAT_<name>). */
static const char *const feature_names[] = {
	F(writable_page_tables),     F(writable_descriptor_tables),
	F(auto_translated_physmap),  F(supervisor_mode_kernel),
	F(pae_pgdir_above_4gb),      F(mmu_pt_update_preserve_ad),
	F(highmem_assist),           F(gnttab_map_avail_bits),
	F(hvm_callback_vector),      F(hvm_safe_pvclock),
	F(hvm_pirqs),                F(dom0),
	/* 12: grant_map_identity, deprecated */
	F(memory_op_vnode_supported),
	F(ARM_SMCCC_supported),      F(linux_rsdp_unrestricted),
	F(not_direct_mapped),        F(direct_mapped),
};
#undef F
#define NR_NAMES (sizeof(feature_names) / sizeof(feature_names[0]))

const char *kb_feature_name(unsigned int nr)
{
	return nr < NR_NAMES ? feature_names[nr] : NULL;
}

static int feature_lookup(const char *name, size_t n)
{
	for (unsigned int i = 0; i < NR_NAMES; i++)
		if (feature_names[i] && strlen(feature_names[i]) == n &&
		    memcmp(feature_names[i], name, n) == 0)
			return (int)i;
	return -1;
}

static void set_bit32(uint32_t *map, unsigned int nr)
{
	map[nr / 32] |= 1u << (nr % 32);
}

int kb_features_parse(const char *s, struct kb_elf_info *info, char *err)
{
	while (*s) {
		size_t n = strcspn(s, "|");
		bool required = s[0] == '!';
		const char *name = s + required;
		size_t nlen = n - required;
		int nr = feature_lookup(name, nlen);

		if (nr >= 0) {
			set_bit32(info->f_supported, (unsigned int)nr);
			if (required)
				set_bit32(info->f_required, (unsigned int)nr);
		} else if (required) {
			return kb_fail(err, -EINVAL,
				       "XEN_ELFNOTE_FEATURES requires unknown feature \"%.*s\"",
				       (int)nlen, name);
		}
		s += n + (s[n] == '|');
	}
	return 0;
}

int kb_features_check(const struct kb_elf_info *info,
		      const uint32_t offered[XENFEAT_NR_SUBMAPS], char *err)
{
	for (unsigned int nr = 0; nr < 32 * XENFEAT_NR_SUBMAPS; nr++) {
		uint32_t bit = 1u << (nr % 32);

		if ((info->f_required[nr / 32] & bit) && !(offered[nr / 32] & bit))
			return kb_fail(err, -EINVAL,
				       "image requires feature %s (XENFEAT %u), which the hypervisor does not offer",
				       kb_feature_name(nr) ? kb_feature_name(nr) : "?", nr);
	}
	return 0;
}
