#!/usr/bin/env python3
"""Hostile clients against a running twinbench-edge on loopback, bounded in count and time.

usage: hostile-clients.py <port> <daemon pid> <connect timeout s> <sweep s>

While one well-behaved client (its own process) publishes a QoS 0 probe to itself every 20 ms and
times each round trip, the attacks run one after another:
  garbage          200 connections sending random bytes: each closed by the broker
  truncated        200 CONNECTs cut short, and 50 connected clients whose PUBLISH is cut short:
                   closed by the CONNECT timeout and by their keepalive
  huge             100 packets announcing a 256 MB remaining length (before and after CONNECT):
                   closed at once, nothing buffered
  idle             5,000 sockets that never send a byte: all closed by the CONNECT timeout
  slow consumer    a QoS 1 subscriber that never reads while 20,000 1 KiB messages are published
                   to it at QoS 1 and 40 MiB at QoS 0: its queue and socket buffer stay bounded
  churn            20,000 CONNECT/DISCONNECT cycles (one in four dropped without DISCONNECT)
Throughout, the daemon's resident memory and open file descriptors are sampled from /proc. It
passes if every hostile connection was closed when it should be, the daemon's file descriptors come
back to where they started, its memory stays under a bound, and the probes came back within 50 ms
(99 % of them; none beyond 500 ms).
Prints a table of what it measured.
"""
import multiprocessing as mp
import os
import random
import selectors
import socket
import struct
import sys
import threading
import time

PORT, PID = int(sys.argv[1]), int(sys.argv[2])
CONNECT_TIMEOUT_S, SWEEP_S = float(sys.argv[3]), float(sys.argv[4])
MEMORY_BOUND_MB = 200          # resident memory the daemon may reach at any time
# Round trips of the well-behaved client's probe: 99 % within 50 ms, none beyond 500 ms (a stall). The
# slowest alone is the scheduler's as much as the daemon's when other tests share the two cores: one of
# 631 took 57 ms in a CI run whose p99 was 2.6 ms.
PROBE_P99_BOUND_MS = 50
PROBE_MAX_BOUND_MS = 500
failures = []


def fail(msg):
    print("FAIL:", msg, flush=True)
    failures.append(msg)


# --- MQTT 3.1.1 packets, built by hand from the specification (an independent encoder) ---------------
def varint(n):
    out = bytearray()
    while True:
        b, n = n % 128, n // 128
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def utf8(s):
    b = s.encode()
    return struct.pack(">H", len(b)) + b


def packet(first, body):
    return bytes([first]) + varint(len(body)) + body


def connect_packet(client_id, keepalive=60, clean=True):
    return packet(0x10, utf8("MQTT") + bytes([4, 0x02 if clean else 0]) + struct.pack(">H", keepalive) + utf8(client_id))


def subscribe_packet(pid, topic, qos):
    return packet(0x82, struct.pack(">H", pid) + utf8(topic) + bytes([qos]))


def publish_packet(topic, payload, qos=0, pid=0):
    return packet(0x30 | (qos << 1), utf8(topic) + (struct.pack(">H", pid) if qos else b"") + payload)


DISCONNECT = b"\xe0\x00"


def read_packet(s):
    """One whole packet (type byte, body) from a blocking socket; None when the connection ended."""
    def exactly(n):
        buf = b""
        while len(buf) < n:
            chunk = s.recv(n - len(buf))
            if not chunk:
                return None
            buf += chunk
        return buf
    head = exactly(1)
    if head is None:
        return None
    n, mult = 0, 1
    while True:
        b = exactly(1)
        if b is None:
            return None
        n += (b[0] & 0x7F) * mult
        mult *= 128
        if not b[0] & 0x80:
            break
    body = exactly(n)
    return None if body is None else (head[0], body)


