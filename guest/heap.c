/*
 * Heap: blocks carry a 16-byte header (size incl. header, magic).  Free
 * blocks sit on an address-ordered list and merge with adjacent neighbours;
 * when nothing fits, a new chunk of at least HEAP_CHUNK comes from the
 * frame allocator.
 */
#include <ketch-guest/kit.h>

#define HEAP_CHUNK (64 * 1024)
#define MAGIC_USED 0x6b6974757365644bULL
#define MAGIC_FREE 0x6b697466726565ULL
#define HDR 16
#define MIN_BLOCK 32

struct block {
	size_t size; /* whole block, header included; multiple of 16 */
	uint64_t magic;
	struct block *next; /* free blocks only: lives in the payload */
};

static struct block *free_list;
static size_t in_use;

static int adjacent(const struct block *a, const struct block *b)
{
	return (const char *)a + a->size == (const char *)b;
}

/* Put b on the free list in address order and merge with neighbours. */
static void insert_free(struct block *b)
{
	struct block **pp = &free_list, *prev = NULL;

	b->magic = MAGIC_FREE;
	while (*pp && *pp < b) {
		prev = *pp;
		pp = &(*pp)->next;
	}
	b->next = *pp;
	*pp = b;
	if (b->next && adjacent(b, b->next)) {
		b->size += b->next->size;
		b->next = b->next->next;
	}
	if (prev && adjacent(prev, b)) {
		prev->size += b->size;
		prev->next = b->next;
	}
}

static int grow(size_t need)
{
	size_t bytes = ALIGN_UP(need, (size_t)HEAP_CHUNK);
	struct block *b = alloc_pages(bytes / PAGE_SIZE);

	if (!b)
		return -1;
	b->size = bytes;
	insert_free(b);
	return 0;
}

/* Take need bytes from the first free block that fits, or NULL. */
static struct block *take(size_t need)
{
	for (struct block **pp = &free_list; *pp; pp = &(*pp)->next) {
		struct block *b = *pp;
		if (b->size < need)
			continue;
		if (b->size - need >= MIN_BLOCK) {
			struct block *rest = (struct block *)((char *)b + need);
			rest->size = b->size - need;
			rest->magic = MAGIC_FREE;
			rest->next = b->next;
			*pp = rest;
			b->size = need;
		} else {
			*pp = b->next;
		}
		b->magic = MAGIC_USED;
		return b;
	}
	return NULL;
}

void *malloc(size_t size)
{
	struct block *b;
	size_t need;

	if (size == 0 || size > ((size_t)1 << 40))
		return NULL;
	need = ALIGN_UP(size + HDR, (size_t)16);
	if (need < MIN_BLOCK)
		need = MIN_BLOCK;
	b = take(need);
	if (!b && grow(need) == 0)
		b = take(need);
	if (!b)
		return NULL;
	in_use += b->size;
	return (char *)b + HDR;
}

void *calloc(size_t n, size_t size)
{
	void *p;

	if (size && n > ((size_t)1 << 40) / size)
		return NULL;
	p = malloc(n * size);
	if (p)
		memset(p, 0, n * size);
	return p;
}

void free(void *p)
{
	struct block *b;

	if (!p)
		return;
	b = (struct block *)((char *)p - HDR);
	if (((unsigned long)p & 15) || b->magic != MAGIC_USED)
		crash("free: not a live malloc block");
	in_use -= b->size;
	insert_free(b);
}

size_t heap_in_use(void)
{
	return in_use;
}
