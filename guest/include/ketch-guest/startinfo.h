/*
 * start_info_t as handed over at start of day (rsi), plus the addresses the
 * kit derives from it.  Frames in start_info are guest-physical
 * (auto-translated); the kit's linear map puts gpa X at GK_VIRT_BASE + X.
 */
#ifndef KETCH_GUEST_STARTINFO_H
#define KETCH_GUEST_STARTINFO_H

#include <stdint.h>
#include <xen/xen.h>
#include <ketch/abi.h>

/* Virtual address of guest-physical address 0 (the link base). */
#define GK_VIRT_BASE ((unsigned long)KETCH_GUEST_VIRT_BASE)

/* The start_info page, valid after init_start_info(). */
extern const start_info_t *start_info;

/*
 * Check the magic ("xen-3.0-x86_64") and remember si.  Crashes the domain
 * on a bad magic: nothing else in the kit can be trusted then.
 */
void init_start_info(const start_info_t *si);

/* Shared-info page (start_info.shared_info is its guest-physical address). */
shared_info_t *start_info_shared(void);

/* Console ring page (start_info.console.domU.mfn, a gpfn). */
void *start_info_console_page(void);

/* Xenstore ring page (start_info.store_mfn, a gpfn). */
void *start_info_store_page(void);

/* Command line as a C string (always terminated). */
const char *start_info_cmdline(void);

/*
 * The decimal value of the space-separated word "key=N" on the command
 * line, or def when no such word is present.
 */
unsigned long start_info_arg_ul(const char *key, unsigned long def);

/* Nonzero when word (e.g. "console=ring") is a whole word of the command line. */
int start_info_has_word(const char *word);

#endif
