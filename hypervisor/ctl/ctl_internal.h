/*
 * ctl_internal.h - what the control-socket files of ketch-hv share: the
 * server and connection structs, the handler table and the subscriber list.
 */
#ifndef KETCH_CTL_INTERNAL_H
#define KETCH_CTL_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "ketch/ctl.h"

#define CTL_MAX_CONNS 256  /* more are accepted, told -EUSERS and closed */
#define CTL_MAX_SUBS 64    /* event subscribers */

struct hv;

/* A SET_IMAGE transfer in progress on one connection. */
struct ctl_image {
	uint32_t domid;
	uint64_t total, have;
	size_t cap;            /* bytes allocated at buf */
	uint8_t *buf;
};

struct ctl_conn {
	struct ctl_server *srv;
	struct ctl_conn *next;
	int fd;
	pid_t pid;
	uid_t uid;
	bool subscriber;       /* after SUBSCRIBE: only events flow out */
	size_t have;           /* bytes in `in` */
	struct ctl_image img;
	int mem_image_fd;      /* MEM_IMAGE_NEW's memfd, or -1 (ctl_mem.c) */
	uint64_t mem_image_bytes;
	bool mem_image_sealed;
	/* Aligned: handlers read their payload (at in + header) as structs. */
	_Alignas(8) uint8_t in[sizeof(struct kctl_hdr) + KCTL_MAX_PAYLOAD];
};

struct ctl_sub {
	int fd;                /* -1: free slot */
	bool dead;             /* could not keep up; the loop will close it */
};

struct ctl_server {
	struct hv *hv;
	const char *path;
	int lfd, epfd, sigfd;
	dev_t sock_dev;        /* to unlink only our own socket */
	ino_t sock_ino;
	uid_t euid;
	struct ctl_conn *conns;
	int nconns;
	pthread_mutex_t sub_lock; /* guards subs; taken by vCPU threads */
	struct ctl_sub subs[CTL_MAX_SUBS];
	uint8_t out[KCTL_MAX_PAYLOAD]; /* reply payloads (loop thread only) */
};

/* A handler's reply: payload (in the server's buffer) and a passed fd. */
struct ctl_reply {
	uint32_t req_id;       /* IN: the request's id */
	void *buf;             /* IN: KCTL_MAX_PAYLOAD bytes to fill */
	uint32_t len;          /* OUT: bytes filled (sent only on success) */
	int fd;                /* OUT: descriptor to pass and then close, or -1 */
	bool sent;             /* OUT: the handler replied itself */
};

/* Handle one validated request; returns 0 or a negative errno. */
typedef int (*ctl_handler_fn)(struct ctl_conn *c, const void *req, size_t len,
			      struct ctl_reply *rep);

struct ctl_op {
	uint16_t op;
	const char *name;
	size_t min, max;       /* payload bytes accepted */
	ctl_handler_fn fn;
};

/* ctl_handlers.c: the op table; NULL for an op the server does not serve. */
const struct ctl_op *ctl_op_find(uint16_t op);
/* Check the table against kctl_payload_size; 0 or -EPROTO (logged). */
int ctl_ops_selfcheck(void);

/* ctl_evtchn.c: shared_info and control-domain event-channel ops. */
int ctl_op_set_shared_info(struct ctl_conn *c, const void *req, size_t len,
			   struct ctl_reply *rep);
int ctl_op_evtchn_alloc(struct ctl_conn *c, const void *req, size_t len,
			struct ctl_reply *rep);
int ctl_op_evtchn_bind(struct ctl_conn *c, const void *req, size_t len,
		       struct ctl_reply *rep);
int ctl_op_evtchn_notify_fd(struct ctl_conn *c, const void *req, size_t len,
			    struct ctl_reply *rep);
int ctl_op_evtchn_unbind(struct ctl_conn *c, const void *req, size_t len,
			 struct ctl_reply *rep);

/* ctl_gnttab.c: where a domain's grant-table frames are; the memfd of
 * a classic domain's frames outside RAM. */
int ctl_op_gnttab_info(struct ctl_conn *c, const void *req, size_t len,
		       struct ctl_reply *rep);
int ctl_op_gnttab_frames(struct ctl_conn *c, const void *req, size_t len,
			 struct ctl_reply *rep);

/* ctl_vcpu.c: VCPU_INFO, one record per vCPU of a domain. */
int ctl_op_vcpu_info(struct ctl_conn *c, const void *req, size_t len,
		     struct ctl_reply *rep);

/* ctl_save.c: what save and restore use. */
int ctl_op_vcpu_get(struct ctl_conn *c, const void *req, size_t len,
		    struct ctl_reply *rep);
int ctl_op_vcpu_restore(struct ctl_conn *c, const void *req, size_t len,
			struct ctl_reply *rep);
int ctl_op_resume(struct ctl_conn *c, const void *req, size_t len, struct ctl_reply *rep);
int ctl_op_evtchn_list(struct ctl_conn *c, const void *req, size_t len,
		       struct ctl_reply *rep);

/* ctl_mem.c: memory images and sharing for clones (ctl.h's MEM_*). */
int ctl_op_mem_image_new(struct ctl_conn *c, const void *req, size_t len,
			 struct ctl_reply *rep);
int ctl_op_mem_image_use(struct ctl_conn *c, const void *req, size_t len,
			 struct ctl_reply *rep);
int ctl_op_mem_image_adopt(struct ctl_conn *c, const void *req, size_t len,
			   struct ctl_reply *rep);
int ctl_op_mem_image_drop(struct ctl_conn *c, const void *req, size_t len,
			  struct ctl_reply *rep);
int ctl_op_mem_share(struct ctl_conn *c, const void *req, size_t len,
		     struct ctl_reply *rep);
int ctl_op_dirty_log(struct ctl_conn *c, const void *req, size_t len,
		     struct ctl_reply *rep);
void ctl_mem_image_drop(struct ctl_conn *c);

/* ctl_image.c: the SET_IMAGE handler (chunks staged per connection). */
int ctl_op_set_image(struct ctl_conn *c, const void *req, size_t len,
		     struct ctl_reply *rep);
/* Free a connection's unfinished SET_IMAGE transfer. */
void ctl_image_reset(struct ctl_image *img);

/* ctl_socket.c: create the listening socket at path; fd or negative errno. */
int ctl_socket_listen(struct ctl_server *srv, const char *path);
/* Remove the socket file if it is still the one ctl_socket_listen made. */
void ctl_socket_unlink(struct ctl_server *srv);

/* ctl_events.c: subscribers and hv->state_fn. */
void ctl_events_init(struct ctl_server *srv);
/* Add c as a subscriber after sending its SUBSCRIBE reply (req_id);
 * 0, -EUSERS when full, or a send error. */
int ctl_events_add(struct ctl_server *srv, struct ctl_conn *c, uint32_t req_id);
/* Remove fd from the subscribers (before it is closed). */
void ctl_events_remove(struct ctl_server *srv, int fd);
/* hv_state_fn: push info to every subscriber without blocking. */
void ctl_events_push(struct hv *hv, const struct kctl_dominfo *info, void *opaque);

/* ctl_server.c: close and free a connection. */
void ctl_conn_close(struct ctl_conn *c);

#endif
