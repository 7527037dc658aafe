/*
 * Hypercall wrappers: one static inline function per entry of Xen's
 * hypercall table (xen/xen.h), each a call into the hypercall page that the
 * hypervisor fills with 32-byte stubs at hypercall_page + 32 * nr.
 *
 * Register convention (Xen x86-64): arguments in rdi, rsi, rdx, r10, r8,
 * result in rax.  A stub may clobber rcx, r11, every argument register and
 * memory, so every wrapper declares all of them.  Results are negated Xen
 * errno values (xen/errno.h) or a command-specific value >= 0.
 */
#ifndef KETCH_GUEST_HYPERCALL_H
#define KETCH_GUEST_HYPERCALL_H

#include <stdint.h>
#include <xen/xen.h>
#include <xen/errno.h>
#include <xen/sched.h>
#include <xen/arch-x86/xen-mca.h>

/* The 4 KiB page the hypervisor fills with stubs (guest/entry.S). */
extern char hypercall_page[4096];

/* Number of 32-byte stubs the hypercall page holds. */
#define GK_HYPERCALL_SLOTS 128

/*
 * _hypercall(nr, a1..a5): call stub nr (a compile-time constant) with five
 * arguments; unused arguments are passed as 0.  Evaluates to the long result.
 */
#define _hypercall(nr, a1, a2, a3, a4, a5)                                   \
	({                                                                   \
		register long _r __asm__("rax");                             \
		register long _a1 __asm__("rdi") = (long)(a1);               \
		register long _a2 __asm__("rsi") = (long)(a2);               \
		register long _a3 __asm__("rdx") = (long)(a3);               \
		register long _a4 __asm__("r10") = (long)(a4);               \
		register long _a5 __asm__("r8") = (long)(a5);                \
		__asm__ volatile("call hypercall_page + %c[off]"             \
				 : "=r"(_r), "+r"(_a1), "+r"(_a2), "+r"(_a3), \
				   "+r"(_a4), "+r"(_a5)                      \
				 : [off] "i"((nr) * 32)                      \
				 : "rcx", "r9", "r11", "memory");            \
		_r;                                                          \
	})

#define _hypercall0(nr) _hypercall(nr, 0, 0, 0, 0, 0)
#define _hypercall1(nr, a1) _hypercall(nr, a1, 0, 0, 0, 0)
#define _hypercall2(nr, a1, a2) _hypercall(nr, a1, a2, 0, 0, 0)
#define _hypercall3(nr, a1, a2, a3) _hypercall(nr, a1, a2, a3, 0, 0)
#define _hypercall4(nr, a1, a2, a3, a4) _hypercall(nr, a1, a2, a3, a4, 0)
#define _hypercall5(nr, a1, a2, a3, a4, a5) _hypercall(nr, a1, a2, a3, a4, a5)

/*
 * Call stub nr chosen at run time (tests probing unimplemented numbers).
 * nr must be below GK_HYPERCALL_SLOTS; larger numbers return -XEN_ENOSYS
 * without calling, since the page holds no stub for them.
 */
static inline long HYPERVISOR_raw(unsigned int nr, unsigned long a1,
				  unsigned long a2, unsigned long a3,
				  unsigned long a4, unsigned long a5)
{
	if (nr >= GK_HYPERCALL_SLOTS)
		return -XEN_ENOSYS;
	register long _r __asm__("rax") = (long)(hypercall_page + nr * 32);
	register unsigned long _a1 __asm__("rdi") = a1;
	register unsigned long _a2 __asm__("rsi") = a2;
	register unsigned long _a3 __asm__("rdx") = a3;
	register unsigned long _a4 __asm__("r10") = a4;
	register unsigned long _a5 __asm__("r8") = a5;
	__asm__ volatile("call *%%rax"
			 : "+r"(_r), "+r"(_a1), "+r"(_a2), "+r"(_a3), "+r"(_a4),
			   "+r"(_a5)
			 :
			 : "rcx", "r9", "r11", "memory");
	return _r;
}

/*
 * A hypercall made by a direct `syscall` instead of the page: Xen's 64-bit
 * PV convention (nr in rax; rdi, rsi, rdx, r10, r8, r9; result in rax),
 * which Xen's own page for such guests wraps as `push %rcx; push %r11;
 * mov $nr,%eax; syscall; pop %r11; pop %rcx; ret`.  The syscall leaves rcx
 * = the return address and r11 = rflags.  Offered on VT-x and SVM hosts
 * only: on PVM a syscall ends the domain (docs/abi.md).
 */
