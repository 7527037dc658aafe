/*
 * overlay_name.c - where a snapshot or clone puts a disk's new qcow2
 * overlay: beside the image it sits on, named after the image and a tag
 * (the snapshot file's name, or the clone's), as libvirt names its
 * external snapshots: /srv/web.qcow2 and tag "mon" give /srv/web.mon.qcow2.
 * Pure string work, so the rule is tested on its own.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "config.h"

/* The tag's characters as a file name may hold them: others become '_'. */
static void clean_tag(const char *tag, char *out, size_t n)
{
	size_t i = 0;

	for (; tag[i] && i + 1 < n; i++) {
		char c = tag[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == '+';

		out[i] = ok ? c : '_';
	}
	out[i] = '\0';
}

int kd_overlay_name(const char *image, const char *tag, char *out, size_t n)
{
	const char *base = strrchr(image, '/'), *dot;
	char t[KD_NAME_MAX + 1];
	size_t dirlen, stemlen;

	if (!base || !tag[0] || strlen(tag) > KD_NAME_MAX)
		return -EINVAL;
	base++;
	dirlen = (size_t)(base - image);
	dot = strrchr(base, '.');
	/* "web.qcow2" -> "web"; a leading dot (".web") is part of the stem. */
	stemlen = dot && dot != base ? (size_t)(dot - base) : strlen(base);
	if (!stemlen)
		return -EINVAL;
	clean_tag(tag, t, sizeof(t));
	if ((size_t)snprintf(out, n, "%.*s%.*s.%s.qcow2", (int)dirlen, image, (int)stemlen, base,
			     t) >= n)
		return -ENAMETOOLONG;
	return 0;
}

void kd_overlay_tag(const char *file, char *out, size_t n)
{
	const char *base = strrchr(file, '/'), *dot;
	size_t len;

	base = base ? base + 1 : file;
	dot = strrchr(base, '.');
	len = dot && dot != base ? (size_t)(dot - base) : strlen(base);
	if (len > KD_NAME_MAX)
		len = KD_NAME_MAX;
	snprintf(out, n, "%.*s", (int)len, base);
}
