/* bench.h - shared pieces of the hypervisor benchmarks. */
#ifndef KETCH_BENCH_H
#define KETCH_BENCH_H

#include <stdint.h>

/* Monotonic time in microseconds. */
double bench_now_us(void);
/* TSC frequency measured against the monotonic clock over ~200 ms. */
double bench_tsc_hz(void);
/* Bare KVM: one PIO exit round trip from a Ketch-like CPL3 guest (µs). */
double floor_exit_us(int n);
/* Bare KVM: create a 2 MiB VM and run it to its first exit (µs per VM). */
double floor_vm_boot_us(int n);

/* Bare KVM: host memory per idle VM beyond the guest pages it touched (KiB). */
double floor_idle_vm_kib(int n);

/* Bare KVM: guest ioeventfd notify -> host eventfd wake -> guest sees a flag (µs). */
double floor_notify_rtt_us(int ms);
/* Bare KVM: kick a vCPU spinning in guest code out of KVM_RUN (µs). */
double floor_kick_us(int n);

#endif
