/*
 * Freestanding string, memory and formatting helpers (the C library subset
 * the kit and its guests use).  Semantics are those of ISO C.
 */
#ifndef KETCH_GUEST_STRING_H
#define KETCH_GUEST_STRING_H

#include <stdarg.h>
#include <stddef.h>

void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strcpy(char *restrict dst, const char *restrict src);
char *strncpy(char *restrict dst, const char *restrict src, size_t n);
char *strchr(const char *s, int c);

/*
 * Format into buf (at most size bytes, always terminated when size > 0).
 * Conversions: %d %i %u %x %X %p %s %c %%, length modifiers l ll z, flags
 * '-' and '0', a field width (digits or *), a precision for %s (%.Ns).
 * Returns the length the full output would have, like C99.
 */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

/* vsnprintf with variadic arguments. */
__attribute__((format(printf, 3, 4))) int snprintf(char *buf, size_t size,
						   const char *fmt, ...);

#endif
