#!/usr/bin/env bash
# Large inputs (issue 20 item 4): peak memory and time of `kaudit load
# --dry-run` and `kaudit lint` on generated files, with the targets. Needs no
# kernel and no root (nothing is sent); run it anywhere after a release build.
#
#   - 8 MiB of `-D` lines (2.8 million lines): load --dry-run and lint
#   - 8 MiB of `-w /x` lines (1.4 million copies of one watch): load
#     --dry-run and lint (lint keeps 10,000 findings of a code, counts the rest)
#   - 8 MiB of distinct watches (`-w /xN`, 708,000 rules) and of distinct
#     syscall rules (`-a always,exit -F arch=b64 -S openat -F auid=N -k kN`,
#     136,000 rules): load --dry-run and lint
#                                            target: peak RSS < 200 MB each
#   - 30,000 rules (b64 and b32 pairs, per-user conditions, watches, keys):
#     lint                                   target: < 2 s
#
# Usage: scripts/bench-large.sh [--no-build]
# Peak RSS is GNU time's "Maximum resident set size" (/usr/bin/time -v);
# seconds are wall time. Exit 1 when a target is missed.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
[[ ${1:-} == --no-build ]] || (cd "$repo" && cargo build --release --quiet)
bin=$repo/target/release/kaudit
[[ -x /usr/bin/time ]] || { echo "bench-large: needs GNU time (/usr/bin/time)" >&2; exit 2; }
work=$(mktemp -d /tmp/kaudit-bench-large.XXXXXX)
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"

python3 - "$work" <<'PY'
import sys
d = sys.argv[1]
limit = 8 << 20
for name, line in (("dash-D.rules", "-D\n"), ("watch.rules", "-w /x\n")):
    with open(f"{d}/{name}", "w") as f:
        f.write(line * (limit // len(line)))
# Distinct short rules: as many as fit in the limit.
for name, rule in (("watch-distinct.rules", lambda i: f"-w /x{i}\n"),
                   ("syscall-distinct.rules",
                    lambda i: f"-a always,exit -F arch=b64 -S openat -F auid={i} -k k{i}\n")):
    with open(f"{d}/{name}", "w") as f:
        size = 0
        i = 0
        while size + len(rule(i)) <= limit:
            size += f.write(rule(i))
            i += 1
calls = ["openat", "unlinkat", "renameat", "fchmodat", "fchownat", "setxattr",
         "mount", "init_module", "ptrace", "execve"]
with open(f"{d}/rules-30k.rules", "w") as f:
    n = 0
    i = 0
    while n < 30000:
        c = calls[i % len(calls)]
        if i % 7 == 6:
            f.write(f"-w /etc/kbench/{i} -p wa -k w{i}\n")
            n += 1
        else:
            for arch in ("b64", "b32"):
                f.write(f"-a always,exit -F arch={arch} -S {c} -F auid={1000 + i} -k u{i}\n")
                n += 1
        i += 1
PY
chmod 644 "$work"/*.rules

fail=0
# measure NAME LIMIT_KB LIMIT_S -- ARGS...: one run; prints RSS and seconds.
measure() {
    local name=$1 max_kb=$2 max_s=$3
    shift 4
    # lint exits 1 when it has findings: only the measurement counts here.
    /usr/bin/time -o "$work/time" -f '%M %e' "$bin" "$@" >/dev/null 2>"$work/stderr" || true
    local out kb s
    out=$(tail -1 "$work/time")
    kb=${out% *}
    s=${out#* }
    if ! [[ $kb =~ ^[0-9]+$ ]]; then
        echo "bench-large: $name: no measurement ($out); stderr:" >&2
        tail -3 "$work/stderr" >&2
        fail=1
        return
    fi
    local verdict=ok
    if (( kb > max_kb )) || awk -v s="$s" -v m="$max_s" 'BEGIN { exit !(s > m) }'; then
        verdict="OVER TARGET"
        fail=1
    fi
    printf '%-38s %7d MB  %6.2f s   (target < %d MB, < %s s)  %s\n' \
        "$name" $((kb / 1024)) "$s" $((max_kb / 1024)) "$max_s" "$verdict"
}

echo "bench-large: $(nproc) CPU(s), $("$bin" --version 2>/dev/null || echo kaudit)"
measure "load --dry-run, 8 MiB of -D"   204800 30 -- load --dry-run "$work/dash-D.rules"
measure "lint, 8 MiB of -D"             204800 30 -- lint "$work/dash-D.rules"
measure "load --dry-run, 8 MiB of -w /x" 204800 30 -- load --dry-run "$work/watch.rules"
measure "lint, 8 MiB of -w /x"          204800 30 -- lint "$work/watch.rules"
measure "load --dry-run, 8 MiB of -w /xN" 204800 30 -- load --dry-run "$work/watch-distinct.rules"
measure "lint, 8 MiB of -w /xN"          204800 30 -- lint "$work/watch-distinct.rules"
measure "load --dry-run, 8 MiB of -S, auid=N" 204800 30 -- load --dry-run "$work/syscall-distinct.rules"
measure "lint, 8 MiB of -S, auid=N"      204800 30 -- lint "$work/syscall-distinct.rules"
measure "lint, 30,000 rules"            204800 2 -- lint "$work/rules-30k.rules"
exit $fail
