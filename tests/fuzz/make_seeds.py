#!/usr/bin/env python3
"""Writes the seed corpora of the fuzzers in tests/fuzz (run from the top of
the tree; the output is checked in, so this only needs running again when a
wire format changes).  Each seed is a small valid input that reaches one
path of the target; the fuzzers mutate from there."""
import json
import os
import struct
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))


def write(corpus, name, data):
    d = os.path.join(HERE, corpus + "_corpus")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data.encode() if isinstance(data, str) else data)


# --- the control protocol (include/ketch/ctl.h) ---
MAGIC, VERSION = 0x4B43544C, 1
OP = dict(HELLO=1, CREATE=2, DESTROY=3, PAUSE=4, UNPAUSE=5, GETINFO=6, LIST=7,
          MAP_MEMORY=8, SET_VCPU=9, HYPERCALL_INIT=10, SUBSCRIBE=11,
          SET_IMAGE=12, HV_INFO=14, SET_SHARED_INFO=15, EVTCHN_ALLOC=16,
          EVTCHN_BIND=17, EVTCHN_NOTIFY_FD=18, EVTCHN_UNBIND=19,
          GNTTAB_INFO=20, VCPU_INFO=21, HV_LOG=22, VCPU_GET=23, VCPU_RESTORE=24,
          RESUME=25, EVTCHN_LIST=26)


def frame(op, payload=b"", req=1, magic=MAGIC, version=VERSION, length=None):
    n = len(payload) if length is None else length
    return struct.pack("<IHHIiII", magic, version, op, req, 0, n, 0) + payload


def domid(d):
    return struct.pack("<II", d, 0)


def create(mem=4 << 20, vcpus=1):
    return frame(OP["CREATE"], struct.pack("<QII16s", mem, vcpus, 0, b"u" * 16))


def set_vcpu(d, vcpu, rip):
    return frame(OP["SET_VCPU"], struct.pack("<II", d, vcpu) +
                 struct.pack("<21Q", rip, 0x8000, 0x202, 0x1000, *([0] * 17)))


def image_chunks(d, img, chunk=1024):
    out = b""
    for off in range(0, len(img), chunk):
        out += frame(OP["SET_IMAGE"], struct.pack("<IIQQ", d, 0, len(img), off) +
                     img[off:off + chunk])
    return out


def ctl_seeds(elf):
    hello = frame(OP["HELLO"], struct.pack("<II", VERSION, 0))
    life = (hello + create() + frame(OP["LIST"]) + frame(OP["GETINFO"], domid(1)) +
            set_vcpu(1, 0, 0x401000) +
            frame(OP["HYPERCALL_INIT"], struct.pack("<IIQQ", 1, 0, 0x2000, 0x402000)) +
            frame(OP["SET_SHARED_INFO"], struct.pack("<IIQ", 1, 0, 0x3000)) +
            frame(OP["UNPAUSE"], domid(1)) + frame(OP["PAUSE"], domid(1)) +
            frame(OP["PAUSE"], domid(1)) + frame(OP["DESTROY"], domid(1)) +
            frame(OP["GETINFO"], domid(1)))
    write("ctl_fuzz_server", "lifecycle", b"\xff" + life)
    write("ctl_fuzz_server", "lifecycle_bytewise", b"\x00" + life)
    evt = (create() + frame(OP["EVTCHN_ALLOC"], struct.pack("<II", 1, 0)) +
           frame(OP["EVTCHN_BIND"], struct.pack("<II", 1, 1)) +
           frame(OP["EVTCHN_NOTIFY_FD"], struct.pack("<II", 1, 1)) +
           frame(OP["EVTCHN_UNBIND"], struct.pack("<II", 1, 1)) +
           frame(OP["GNTTAB_INFO"], domid(1)) + frame(OP["VCPU_INFO"], domid(1)) +
           frame(OP["MAP_MEMORY"], domid(1)))
    write("ctl_fuzz_server", "evtchn_gnttab", b"\x3f" + evt)
    state = struct.pack("<IIII", 1, 0, 1, 0) + struct.pack("<21Q", 0x401000, 0x8000, 0x202,
                                                          0x1000, *([0] * 17)) + struct.pack("<QQ", 0x401100, 0)
    write("ctl_fuzz_server", "save_ops",
          b"\x3f" + create() + frame(OP["VCPU_GET"], struct.pack("<II", 1, 0)) +
          frame(OP["VCPU_RESTORE"], state) + frame(OP["EVTCHN_LIST"], struct.pack("<II", 1, 0)) +
          frame(OP["RESUME"], domid(1)) + frame(OP["VCPU_GET"], struct.pack("<II", 1, 9)))
    write("ctl_fuzz_server", "image", b"\xff" + create() + image_chunks(1, elf))
    write("ctl_fuzz_server", "info_log",
          b"\x10" + frame(OP["HV_INFO"]) + frame(OP["HV_LOG"], struct.pack("<QII", 0, 1, 0)) +
          frame(OP["SUBSCRIBE"]) + frame(OP["LIST"]))
    write("ctl_fuzz_server", "refused",
          b"\x07" + frame(OP["CREATE"], b"short") + frame(99) +
          frame(OP["LIST"], length=5000))
    write("ctl_fuzz_server", "bad_magic", b"\xff" + frame(OP["LIST"], magic=0x1234))

    # What a client reads back: replies, an event, an error, a cut frame.
    info = struct.pack("<IIiiQIIQQQ16s256s", 1, 2, -1, -1, 4 << 20, 1, 1, 0, 7, 0,
                       b"u" * 16, b"")
    replies = (frame(OP["HELLO"], struct.pack("<II", VERSION, 42)) +
               frame(OP["GETINFO"], info) + frame(0x8000, info) + frame(0x8001))
    write("kctl_fuzz_recv", "replies_exchange", b"\x80" + replies)
    write("kctl_fuzz_recv", "replies_recv", b"\x40" + replies)
    write("kctl_fuzz_recv", "cut", b"\x81" + frame(OP["GETINFO"], info)[:60])


