/*
 * image_probe.h - what a disk image's first bytes say it is (libketchcfg).
 * The probe reads headers only, never trusts them: every field it uses is
 * bounded against the bytes it was given, and a header Ketch will not
 * hand to QEMU (an encrypted qcow2, an external data file, a backing file
 * named by protocol or without a recorded format, a VMDK descriptor that
 * names other files) is refused with the reason.
 */
#ifndef KETCHD_IMAGE_PROBE_H
#define KETCHD_IMAGE_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bytes of an image the probe looks at: headers, extensions, backing name. */
#define KD_PROBE_BYTES 65536
/* Longest backing file name accepted (QEMU's own limit is 1023). */
#define KD_BACKING_MAX 1023
/* Deepest backing chain followed. */
#define KD_CHAIN_MAX 16

enum kd_fmt {
	KD_FMT_AUTO,  /* not given: detected from the header */
	KD_FMT_RAW,   /* no known header */
	KD_FMT_QCOW2,
	KD_FMT_VMDK,  /* monolithic sparse (KDMV) */
	KD_FMT_VDI,
	KD_FMT_VHD,
	KD_FMT_VHDX,
	/* recognised, never served */
	KD_FMT_QCOW,  /* qcow version 1 */
	KD_FMT_QED,
	KD_FMT_VMDK_DESC, /* a VMDK descriptor file (or COWD): names other files */
	KD_FMT_MAX
};

struct kd_probe {
	enum kd_fmt fmt;
	char backing[KD_BACKING_MAX + 1]; /* qcow2's backing file as recorded; "" none */
	enum kd_fmt backing_fmt;          /* its recorded format; KD_FMT_AUTO: none */
	uint64_t virtual_size;            /* qcow2: the disk's size; 0 if not read */
};

/*
 * Probe the first n bytes of an image (n <= KD_PROBE_BYTES; fewer if the
 * file is shorter).  0 with p filled, or -EINVAL with *why set to a
 * sentence saying what in the header is refused.
 */
int kd_image_probe(const unsigned char *head, size_t n, struct kd_probe *p, const char **why);

/* The format's name as the config and qemu-img spell it ("qcow2", "vhd"). */
const char *kd_fmt_name(enum kd_fmt f);
/* QEMU's block driver for it ("vpc" for vhd); NULL for raw and auto. */
const char *kd_fmt_qemu_driver(enum kd_fmt f);
/* A name from the config or a qcow2 header to a format; KD_FMT_MAX if unknown. */
enum kd_fmt kd_fmt_from_name(const char *s);
/* Served through QEMU (qcow2, vmdk, vdi, vhd, vhdx)? */
bool kd_fmt_served_by_nbd(enum kd_fmt f);

#endif
