/* run.h - `ketch-hv run` and its small helpers. */
#ifndef KETCH_HV_RUN_H
#define KETCH_HV_RUN_H

#include <stddef.h>
#include <stdint.h>

struct hv;

/* Boot one guest as the command line says; returns the process exit status. */
int run_main(struct hv *hv, int argc, char **argv);
/* "32M", "1G", "65536K", "4194304" -> bytes; -EINVAL if malformed. */
int run_parse_size(const char *s, uint64_t *bytes);
/* Read a whole file (<= 256 MiB) into malloc'd memory; NULL + message on error. */
void *run_read_file(const char *path, size_t *len);

struct domain;
struct run_console;
/* Serve domain d's console ring (frame gpfn, event channel port) on stdout. */
struct run_console *run_console_start(struct domain *d, uint64_t gpfn, uint32_t port);
/* Stop serving, after a last drain; NULL is fine. */
void run_console_stop(struct run_console *c);

#endif
