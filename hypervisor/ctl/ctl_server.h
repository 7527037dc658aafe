/* ctl_server.h - the control socket of ketch-hv (include/ketch/ctl.h). */
#ifndef KETCH_CTL_SERVER_H
#define KETCH_CTL_SERVER_H

struct hv;

/*
 * Listen on path (mode 0600, root-only; peers' credentials are checked on
 * every connection) and serve requests until SIGTERM/SIGINT.  Returns 0 on
 * a clean stop, negative errno if the socket cannot be set up.
 */
int ctl_server_run(struct hv *hv, const char *path);

#endif
