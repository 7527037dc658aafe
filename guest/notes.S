/*
 * Xen ELF notes read by the domain builder (xen/elfnote.h): who we are,
 * where we are linked (_text, from guest.lds, = KETCH_GUEST_VIRT_BASE), the
 * entry point and the hypercall page.
 */
#include <xen/elfnote.h>

#define ELFNOTE(type, desc_directive, desc)			\
	.balign 4;						\
	.long 2f - 1f;		/* namesz */			\
	.long 4f - 3f;		/* descsz */			\
	.long type;						\
1:	.asciz "Xen";						\
2:	.balign 4;						\
3:	desc_directive desc;					\
4:	.balign 4

	.section .note.Xen, "a", @note
	.globl gk_elfnotes
gk_elfnotes:
	ELFNOTE(XEN_ELFNOTE_GUEST_OS, .asciz, "Ketch-kit")
	ELFNOTE(XEN_ELFNOTE_LOADER, .asciz, "generic")
	ELFNOTE(XEN_ELFNOTE_XEN_VERSION, .asciz, "xen-3.0")
	ELFNOTE(XEN_ELFNOTE_VIRT_BASE, .quad, _text)
	ELFNOTE(XEN_ELFNOTE_PADDR_OFFSET, .quad, _text)
	ELFNOTE(XEN_ELFNOTE_ENTRY, .quad, _start)
	ELFNOTE(XEN_ELFNOTE_HYPERCALL_PAGE, .quad, hypercall_page)
	ELFNOTE(XEN_ELFNOTE_FEATURES, .asciz,
		"!auto_translated_physmap|writable_page_tables")

	.section .note.GNU-stack, "", @progbits
