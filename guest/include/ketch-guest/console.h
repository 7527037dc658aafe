/*
 * Console output: printk() formats into a line buffer and writes it to the
 * console ring when asked to ("console=ring" on the command line) and its
 * event channel works, else through HYPERVISOR_console_io(CONSOLEIO_write).
 * The choice is made once, in init_console(); before that, output goes
 * through console_io.
 */
#ifndef KETCH_GUEST_CONSOLE_H
#define KETCH_GUEST_CONSOLE_H

#include <stdarg.h>
#include <stddef.h>
#include <xen/xen.h>

/* Longest single printk() output; longer output is truncated. */
#define PRINTK_MAX 1024

/*
 * Pick the output path: the ring at start_info.console.domU.mfn if the
 * command line has the word "console=ring", the console has an event
 * channel (port != 0) and an EVTCHNOP_send on it succeeds; else
 * console_io.  Call once.
 */
void init_console(const start_info_t *si);

/* Write len bytes to the console, verbatim. */
void console_write(const char *buf, size_t len);

/* Nonzero when output goes to the console ring rather than console_io. */
int console_uses_ring(void);

/* printf-style output (see vsnprintf for the conversions). */
__attribute__((format(printf, 1, 2))) void printk(const char *fmt, ...);

/* printk with a va_list. */
void vprintk(const char *fmt, va_list ap);

#endif
