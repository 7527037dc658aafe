/* ctl_fake_hv.h - the control-protocol fuzzer's fake domain layer. */
#ifndef CTL_FAKE_HV_H
#define CTL_FAKE_HV_H

/* Forget every fake domain (between inputs). */
void ctl_fake_reset(void);

#endif
