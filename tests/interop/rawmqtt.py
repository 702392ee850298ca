"""A minimal MQTT 3.1.1 device for the edge tests, written from the specification (sections 2.2.3, 3.1,
3.3): CONNECT with a clean session, PUBLISH at QoS 0, and the binary telemetry record
(runtime/Telemetry.hpp: version 1, n channels, timestamp, seq, n float32)."""
import socket
import struct


def packet(kind, body):
    n, rl = len(body), b""
    while True:
        b, n = n % 128, n // 128
        rl += bytes([b | (128 if n else 0)])
        if not n:
            return bytes([kind]) + rl + body


def utf8(s):
    return struct.pack(">H", len(s)) + s.encode()


def connect(port, client, keepalive_s=60):
    """A connected socket; asserts the CONNACK accepts it."""
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(packet(0x10, utf8("MQTT") + bytes([4, 2]) + struct.pack(">H", keepalive_s) + utf8(client)))
    assert s.recv(4) == b"\x20\x02\x00\x00", "no CONNACK"
    return s


def send_window(s, topic, channels, records, value=1e4):
    """`records` records of `channels` readings all `value`, 10 s apart: out of range for every model."""
    for k in range(records):
        rec = struct.pack("<BBHqI", 1, channels, 0, k * 10_000_000, k) + struct.pack("<%df" % channels, *([value] * channels))
        s.sendall(packet(0x30, utf8(topic) + rec))
