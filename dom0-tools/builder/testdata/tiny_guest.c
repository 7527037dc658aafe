/*
 * Fixture for the builder's unit tests: the smallest real Xen-ELF guest a
 * C compiler and linker produce (never run, only loaded).  Its notes are
 * the ones a Xen PV kernel carries; its hypercall page sits in .text.
 */
#define NOTE(type, body)                                  \
	".balign 4\n"                                     \
	".long 4, 2f - 1f, " #type "\n"                   \
	".asciz \"Xen\"\n"                                \
	"1: " body "\n"                                   \
	"2: .balign 4\n"

__asm__(".pushsection .note.Xen, \"a\", @note\n"
	NOTE(6, ".asciz \"tiny\"")              /* GUEST_OS */
	NOTE(8, ".asciz \"generic\"")           /* LOADER */
	NOTE(5, ".asciz \"xen-3.0\"")           /* XEN_VERSION */
	NOTE(3, ".quad 0x400000")               /* VIRT_BASE */
	NOTE(1, ".quad _start")                 /* ENTRY */
	NOTE(2, ".quad hypercall_page")         /* HYPERCALL_PAGE */
	NOTE(10, ".asciz \"!auto_translated_physmap|writable_page_tables\"")
	".popsection\n"
	".pushsection .text.hypercall, \"ax\", @progbits\n"
	".balign 4096\n"
	".globl hypercall_page\n"
	".type hypercall_page, @function\n"
	"hypercall_page: .fill 4096, 1, 0xcc\n"
	".size hypercall_page, 4096\n"
	".popsection\n");

volatile unsigned long tiny_counter = 42;
static volatile unsigned char tiny_bss[20000];

void _start(void);
void _start(void)
{
	for (;;)
		tiny_bss[tiny_counter++ % sizeof(tiny_bss)]++;
}
