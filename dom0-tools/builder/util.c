/* Error formatting shared by the builder. */
#include <stdarg.h>
#include <stdio.h>

#include "kb_private.h"

int kb_fail(char *err, int rc, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		va_start(ap, fmt);
		vsnprintf(err, KB_ERRLEN, fmt, ap);
		va_end(ap);
	}
	return rc;
}
