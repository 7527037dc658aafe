/*
 * Everything a guest built on the kit needs: include this one header and
 * define main().  The kit boots (see guest/start.c), calls main, then
 * passes its return value to shutdown_code().
 */
#ifndef KETCH_GUEST_KIT_H
#define KETCH_GUEST_KIT_H

#include <stdint.h>
#include <stddef.h>
#include <xen/xen.h>
#include <ketch/abi.h>
#include <ketch-guest/arch.h>
#include <ketch-guest/hypercall.h>
#include <ketch-guest/startinfo.h>
#include <ketch-guest/console.h>
#include <ketch-guest/string.h>
#include <ketch-guest/mm.h>
#include <ketch-guest/frames.h>
#include <ketch-guest/heap.h>
#include <ketch-guest/sched.h>
#include <ketch-guest/time.h>
#include <ketch-guest/smp.h>
#include <ketch-guest/events.h>
#include <ketch-guest/multicall.h>

/*
 * The guest's entry point, called once the kit is up.  The return value
 * becomes the domain's exit code (0 = success).
 */
int main(const start_info_t *si);

#endif
