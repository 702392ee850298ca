"""Prints, for one action of an audit log (audit.jsonl), how many records each kind of actor wrote and
the keys of their details: a tesh checks that two writers of the same action write the same record.
usage: python3 audit-records.py <audit.jsonl> <action>"""
import json
import sys
from collections import Counter

path, action = sys.argv[1], sys.argv[2]
seen = Counter()
for line in open(path):
    r = json.loads(line)
    if r["action"] == action:
        seen[(r["actor"].split("/")[0], ", ".join(sorted(r["details"])))] += 1
for (actor, keys), n in sorted(seen.items()):
    print(f"{n} by {actor}: {keys}")
