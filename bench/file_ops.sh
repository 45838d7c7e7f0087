#!/bin/sh
# The file manager against the tools people use, side by side in one run, on tmpfs
# (/dev/shm) so that the disk's noise does not hide gaia's own cost:
#   1. copy 10,000 files of 4 KiB      gaia (glob, and one recursive op) vs cp -r
#   2. copy one 1 GiB file             gaia vs cp
#   3. sha256 of one 1 GiB file        gaia vs openssl dgst -sha256 vs sha256sum
#   4. sha256 of 10,000 files of 4 KiB gaia (concurrency 64) vs find | xargs -P 2 sha256sum
#   5. parse a 100 MiB JSON document   gaia vs jq empty vs python3 json.load
# Run from anywhere: bench/file_ops.sh   (RUNS=10 by default)
. "$(dirname "$0")/lib.sh"
need hyperfine jq openssl python3 /usr/bin/time
runs="${RUNS:-10}"
shm=$(mktemp -d /dev/shm/gaia-bench-XXXXXX)
on_exit="rm -rf $shm; $on_exit"

mb_per_s() {  # JSON SIZE: each command's throughput in MB/s, and gaia's over it
    python3 - "$1" "$2" <<'PY'
import json, sys
results = json.load(open(sys.argv[1]))["results"]
size = int(sys.argv[2])
base = size / results[0]["mean"] / 1e6
print(f"{'command':<44} {'MB/s':>8}  gaia/this (throughput; > 1: gaia is faster)")
for r in results:
    rate = size / r["mean"] / 1e6
    print(f"{r['command'][:44]:<44} {rate:>8.0f}  {base / rate:>8.2f}")
PY
}

echo "making the test data in $shm ..."
mkdir -p "$shm/small"
python3 - "$shm/small" <<'PY'
import os, sys
block = os.urandom(4096)
for i in range(10000):
    with open(os.path.join(sys.argv[1], f"f{i:05}.bin"), "wb") as f:
        f.write(block[i % 64:] + block[:i % 64])
PY
head -c 1073741824 /dev/urandom > "$shm/big.bin"
python3 - "$shm/doc.json" <<'PY'
import json, random, sys
random.seed(7)
items, size = [], 0
while size < 100 * 1024 * 1024:
    item = {"id": len(items), "name": f"item-{len(items)}", "price": round(random.uniform(0, 1000), 2),
            "tags": [random.choice(["red", "green", "blue", "ünïcödé"]) for _ in range(3)],
            "dims": {"w": random.randint(1, 100), "h": random.randint(1, 100), "ok": random.random() > 0.5},
            "note": None if len(items) % 3 else "x" * random.randint(0, 80)}
    text = json.dumps(item)
    items.append(text)
    size += len(text) + 2
open(sys.argv[1], "w").write("[\n" + ",\n".join(items) + "\n]\n")
PY
json_size=$(stat -c %s "$shm/doc.json")

cat > "$work/copy_glob.toml" <<TOML
[jobs.copy]
kind = "file"
op = "copy"
from = "$shm/small/*"
to = "$shm/out/"
TOML
cat > "$work/copy_tree.toml" <<TOML
[jobs.copy]
kind = "file"
op = "copy"
from = "$shm/small"
to = "$shm/out"
recursive = true
TOML
cat > "$work/copy_big.toml" <<TOML
[jobs.copy]
kind = "file"
op = "copy"
from = "$shm/big.bin"
to = "$shm/big-copy.bin"
TOML
cat > "$work/sha_big.toml" <<TOML
[jobs.sha]
kind = "file"
op = "checksum"
path = "$shm/big.bin"
TOML
cat > "$work/sha_small.toml" <<TOML
[file]
concurrency = 64
[jobs.sha]
kind = "file"
op = "checksum"
path = "$shm/small/*"
TOML
cat > "$work/parse.toml" <<TOML
[jobs.parse]
kind = "file"
op = "parse"
path = "$shm/doc.json"
TOML

echo
echo "1. copy 10,000 files of 4 KiB"
hyperfine --runs "$runs" --warmup 1 --prepare "rm -rf $shm/out" --export-json "$work/1.json" \
    -n "gaia copy (glob, 10,000 ops)" "$gaia run -q $work/copy_glob.toml" \
    -n "gaia copy (recursive, 1 op)" "$gaia run -q $work/copy_tree.toml" \
    -n "cp -r" "cp -r $shm/small $shm/out" >/dev/null
ratio_table "$work/1.json"

echo
echo "2. copy one 1 GiB file"
hyperfine --runs "$runs" --warmup 1 --prepare "rm -f $shm/big-copy.bin" --export-json "$work/2.json" \
    -n "gaia copy" "$gaia run -q $work/copy_big.toml" \
    -n "cp" "cp $shm/big.bin $shm/big-copy.bin" >/dev/null
mb_per_s "$work/2.json" 1073741824
rm -f "$shm/big-copy.bin"

echo
echo "3. sha256 of one 1 GiB file"
hyperfine --runs "$runs" --warmup 1 --export-json "$work/3.json" \
    -n "gaia checksum" "$gaia run -q $work/sha_big.toml" \
    -n "openssl dgst -sha256" "openssl dgst -sha256 $shm/big.bin" \
    -n "sha256sum" "sha256sum $shm/big.bin" >/dev/null
mb_per_s "$work/3.json" 1073741824

echo
echo "4. sha256 of 10,000 files of 4 KiB"
hyperfine --runs "$runs" --warmup 1 --export-json "$work/4.json" \
    -n "gaia checksum (concurrency 64)" "$gaia run -q $work/sha_small.toml" \
    -n "find | xargs -P 2 -n 1000 sha256sum" "find $shm/small -type f | xargs -P 2 -n 1000 sha256sum" >/dev/null
ratio_table "$work/4.json"

echo
echo "5. parse a $((json_size / 1048576)) MiB JSON document"
hyperfine --runs "$runs" --warmup 1 --export-json "$work/5.json" \
    -n "gaia parse" "$gaia run -q $work/parse.toml" \
    -n "jq empty" "jq empty $shm/doc.json" \
    -n "python3 json.load" "python3 -c 'import json,sys; json.load(open(sys.argv[1]))' $shm/doc.json" >/dev/null
mb_per_s "$work/5.json" "$json_size"

echo
echo "peak RSS (KiB): gaia copy 10,000 files $(peak_rss_kib "$gaia" run -q "$work/copy_glob.toml"); \
gaia sha256 1 GiB $(peak_rss_kib "$gaia" run -q "$work/sha_big.toml"); \
gaia parse $((json_size / 1048576)) MiB $(peak_rss_kib "$gaia" run -q "$work/parse.toml"); \
jq $(peak_rss_kib jq empty "$shm/doc.json")"
