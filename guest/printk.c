/* printk: format a message and hand it to the console in one write. */
#include <ketch-guest/kit.h>

void vprintk(const char *fmt, va_list ap)
{
	char buf[PRINTK_MAX];
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);

	if (n < 0)
		return;
	console_write(buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

void printk(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintk(fmt, ap);
	va_end(ap);
}