static inline long HYPERVISOR_syscall6(unsigned long nr, unsigned long a1,
				       unsigned long a2, unsigned long a3,
				       unsigned long a4, unsigned long a5,
				       unsigned long a6)
{
	register unsigned long _r __asm__("rax") = nr;
	register unsigned long _a1 __asm__("rdi") = a1;
	register unsigned long _a2 __asm__("rsi") = a2;
	register unsigned long _a3 __asm__("rdx") = a3;
	register unsigned long _a4 __asm__("r10") = a4;
	register unsigned long _a5 __asm__("r8") = a5;
	register unsigned long _a6 __asm__("r9") = a6;
	__asm__ volatile("syscall"
			 : "+r"(_r), "+r"(_a1), "+r"(_a2), "+r"(_a3), "+r"(_a4),
			   "+r"(_a5), "+r"(_a6)
			 :
			 : "rcx", "r11", "memory");
	return (long)_r;
}

/* 0: install a virtual trap table (array ending with a zero address). */
static inline int HYPERVISOR_set_trap_table(const trap_info_t *table)
{
	return (int)_hypercall1(__HYPERVISOR_set_trap_table, table);
}

/* 1: batched page-table updates; *success_count gets the number done. */
static inline int HYPERVISOR_mmu_update(mmu_update_t *req, unsigned int count,
					unsigned int *success_count,
					domid_t domid)
{
	return (int)_hypercall4(__HYPERVISOR_mmu_update, req, count,
				success_count, domid);
}

/* 2: load a new GDT from entries frames listed in frame_list. */
static inline int HYPERVISOR_set_gdt(xen_pfn_t *frame_list,
				     unsigned int entries)
{
	return (int)_hypercall2(__HYPERVISOR_set_gdt, frame_list, entries);
}

/* 3: kernel stack used on the next ring transition. */
static inline int HYPERVISOR_stack_switch(unsigned long ss, unsigned long sp)
{
	return (int)_hypercall2(__HYPERVISOR_stack_switch, ss, sp);
}

/* 4: event, failsafe and syscall callback addresses (x86-64 form). */
static inline int HYPERVISOR_set_callbacks(unsigned long event_address,
					   unsigned long failsafe_address,
					   unsigned long syscall_address)
{
	return (int)_hypercall3(__HYPERVISOR_set_callbacks, event_address,
				failsafe_address, syscall_address);
}

/* 5: set (1) or clear (0) CR0.TS. */
static inline int HYPERVISOR_fpu_taskswitch(int set)
{
	return (int)_hypercall1(__HYPERVISOR_fpu_taskswitch, set);
}

/* 6: pre-3.0.2 scheduler operation (arg is a value, not a pointer). */
static inline int HYPERVISOR_sched_op_compat(int cmd, unsigned long arg)
{
	return (int)_hypercall2(__HYPERVISOR_sched_op_compat, cmd, arg);
}

/* 7: platform operation (control domain only); op is xen_platform_op_t. */
static inline int HYPERVISOR_platform_op(void *op)
{
	return (int)_hypercall1(__HYPERVISOR_platform_op, op);
}

/* 8: write debug register reg. */
static inline int HYPERVISOR_set_debugreg(int reg, unsigned long value)
{
	return (int)_hypercall2(__HYPERVISOR_set_debugreg, reg, value);
}

/* 9: read debug register reg. */
static inline unsigned long HYPERVISOR_get_debugreg(int reg)
{
	return (unsigned long)_hypercall1(__HYPERVISOR_get_debugreg, reg);
}

/* 10: write descriptor desc at machine address ma. */
static inline int HYPERVISOR_update_descriptor(uint64_t ma, uint64_t desc)
{
	return (int)_hypercall2(__HYPERVISOR_update_descriptor, ma, desc);
}

/* 12: memory reservation and translation (xen/memory.h, XENMEM_*). */
static inline long HYPERVISOR_memory_op(unsigned int cmd, void *arg)
{
	return _hypercall2(__HYPERVISOR_memory_op, cmd, arg);
}

