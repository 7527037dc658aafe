#!/usr/bin/env python3
"""toolstack_bench.py - the measuring half of bench/60-toolstack.sh: talks
to ketchd's JSON API (docs/api.md) and the ketch CLI, prints one figure."""
import json
import os
import socket
import statistics
import subprocess
import sys
import time


class Api:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX)
        self.s.connect(path)
        self.f = self.s.makefile("rw")

    def call(self, **req):
        self.f.write(json.dumps(req) + "\n")
        self.f.flush()
        return json.loads(self.f.readline())


def config(name, kernel):
    return {"name": name, "kernel": kernel, "memory": 16}


def first_line(ketch, sock, kernel, n):
    """Median ms from `ketch create -c` to the guest's first console line."""
    cfg = os.path.join(os.path.dirname(sock), "first.json")
    times = []
    for i in range(int(n)):
        with open(cfg, "w") as f:
            json.dump(config("first%d" % i, kernel), f)
        t0 = time.monotonic()
        p = subprocess.Popen([ketch, "--socket", sock, "create", "-c", cfg],
                             stdin=subprocess.DEVNULL, stdout=subprocess.PIPE)
        p.stdout.readline()              # "Created domain ..."
        line = p.stdout.readline()       # the guest's first line
        times.append((time.monotonic() - t0) * 1e3)
        p.wait()
        if not line:
            sys.exit("no console line from the guest")
        Api(sock).call(op="destroy", domain="first%d" % i)
    return "%.2f" % statistics.median(times)


def create_rate(sock, kernel, n):
    """Domains created per second, one request after the other."""
    api, n = Api(sock), int(n)
    t0 = time.monotonic()
    for i in range(n):
        r = api.call(op="create", config=config("rate%d" % i, kernel))
        if not r["ok"]:
            sys.exit("create failed: %s" % r["error"]["message"])
    dt = time.monotonic() - t0
    for i in range(n):
        api.call(op="destroy", domain="rate%d" % i)
    return "%.2f" % (n / dt)


def capacity(sock, kernel, cap, limit_s):
    """Create until a create fails, the cap or the time limit; destroy all."""
    api, made, why = Api(sock), 0, "the cap of %s" % cap
    end = time.monotonic() + float(limit_s)
    while made < int(cap):
        if time.monotonic() > end:
            why = "the time limit of %s s" % limit_s
            break
        r = api.call(op="create", config=config("cap%d" % made, kernel))
        if not r["ok"]:
            why = "%s: %s" % (r["error"]["code"], r["error"]["message"])
            break
        made += 1
    for i in range(made):
        api.call(op="destroy", domain="cap%d" % i)
    return "%d %s" % (made, why)


if __name__ == "__main__":
    fn = {"first-line": first_line, "create-rate": create_rate, "capacity": capacity}
    print(fn[sys.argv[1]](*sys.argv[2:]))
