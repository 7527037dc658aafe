/* Shutdown, crash and yield over HYPERVISOR_sched_op. */
#include <ketch-guest/kit.h>

/* A shutdown that returned: nothing sane is left, so fault on purpose. */
static __attribute__((noreturn)) void die(void)
{
	for (;;)
		__asm__ volatile("ud2");
}

void shutdown(unsigned int reason)
{
	sched_shutdown_t arg = { .reason = reason };
	int rc = HYPERVISOR_sched_op(SCHEDOP_shutdown, &arg);

	printk("shutdown(%u) returned %d\n", reason, rc);
	die();
}

void shutdown_code(unsigned int code)
{
	sched_shutdown_t arg = { .reason = code };
	int rc = HYPERVISOR_sched_op(SCHEDOP_shutdown_code, &arg);

	if (rc < 0)
		printk("SCHEDOP_shutdown_code(%u) failed: %d\n", code, rc);
	shutdown(SHUTDOWN_poweroff);
}

void crash(const char *msg)
{
	printk("crash: %s\n", msg);
	shutdown(SHUTDOWN_crash);
}

void crash_at(const char *file, int line, const char *what)
{
	printk("BUG at %s:%d: %s\n", file, line, what);
	shutdown(SHUTDOWN_crash);
}

void sched_yield(void)
{
	HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
}
