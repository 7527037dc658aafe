/* kd_fake.h - the ketchd API fuzzer's fake domain table, ketch-hv and xenstore. */
#ifndef KD_FAKE_H
#define KD_FAKE_H

struct kd;
struct kd_domain;

/* The daemon state the fake ketch-hv answers about. */
void kd_fake_bind(struct kd *kd);
/* Destroy every fake domain and empty the fake xenstore (between inputs). */
void kd_fake_reset(struct kd *kd);

/* Free a fake domain's vifs (kd_fake_vif.c). */
void kd_fake_vifs_free(struct kd_domain *d);

#endif