# --- guest images ---
def note(ntype, desc):
    pad = lambda b: b + b"\0" * (-len(b) % 4)
    return struct.pack("<III", 4, len(desc), ntype) + pad(b"Xen\0") + pad(desc)


def tiny_elf():
    """One PT_LOAD at 0x400000 (text + hypercall page), Xen notes, symbols."""
    base = 0x400000
    notes = (note(6, b"seed\0") + note(8, b"generic\0") + note(5, b"xen-3.0\0") +
             note(3, struct.pack("<Q", base)) + note(1, struct.pack("<Q", base + 0x1000)) +
             note(2, struct.pack("<Q", base + 0x2000)) +
             note(10, b"!writable_page_tables\0"))
    ehdr_len, phdr_len = 64, 56
    note_off = ehdr_len + 2 * phdr_len
    text_off = 0x1000
    text = b"\xf4" * 0x2000  # text + hypercall page
    strtab = b"\0_start\0hypercall_page\0"
    sym = lambda name, value, size, info: struct.pack("<IBBHQQ", name, info, 0, 1, value, size)
    symtab = (b"\0" * 24 + sym(1, base + 0x1000, 16, 0x12) +
              sym(8, base + 0x2000, 0x1000, 0x12))
    shstr = b"\0.symtab\0.strtab\0.shstrtab\0"
    sym_off = text_off + len(text)
    str_off = sym_off + len(symtab)
    shs_off = str_off + len(strtab)
    sh_off = (shs_off + len(shstr) + 7) & ~7
    ehdr = struct.pack("<16sHHIQQQIHHHHHH", b"\x7fELF\x02\x01\x01" + b"\0" * 9, 2, 62, 1,
                       base + 0x1000, ehdr_len, sh_off, 0, ehdr_len, phdr_len, 2, 64, 4, 3)
    load = struct.pack("<IIQQQQQQ", 1, 5, 0, base, base, text_off + len(text),
                       text_off + len(text), 0x1000)
    pnote = struct.pack("<IIQQQQQQ", 4, 4, note_off, base + note_off, base + note_off,
                        len(notes), len(notes), 4)
    sh = lambda name, typ, off, size, link=0, info=0, ent=0: struct.pack(
        "<IIQQQQIIQQ", name, typ, 0, 0, off, size, link, info, 1, ent)
    shdrs = (b"\0" * 64 + sh(1, 2, sym_off, len(symtab), 2, 1, 24) +
             sh(9, 3, str_off, len(strtab)) + sh(17, 3, shs_off, len(shstr)))
    img = ehdr + load + pnote + notes
    img += b"\0" * (text_off - len(img)) + text + symtab + strtab + shstr
    img += b"\0" * (sh_off - len(img)) + shdrs
    return img


# --- ketchd: configs and API requests ---
CFG = {"name": "web", "kernel": "/boot/guest", "memory": 64, "maxmem": 128,
       "vcpus": 2, "cmdline": "console=hvc0 quiet", "on_crash": "preserve",
       "uuid": "5b0e1a52-2c5f-4f55-9d0c-6a1f54b0e2a1"}


