/* hv_boot.h - in-process boot benchmarks over libketchhv. */
#ifndef KETCH_BENCH_HV_BOOT_H
#define KETCH_BENCH_HV_BOOT_H

/* Boot n 16 MiB domains of kernel at once in one hypervisor; print the rate. */
int hvb_boot_many(int n, const char *kernel);
/* Host memory per idle (built, paused) 16 MiB domain beyond its guest RAM. */
int hvb_idle_mem(int n, const char *kernel);

/* Host kernel memory + this process's anonymous memory, KiB; -1 if unknown. */
long hvb_used_kib(void);

#endif