/* 13: run nr_calls hypercalls described by calls; results land in them. */
static inline int HYPERVISOR_multicall(multicall_entry_t *calls,
				       unsigned int nr_calls)
{
	return (int)_hypercall2(__HYPERVISOR_multicall, calls, nr_calls);
}

/* 14: set the L1 entry mapping va to new_val; flags are UVMF_*. */
static inline int HYPERVISOR_update_va_mapping(unsigned long va,
					       uint64_t new_val,
					       unsigned long flags)
{
	return (int)_hypercall3(__HYPERVISOR_update_va_mapping, va, new_val,
				flags);
}

/* 15: one-shot timer at system time timeout (ns); 0 cancels. */
static inline long HYPERVISOR_set_timer_op(uint64_t timeout)
{
	return _hypercall1(__HYPERVISOR_set_timer_op, timeout);
}

/* 16: pre-3.0.2 event-channel operation; op is evtchn_op_t. */
static inline int HYPERVISOR_event_channel_op_compat(void *op)
{
	return (int)_hypercall1(__HYPERVISOR_event_channel_op_compat, op);
}

/* 17: version information (xen/version.h, XENVER_*). */
static inline int HYPERVISOR_xen_version(int cmd, void *arg)
{
	return (int)_hypercall2(__HYPERVISOR_xen_version, cmd, arg);
}

/* 18: emergency console (CONSOLEIO_write / CONSOLEIO_read). */
static inline int HYPERVISOR_console_io(int cmd, int count, char *str)
{
	return (int)_hypercall3(__HYPERVISOR_console_io, cmd, count, str);
}

/* 19: pre-3.0.2 physical-device operation; op is physdev_op_t. */
static inline int HYPERVISOR_physdev_op_compat(void *op)
{
	return (int)_hypercall1(__HYPERVISOR_physdev_op_compat, op);
}

/* 20: grant-table operation (xen/grant_table.h, GNTTABOP_*). */
static inline int HYPERVISOR_grant_table_op(unsigned int cmd, void *uop,
					    unsigned int count)
{
	return (int)_hypercall3(__HYPERVISOR_grant_table_op, cmd, uop, count);
}

/* 21: enable or disable a VMASST_TYPE_* assist. */
static inline int HYPERVISOR_vm_assist(unsigned int cmd, unsigned int type)
{
	return (int)_hypercall2(__HYPERVISOR_vm_assist, cmd, type);
}

/* 22: update_va_mapping on behalf of domain domid. */
static inline int HYPERVISOR_update_va_mapping_otherdomain(unsigned long va,
							   uint64_t new_val,
							   unsigned long flags,
							   domid_t domid)
{
	return (int)_hypercall4(__HYPERVISOR_update_va_mapping_otherdomain, va,
				new_val, flags, domid);
}

/*
 * 23: return from an upcall.  Only meaningful with a struct iret_context
 * on the stack, i.e. from an upcall's assembly epilogue; does not return.
 */
static inline int HYPERVISOR_iret(void)
{
	return (int)_hypercall0(__HYPERVISOR_iret);
}

/* 24: per-vCPU operation (xen/vcpu.h, VCPUOP_*). */
static inline int HYPERVISOR_vcpu_op(int cmd, unsigned int vcpuid, void *extra)
{
	return (int)_hypercall3(__HYPERVISOR_vcpu_op, cmd, vcpuid, extra);
}

/* 25: set an FS/GS base (SEGBASE_*). */
static inline int HYPERVISOR_set_segment_base(unsigned int which,
					      unsigned long base)
{
	return (int)_hypercall2(__HYPERVISOR_set_segment_base, which, base);
}

/* 26: extended MMU operations (MMUEXT_*); *success_count gets done count. */
static inline int HYPERVISOR_mmuext_op(struct mmuext_op *op, unsigned int count,
				       unsigned int *success_count,
				       domid_t domid)
{
	return (int)_hypercall4(__HYPERVISOR_mmuext_op, op, count,
				success_count, domid);
}

/* 27: XSM/Flask security operation. */
static inline long HYPERVISOR_xsm_op(void *op)
{
	return _hypercall1(__HYPERVISOR_xsm_op, op);
}

