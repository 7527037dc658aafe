/*
 * gnttest: two domains share pages through grants.  Command line:
 *   role=a peer=<B>   grants B a mailbox page (ref 8), a data page (ref 9,
 *                     writable; ref 10, read-only) and the data page to
 *                     domain 999 (ref 11), then follows B through the steps
 *                     below with the mailbox's state word.
 *   role=b peer=<A>   maps the mailbox and data pages above its RAM.
 * Steps: B checks A's pattern and writes its own (state 1); A sees it and
 * finds both refs busy when ending access (2); B tries hostile maps, then
 * unmaps the data page (3); A ends access (4); B's second map fails (5);
 * A ends the mailbox grant once B has unmapped it.
 * die=1 (both): after state 1 A stops at once; B waits until A is gone
 * (hold_ms=N on B: then keeps its mappings N ms, saying so, before checking)
 * (a copy from A reports GNTST_bad_domain), then checks that its mappings
 * still hold A's memory, and unmaps them.
 */
#include <stdint.h>
#include <ketch-guest/kit.h>
#include <xen/errno.h>
#include <ketch-guest/gnttab.h>
#include "verdict.h"

#define RETRIES 2000000
#define REF_MB 8
#define REF_DATA 9
#define REF_RO 10
#define REF_OTHER 11

struct mailbox {
	volatile uint32_t state;
};

static uint8_t pattern_a(unsigned int i) { return (uint8_t)(i * 7 + 1); }
static uint8_t pattern_b(unsigned int i) { return (uint8_t)(i * 13 + 5); }

/* Wait (yielding) for the mailbox state to reach want. */
static int wait_state(struct mailbox *mb, uint32_t want)
{
	for (unsigned long i = 0; i < RETRIES; i++) {
		if (mb->state >= want)
			return 1;
		sched_yield();
	}
	printk("gnttest: timed out waiting for state %u (at %u)\n", want, mb->state);
	return 0;
}

static int check_page(const uint8_t *p, unsigned int from, unsigned int to,
		      uint8_t (*pat)(unsigned int))
{
	for (unsigned int i = from; i < to; i++)
		if (p[i] != pat(i))
			return 0;
	return 1;
}

static int role_a(domid_t peer, int die)
{
	struct mailbox *mb = alloc_page();
	uint8_t *data = alloc_page();
	int rc;

	verdict_rc("table set up", gnttab_init(1), 0);
	memset(mb, 0, 4096);
	for (unsigned int i = 0; i < 4096; i++)
		data[i] = pattern_a(i);
	verdict_rc("mailbox ref", gnttab_grant_access(peer, virt_to_pfn(mb), 0), REF_MB);
	verdict_rc("data ref", gnttab_grant_access(peer, virt_to_pfn(data), 0), REF_DATA);
	verdict_rc("read-only ref", gnttab_grant_access(peer, virt_to_pfn(data), 1), REF_RO);
	verdict_rc("other domain's ref", gnttab_grant_access(999, virt_to_pfn(data), 0), REF_OTHER);
	if (!wait_state(mb, 1))
		return verdict_done("gnttest a") + 1;
	verdict_check(check_page(data, 0, 2048, pattern_b), "A sees B's writes", "pattern");
	verdict_check(check_page(data, 2048, 4096, pattern_a), "A's other half intact", "pattern");
	if (die) {
		printk("gnttest a: stopping while B maps our pages\n");
		return verdict_done("gnttest a");
	}
	verdict_check((gnttab_entry_flags(REF_DATA) & (GTF_reading | GTF_writing)) ==
			      (GTF_reading | GTF_writing), "mapped entry shows reading|writing", "flags");
	verdict_rc("end access while mapped: busy", gnttab_end_access(REF_DATA), -XEN_EBUSY);
	verdict_check(gnttab_entry_flags(REF_DATA) & GTF_permit_access, "busy entry still granted", "flags");
	mb->state = 2;
	if (!wait_state(mb, 3))
		return verdict_done("gnttest a") + 1;
	verdict_check(!(gnttab_entry_flags(REF_DATA) & (GTF_reading | GTF_writing)),
		      "unmapped entry clears reading|writing", "flags");
	verdict_rc("end access after unmap", gnttab_end_access(REF_DATA), 0);
	mb->state = 4;
	if (!wait_state(mb, 5))
		return verdict_done("gnttest a") + 1;
	for (unsigned long i = 0; (rc = gnttab_end_access(REF_MB)) == -XEN_EBUSY && i < RETRIES; i++)
		sched_yield();
	verdict_rc("mailbox revoked once B unmapped it", rc, 0);
	return verdict_done("gnttest a");
}

static int map_retry(domid_t peer, grant_ref_t ref, uint64_t gpa, grant_handle_t *h, void **va)
{
	int st = GNTST_general_error;

	for (unsigned long i = 0; i < RETRIES; i++) {
		st = gnttab_map(peer, ref, gpa, 0, h, va);
		if (st == GNTST_okay || (st != GNTST_bad_gntref && st != GNTST_general_error))
			break;
		sched_yield();
	}
	return st;
}

