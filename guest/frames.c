/*
 * Page-frame allocator: one bit per RAM frame (1 = used), first-fit
 * search starting at a rover so repeated single-frame allocations stay
 * linear overall.
 */
#include <ketch-guest/kit.h>

static uint64_t *bitmap;
static unsigned long nr_frames, nr_free, rover;

static int used(unsigned long pfn)
{
	return (bitmap[pfn / 64] >> (pfn % 64)) & 1;
}

static void set_used(unsigned long pfn, int on)
{
	if (on)
		bitmap[pfn / 64] |= 1ULL << (pfn % 64);
	else
		bitmap[pfn / 64] &= ~(1ULL << (pfn % 64));
}

unsigned long frames_bitmap_pages(unsigned long nr_pages)
{
	unsigned long bytes = ALIGN_UP(nr_pages, 64UL) / 8;

	return ALIGN_UP(bytes, PAGE_SIZE) / PAGE_SIZE;
}

void frames_init(unsigned long nr_pages, unsigned long map_pfn)
{
	bitmap = pfn_to_virt(map_pfn);
	nr_frames = nr_pages;
	memset(bitmap, 0xff, frames_bitmap_pages(nr_pages) * PAGE_SIZE);
	nr_free = 0;
	rover = 0;
}

void frames_release(unsigned long first, unsigned long n)
{
	BUG_ON(first > nr_frames || n > nr_frames - first);
	for (unsigned long pfn = first; pfn < first + n; pfn++) {
		if (used(pfn)) {
			set_used(pfn, 0);
			nr_free++;
		}
	}
}

/* First pfn of n free frames inside [from, to), or -1. */
static long find_run(unsigned long from, unsigned long to, unsigned long n)
{
	unsigned long run = 0;

	for (unsigned long pfn = from; pfn < to; pfn++) {
		if (pfn % 64 == 0 && bitmap[pfn / 64] == ~0ULL) {
			run = 0;
			pfn += 63;
			continue;
		}
		if (used(pfn))
			run = 0;
		else if (++run == n)
			return (long)(pfn + 1 - n);
	}
	return -1;
}

void *alloc_pages(unsigned long n)
{
	long first;

	if (n == 0 || n > nr_free)
		return NULL;
	first = find_run(rover, nr_frames, n);
	if (first < 0)
		first = find_run(0, nr_frames, n);
	if (first < 0)
		return NULL;
	for (unsigned long i = 0; i < n; i++)
		set_used((unsigned long)first + i, 1);
	nr_free -= n;
	rover = (unsigned long)first + n;
	return pfn_to_virt((unsigned long)first);
}

void *alloc_page(void)
{
	return alloc_pages(1);
}

void free_pages(void *va, unsigned long n)
{
	unsigned long first = virt_to_pfn(va);

	BUG_ON((unsigned long)va & ~PAGE_MASK);
	BUG_ON(first >= nr_frames || n > nr_frames - first);
	for (unsigned long pfn = first; pfn < first + n; pfn++) {
		BUG_ON(!used(pfn)); /* double free */
		set_used(pfn, 0);
	}
	nr_free += n;
	if (first < rover)
		rover = first;
}

void free_page(void *va)
{
	free_pages(va, 1);
}

unsigned long frames_free(void)
{
	return nr_free;
}