/* 28: NMI callback registration (xen/nmi.h, XENNMI_*). */
static inline int HYPERVISOR_nmi_op(unsigned int cmd, void *arg)
{
	return (int)_hypercall2(__HYPERVISOR_nmi_op, cmd, arg);
}

/* 29: scheduler operation (xen/sched.h, SCHEDOP_*). */
static inline int HYPERVISOR_sched_op(int cmd, void *arg)
{
	return (int)_hypercall2(__HYPERVISOR_sched_op, cmd, arg);
}

/* 30: callback registration (xen/callback.h, CALLBACKOP_*). */
static inline int HYPERVISOR_callback_op(int cmd, const void *arg)
{
	return (int)_hypercall2(__HYPERVISOR_callback_op, cmd, arg);
}

/* 31: profiling (xen/xenoprof.h, XENOPROF_*). */
static inline int HYPERVISOR_xenoprof_op(int op, void *arg)
{
	return (int)_hypercall2(__HYPERVISOR_xenoprof_op, op, arg);
}

/* 32: event-channel operation (xen/event_channel.h, EVTCHNOP_*). */
static inline int HYPERVISOR_event_channel_op(int cmd, void *arg)
{
	return (int)_hypercall2(__HYPERVISOR_event_channel_op, cmd, arg);
}

/* 33: physical-device operation (xen/physdev.h, PHYSDEVOP_*). */
static inline int HYPERVISOR_physdev_op(int cmd, void *arg)
{
	return (int)_hypercall2(__HYPERVISOR_physdev_op, cmd, arg);
}

/* 34: HVM operation (xen/hvm/hvm_op.h, HVMOP_*). */
static inline long HYPERVISOR_hvm_op(unsigned long op, void *arg)
{
	return _hypercall2(__HYPERVISOR_hvm_op, op, arg);
}

/* 35: system control (toolstack only); op is xen_sysctl_t. */
static inline long HYPERVISOR_sysctl(void *op)
{
	return _hypercall1(__HYPERVISOR_sysctl, op);
}

/* 36: domain control (toolstack only); op is xen_domctl_t. */
static inline long HYPERVISOR_domctl(void *op)
{
	return _hypercall1(__HYPERVISOR_domctl, op);
}

/* 37: kexec operation (xen/kexec.h, KEXEC_CMD_*). */
static inline int HYPERVISOR_kexec_op(unsigned long op, void *arg)
{
	return (int)_hypercall2(__HYPERVISOR_kexec_op, op, arg);
}

/* 38: transcendent memory (deprecated by Xen). */
static inline long HYPERVISOR_tmem_op(void *op)
{
	return _hypercall1(__HYPERVISOR_tmem_op, op);
}

/* 39: Argo inter-domain messaging (xen/argo.h, XEN_ARGO_OP_*). */
static inline long HYPERVISOR_argo_op(unsigned int cmd, void *arg1, void *arg2,
				      uint32_t arg3, uint32_t arg4)
{
	return _hypercall5(__HYPERVISOR_argo_op, cmd, arg1, arg2, arg3, arg4);
}

/* 40: performance monitoring unit (xen/pmu.h, XENPMU_*). */
static inline int HYPERVISOR_xenpmu_op(unsigned int op, void *arg)
{
	return (int)_hypercall2(__HYPERVISOR_xenpmu_op, op, arg);
}

/* 41: device-model operation on domid (xen/hvm/dm_op.h). */
static inline int HYPERVISOR_dm_op(domid_t domid, unsigned int nr_bufs,
				   void *bufs)
{
	return (int)_hypercall3(__HYPERVISOR_dm_op, domid, nr_bufs, bufs);
}

/* 42: hypervisor file system (xen/hypfs.h, XEN_HYPFS_OP_*). */
static inline long HYPERVISOR_hypfs_op(unsigned int cmd, const char *arg1,
				       unsigned long arg2, void *arg3,
				       unsigned long arg4)
{
	return _hypercall5(__HYPERVISOR_hypfs_op, cmd, arg1, arg2, arg3, arg4);
}

/*
 * 48 (arch_0 on x86): machine-check architecture; op is xen_mc_t.
 * arch_1..arch_7 (49-55) have no public x86 meaning; HYPERVISOR_raw
 * reaches them.
 */
static inline int HYPERVISOR_mca(void *op)
{
	return (int)_hypercall1(__HYPERVISOR_mca, op);
}

#endif
