#!/usr/bin/env python3
"""Reads mosquitto_sub output lines "<topic> <payload hex>" (-F '%t %x') on stdin and prints, for each
uplink message, "<topic> <seq> <seq> ..." (the sequence numbers of its records, in order). The uplink
payload (docs/store-and-forward.md): runs of [u64 first id | u32 count | count x (u32 conn | u16 len |
record)], little endian; a record's seq is the u32 at offset 12 (runtime/Telemetry.hpp). Lines that are
not such a message (mosquitto_sub -d chatter) are skipped; a malformed payload is an error."""
import re
import struct
import sys

for line in sys.stdin:
    m = re.fullmatch(r"(tb/uplink/\S+) ([0-9a-f]*)", line.strip())
    if not m:
        continue
    p = bytes.fromhex(m.group(2))
    seqs, pos = [], 0
    while pos < len(p):
        first, count = struct.unpack_from("<QI", p, pos)
        pos += 12
        for _ in range(count):
            _, length = struct.unpack_from("<IH", p, pos)
            seqs.append(struct.unpack_from("<I", p, pos + 6 + 12)[0])
            pos += 6 + length
    if pos != len(p):
        sys.exit(f"uplink.py: a malformed payload on {m.group(1)}: {m.group(2)}")
    print(m.group(1), *seqs)
