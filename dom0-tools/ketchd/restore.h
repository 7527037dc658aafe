/* restore.h - the open save file, as restore.c hands it to restore_build.c
 * and clone.c. */
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
	uint64_t file_bytes;      /* the whole stream, for progress */
	/* Clones (clone.c): memory copy-on-write from one image in ketch-hv. */
	bool cow;
	bool image_ready;         /* the image holds the file's pages */
	struct ks_vcpu *vcpus;    /* KS_MAX_VCPUS, read with the image */
	uint64_t have;            /* which of them the file holds */
	/* A migration's target: the pages arrived in a memory image in
	 * ketch-hv, held by this connection; it becomes the domain's memory
	 * (MEM_IMAGE_ADOPT), and the stream has no pages. */
	struct kctl *image;
};

struct kd_config;
struct kd_error;

/* Open path and check all of it (a bad file: "invalid_save"), then read up
 * to its DOMAIN record.  Pages are counted into st.  Close it whatever the
 * result. */
int kd_restore_open(struct kd_restore_src *src, const char *path, struct kd_save_stats *st,
		    struct kd_error *err);
/* Back to just after the DOMAIN record, to build one more domain. */
int kd_restore_rewind(struct kd_restore_src *src, struct kd_error *err);
void kd_restore_close(struct kd_restore_src *src);
/* The saved config (checked against the DOMAIN record); with name set,
 * renamed and given a new uuid. */
int kd_restore_config(const struct ks_domain *dom, const char *name, struct kd_config *cfg,
		      struct kd_error *err);

/* restore_build.c: the records after DOMAIN, pages written into the memfd fd. */
int kd_restore_read_records(struct kd_restore_src *src, int fd, struct ks_vcpu *v,
			    uint64_t *have, struct kd_error *err);
/* New channels in start_info, empty rings, nothing pending in shared_info. */
int kd_restore_fix_memory(struct kd_restore_src *src, struct kd_domain *d, uint8_t *mem,
			  struct kd_error *err);
/* restore_cow.c: a clone's memory, mapped from the set's image. */
int kd_restore_cow_memory(struct kd *kd, struct kd_restore_src *src, struct kd_domain *d,
			  struct ks_vcpu *v, uint64_t *have, struct kd_error *err);

#endif
