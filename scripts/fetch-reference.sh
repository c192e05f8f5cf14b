#!/usr/bin/env bash
# Fetch the reference auditctl (Debian unstable's `auditd` package) and the
# sources the tables are generated from, into a cache directory, without
# installing or starting anything.
#
# Uses apt itself with a private configuration (its own sources list, lists and
# archive cache under the cache directory), so the system's apt state is not
# touched. The mirror is the one this machine's apt already uses.
#
# Usage: scripts/fetch-reference.sh [CACHE_DIR]     (default: $KAUDIT_REF_CACHE or ./.cache/reference)
# Prints the version it got. Afterwards:
#   CACHE/root/...            the unpacked binary packages
#   CACHE/auditctl            a wrapper that runs the reference auditctl through the package's loader
#   CACHE/src/audit-*/        the audit-userspace source tree (tables are generated from it)
#   CACHE/versions            package versions, one "name version" per line
set -euo pipefail

cache=${1:-${KAUDIT_REF_CACHE:-$(cd "$(dirname "$0")/.." && pwd)/.cache/reference}}
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)
suite=${KAUDIT_REF_SUITE:-unstable}
arch=$(dpkg --print-architecture)

# Binary packages needed to run auditctl, and the headers the tables come from.
bin_pkgs=(auditd libaudit1 libaudit-common libauparse0t64 libcap-ng0 libc6 linux-libc-dev)

# The mirror: the first deb URI of this machine's Debian sources.
mirror=""
for f in /etc/apt/sources.list.d/*.sources /etc/apt/sources.list; do
    [ -f "$f" ] || continue
    mirror=$(awk '
        /^URIs:/ { for (i = 2; i <= NF; i++) if ($i ~ /\/debian\/?$/) { print $i; exit } }
        /^deb / { for (i = 2; i <= NF; i++) if ($i ~ /\/debian\/?$/) { print $i; exit } }' "$f")
    [ -n "$mirror" ] && break
done
if [ -z "$mirror" ]; then
    echo "fetch-reference: no Debian mirror found in this machine's apt sources" >&2
    exit 1
fi

apt_dir="$cache/apt"
mkdir -p "$apt_dir/lists/partial" "$apt_dir/archives/partial" "$apt_dir/etc/preferences.d" "$apt_dir/etc/sources.list.d"
printf 'deb [trusted=yes] %s %s main\ndeb-src [trusted=yes] %s %s main\n' "$mirror" "$suite" "$mirror" "$suite" \
    > "$apt_dir/etc/sources.list"
apt_opts=(
    -o "Dir::Etc::SourceList=$apt_dir/etc/sources.list"
    -o "Dir::Etc::SourceParts=$apt_dir/etc/sources.list.d"
    -o "Dir::Etc::PreferencesParts=$apt_dir/etc/preferences.d"
    -o "Dir::State::Lists=$apt_dir/lists"
    -o "Dir::Cache=$apt_dir"
    -o "Dir::Cache::archives=$apt_dir/archives"
    -o "APT::Architecture=$arch"
    -o "Acquire::Languages=none"
    -o "Debug::NoLocking=1"
    -o "APT::Sandbox::User=root"
)

# Refresh the index at most once a day; a warm cache needs no network.
stamp="$apt_dir/updated"
if [ ! -f "$stamp" ] || [ -n "$(find "$stamp" -mmin +1440 2>/dev/null)" ] || [ ! -x "$cache/auditctl" ]; then
    apt-get "${apt_opts[@]}" -qq update >&2
    touch "$stamp"
fi

version_of() { apt-cache "${apt_opts[@]}" show "$1" 2>/dev/null | awk '/^Version:/ { print $2; exit }'; }

want_versions=""
for p in "${bin_pkgs[@]}"; do want_versions+="$p $(version_of "$p")"$'\n'; done
src_version=$(version_of auditd)  # auditd is built from the audit source package
want_versions+="audit-source $src_version"$'\n'

if [ -f "$cache/versions" ] && [ "$(cat "$cache/versions")" = "$want_versions" ] && [ -x "$cache/auditctl" ]; then
    :
else
    rm -rf "$cache/root" "$cache/src" "$cache/debs"
    mkdir -p "$cache/root" "$cache/src" "$cache/debs"
    (cd "$cache/debs" && apt-get "${apt_opts[@]}" -qq download "${bin_pkgs[@]}" >&2)
    for d in "$cache"/debs/*.deb; do dpkg-deb -x "$d" "$cache/root"; done
    (cd "$cache/src" && apt-get "${apt_opts[@]}" -qq source --download-only audit >&2)
    orig=$(ls "$cache"/src/audit_*.orig.tar.* | head -n 1 || true)
    tar -C "$cache/src" -xf "$orig"
    rm -rf "$cache/debs"
    printf '%s' "$want_versions" > "$cache/versions"
fi

# The wrapper finds the unpacked packages beside itself, so that the cache
# still works when it is moved or reached through a link from another
# checkout (one written with this checkout's absolute paths would not).
# Written every run (a stale one is replaced), atomically.
# The loader and libraries of the fetched libc run the fetched auditctl.
loader=$(cd "$cache" && ls root/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 root/lib64/ld-linux-x86-64.so.2 2>/dev/null | head -n 1 || true)
auditctl_bin=$(cd "$cache" && ls root/usr/sbin/auditctl root/sbin/auditctl 2>/dev/null | head -n 1 || true)
cat > "$cache/auditctl.$$" <<WRAP
#!/bin/sh
# Runs the reference auditctl from Debian's auditd package (see versions).
here=\$(cd "\$(dirname "\$0")" && pwd)
exec "\$here/$loader" --library-path "\$here/root/usr/lib/x86_64-linux-gnu:\$here/root/lib/x86_64-linux-gnu" "\$here/$auditctl_bin" "\$@"
WRAP
chmod +x "$cache/auditctl.$$"
mv -f "$cache/auditctl.$$" "$cache/auditctl"

echo "reference: $("$cache/auditctl" -v 2>&1) (Debian auditd $(awk '$1 == "auditd" { print $2 }' "$cache/versions"), cache $cache)"
