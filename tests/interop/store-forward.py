#!/usr/bin/env python3
"""The device and cloud sides of store-forward.sh, on raw MQTT 3.1.1 sockets (no client library).

  publish PORT USER PASSWORD FIRST N   N telemetry records (seq FIRST..FIRST+N-1) at QoS 1 on
                                       tb/g/d1/telemetry; returns once every PUBACK is in
  stored DIR N                         waits (30 s at most) until the uplink buffer folder holds N
                                       records not yet delivered, read from the segment files as
                                       docs/store-and-forward.md describes them (an oracle of its own)
  collect PORT FIRST N                 subscribes to tb/uplink/g on the cloud's broker and waits (60 s at
                                       most) until the records of seq FIRST..FIRST+N-1 have all arrived;
                                       prints how many came twice (by record id)
"""
import os
import socket
import struct
import sys
import time
import zlib


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def varint(n):
    out = b""
    while True:
        b, n = n % 128, n // 128
        out += bytes([b | (0x80 if n else 0)])
        if not n:
            return out


def utf8(s):
    b = s.encode()
    return struct.pack(">H", len(b)) + b


def packet(first, body):
    return bytes([first]) + varint(len(body)) + body


def read_packet(s):
    def exactly(n):
        b = b""
        while len(b) < n:
            chunk = s.recv(n - len(b))
            if not chunk:
                raise ConnectionError("closed")
            b += chunk
        return b
    first = exactly(1)[0]
    length, mult = 0, 1
    while True:
        d = exactly(1)[0]
        length += (d & 0x7F) * mult
        mult *= 128
        if not d & 0x80:
            break
    return first, exactly(length)


def session(port, client_id, user=None, password=None):
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    flags = 0x02 | (0xC0 if user else 0)
    body = utf8("MQTT") + bytes([4, flags]) + struct.pack(">H", 60) + utf8(client_id)
    if user:
        body += utf8(user) + utf8(password)
    s.sendall(packet(0x10, body))
    first, body = read_packet(s)
    if first != 0x20 or body[1] != 0:
        fail(f"CONNECT refused: {body.hex()}")
    return s


def record(seq):
    # runtime/Telemetry.hpp: u8 version 1 | u8 channels | u16 0 | i64 t_us | u32 seq | f32 x channels
    return struct.pack("<BBHqIf", 1, 1, 0, seq * 1000, seq, float(seq))


def publish(port, user, password, first, n):
    s = session(port, "d1", user, password)
    out = bytearray()
    for k in range(n):
        pid = k % 65535 + 1
        out += packet(0x32, utf8("tb/g/d1/telemetry") + struct.pack(">H", pid) + record(first + k))
        if len(out) > 1 << 16:
            s.sendall(out)
            out.clear()
    s.sendall(out)
    acked = 0
    while acked < n:
        t, _ = read_packet(s)
        acked += t == 0x40
    s.sendall(b"\xe0\x00")
    s.close()
    print(f"ok: {n} records published and acknowledged")


def live_records(folder):
    """Records in the uplink buffer's segment files not yet delivered (at or above the watermark)."""
    names = os.listdir(folder)
    watermark, newest = 0, -1
    for meta in ("uplink~meta-a", "uplink~meta-b"):  # the newer whole copy of the log's state
        if meta in names:
            m = open(os.path.join(folder, meta), "rb").read()
            if len(m) == 28 and struct.unpack("<I", m[24:])[0] == zlib.crc32(m[:24]):
                seq, w = struct.unpack("<QQ", m[:16])
                if seq > newest:
                    newest, watermark = seq, w
    total = 0
    for name in names:
        if not name.startswith("uplink~") or not name[7:].isdigit():
            continue
        b = open(os.path.join(folder, name), "rb").read()
        if len(b) < 20 or b[:4] != b"TBUL" or struct.unpack("<I", b[4:8])[0] != zlib.crc32(b[8:]):
            continue
        first, count = struct.unpack("<QI", b[8:20])
        if first >= watermark:
            total += count
    return total


def stored(folder, n):
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if os.path.isdir(folder) and live_records(folder) >= n:
            print(f"ok: {n} records stored")
            return
        time.sleep(0.05)
    fail(f"the uplink buffer in {folder} holds {live_records(folder) if os.path.isdir(folder) else 0} records, expected {n}")


def uplink_records(payload):
    """(id, seq) of each record of an uplink payload: runs of [u64 first id | u32 count | (u32 conn | u16 len | record)...]."""
    pos = 0
    while pos < len(payload):
        first, count = struct.unpack_from("<QI", payload, pos)
        pos += 12
        for k in range(count):
            _, length = struct.unpack_from("<IH", payload, pos)
            rec = payload[pos + 6:pos + 6 + length]
            pos += 6 + length
            yield first + k, struct.unpack_from("<I", rec, 12)[0]


def collect(port, first, n):
    s = session(port, "cloud")
    s.sendall(packet(0x82, struct.pack(">H", 1) + utf8("tb/uplink/g") + b"\x01"))
    t, body = read_packet(s)
    if t != 0x90 or body[2] != 1:
        fail(f"the subscription was refused: {body.hex()}")
    print("subscribed", flush=True)
    want = set(range(first, first + n))
    ids, duplicates = set(), 0
    deadline = time.monotonic() + 60
    s.settimeout(1)
    while want and time.monotonic() < deadline:
        try:
            t, body = read_packet(s)
        except socket.timeout:
            continue
        if t >> 4 != 3:
            continue
        qos = (t >> 1) & 3
        tlen = struct.unpack(">H", body[:2])[0]
        pos = 2 + tlen
        if qos:
            s.sendall(packet(0x40, body[pos:pos + 2]))
            pos += 2
        for rid, seq in uplink_records(body[pos:]):
            if rid in ids:
                duplicates += 1
            ids.add(rid)
            want.discard(seq)
    if want:
        fail(f"{len(want)} of {n} records never reached the cloud (first missing: seq {min(want)})")
    print(f"ok: {n} of {n} records reached the cloud; {duplicates} arrived twice (same record id)")


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "publish":
        publish(int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5]), int(sys.argv[6]))
    elif cmd == "stored":
        stored(sys.argv[2], int(sys.argv[3]))
    elif cmd == "collect":
        collect(int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
    else:
        fail("unknown command " + cmd)
