#!/usr/bin/env python3
"""The host's side of the network tests and benches (83-network-tcp.sh,
85-network-rate.sh, bench/70-network.sh), one mode per call:
    net_client.py MODE IP PORT WAIT_SECONDS [ARGS...]
echo N (one connection echoing N bytes: "same|differs BYTES S MB/s"),
seq N, pair, rst, refused, pieces (HTTP in segments), udp_pps SECONDS
SIZE WINDOW (datagrams echoed per second, WINDOW of them in flight),
serve (a TCP and UDP echo server on IP:PORT, until killed)."""
import hashlib, random, socket, struct, sys, threading, time
mode, ip, port, wait = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])

def conn():
    return socket.create_connection((ip, port), timeout=wait)

def echo(s, data):
    """Send data (then our FIN) while reading it back; the bytes and time."""
    def send():
        s.sendall(data)
        s.shutdown(socket.SHUT_WR)
    t0 = time.time()
    th = threading.Thread(target=send)
    th.start()
    h, got = hashlib.sha256(), 0
    while True:
        b = s.recv(65536)
        if not b:
            break
        h.update(b)
        got += len(b)
    th.join()
    s.close()
    ok = got == len(data) and h.digest() == hashlib.sha256(data).digest()
    return ok, got, time.time() - t0

if mode == "echo":          # one connection, argv[5] bytes
    data = random.Random(83).randbytes(int(sys.argv[5]))
    ok, got, dt = echo(conn(), data)
    print("%s %d bytes %.3f s %.2f MB/s" % ("same" if ok else "differs", got, dt,
                                            len(data) / dt / 1e6))
elif mode == "seq":         # argv[5] connections one after another
    bad = [i for i in range(int(sys.argv[5]))
           if not echo(conn(), random.Random(i).randbytes(1000 + 700 * i))[0]]
    print("all same" if not bad else "differ: %r" % bad)
elif mode == "pair":       # two at once, each read back whole
    a, b = conn(), conn()
    res = {}
    def one(name, s, data):
        res[name] = echo(s, data)[0]
    ts = [threading.Thread(target=one, args=("a", a, random.Random(1).randbytes(200000))),
          threading.Thread(target=one, args=("b", b, random.Random(2).randbytes(300000)))]
    [t.start() for t in ts]
    [t.join() for t in ts]
    print("both same" if res.get("a") and res.get("b") else "differ: %r" % res)
elif mode == "rst":         # data, then a reset instead of a FIN
    s = conn()
    s.sendall(b"x" * 5000)
    s.recv(100)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()
    print("reset sent")
elif mode == "refused":
    try:
        conn()
        print("connected")
    except ConnectionRefusedError:
        print("refused")
elif mode == "pieces":      # an HTTP request in three segments, apart
    s = conn()
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    for piece in (b"GE", b"T /sta", b"ts HTTP/1.0\r\nHost: x\r\n", b"\r\n"):
        s.sendall(piece)
        time.sleep(0.3)
    body = b""
    while True:
        b = s.recv(4096)
        if not b:
            break
        body += b
    print(body.decode(errors="replace").split("\r\n")[0])
elif mode == "udp_pps":     # echoes/s of SIZE-byte datagrams, WINDOW in flight
    secs, size, window = float(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7])
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect((ip, port))
    s.settimeout(0.2)
    msg, got, flight = b"p" * size, 0, 0
    t0 = time.time()
    end = t0 + secs
    while time.time() < end:
        while flight < window:
            s.send(msg)
            flight += 1
        try:
            s.recv(2048)
            got, flight = got + 1, flight - 1
        except socket.timeout:
            flight = 0  # lost in flight: send a new window
    print("pps %.0f" % (got / (time.time() - t0)))
elif mode == "serve":       # echo TCP connections and UDP datagrams on PORT
    def udp():
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.bind((ip, port))
        while True:
            data, peer = u.recvfrom(65536)
            u.sendto(data, peer)
    def tcp(c):
        while True:
            b = c.recv(65536)
            if not b:
                break
            c.sendall(b)
        c.close()
    threading.Thread(target=udp, daemon=True).start()
    l = socket.create_server((ip, port))
    while True:
        c, _ = l.accept()
        threading.Thread(target=tcp, args=(c,), daemon=True).start()