/* Hostile maps and copies against A's real grants. */
static void b_hostile(domid_t peer, uint64_t base, uint8_t *mine)
{
	grant_handle_t h;
	void *va;

	verdict_rc("map of a grant for another domain", gnttab_map(peer, REF_OTHER, base + 0x2000, 0, &h, &va),
		   GNTST_permission_denied);
	verdict_rc("read-only grant mapped writable", gnttab_map(peer, REF_RO, base + 0x2000, 0, &h, &va),
		   GNTST_general_error);
	if (gnttab_map(peer, REF_RO, base + 0x2000, 1, &h, &va) == GNTST_okay) {
		verdict_check(check_page(va, 2048, 4096, pattern_a), "read-only map reads A's page", "pattern");
		verdict_rc("read-only unmap", gnttab_unmap(h, base + 0x2000), GNTST_okay);
	} else {
		verdict_check(0, "read-only map", "refused");
	}
	verdict_rc("map beyond the table", gnttab_map(peer, 5000, base + 0x2000, 0, &h, &va), GNTST_bad_gntref);
	verdict_rc("map of an unused entry", gnttab_map(peer, 12, base + 0x2000, 0, &h, &va), GNTST_general_error);
	verdict_rc("map over our own RAM", gnttab_map(peer, REF_DATA, 0x10000, 0, &h, &va), GNTST_general_error);
	verdict_rc("copy crossing a page", gnttab_copy_ref(peer, REF_DATA, 4000, virt_to_pfn(mine), 0, 200, 0),
		   GNTST_bad_copy_arg);
	verdict_rc("copy from A's grant", gnttab_copy_ref(peer, REF_DATA, 2048, virt_to_pfn(mine), 0, 2048, 0),
		   GNTST_okay);
	for (unsigned int i = 0; i < 2048; i++)
		if (mine[i] != pattern_a(i + 2048)) {
			verdict_check(0, "copy carried A's bytes", "pattern");
			return;
		}
	verdict_check(1, "copy carried A's bytes", "");
	verdict_rc("copy from the other domain's grant",
		   gnttab_copy_ref(peer, REF_OTHER, 0, virt_to_pfn(mine), 0, 16, 0), GNTST_permission_denied);
}

/* die=1: once A is gone, our mappings must still be A's memory. */
static void b_survives(domid_t peer, struct mailbox *mb, uint8_t *data, uint8_t *mine,
		       grant_handle_t hmb, grant_handle_t hd, uint64_t base)
{
	int st = GNTST_okay;

	for (unsigned long i = 0; i < RETRIES && st != GNTST_bad_domain; i++) {
		st = gnttab_copy_ref(peer, REF_DATA, 0, virt_to_pfn(mine), 0, 16, 0);
		sched_yield();
	}
	verdict_rc("granter is gone", st, GNTST_bad_domain);
	if (start_info_arg_ul("hold_ms", 0)) {
		/* Let the host look at what the dead granter still holds. */
		uint64_t end = deadline_after_ns(start_info_arg_ul("hold_ms", 0) * 1000000ULL);

		printk("gnttest b: holding the dead granter's pages\n");
		while (!deadline_passed(end))
			sched_yield();
	}
	verdict_check(check_page(data, 0, 2048, pattern_b) && check_page(data, 2048, 4096, pattern_a),
		      "mapping still holds the dead granter's page", "pattern");
	for (unsigned int i = 0; i < 4096; i++)
		data[i] = (uint8_t)~i;
	verdict_check(data[4095] == (uint8_t)~4095u && mb->state == 1, "mapping still writable", "value");
	verdict_rc("unmap after the granter died", gnttab_unmap(hd, base + 0x1000), GNTST_okay);
	verdict_rc("unmap mailbox", gnttab_unmap(hmb, base), GNTST_okay);
}

static int role_b(domid_t peer, int die)
{
	uint64_t base = gnttab_map_base();
	uint8_t *mine = alloc_page();
	struct mailbox *mb;
	uint8_t *data;
	grant_handle_t hmb, hd, h2;
	void *va;

	verdict_rc("map mailbox", map_retry(peer, REF_MB, base, &hmb, &va), GNTST_okay);
	mb = va;
	verdict_rc("map data", gnttab_map(peer, REF_DATA, base + 0x1000, 0, &hd, &va), GNTST_okay);
	data = va;
	if (verdict_failures)
		return verdict_done("gnttest b");
	verdict_check(check_page(data, 0, 4096, pattern_a), "B sees A's pattern", "pattern");
	for (unsigned int i = 0; i < 2048; i++)
		data[i] = pattern_b(i);
	mb->state = 1;
	if (die) {
		b_survives(peer, mb, data, mine, hmb, hd, base);
		return verdict_done("gnttest b");
	}
	if (!wait_state(mb, 2))
		return verdict_done("gnttest b") + 1;
	b_hostile(peer, base, mine);
	verdict_rc("unmap data", gnttab_unmap(hd, base + 0x1000), GNTST_okay);
	verdict_rc("unmap twice", gnttab_unmap(hd, base + 0x1000), GNTST_bad_handle);
	mb->state = 3;
	if (!wait_state(mb, 4))
		return verdict_done("gnttest b") + 1;
	verdict_rc("second map after end of access", gnttab_map(peer, REF_DATA, base + 0x1000, 0, &h2, &va),
		   GNTST_general_error);
	mb->state = 5;
	verdict_rc("unmap mailbox", gnttab_unmap(hmb, base), GNTST_okay);
	return verdict_done("gnttest b");
}

int main(const start_info_t *si)
{
	domid_t peer = (domid_t)start_info_arg_ul("peer", DOMID_SELF);
	int die = start_info_arg_ul("die", 0) != 0;

	(void)si;
	if (start_info_has_word("role=a"))
		return role_a(peer, die);
	if (start_info_has_word("role=b"))
		return role_b(peer, die);
	printk("gnttest: role=a or role=b required\n");
	return 2;
}