def config_seeds():
    write("kd_fuzz_config_json", "full", json.dumps(CFG))
    write("kd_fuzz_config_json", "minimal", '{"name":"a","kernel":"/k"}')
    write("kd_fuzz_config_json", "bad_memory", '{"name":"a","kernel":"/k","memory":"lots"}')
    write("kd_fuzz_config_json", "unicode", '{"name":"d\\u00e9","kernel":"/k","ramdisk":"/r",'
          '"console_log":"/var/log/x","on_reboot":"destroy","on_poweroff":"restart"}')
    # Regressions: a key longer than an error message; a NUL in an xl string.
    write("kd_fuzz_config_json", "long_key", json.dumps({"k" * 400: 1}))
    write("kd_fuzz_config_xl", "nul_in_string", "name = 'a\0b'\n")
    write("kd_fuzz_config_xl", "full",
          '# xl.cfg\nname = "web"\nkernel = "/boot/guest"\nmemory = 64\nmaxmem = 128\n'
          'vcpus = 2\ncmdline = "console=hvc0"\non_crash = "preserve"\n'
          'uuid = "5b0e1a52-2c5f-4f55-9d0c-6a1f54b0e2a1"\nbuilder = "generic"\n')
    write("kd_fuzz_config_xl", "lists", "name='a'\nkernel='/k'\ndisk=['phy:/dev/x,xvda,w']\n"
          "vif=[ 'bridge=br0', ]\nextra=\"x\" \"y\"\n")
    write("kd_fuzz_config_xl", "bad", 'name = \nkernel = "/k"\nmemory = "many"\n')
    write("kd_fuzz_config_json", "vifs", json.dumps(dict(CFG, vifs=[
        {"mac": "00:16:3e:01:02:03", "bridge": "ketchbr0", "rate": "10Mb/s@20ms",
         "ip": "10.0.0.2 10.0.0.3", "mtu": 1500}, {"devid": 0}, {}])))
    write("kd_fuzz_config_xl", "vifs", "name='a'\nkernel='/k'\nvif=[ 'mac=00:16:3e:01:02:03, "
          "bridge=ketchbr0, rate=10Mb/s@20ms', '', 'devid=3,mtu=1400,ip=10.0.0.2,"
          "script=vif-bridge,type=vif,backend=0', 'model=e1000,,rate=1b/s' ]\n")


def api_seeds():
    req = lambda **kw: json.dumps(kw) + "\n"
    create = req(op="create", id=1, config=CFG)
    life = (create + req(op="list") + req(op="info", domain="web") +
            req(op="pause", domain=1) + req(op="pause", domain=1) +
            req(op="unpause", domain="1") + req(op="rename", domain="web", name="db") +
            req(op="vcpus", domain="db") + req(op="mem_set", domain="db", target_kib=65536) +
            req(op="shutdown", domain="db", timeout=5) + req(op="reboot", domain="db") +
            req(op="destroy", domain="db") + req(op="info", domain="db"))
    write("kd_fuzz_api", "lifecycle", b"\xff" + life.encode())
    write("kd_fuzz_api", "lifecycle_small_reads", b"\x01" + life.encode())
    xs = (req(op="xenstore_write", path="/local/domain/1/data/k", value="v") +
          req(op="xenstore_read", path="/local/domain/1/data/k") +
          req(op="xenstore_ls", path="/local") + req(op="xenstore_ls") +
          req(op="xenstore_read", path="relative") + req(op="dmesg", **{"from": 2, "clear": True}))
    write("kd_fuzz_api", "xenstore", b"\x01" + xs.encode())
    bad = ('not json\n{"op":5}\n{"op":"nope"}\n{"op":"list","extra":1}\n[1,2]\n\n'
           '{"op":"info"}\n{"op":"info","domain":7}\n{"op":"create","config":{"x":1}}\n'
           '{"op":"create","id":"a","config":{"name":"n","kernel":"/k"},"paused":1}\n')
    write("kd_fuzz_api", "refused", b"\x41" + bad.encode())
    write("kd_fuzz_api", "streams", b"\xff" + (create + req(op="console", domain="web") +
                                               "typed at the console\n").encode())
    write("kd_fuzz_api", "events", b"\xff" + (req(op="events") + req(op="list")).encode())
    net = (create + req(op="network_attach", domain="web", vif={"bridge": "br0"}) +
           req(op="network_attach", domain="web", vif={"mac": "00:16:3e:00:00:01", "devid": 0}) +
           req(op="network_list", domain="web") +
           req(op="network_detach", domain="web", vif="00:16:3e:00:00:01", force=True) +
           req(op="network_detach", domain="web", vif=1, timeout=0) +
           req(op="network_detach", domain="web", vif="9"))
    write("kd_fuzz_api", "network", b"\xff" + net.encode())
    save = (create + req(op="save", domain="web", file="/srv/web.save", checkpoint=True) +
            req(op="save", domain="web", file="relative.save") +
            req(op="save", domain="web", file="/s", paused=1, timeout=9999) +
            req(op="restore", file="/srv/web.save", name="copy", paused=True) +
            req(op="restore", file="/srv/web.save", name=5) +
            req(op="save", domain="web", file="/srv/web.save"))
    write("kd_fuzz_api", "save_restore", b"\xff" + save.encode())
    mig = (create + req(op="migrate", domain="web", host="10.0.0.2") +
           req(op="migrate", domain="web", host="target.example", port=8002, timeout=30) +
           req(op="migrate", domain="web", host="", port=0) +
           req(op="migrate", domain="web", host=7, port=70000, timeout=-1) +
           req(op="migrate", domain="nosuch", host="h"))
    write("kd_fuzz_api", "migrate", b"\xff" + mig.encode())


