/* kctl_private.h - what the libketchctl files share and nobody else sees. */
#ifndef KCTL_PRIVATE_H
#define KCTL_PRIVATE_H

#include <pthread.h>
#include <stdbool.h>

#include "ketch/ketchctl.h"

struct kctl {
	int fd;
	pthread_mutex_t lock; /* one request in flight per handle */
	uint32_t next_req;
	uint32_t server_pid;
	bool dead;            /* the server closed or the stream lost step */
	char *path;           /* where to connect again after a dead stream */
	int timeout_ms;       /* per exchange; <= 0: none */
};

/*
 * Connect a stream socket to path (NULL: $KETCH_HV_SOCKET, else
 * KCTL_DEFAULT_SOCKET); with timeout_ms > 0 every send and receive on it
 * gives up after that long (EAGAIN).  Returns the descriptor or a
 * negative errno.
 */
int kctl_connect(const char *path, int timeout_ms);

/*
 * One request/reply exchange on an open descriptor: send op with req, wait
 * for the reply with req_id, which must carry exactly rep_len bytes on
 * success.  A passed descriptor lands in *fd_out when fd_out is not NULL.
 * Returns the reply's status or a transport error (-ETIMEDOUT when the
 * descriptor's timeout expired).
 */
int kctl_exchange(int fd, uint16_t op, uint32_t req_id, const void *req,
		  uint32_t req_len, void *rep, uint32_t rep_len, int *fd_out);

/* kctl_exchange under h's lock, with the next request id. */
int kctl_call(struct kctl *h, uint16_t op, const void *req, uint32_t req_len,
	      void *rep, uint32_t rep_len, int *fd_out);

#endif
