/*
 * libFuzzer target: arbitrary bytes as what a control-socket client reads
 * from ketch-hv (libketchctl's kctl_recv framing and kctl_exchange's reply
 * checks), since a client must survive a server that misbehaves or a
 * stream cut anywhere.  Replies are read from a real socketpair.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../dom0-tools/libketchctl/kctl_private.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The client side of an exchange: request op, the reply it must match. */
static const struct {
	uint16_t op;
	uint32_t rep_len;
} calls[] = {
	{ KCTL_OP_HELLO, sizeof(struct kctl_hello) },
	{ KCTL_OP_GETINFO, sizeof(struct kctl_dominfo) },
	{ KCTL_OP_LIST, sizeof(struct kctl_list) },
	{ KCTL_OP_MAP_MEMORY, sizeof(struct kctl_mem) },
	{ KCTL_OP_DESTROY, 0 },
	{ KCTL_OP_HV_LOG, sizeof(struct kctl_log) },
};

/* Plain kctl_recv with the receive buffer size the first byte picks. */
static void recv_loop(int fd, size_t cap)
{
	static uint8_t buf[KCTL_MAX_PAYLOAD];
	struct kctl_hdr h;
	int passed;

	while (kctl_recv(fd, &h, buf, cap, &passed) == 0) {
		if (h.len > cap)
			abort(); /* a frame larger than the caller's buffer got through */
		if (passed >= 0)
			close(passed);
	}
}

static void exchange_loop(int fd, unsigned int which)
{
	static uint8_t rep[KCTL_MAX_PAYLOAD];
	int passed = -1, r;

	do {
		unsigned int i = which++ % (sizeof(calls) / sizeof(*calls));

		r = kctl_exchange(fd, calls[i].op, 1, NULL, 0, rep, calls[i].rep_len, &passed);
		if (passed >= 0)
			close(passed);
		passed = -1;
	} while (r != -ECONNRESET && r != -EPIPE && r != -EPROTO && r != -EMSGSIZE);
}

/*
 * Byte 0: bit 7 picks kctl_exchange over plain kctl_recv; the low bits
 * pick the call (exchange) or the buffer size (recv).  The rest is what
 * the "server" sent; then it hangs up.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int sv[2];

	if (size < 1 || size > 65536)
		return 0;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		abort();
	if (write(sv[1], data + 1, size - 1) != (ssize_t)(size - 1))
		abort();
	shutdown(sv[1], SHUT_WR);
	shutdown(sv[1], SHUT_RD); /* the client's requests fail with EPIPE, not block */
	if (data[0] & 0x80)
		exchange_loop(sv[0], data[0] & 0x7f);
	else
		recv_loop(sv[0], (size_t)(data[0] & 0x7f) * 64);
	close(sv[0]);
	close(sv[1]);
	return 0;
}