def netif_tx_seeds():
    """A start index, then rounds: req_prod step (2), first entry (1), entries."""
    def txreq(gref, off, flags, rid, size):
        return struct.pack("<IHHHH", gref, off, flags, rid, size)

    def rnd(step, slot, body):
        return struct.pack("<HB", step, slot) + body

    more, extra_info = 4, 8
    three = txreq(8, 100, more, 0, 1000) + txreq(9, 0, more, 1, 600) + txreq(10, 10, 0, 2, 304)
    write("pv_fuzz_netif_tx", "three_slots", struct.pack("<I", 0) + rnd(3, 0, three))
    write("pv_fuzz_netif_tx", "two_rounds_wrap", struct.pack("<I", 0xfffffffe) +
          rnd(1, 254, txreq(8, 0, more, 0, 200)) + rnd(2, 255, txreq(9, 0, 0, 1, 100)))
    hash_extra = struct.pack("<BB6s", 4, 0, bytes(6)) + bytes(4)
    write("pv_fuzz_netif_tx", "extra_then_bad_prod", struct.pack("<I", 5) +
          rnd(2, 5, txreq(8, 0, extra_info, 0, 60) + hash_extra) + rnd(0x4000, 0, b""))


def blkback_seeds():
    """Header: start index (4), sectors (4), flags (1: read-only, size
    shift), grants (1, then ref (4) and flags (1: read-only, another
    domain's) each); then commands: 0 publish (req_prod step 2, slot 1,
    requests 1, their bytes), 1 complete one (which 1, how 1), 2 complete
    all, 3 fill a granted page (which 1, offset 2, length 1, bytes); flags
    0x20: persistent grants."""
    RD, WR, FLUSH, BARRIER, DISCARD, INDIRECT = 0, 1, 3, 2, 5, 6

    def req(op, rid, sector, segs=(), nseg=None):
        body = struct.pack("<BBHIQQ", op, len(segs) if nseg is None else nseg, 0, 0,
                           rid, sector)
        for gref, first, last in segs:
            body += struct.pack("<IBBH", gref, first, last, 0)
        return body.ljust(112, b"\0")

    def discard(rid, sector, n):
        return struct.pack("<BBHIQQQ", DISCARD, 0, 0, 0, rid, sector, n).ljust(112, b"\0")

    def head(start=0, sectors=64, flags=0, grants=((8, 0), (9, 0), (10, 1), (11, 2))):
        g = b"".join(struct.pack("<IB", ref, f) for ref, f in grants)
        return struct.pack("<IIBB", start, sectors, flags, len(grants)) + g

    def pub(step, slot, *reqs):
        return b"\0" + struct.pack("<HBB", step, slot, len(reqs)) + b"".join(reqs)

    done_all, done_one = b"\2", b"\1"
    write("pv_fuzz_blkback", "read_write_flush",
          head() + pub(3, 0, req(RD, 1, 0, [(8, 0, 7), (9, 0, 3)]),
                       req(WR, 2, 8, [(10, 2, 5)]), req(FLUSH, 3, 0)) +
          done_one + b"\0\0" + done_all)
    write("pv_fuzz_blkback", "refusals",
          head() + pub(4, 0, req(RD, 1, 63, [(8, 0, 7)]), req(RD, 2, 0, [(8, 5, 4)]),
                       req(RD, 3, 0, [(8, 0, 8)]), req(RD, 4, 0, [(8, 0, 7)] * 11, 12)) +
          pub(8, 4, req(RD, 5, 0, [(11, 0, 7)]), req(RD, 6, 0, [(12, 0, 7)]),
              req(RD, 7, 0, [(10, 0, 7)]), req(99, 8, 0)) +
          pub(10, 8, req(INDIRECT, 9, 0), req(BARRIER, 10, 0)) + done_all)
    write("pv_fuzz_blkback", "read_only_disk",
          head(flags=1) + pub(3, 0, req(WR, 1, 0, [(8, 0, 7)]), req(FLUSH, 2, 0),
                              discard(3, 0, 8)) + done_all)
    write("pv_fuzz_blkback", "discard_wrap",
          head(start=0xfffffffe) + pub(2, 30, discard(1, 8, 8), discard(2, 0xffffffffffffff00,
                                                                        0x200)) +
          done_one + b"\0\1" + done_all)
    def indirect(iop, rid, sector, nseg, pages):
        grefs = list(pages) + [0] * (8 - len(pages))
        return struct.pack("<BBHIQQHH8I", INDIRECT, iop, nseg, 0, rid, sector, 0, 0,
                           *grefs).ljust(112, b"\0")

    def fill(which, segs):  # command 3: segments into a granted page
        body = b"".join(struct.pack("<IBBH", g, f, l, 0) for g, f, l in segs)
        return b"\3" + struct.pack("<BHB", which, 0, len(body)) + body

    for name, flags in (("indirect", 0), ("indirect_persistent", 0x20)):
        write("pv_fuzz_blkback", name,
              head(sectors=1024, flags=flags) + fill(1, [(8, 0, 7)] * 16) +
              pub(4, 0, indirect(RD, 1, 0, 16, [9]), indirect(WR, 2, 128, 16, [9]),
                  indirect(RD, 3, 0, 257, [9]), indirect(RD, 4, 0, 16, [11])) +
              pub(6, 4, indirect(FLUSH, 5, 0, 16, [9]), indirect(RD, 6, 1020, 16, [9])) +
              done_all)
    write("pv_fuzz_blkback", "full_ring_then_jump",
          head() + pub(32, 0, *[req(RD, i, i, [(8, 0, 0)]) for i in range(4)]) +
          pub(33, 4) + done_all + pub(0x4000, 0))


