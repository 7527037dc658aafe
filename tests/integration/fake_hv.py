#!/usr/bin/env python3
"""A stand-in for ketch-hv's control socket and one guest, so that a
xenstored's guest path (map the guest's RAM, bind its store port, serve its
ring) runs on a machine without KVM.

    fake_hv.py SOCKET DOMID

Domain DOMID has 1 MiB of RAM (a memfd) with a start_info page at frame 0
naming store frame 1 and store port 3, which is what xs_toolstack reads.
Once a client has taken both event-channel descriptors of that port, the
"guest" writes one XS_WRITE (data/hello = world) into its ring, kicks, and
prints the reply it reads back: "guest: reply type T payload P".  Only the
ops a xenstored and xs_toolstack use are served; others get -ENOSYS."""
import mmap
import os
import select
import socket
import struct
import sys
import threading
import time

MAGIC, VERSION = 0x4B43544C, 1
HDR = struct.Struct("<IHHIiII")
HELLO, GETINFO, MAP_MEMORY, SUBSCRIBE = 1, 6, 8, 11
EVTCHN_BIND, EVTCHN_NOTIFY_FD, EVTCHN_UNBIND = 17, 18, 19
MEM = 1 << 20
STORE_GFN, STORE_PORT = 1, 3
XS_WRITE, ENOSYS, ESRCH = 11, 38, 3


class Guest:
    def __init__(self, domid):
        self.domid = domid
        self.memfd = os.memfd_create("fake-guest")
        os.ftruncate(self.memfd, MEM)
        self.mem = mmap.mmap(self.memfd, MEM)
        si = b"xen-3.0-x86_64".ljust(32, b"\0")
        si += struct.pack("<QQI4xQI", MEM // 4096, 0, 0, STORE_GFN, STORE_PORT)
        self.mem[0:len(si)] = si
        self.to_dom0 = os.eventfd(0)    # the guest kicks the daemon here
        self.from_dom0 = os.eventfd(0)  # and is kicked here
        self.fds_taken = 0

    def ring_io(self):
        """One request through the ring, as a guest's xenstore driver does."""
        base = STORE_GFN * 4096
        path, value = b"data/hello\0", b"world"
        body = path + value
        msg = struct.pack("<IIII", XS_WRITE, 7, 0, len(body)) + body
        self.mem[base:base + len(msg)] = msg
        struct.pack_into("<I", self.mem, base + 2052, len(msg))  # req_prod
        os.eventfd_write(self.to_dom0, 1)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            rsp_prod, = struct.unpack_from("<I", self.mem, base + 2060)
            if rsp_prod >= 16:
                break
            if select.select([self.from_dom0], [], [], 0.1)[0]:
                os.eventfd_read(self.from_dom0)  # else it stays readable
        typ, _, _, n = struct.unpack_from("<IIII", self.mem, base + 1024)
        payload = bytes(self.mem[base + 1040:base + 1040 + min(n, 64)]).rstrip(b"\0")
        print(f"guest: reply type {typ} payload {payload.decode(errors='replace')}", flush=True)


def reply(conn, op, req_id, status=0, payload=b"", fd=None):
    data = HDR.pack(MAGIC, VERSION, op, req_id, status, len(payload), 0) + payload
    if fd is None:
        conn.sendall(data)
    else:
        socket.send_fds(conn, [data], [fd])


def dominfo(domid):
    return struct.pack("<IIiiQIIQQQ16s256s", domid, 2, -1, -1, MEM, 1, 1, 0, 0, 0,
                       b"\0" * 16, b"")


def handle(conn, guest, op, req_id, payload):
    domid = struct.unpack_from("<I", payload)[0] if len(payload) >= 4 else 0
    if op == HELLO:
        return reply(conn, op, req_id, 0, struct.pack("<II", VERSION, os.getpid()))
    if op == SUBSCRIBE:
        return reply(conn, op, req_id)
    if op in (GETINFO, MAP_MEMORY, EVTCHN_BIND, EVTCHN_NOTIFY_FD, EVTCHN_UNBIND) and \
            domid != guest.domid:
        return reply(conn, op, req_id, -ESRCH)
    if op == GETINFO:
        return reply(conn, op, req_id, 0, dominfo(domid))
    if op == MAP_MEMORY:
        return reply(conn, op, req_id, 0, struct.pack("<Q", MEM), guest.memfd)
    if op in (EVTCHN_BIND, EVTCHN_NOTIFY_FD):
        fd = guest.to_dom0 if op == EVTCHN_BIND else guest.from_dom0
        reply(conn, op, req_id, 0, b"", fd)
        guest.fds_taken += 1
        if guest.fds_taken == 2:
            threading.Timer(0.3, guest.ring_io).start()
        return None
    if op == EVTCHN_UNBIND:
        return reply(conn, op, req_id)
    return reply(conn, op, req_id, -ENOSYS)


def serve(path, guest):
    lsock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    lsock.bind(path)
    lsock.listen(16)
    conns = {}
    while True:
        ready, _, _ = select.select([lsock] + list(conns), [], [])
        for s in ready:
            if s is lsock:
                c, _ = lsock.accept()
                conns[c] = b""
                continue
            data = s.recv(65536)
            if not data:
                del conns[s]
                s.close()
                continue
            buf = conns[s] + data
            while len(buf) >= HDR.size:
                _, _, op, req_id, _, n, _ = HDR.unpack_from(buf)
                if len(buf) < HDR.size + n:
                    break
                handle(s, guest, op, req_id, buf[HDR.size:HDR.size + n])
                buf = buf[HDR.size + n:]
            conns[s] = buf


if __name__ == "__main__":
    serve(sys.argv[1], Guest(int(sys.argv[2])))
