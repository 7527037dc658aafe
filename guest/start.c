/*
 * start_kernel: the kit's boot order in one place.  entry.S calls it on the
 * kit stack with .bss zeroed; it never returns.
 */
#include <ketch-guest/kit.h>

void start_kernel(const start_info_t *si);

void start_kernel(const start_info_t *si)
{
	init_start_info(si); /* checks magic; console_io works from here */
	init_console(si);    /* ring or console_io, decided once */
	init_mm(si);         /* linear map of RAM, frame allocator, heap */
	init_smp();          /* vCPU 0's data and GS base */
	init_events();       /* shared_info; upcalls masked until enabled */
	init_time(si);       /* TSC scale from shared_info */

	shutdown_code((unsigned int)main(si));
}