def save_record(rtype, body):
    pad = b"\0" * (-len(body) % 8)
    return struct.pack("<II", rtype, len(body)) + body + pad


def save_stream(records):
    out = b"KETCHSAV" + struct.pack("<II", 1, 0) + b"".join(records)
    return out + save_record(7, struct.pack("<II", zlib.crc32(out), 0))


def save_seeds():
    cfg = b'{"name":"t","kernel":"/k","memory":8}'
    dom = save_record(1, struct.pack("<QII16sQQQQ", 8 << 20, 1, len(cfg), b"u" * 16,
                                     5, 0x6000, 0x1000, 0x401000) + cfg)
    vcpu = save_record(3, struct.pack("<II24Q", 0, 1, 0x400100, 0x8000, 0x202, 0x3000,
                                      *([0] * 20)))
    page = save_record(2, struct.pack("<IIQ", 1, 0, 7) + bytes(range(256)) * 16)
    ports = save_record(4, struct.pack("<II", 2, 0) + struct.pack("<IBBHII", 1, 3, 0, 0, 0, 0) +
                        struct.pack("<IBBHII", 2, 4, 0, 0, 0, 0))
    gnt = save_record(5, struct.pack("<IIQ", 1, 0, 9))
    xs = save_record(6, struct.pack("<II", 1, 0) + struct.pack("<HH", 6, 1) + b"data/x1")
    write("ks_fuzz_stream", "minimal", save_stream([dom, vcpu]))
    write("ks_fuzz_stream", "full", save_stream([dom, page, vcpu, ports, gnt, xs]))
    write("ks_fuzz_stream", "optional_skipped",
          save_stream([dom, save_record(0x80000063, b"later"), vcpu]))


def main():
    elf = tiny_elf()
    netif_tx_seeds()
    blkback_seeds()
    write("kb_fuzz_elf", "tiny", elf)
    ctl_seeds(elf)
    config_seeds()
    api_seeds()
    save_seeds()


if __name__ == "__main__":
    main()