def dial(timeout=10):
    s = socket.create_connection(("127.0.0.1", PORT), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def mqtt_session(client_id, keepalive=60):
    s = dial()
    s.sendall(connect_packet(client_id, keepalive))
    p = read_packet(s)
    if p is None or p[0] != 0x20 or p[1][1] != 0:
        raise RuntimeError(f"{client_id}: no CONNACK 0 ({p})")
    return s


# --- the well-behaved client ------------------------------------------------------------------------
def probe(stop, results):
    rtts, lost = [], 0
    try:
        s = mqtt_session("probe")
        s.sendall(subscribe_packet(1, "probe/rtt", 0))
        p = read_packet(s)
        assert p and p[0] == 0x90, p
        s.settimeout(2.0)
        seq = 0
        while not stop.is_set():
            seq += 1
            sent = time.perf_counter()
            s.sendall(publish_packet("probe/rtt", str(seq).encode()))
            while True:
                try:
                    p = read_packet(s)
                except socket.timeout:
                    lost += 1
                    break
                if p is None:
                    raise RuntimeError("the broker closed the probe's connection")
                if p[0] & 0xF0 == 0x30 and p[1].endswith(str(seq).encode()):
                    rtts.append(((time.perf_counter() - sent) * 1000, time.monotonic()))
                    break
            time.sleep(0.02)
        s.sendall(DISCONNECT)
        s.close()
        results.put((rtts, lost, None))
    except Exception as e:  # noqa: BLE001 - reported to the parent
        results.put((rtts, lost, repr(e)))


# --- the daemon, seen from /proc --------------------------------------------------------------------
def rss_mb():
    with open(f"/proc/{PID}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def fds():
    return len(os.listdir(f"/proc/{PID}/fd"))


class Monitor(threading.Thread):
    def __init__(self):
        super().__init__(daemon=True)
        self.peak_rss, self.peak_fds, self.stop = 0.0, 0, threading.Event()

    def run(self):
        while not self.stop.is_set():
            try:
                self.peak_rss = max(self.peak_rss, rss_mb())
                self.peak_fds = max(self.peak_fds, fds())
            except FileNotFoundError:
                return
            time.sleep(0.05)


def wait_closed(socks, within_s, what):
    """Until the broker has closed every socket in socks (EOF or reset); fails after within_s."""
    sel = selectors.DefaultSelector()
    for s in socks:
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ)
    open_ = len(socks)
    deadline = time.monotonic() + within_s
    started = time.monotonic()
    while open_ and time.monotonic() < deadline:
        for key, _ in sel.select(timeout=0.2):
            s = key.fileobj
            try:
                data = s.recv(65536)
            except (ConnectionResetError, BrokenPipeError):
                data = b""
            except BlockingIOError:
                continue
            if not data:
                sel.unregister(s)
                s.close()
                open_ -= 1
    took = time.monotonic() - started
    for key in list(sel.get_map().values()):
        key.fileobj.close()
    sel.close()
    if open_:
        fail(f"{what}: {open_} of {len(socks)} connections still open after {within_s:.0f} s")
    return took


rows = []


def phase(name, fn):
    before_fds, t0 = fds(), time.monotonic()
    detail = fn()
    rows.append((name, time.monotonic() - t0, before_fds, fds(), rss_mb(), detail, t0))
    print(f"  {name}: done in {time.monotonic() - t0:.1f} s ({detail})", flush=True)


rng = random.Random(15)
CLOSE_BY_TIMEOUT_S = CONNECT_TIMEOUT_S + SWEEP_S + 5  # the sweep runs every SWEEP_S; 5 s of slack for a busy machine


def garbage():
    socks = []
    for _ in range(200):
        s = dial()
        junk = bytes(rng.getrandbits(8) for _ in range(1024))
        try:
            s.sendall(junk)
        except (ConnectionResetError, BrokenPipeError):
            pass
        socks.append(s)
    took = wait_closed(socks, CLOSE_BY_TIMEOUT_S, "garbage")
    return f"200 closed in {took:.1f} s"


def truncated():
    socks = []
    for i in range(200):
        s = dial()
        s.sendall(connect_packet(f"cut-{i}")[:10])  # the header says more is coming; it never does
        socks.append(s)
    for i in range(50):
        s = mqtt_session(f"cut-pub-{i}", keepalive=2)
        s.sendall(publish_packet("t", b"x" * 100)[:20])
        socks.append(s)
    took = wait_closed(socks, CLOSE_BY_TIMEOUT_S, "truncated")
    return f"250 closed in {took:.1f} s"


def huge():
    socks = []
    announce_256mb = bytes([0x10]) + varint(256 * 1024 * 1024 - 1)
    for _ in range(50):
        s = dial()
        s.sendall(announce_256mb)
        socks.append(s)
    for i in range(50):
        s = mqtt_session(f"huge-{i}")
        s.sendall(bytes([0x30]) + varint(256 * 1024 * 1024 - 1) + b"\x00\x01t")
        socks.append(s)
    took = wait_closed(socks, 5, "256 MB remaining length")
    return f"100 closed in {took:.2f} s"


def idle():
    socks = []
    for _ in range(5000):
        socks.append(dial())
    held = fds()
    took = wait_closed(socks, CLOSE_BY_TIMEOUT_S, "idle sockets")
    return f"5000 held ({held} daemon fds), closed in {took:.1f} s"


def slow_consumer():
    slow = socket.socket()
    slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # reads nothing; the kernel holds little
    slow.connect(("127.0.0.1", PORT))
    slow.sendall(connect_packet("slow", keepalive=0, clean=False))
    assert read_packet(slow)[0] == 0x20
    slow.sendall(subscribe_packet(1, "flood/#", 1))
    assert read_packet(slow)[0] == 0x90
    pub = mqtt_session("flooder")
    acks = [0]

    def count_acks():
        while acks[0] < 20000:
            p = read_packet(pub)
            if p is None:
                return
            if p[0] == 0x40:
                acks[0] += 1
    reader = threading.Thread(target=count_acks, daemon=True)
    reader.start()
    body = b"q" * 1024
    for i in range(20000):
        pub.sendall(publish_packet("flood/q1", body, 1, i % 65535 + 1))
    reader.join(60)
    if acks[0] != 20000:
        fail(f"slow consumer: the publisher got {acks[0]} of 20000 PUBACKs")
    qos0 = b"z" * 4096
    for _ in range(40 * 256):  # 40 MiB at QoS 0: more than the broker keeps for one connection
        pub.sendall(publish_packet("flood/q0", qos0))
    pub.sendall(DISCONNECT)
    pub.close()
    # It is dropped once its unsent bytes pass the transport's per-connection bound.
    took = wait_closed([slow], 30, "slow consumer")
    return f"20000 QoS 1 PUBACKed, slow consumer dropped after {took:.1f} s"


def churn():
    for i in range(20000):
        s = dial()
        s.sendall(connect_packet(f"churn-{i % 100}"))
        p = read_packet(s)
        if p is None or p[0] != 0x20:
            fail(f"churn: cycle {i} got no CONNACK")
            return "failed"
        if i % 4:
            s.sendall(DISCONNECT)
        s.close()
    return "20000 cycles"


def main():
    base_fds, base_rss = fds(), rss_mb()
    stop, results = mp.Event(), mp.Queue()
    prober = mp.Process(target=probe, args=(stop, results))
    prober.start()
    mon = Monitor()
    mon.start()
    time.sleep(0.5)
    for name, fn in [("garbage", garbage), ("truncated", truncated), ("huge", huge), ("idle", idle),
                     ("slow consumer", slow_consumer), ("churn", churn)]:
        phase(name, fn)
    # The daemon lets go of closed connections: its descriptors come back (allow the probe and a few in closing).
    deadline = time.monotonic() + CLOSE_BY_TIMEOUT_S
    while fds() > base_fds + 4 and time.monotonic() < deadline:
        time.sleep(0.1)
    stop.set()
    rtts, lost, error = results.get(timeout=30)
    prober.join(10)
    mon.stop.set()
    mon.join()
    end_fds = fds()
    slowest = sorted(rtts, reverse=True)[:3]
    rtts = sorted(r for r, _ in rtts)
    p = lambda q: rtts[min(len(rtts) - 1, int(q * len(rtts)))] if rtts else float("nan")  # noqa: E731
    print()
    print(f"{'phase':<15}{'wall s':>8}{'fds before':>12}{'fds after':>11}{'RSS MB':>9}")
    for name, took, before, after, rss, _, _ in rows:
        print(f"{name:<15}{took:>8.1f}{before:>12}{after:>11}{rss:>9.1f}")
    during = lambda at: next((r[0] for r in reversed(rows) if r[6] <= at), "start")  # noqa: E731
    print("slowest probes: " + ", ".join(f"{ms:.1f} ms (during {during(at)})" for ms, at in slowest))
    print(f"daemon: {base_fds} fds at the start, {mon.peak_fds} at the peak, {end_fds} at the end; "
          f"RSS {base_rss:.1f} MB at the start, {mon.peak_rss:.1f} MB at the peak")
    print(f"probe: {len(rtts)} round trips, {lost} lost, p50 {p(0.5):.2f} ms, p99 {p(0.99):.2f} ms, max {p(1.0):.2f} ms")
    if error:
        fail(f"the well-behaved client failed: {error}")
    if len(rtts) < 100:
        fail(f"the well-behaved client made only {len(rtts)} round trips")
    if lost:
        fail(f"{lost} probes never came back")
    if rtts and p(0.99) >= PROBE_P99_BOUND_MS:
        fail(f"the probes' p99 was {p(0.99):.1f} ms (bound {PROBE_P99_BOUND_MS} ms)")
    if rtts and rtts[-1] >= PROBE_MAX_BOUND_MS:
        fail(f"the slowest probe took {rtts[-1]:.1f} ms (bound {PROBE_MAX_BOUND_MS} ms: a stall)")
    if mon.peak_rss >= MEMORY_BOUND_MB:
        fail(f"the daemon's memory reached {mon.peak_rss:.1f} MB (bound {MEMORY_BOUND_MB} MB)")
    if end_fds > base_fds + 4:
        fail(f"the daemon holds {end_fds} file descriptors after the attacks ({base_fds} before)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
