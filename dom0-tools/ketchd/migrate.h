/*
 * migrate.h - live migration between two ketchds (docs/save-migrate.md,
 * "Live migration"): the wire between the sending and the receiving
 * process, and the messages each exchanges with its own ketchd.
 *
 * Each migration runs in a child process of its ketchd (migrate_send.c on
 * the source, migrate_recv.c on the target), so the loop that serves
 * everything else never waits on the network.  A child talks to its
 * ketchd through a SOCK_SEQPACKET pair, one struct mig_ctl a message.
 */
#ifndef KETCHD_MIGRATE_H
#define KETCHD_MIGRATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MIG_MAGIC "KETCHMIG"
#define MIG_VERSION 1u
#define MIG_NONCE 32
#define MIG_MAC 32            /* HMAC-SHA256 */
#define MIG_TOKEN_MAX 4096    /* bytes of the shared key file */
#define MIG_DEFAULT_PORT 8002

/* Frames on the wire: u32 type, u32 length, body (little-endian). */
enum mig_msg {
	MIG_HELLO = 1,  /* src: struct mig_hello */
	MIG_PAGES = 2,  /* src: u32 count (1..KS_PAGES_MAX), u32 round, u64 pfn[], pages */
	MIG_STATE = 3,  /* src: a save stream without PAGES (the suspended domain's state) */
	MIG_READY = 4,  /* dst: the domain is built, paused; body: u32 domid */
	MIG_GO = 5,     /* src: run it */
	MIG_DONE = 6,   /* dst: it runs; body: u32 domid */
	MIG_ERROR = 7,  /* either: what went wrong (text); the connection ends */
	MIG_NOP = 8,    /* either: keepalive while its ketchd works (empty) */
	MIG_AUTH = 9,   /* both: the authentication exchange (migrate_wire.c) */
	MIG_WELCOME = 10, /* dst: HELLO taken, the pages may come (empty); else ERROR */
};
/* The domain, before any page: the target refuses at once what it could
 * not build (a size, a name or a uuid it cannot take). */
struct mig_hello {
	uint64_t mem;   /* bytes */
	uint64_t vcpus;
	uint8_t uuid[16];
	char name[64];  /* NUL-terminated */
};
#define MIG_STATE_MAX (8u << 20) /* bytes of a STATE body */
#define MIG_TEXT_MAX 512u        /* bytes of an ERROR body */
#define MIG_KEEPALIVE_MS 1000

/* Between a migration's child and its ketchd. */
struct mig_ctl {
	char kind;       /* see migrate_send.c / migrate_recv.c */
	int64_t a, b, c, d;
	char text[320];
};

/* migrate_wire.c */
/* Every byte of buf to fd / from fd; 0, or -errno (-ETIMEDOUT past the socket's timeout,
 * -ECONNRESET for a peer that closed). */
int mig_write_all(int fd, const void *buf, size_t len);
int mig_read_all(int fd, void *buf, size_t len);
int mig_send(int fd, uint32_t type, const void *body, uint32_t len);
int mig_send_text(int fd, uint32_t type, const char *text);
/* A frame's header; its length checked against max (a hostile peer). */
int mig_recv_head(int fd, uint32_t *type, uint32_t *len, uint32_t max, char *why, size_t n);
/* Both ends' stall timeout (send and receive) on a connected socket. */
void mig_set_timeout(int fd, int timeout_s);
/* The shared key from path (1..MIG_TOKEN_MAX bytes, surrounding whitespace dropped). */
int mig_load_key(const char *path, uint8_t *key, size_t *len, char *why, size_t n);
/* The exchange: each end proves it holds the key (HMAC over both nonces).
 * 0, or -EACCES (the peer's proof was wrong) / -errno, with why. */
int mig_auth_target(int fd, const uint8_t *key, size_t klen, char *why, size_t n);
int mig_auth_source(int fd, const uint8_t *key, size_t klen, char *why, size_t n);
/* Connect to host:port within timeout_s. */
int mig_connect(const char *host, const char *port, int timeout_s, char *why, size_t n);
/* A ctl message to/from the child's ketchd. */
int mig_ctl_send(int fd, char kind, int64_t a, int64_t b, int64_t c, int64_t d,
		 const char *text);
/* One passing a descriptor (SCM_RIGHTS), and one receiving a message and
 * the descriptor it may carry (*passfd, else -1). */
int mig_ctl_send_fd(int fd, char kind, int64_t a, int passfd);
int mig_ctl_recv(int fd, struct mig_ctl *m, int *passfd);

/* migrate_send.c / migrate_recv.c: the children's bodies (they _exit). */
struct kd_guest_mem;
struct mig_send_args {
	int ctl, state_fd;
	const struct kd_guest_mem *mem; /* mapped, and its runs of data (mem_scan.c) */
	uint64_t size;
	uint32_t vcpus, domid;
	const char *name;
	const uint8_t *uuid;
	const char *hv_socket;      /* the child's own connection, for the dirty log */
	const char *host, *port;
	const uint8_t *key;
	size_t klen;
	int timeout_s;
};
void mig_send_main(const struct mig_send_args *a) __attribute__((noreturn));
void mig_recv_main(int ctl, int conn, int out_fd, const uint8_t *key, size_t klen,
		   int timeout_s) __attribute__((noreturn));

#endif
