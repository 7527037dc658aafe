/*
 * Heap: first-fit free list over chunks (64 KiB or more) taken from the
 * frame allocator, 16-byte aligned, coalescing on free.  Chunks stay with
 * the heap once taken.  Not thread-safe (one vCPU).
 */
#ifndef KETCH_GUEST_HEAP_H
#define KETCH_GUEST_HEAP_H

#include <stddef.h>

/* size bytes, 16-byte aligned, or NULL.  malloc(0) returns NULL. */
void *malloc(size_t size);

/* n * size zeroed bytes, or NULL (also on overflow). */
void *calloc(size_t n, size_t size);

/* Release p (NULL is ignored).  Crashes on a pointer malloc did not return. */
void free(void *p);

/* Bytes currently handed out by malloc. */
size_t heap_in_use(void);

#endif
