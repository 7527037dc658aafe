/*
 * cli.h - the ketch command: shared pieces of its subcommands (the
 * connection to ketchd, replies, exit codes; docs/user-guide.md).
 */
#ifndef KETCH_CLI_H
#define KETCH_CLI_H

#include <json-c/json.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>

/* Exit codes (stable; documented in docs/user-guide.md). */
enum {
	KX_OK = 0,
	KX_FAILED = 1,      /* the request failed for another reason */
	KX_USAGE = 2,
	KX_NO_DAEMON = 3,   /* ketchd not reachable */
	KX_NO_DOMAIN = 4,   /* no such domain (or disk or vif of it) */
	KX_BAD_CONFIG = 5,  /* config rejected: field, unknown field, duplicate, disk in use */
	KX_WRONG_STATE = 6, /* already paused/running, stopped */
	KX_TIMEOUT = 7,     /* -w gave up waiting */
};

struct cli {
	const char *socket;
	bool json;
};

struct kconn {
	int fd;
	FILE *in;
};

/* progress.c: progress events of a save/restore/snapshot/clone of file. */
struct cli_progress {
	struct kconn ev;
	pthread_t thread;
	const char *file;
	bool json, on, shown;
};
void cli_progress_start(const struct cli *c, struct cli_progress *p, const char *file);
void cli_progress_stop(struct cli_progress *p);

/* Connect to ketchd; on failure print why and return KX_NO_DAEMON. */
int cli_connect(const struct cli *c, struct kconn *k);
void cli_close(struct kconn *k);
/* Send req (consumed), read one reply into *reply.  KX_OK or KX_NO_DAEMON. */
int cli_call(struct kconn *k, struct json_object *req, struct json_object **reply);
/* Read one line as JSON (events stream); NULL at end of stream. */
struct json_object *cli_read(struct kconn *k);
/*
 * One request on a fresh connection.  A failed reply is printed (the
 * object with --json, else "ketch: CMD: message") and its exit code
 * returned; on success *reply holds it (caller puts it) and KX_OK.
 */
int cli_request(const struct cli *c, const char *cmd, struct json_object *req,
		struct json_object **reply);
/* Exit code for a failed reply's error code. */
int cli_exit_for(const char *code);
/* Print a reply as one JSON line. */
void cli_print_json(struct json_object *o);
/* to[key] = from[key] (a new reference; nothing if from has no key). */
void cli_copy(struct json_object *to, struct json_object *from, const char *key);
/* {"op":op,"domain":dom} */
struct json_object *cli_req(const char *op, const char *dom);
/* cli_request, printing the reply with --json only (a command that
 * succeeds quietly).  Its exit code. */
int cli_request_print(const struct cli *c, const char *cmd, struct json_object *req);
/* o[key] as a number (0 if absent), as a string (NULL if absent). */
long cli_num(struct json_object *o, const char *key);
const char *cli_str(struct json_object *o, const char *key);

/* cmd_device.c: what the disk and vif subcommands share */
/* argv[2..argc) joined by commas into spec[0..n); KX_BAD_CONFIG, said as
 * "ketch: CMD: WHAT spec too long", if it does not fit. */
int cli_join_spec(char *spec, size_t n, int argc, char **argv, const char *cmd,
		  const char *what);
/* A device's *-detach command, as cli_detach runs it. */
struct cli_detach {
	const char *cmd;  /* "block-detach": for messages */
	const char *op;   /* "block_detach" */
	const char *key;  /* the request's field naming the device: "vdev" */
	const char *arg;  /* the usage's name for it: "VDEV" */
	const char *what; /* put before it when forced: "", "vif " */
};
/* CMD [-f] [-t SEC] DOMAIN DEVICE: the request, and a word when the
 * guest did not let go in time.  The exit code. */
int cli_detach(const struct cli *c, int argc, char **argv, const struct cli_detach *how);
/* CMD DOMAIN: request op; with --json print the reply, else hand its key
 * array to table.  The exit code. */
int cli_device_list(const struct cli *c, int argc, char **argv, const char *cmd,
		    const char *op, const char *key, void (*table)(struct json_object *items));

/* Subcommands: argv[0] is the subcommand name. */
int cmd_create(const struct cli *c, int argc, char **argv);
int cmd_list(const struct cli *c, int argc, char **argv);
int cmd_info(const struct cli *c, int argc, char **argv);
int cmd_simple(const struct cli *c, int argc, char **argv);   /* destroy, pause, unpause */
int cmd_shutdown(const struct cli *c, int argc, char **argv); /* shutdown, reboot */
int cmd_rename(const struct cli *c, int argc, char **argv);
int cmd_console(const struct cli *c, int argc, char **argv);
int cmd_events(const struct cli *c, int argc, char **argv);
int cmd_vcpu_list(const struct cli *c, int argc, char **argv);
int cmd_uptime(const struct cli *c, int argc, char **argv);
int cmd_mem_set(const struct cli *c, int argc, char **argv);
int cmd_dmesg(const struct cli *c, int argc, char **argv);
int cmd_top(const struct cli *c, int argc, char **argv);
int cmd_xs_read(const struct cli *c, int argc, char **argv);
int cmd_xs_write(const struct cli *c, int argc, char **argv);
int cmd_xs_ls(const struct cli *c, int argc, char **argv);
int cmd_block_attach(const struct cli *c, int argc, char **argv);
int cmd_block_detach(const struct cli *c, int argc, char **argv);
int cmd_block_list(const struct cli *c, int argc, char **argv);
/* cmd_image.c: image info FILE, image clone BASE NEW (no ketchd needed) */
int cmd_image(const struct cli *c, int argc, char **argv);
int cmd_network_attach(const struct cli *c, int argc, char **argv);
int cmd_network_detach(const struct cli *c, int argc, char **argv);
int cmd_network_list(const struct cli *c, int argc, char **argv);
/* cmd_save.c: save, restore, and what cmd_snapshot.c shares */
int cmd_save(const struct cli *c, int argc, char **argv);
int cmd_restore(const struct cli *c, int argc, char **argv);
/* path as an absolute one (its directory must exist: ketchd does not
 * share ours); NULL, said as "ketch: CMD: ...", if not.  Free it. */
char *cli_absolute(const char *cmd, const char *path);
/* "WHAT: N pages, X MiB in S s (R MiB/s)" from a save-like reply. */
void cli_save_summary(struct json_object *reply, const char *what);
/* cmd_snapshot.c: snapshot DOMAIN FILE, clone FILE NAME */
int cmd_snapshot(const struct cli *c, int argc, char **argv);
int cmd_clone(const struct cli *c, int argc, char **argv);
/* cmd_migrate.c */
int cmd_migrate(const struct cli *c, int argc, char **argv);
/* Attach to a domain's console until Ctrl-] or the domain goes away;
 * unpause it once attached when asked (create -c). */
int cli_console_attach(const struct cli *c, const char *dom, bool unpause);

#endif
