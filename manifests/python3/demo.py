"""Run by manifests/python3.toml inside the guest: the interpreter, its
standard library (pure Python and C extensions) and a few kernel services it
leans on (threads and futexes, pipes, fork/exec)."""
import hashlib
import json
import platform
import sqlite3
import subprocess
import sys
import threading
import zlib
from collections import Counter

print("python", platform.python_version(), "on", platform.system(), platform.release())
words = "the quick brown fox jumps over the lazy dog the end".split()
print("most common:", Counter(words).most_common(1)[0])
print("sha256:", hashlib.sha256(b"tailor").hexdigest()[:16])
print("json:", json.dumps({"app": "python3", "ok": True}, sort_keys=True))
print("zlib:", len(zlib.compress(b"x" * 10000)) < 100)

results = []
lock = threading.Lock()


def work(n):
    total = sum(range(n))
    with lock:
        results.append(total)


threads = [threading.Thread(target=work, args=(10000 * (i + 1),)) for i in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("threads:", len(results), sum(results))

db = sqlite3.connect(":memory:")
db.execute("create table t(x)")
db.executemany("insert into t values (?)", [(i,) for i in range(10)])
print("sqlite sum:", db.execute("select sum(x) from t").fetchone()[0])

child = subprocess.run([sys.executable, "-c", "print(6 * 7)"], capture_output=True, text=True, check=True)
print("child says:", child.stdout.strip())
print("python done")
