/*
 * hello: greets with its domain id, prints the start_info fields and the
 * Xen version it sees, one per line, then powers off with code 0.
 */
#include <ketch-guest/kit.h>
#include <xen/version.h>

static void print_start_info(const start_info_t *si)
{
	printk("start_info.magic=\"%.32s\"\n", si->magic);
	printk("start_info.nr_pages=%lu\n", si->nr_pages);
	printk("start_info.shared_info=0x%lx\n", si->shared_info);
	printk("start_info.flags=0x%x\n", si->flags);
	printk("start_info.store_mfn=0x%lx\n", si->store_mfn);
	printk("start_info.store_evtchn=%u\n", si->store_evtchn);
	printk("start_info.console.mfn=0x%lx\n", si->console.domU.mfn);
	printk("start_info.console.evtchn=%u\n", si->console.domU.evtchn);
	printk("start_info.pt_base=0x%lx\n", si->pt_base);
	printk("start_info.nr_pt_frames=%lu\n", si->nr_pt_frames);
	printk("start_info.mfn_list=0x%lx\n", si->mfn_list);
	printk("start_info.mod_start=0x%lx\n", si->mod_start);
	printk("start_info.mod_len=%lu\n", si->mod_len);
	printk("start_info.cmd_line=\"%s\"\n", start_info_cmdline());
}

static void print_version(void)
{
	xen_extraversion_t extra;
	int ver = HYPERVISOR_xen_version(XENVER_version, NULL);
	int rc = HYPERVISOR_xen_version(XENVER_extraversion, extra);

	if (ver < 0) {
		printk("Xen version unknown (%d)\n", ver);
		return;
	}
	if (rc < 0)
		extra[0] = '\0';
	extra[sizeof(extra) - 1] = '\0';
	printk("Xen version %d.%d%s\n", ver >> 16, ver & 0xffff, extra);
}

int main(const start_info_t *si)
{
	int domid = HYPERVISOR_xen_version(KETCH_XENVER_domid, NULL);

	printk("Hello from Ketch domain %d\n", domid);
	print_start_info(si);
	print_version();
	return 0;
}
