/*
 * image_probe.c - a disk image's format from its header (image_probe.h).
 * What QEMU would open a file as is decided here, before QEMU sees it: a
 * file that looks like qcow2 is never served raw, and a qcow2 header
 * gets through only if what it asks QEMU to open besides itself is safe:
 * a backing file named by a plain path with its format recorded (QEMU
 * would otherwise guess it, and a guessed raw backing file hands a
 * guest-written header to the next open), no external data file, no
 * encryption.
 */
#include <errno.h>
#include <string.h>

#include "image_probe.h"

#define QCOW2_V2_HEADER 72
#define QCOW2_V3_HEADER 104
#define QCOW2_EXT_END 0
#define QCOW2_EXT_BACKING_FMT 0xe2792acau
#define QCOW2_INCOMPAT_DATA_FILE (1u << 2)
#define VHD_TYPE_DIFFERENCING 4

static const char *const names[KD_FMT_MAX] = {
	[KD_FMT_AUTO] = "auto", [KD_FMT_RAW] = "raw", [KD_FMT_QCOW2] = "qcow2",
	[KD_FMT_VMDK] = "vmdk", [KD_FMT_VDI] = "vdi", [KD_FMT_VHD] = "vhd",
	[KD_FMT_VHDX] = "vhdx", [KD_FMT_QCOW] = "qcow", [KD_FMT_QED] = "qed",
	[KD_FMT_VMDK_DESC] = "vmdk descriptor",
};

const char *kd_fmt_name(enum kd_fmt f)
{
	return f < KD_FMT_MAX ? names[f] : "?";
}

const char *kd_fmt_qemu_driver(enum kd_fmt f)
{
	if (!kd_fmt_served_by_nbd(f))
		return NULL;
	return f == KD_FMT_VHD ? "vpc" : names[f];
}

enum kd_fmt kd_fmt_from_name(const char *s)
{
	if (!strcmp(s, "vpc"))
		return KD_FMT_VHD;
	for (int f = KD_FMT_RAW; f < KD_FMT_VMDK_DESC; f++)
		if (!strcmp(s, names[f]))
			return (enum kd_fmt)f;
	return KD_FMT_MAX;
}

