/*
 * netfront_state.h - what netfront does when its backend's state changes
 * after the handshake.  No xenbus here, so the host's unit tests run it.
 */
#ifndef KETCH_NETFRONT_STATE_H
#define KETCH_NETFRONT_STATE_H

enum nf_action {
	NF_STAY,      /* still Connected, or a state of no consequence */
	NF_RECONNECT, /* the backend started over: a fresh connection */
	NF_CLOSE,     /* the toolstack is removing the vif: Closing, Closed */
	NF_BROKEN,    /* not a state: the device becomes unusable */
};

/*
 * be: the backend's state as read (-1: not a number, 0: the node is
 * gone); online: its online node (0 once the toolstack removes the vif).
 * As Linux's netback_changed, except that a backend leaving Connected
 * while the vif stays online is connected again (a restarted process says
 * Closed, then InitWait; one that closed the vif on an error, Closing).
 */
enum nf_action nf_backend_action(long be, int online);

#endif
