#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Golden VVMP frames, written from Documentation/vvmp-protocol.rst alone.

This is a second, independent implementation of the wire format: the C test
builds the same messages with the C codec and must produce these exact
bytes. Regenerate with `./gen_vectors.py > vectors.txt` (only when the spec
changes on purpose).

`./gen_vectors.py --window > window.txt` writes the other half: a run of
sequence numbers through the receiver's replay window (section 3.5), each
with the verdict this implementation of the rules gives ("accept" or
"replay"); the C test feeds the same run to vvmp_replay_window_accept().
"""
import hmac, hashlib, random, struct, sys

def crc32c(data, crc=0):
    crc ^= 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
    return crc ^ 0xFFFFFFFF

assert crc32c(b"123456789") == 0xE3069283

def u32(v): return struct.pack(">I", v)
def u64(v): return struct.pack(">Q", v)
def text(s, n): b = s.encode(); assert len(b) < n; return b + bytes(n - len(b))

REPLY, AUTH = 0x01, 0x02
KEY = bytes(range(32))

# Auth extensions (association, sequence, timestamp in microseconds since
# 1970 UTC) of the signed vectors: one TCP association, one UDP association.
TS = 1700000000000000                   # 2023-11-14 22:13:20 UTC
TCP_ASSOC, UDP_ASSOC = 0x0123456789ABCDEF, 0xFEDCBA9876543210

def frame(opcode, sub, flags, status, payload, txn, key=None, auth=None):
    """Section 3: header, payload; if signed, the auth extension and the MAC."""
    assert len(payload) % 4 == 0
    if key: flags |= AUTH
    version = 2 if key else 1           # 3.1: the version says how the frame ends
    hdr = struct.pack(">HBBHHIIIIIIHH", 0x564D, version, flags, opcode, sub,
                      1, 2, 0x11, 0x22, txn, 7, status, len(payload) // 4)
    crc = crc32c(hdr + payload)         # 3.2: header bytes 0..35 and payload only
    f = hdr + u32(crc) + payload
    if key:
        association, sequence, timestamp = auth
        f += u64(association) + u64(sequence) + u64(timestamp)
        f += hmac.new(key, f, hashlib.sha256).digest()
    return f

def alloc_req(session, stype, access, flags, cap, bw, qos, tmo, stripe, bs, members, share):
    return (u32(session) + u32(stype) + u32(access) + u32(flags) + u64(cap) + u32(bw) +
            u32(qos) + u32(tmo) + u32(stripe) + u32(bs) + u32(members) + u32(share) + u32(0))

def extent(san, unit, vol, member, tr, start, length, addr):
    return (u32(san) + u32(unit) + u32(vol) + u32(member) + u32(tr) + u32(0) +
            u64(start) + u64(length) + text(addr, 64))

def volume(vid, tr, start, length, addr):
    return u32(vid) + u32(tr) + u64(start) + u64(length) + u64(start + length - 1) + text(addr, 64)

ADDR3 = "10.0.0.3:10809/vol1"
ADDR4 = "10.0.0.4:3260,iqn.2024-01.org.vvmp:u4"
ALLOC_REP = (u32(42) + u32(9) + u32(3) + u32(1) + u64(1048576) + u32(2) + u32(64) + u32(4096) +
             u32(2) + extent(2, 3, 1, 0, 2, 2048, 2097152, ADDR3) +
             extent(2, 4, 1, 1, 3, 0, 2097152, ADDR4))

# name, opcode, sub-opcode, flags, status, payload[, key]
VECTORS = [
    ("query_san_req", 0x0001, 1, 0, 0, b""),
    ("query_san_rep", 0x0001, 1, REPLY, 0,
     u32(2) + u32(3) + u32(5) + u32(1) + u64(1048576) + u64(524288)),
    ("query_all_devices_rep", 0x0001, 2, REPLY, 0,
     u32(1) + u32(2) + u32(3) + u32(1) + u32(1) + u32(2) + u32(1) + u32(100000) + u32(5) +
     u64(2048) + u64(2097152) + text(ADDR3, 64)),
    ("query_all_sans_req", 0x0001, 4, 0, 0, b""),
    ("allocate_req", 0x0002, 3, 0, 0,
     alloc_req(9, 3, 1, 1, 1048576, 50000, 3, 30000, 64, 4096, 2, 0)),
    ("allocate_rep", 0x0002, 3, REPLY, 0, ALLOC_REP),
    ("allocate_no_space_rep", 0x0002, 1, REPLY, 8, b""),
    ("initialize_req", 0x0003, 0, 0, 0, u32(0xDEADBEEF) + u32(0) + text("host-a", 64)),
    ("initialize_rep", 0x0003, 0, REPLY, 0, u32(9) + u32(0x01020304) + u32(30000) + u32(0)),
    ("free_req", 0x0004, 0, 0, 0, u32(9) + u32(42)),
    ("free_rep", 0x0004, 0, REPLY, 0, b""),
    ("change_params_req", 0x0005, 0, 0, 0,
     u32(9) + u32(42) + u64(2097152) + u32(60000) + u32(4) + u32(20000) + u32(0)),
    ("change_params_rep", 0x0005, 0, REPLY, 0, ALLOC_REP),
    ("register_req", 0x0006, 2, 0, 0, alloc_req(9, 1, 2, 0, 4096, 0, 0, 5000, 0, 512, 0, 0)),
    ("add_storage_req", 0x0007, 0, 0, 0,
     u32(9) + u32(1) + volume(7, 2, 0, 1024, "10.0.0.9:10809/x")),
    ("add_storage_rep", 0x0007, 0, REPLY, 0, u32(5) + u32(12)),
    ("give_back_req", 0x0008, 0, 0, 0, u32(9) + u32(42) + u64(524288)),
    ("statistics_req", 0x0009, 1, 0, 0, u32(9) + u32(0)),
    ("statistics_rep", 0x0009, 1, REPLY, 0,
     u32(9) + u32(1) + u64(1048576) + u64(10) + u64(1) + u64(4)),
    ("domains_req", 0x000A, 1, 0, 0, b""),
    ("domains_rep", 0x000A, 1, REPLY, 0,
     u32(2) + u32(1) + u32(0) + text("default", 32) + u32(7) + u32(1) + text("finance", 32)),
    ("teardown_req", 0x000B, 0, 0, 0, u32(9) + u32(0)),
    ("unit_up_req", 0x0101, 0, 0, 0,
     u32(0x55) + u32(4) + u32(200000) + u32(10) + text("unit-a", 32)),
    ("unit_up_rep", 0x0101, 0, REPLY, 0, u32(3) + u32(1000)),
    ("unit_down_req", 0x0102, 0, 0, 0, u32(3) + u32(0)),
    ("need_info_req", 0x0103, 0, 0, 0, u32(3) + u32(0)),
    ("volume_list_req", 0x0104, 0, 0, 0,
     u32(3) + u32(2) + volume(1, 2, 2048, 2097152, ADDR3) + volume(2, 1, 0, 8, "")),
    ("heartbeat_req", 0x0105, 0, 0, 0, u32(3) + u32(42)),
    ("assign_req", 0x0106, 1, 0, 0,
     u32(42) + u32(0x11) + u32(1) + u32(1) + u32(0) + u32(0) + u64(2048) + u64(2097152) +
     text("host-a", 64)),
    ("initialize_auth_req", 0x0003, 0, 0, 0,
     u32(0xDEADBEEF) + u32(0) + text("host-a", 64), KEY, (TCP_ASSOC, 0, TS)),
    ("initialize_auth_rep", 0x0003, 0, REPLY, 0,
     u32(9) + u32(0x01020304) + u32(30000) + u32(0), KEY, (TCP_ASSOC, 1, TS + 1500)),
    ("allocate_auth_req", 0x0002, 3, 0, 0,
     alloc_req(9, 3, 1, 1, 1048576, 50000, 3, 30000, 64, 4096, 2, 0), KEY,
     (TCP_ASSOC, 1, TS + 2000)),
    ("allocate_replayed_rep", 0x0002, 3, REPLY, 15, b""),
    ("unit_up_auth_req", 0x0101, 0, 0, 0,
     u32(0x55) + u32(4) + u32(200000) + u32(10) + text("unit-a", 32), KEY, (UDP_ASSOC, 0, TS)),
    ("heartbeat_auth_req", 0x0105, 0, 0, 0, u32(3) + u32(42), KEY,
     (UDP_ASSOC, 0xFFFFFFFFFFFFFFFF, TS + 3000)),
]

class Window:
    """Receiver rules of section 3.5, kept as a set of accepted numbers."""
    SIZE = 64

    def __init__(self):
        self.highest = 0
        self.accepted = set()

    def accept(self, seq):
        if seq == 0:
            return False                # an opening is never a member
        if seq > self.highest:
            self.highest = seq
        elif seq <= self.highest - self.SIZE or seq in self.accepted:
            return False                # below the window, or seen
        self.accepted.add(seq)
        self.accepted = {s for s in self.accepted if s > self.highest - self.SIZE}
        return True

def window_run():
    """Deterministic mix: in order, reordered, duplicates, edges, jumps, wrap."""
    rnd = random.Random(4303)
    runs = [[1, 2, 3, 3, 5, 4, 4, 0, 70, 6, 7, 8, 69, 7, 71]]
    runs.append([100, 37, 36, 100 - 63, 100 - 64, 99, 200, 137, 136, 199])
    run, top = [], 1000
    for _ in range(400):
        r = rnd.random()
        if r < 0.5:
            top += rnd.randint(1, 3)
            run.append(top)
        elif r < 0.8:
            run.append(top - rnd.randint(0, 70))
        elif r < 0.9:
            run.append(run[rnd.randrange(len(run))] if run else top)
        else:
            top += rnd.randint(60, 130)
            run.append(top)
    runs.append(run)
    m = 2 ** 64 - 1
    runs.append([m - 70, m - 2, m, m - 1, m, m - 63, m - 64, 1])
    return runs

def main():
    if sys.argv[1:] == ["--window"]:
        for i, run in enumerate(window_run()):
            w = Window()
            for seq in run:
                print(i, seq, "accept" if w.accept(seq) else "replay")
        return 0
    for i, v in enumerate(VECTORS):
        name, op, sub, flags, status, payload = v[:6]
        key, auth = (v[6], v[7]) if len(v) > 6 else (None, None)
        print(name, frame(op, sub, flags, status, payload, 0x1000 + i, key, auth).hex())
    return 0


if __name__ == "__main__":
    sys.exit(main())
