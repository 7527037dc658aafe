/* restore.h - what restore.c hands restore_build.c: the open save file. */
#ifndef KETCHD_RESTORE_H
#define KETCHD_RESTORE_H

#include "ketch/savestream.h"

struct kd_save_stats;

struct kd_restore_src {
	int fd;
	const char *path;
	struct ks_reader rd;      /* positioned after the DOMAIN record */
	struct ks_domain dom;     /* that record; config points at `config` */
	char *config;
	struct kd_save_stats *st; /* pages counted as they are written */
};

#endif