bool kd_fmt_served_by_nbd(enum kd_fmt f)
{
	return f >= KD_FMT_QCOW2 && f <= KD_FMT_VHDX;
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t be64(const unsigned char *p)
{
	return (uint64_t)be32(p) << 32 | be32(p + 4);
}

static int refuse(const char **why, const char *s)
{
	*why = s;
	return -EINVAL;
}

/* A backing file QEMU opens as a plain file: not "json:{...}", not a
 * protocol ("nbd://", "http:...": a colon before any slash). */
static bool plain_path(const char *s)
{
	const char *colon = strchr(s, ':'), *slash = strchr(s, '/');

	return colon == NULL || (slash && slash < colon);
}

/* The header extensions from off: the backing format is the one we need. */
static int qcow2_exts(const unsigned char *h, size_t off, size_t end, struct kd_probe *p,
		      const char **why)
{
	char fmt[17];

	while (off + 8 <= end) {
		uint32_t type = be32(h + off), len = be32(h + off + 4);

		if (type == QCOW2_EXT_END)
			return 0;
		if (len > end - off - 8)
			return refuse(why, "a qcow2 header extension runs past the header");
		if (type == QCOW2_EXT_BACKING_FMT) {
			if (len == 0 || len >= sizeof(fmt))
				return refuse(why, "the qcow2 backing format is not a format name");
			memcpy(fmt, h + off + 8, len);
			fmt[len] = '\0';
			p->backing_fmt = kd_fmt_from_name(fmt);
			if (p->backing_fmt == KD_FMT_MAX || p->backing_fmt == KD_FMT_AUTO)
				return refuse(why, "the qcow2 backing format is not one Ketch serves "
					      "(raw, qcow2, vmdk, vdi, vhd, vhdx)");
		}
		off += 8 + (((size_t)len + 7) & ~(size_t)7);
	}
	return refuse(why, "the qcow2 header extensions are not terminated");
}

/* The backing file's name, inside what was read and free of NULs. */
static int qcow2_backing(const unsigned char *h, size_t n, struct kd_probe *p,
			 const char **why)
{
	uint64_t off = be64(h + 8);
	uint32_t len = be32(h + 16);

	if (off == 0)
		return 0;
	if (len == 0 || len > KD_BACKING_MAX)
		return refuse(why, "the qcow2 backing file name is empty or longer than 1023 bytes");
	if (off > n || len > n - off)
		return refuse(why, "the qcow2 backing file name lies outside the image's first "
			      "64 KiB");
	if (memchr(h + off, '\0', len))
		return refuse(why, "the qcow2 backing file name holds a NUL byte");
	memcpy(p->backing, h + off, len);
	p->backing[len] = '\0';
	if (!plain_path(p->backing))
		return refuse(why, "the qcow2 backing file is not a plain path (a protocol "
			      "or json: name)");
	return 0;
}

static int qcow2(const unsigned char *h, size_t n, struct kd_probe *p, const char **why)
{
	uint32_t version = n >= 8 ? be32(h + 4) : 0, bits, hlen = QCOW2_V2_HEADER;
	int r;

	p->fmt = version == 1 ? KD_FMT_QCOW : KD_FMT_QCOW2; /* even if refused below */
	if (version == 1)
		return 0;
	if (n < QCOW2_V2_HEADER)
		return refuse(why, "the qcow2 header is truncated");
	if (version != 2 && version != 3)
		return refuse(why, "the qcow2 header has an unknown version");
	bits = be32(h + 20);
	if (bits < 9 || bits > 21)
		return refuse(why, "the qcow2 cluster size is out of range");
	if (be32(h + 32) != 0)
		return refuse(why, "the qcow2 image is encrypted (not supported)");
	if (version == 3) {
		if (n < QCOW2_V3_HEADER)
			return refuse(why, "the qcow2 header is truncated");
		hlen = be32(h + 100);
		if (hlen < QCOW2_V3_HEADER || hlen > n || hlen > (1u << bits))
			return refuse(why, "the qcow2 header length is out of range");
		if (be64(h + 72) & QCOW2_INCOMPAT_DATA_FILE)
			return refuse(why, "the qcow2 image keeps its data in an external file "
				      "(not supported)");
	}
	p->virtual_size = be64(h + 24);
	if ((r = qcow2_backing(h, n, p, why)))
		return r;
	/* Extensions end at the first cluster (or where the backing name starts). */
	if ((r = qcow2_exts(h, hlen, n < (1u << bits) ? n : (1u << bits), p, why)))
		return r;
	if (p->backing[0] && p->backing_fmt == KD_FMT_AUTO)
		return refuse(why, "the qcow2 backing file has no recorded format (QEMU would "
			      "guess it; recreate the overlay with qemu-img -F)");
	return 0;
}

/* A dynamic VHD's footer copy leads the file; a differencing one names a parent. */
static int vhd(const unsigned char *h, size_t n, struct kd_probe *p, const char **why)
{
	p->fmt = KD_FMT_VHD;
	if (n < 64)
		return refuse(why, "the VHD footer is truncated");
	if (be32(h + 60) == VHD_TYPE_DIFFERENCING)
		return refuse(why, "the VHD is a differencing disk (a parent file; not supported)");
	return 0;
}

static bool at(const unsigned char *h, size_t n, size_t off, const char *magic, size_t len)
{
	return n >= off + len && !memcmp(h + off, magic, len);
}

int kd_image_probe(const unsigned char *head, size_t n, struct kd_probe *p, const char **why)
{
	memset(p, 0, sizeof(*p));
	p->fmt = KD_FMT_RAW;
	p->backing_fmt = KD_FMT_AUTO;
	*why = NULL;
	if (n > KD_PROBE_BYTES)
		n = KD_PROBE_BYTES;
	if (at(head, n, 0, "QFI\xfb", 4))
		return qcow2(head, n, p, why);
	if (at(head, n, 0, "conectix", 8))
		return vhd(head, n, p, why);
	if (at(head, n, 0, "QED\0", 4))
		p->fmt = KD_FMT_QED;
	else if (at(head, n, 0, "KDMV", 4))
		p->fmt = KD_FMT_VMDK;
	else if (at(head, n, 0, "COWD", 4) || at(head, n, 0, "# Disk DescriptorFile", 21))
		p->fmt = KD_FMT_VMDK_DESC;
	else if (at(head, n, 0x40, "\x7f\x10\xda\xbe", 4))
		p->fmt = KD_FMT_VDI;
	else if (at(head, n, 0, "vhdxfile", 8))
		p->fmt = KD_FMT_VHDX;
	return 0;
}
