#!/usr/bin/env bash
# Builds the results-parser Lambda for the `provided.al2023` runtime: the release binary renamed to
# `bootstrap`, alone in a zip. Usage: lambdas/results-parser/package.sh [TARGET]
#   TARGET defaults to the host (x86_64-unknown-linux-gnu here). For Graviton (arm64) Lambdas, on a
#   machine with that target installed: package.sh aarch64-unknown-linux-gnu (needs an aarch64 linker,
#   e.g. CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc, or `cargo lambda build --arm64`).
# Output: target/lambda/results-parser/bootstrap.zip (prints its path and size).
set -euo pipefail
cd "$(dirname "$0")/../.."
TARGET="${1:-}"
args=(build -p results-parser --release --bin results-parser)
bin_dir=target/release
if [ -n "$TARGET" ]; then
  args+=(--target "$TARGET")
  bin_dir="target/$TARGET/release"
fi
cargo "${args[@]}"
out=target/lambda/results-parser
rm -rf "$out" && mkdir -p "$out"
cp "$bin_dir/results-parser" "$out/bootstrap"
# The release profile keeps line tables for local backtraces; Lambda does not need them (75 MB → ~20 MB).
if command -v strip >/dev/null; then strip --strip-debug "$out/bootstrap"; fi
# AL2023 has glibc 2.34: refuse a binary that needs newer symbols.
if command -v objdump >/dev/null; then
  newest=$(objdump -T "$out/bootstrap" | grep -oE 'GLIBC_[0-9.]+' | sort -uV | tail -1)
  case "$newest" in GLIBC_2.3[5-9]*|GLIBC_2.[4-9]*) echo "bootstrap needs $newest; AL2023 has 2.34" >&2; exit 1;; esac
fi
python3 - "$out" <<'PY'
import os, sys, zipfile
out = sys.argv[1]
info = zipfile.ZipInfo("bootstrap", date_time=(1980, 1, 1, 0, 0, 0))
info.external_attr = 0o100755 << 16  # regular file, rwxr-xr-x: Lambda executes it as is
info.compress_type = zipfile.ZIP_DEFLATED
with open(os.path.join(out, "bootstrap"), "rb") as f, zipfile.ZipFile(os.path.join(out, "bootstrap.zip"), "w") as z:
    z.writestr(info, f.read())
PY
ls -l "$out/bootstrap.zip" | awk '{print $9, $5, "bytes"}'
