/* start_info_t checks and the addresses derived from it. */
#include <ketch-guest/kit.h>

const start_info_t *start_info;

static char cmdline[MAX_GUEST_CMDLINE];

void init_start_info(const start_info_t *si)
{
	static const char magic[] = "xen-3.0-x86_64";

	if (memcmp(si->magic, magic, sizeof(magic) - 1) != 0)
		crash("start_info magic is not xen-3.0-x86_64");
	start_info = si;
	memcpy(cmdline, si->cmd_line, sizeof(cmdline) - 1);
	cmdline[sizeof(cmdline) - 1] = '\0';
}

shared_info_t *start_info_shared(void)
{
	return gpa_to_virt(start_info->shared_info);
}

void *start_info_console_page(void)
{
	return pfn_to_virt(start_info->console.domU.mfn);
}

void *start_info_store_page(void)
{
	return pfn_to_virt(start_info->store_mfn);
}

const char *start_info_cmdline(void)
{
	return cmdline;
}

unsigned long start_info_arg_ul(const char *key, unsigned long def)
{
	size_t klen = strlen(key);

	for (const char *p = cmdline; p && *p; p = strchr(p, ' ')) {
		while (*p == ' ')
			p++;
		if (strncmp(p, key, klen) == 0 && p[klen] == '=') {
			unsigned long v = 0;

			for (p += klen + 1; *p >= '0' && *p <= '9'; p++)
				v = v * 10 + (unsigned long)(*p - '0');
			return v;
		}
	}
	return def;
}

int start_info_has_word(const char *word)
{
	size_t len = strlen(word);

	for (const char *p = cmdline; p && *p; p = strchr(p, ' ')) {
		while (*p == ' ')
			p++;
		if (strncmp(p, word, len) == 0 && (p[len] == ' ' || p[len] == '\0'))
			return 1;
	}
	return 0;
}
