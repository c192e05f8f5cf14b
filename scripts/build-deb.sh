#!/usr/bin/env bash
# Build the Debian packages into target/debian/ with dpkg-deb (no debhelper,
# no cargo-deb: nothing to compile or download beyond the release build):
#
#   kaudit_VERSION_ARCH.deb         /usr/sbin/kaudit, man pages and completions
#                                   generated from the clap definitions, the boot
#                                   unit (not enabled), README, changelog, copyright
#   kaudit-dropin_VERSION_all.deb   diverts auditd's /usr/sbin/auditctl and
#                                   augenrules to NAME.auditd and links kaudit there
#
#   scripts/build-deb.sh [--lintian]
#
# KAUDIT_BIN picks the binary (default: cargo build --release, into
# CARGO_TARGET_DIR if set). The crate list of the copyright file comes from
# cargo tree, which downloads what a release build did not. KAUDIT_DEB_OUT
# the output directory (default target/debian; emptied first). --lintian runs
# lintian on both packages and fails on any error (warnings are printed).
# Prints the paths of the two packages on its last two lines.
set -euo pipefail
cd "$(dirname "$0")/.."
run_lintian=0
[ "${1:-}" = --lintian ] && run_lintian=1
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
changelog_version=$(sed -n '1s/^kaudit (\([^)]*\)).*/\1/p' packaging/changelog)
[ "$version" = "$changelog_version" ] || {
    echo "build-deb: Cargo.toml has $version, packaging/changelog $changelog_version" >&2
    exit 1
}
arch=$(dpkg --print-architecture)
maint=$(sed -n 's/^ -- \(.*>\)  .*/\1/p' packaging/changelog | head -n 1)
bin=${KAUDIT_BIN:-}
if [ -z "$bin" ]; then
    cargo build --release --quiet --bin kaudit
    bin=${CARGO_TARGET_DIR:-target}/release/kaudit
fi
out=${KAUDIT_DEB_OUT:-target/debian}
rm -rf "$out" && mkdir -p "$out"
# Files are written with these modes whatever the umask; dpkg-deb records root:root.
umask 022

doc_files() { # PACKAGE ROOT: copyright and changelog
    local d=$2/usr/share/doc/$1
    install -d "$d"
    gzip -9n <packaging/changelog >"$d/changelog.gz"
    cp "$out/copyright" "$d/copyright"
}
control_files() { # PACKAGE ROOT: md5sums and maintainer scripts
    local s
    (cd "$2" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | LC_ALL=C sort -z | xargs -0r md5sum) >"$2/DEBIAN/md5sums"
    for s in preinst postinst prerm postrm; do
        [ -f "packaging/$1.$s" ] && install -m 0755 "packaging/$1.$s" "$2/DEBIAN/$s"
    done
    return 0
}
installed_size() { du -sk --exclude=DEBIAN "$1" | cut -f1; }

# copyright: the project's licence and the statically linked crates: the
# normal (not dev or build) dependencies, transitively, for this host. cargo
# tree reads only their manifests, so it works after a release-only build
# (which never downloads the dev-dependencies); whatever is missing, it
# fetches from the registry.
host=$(rustc -vV | sed -n 's/^host: //p')
tree_err=$(mktemp)
if ! tree=$(cargo tree --quiet -e normal --target "$host" --prefix none --format $'{p}\t{l}' 2>"$tree_err"); then
    echo "build-deb: cannot list the crates the binary links (cargo tree -e normal failed):" >&2
    sed 's/^/  /' "$tree_err" >&2
    rm -f "$tree_err"
    exit 1
fi
rm -f "$tree_err"
# Lines are "NAME vVERSION [(proc-macro)]<TAB>LICENSE[ (*)]"; the first is kaudit.
crates=$(printf '%s\n' "$tree" | tail -n +2 | sed 's/ (\*)$//' |
    awk -F '\t' '{ split($1, p, " "); v = substr(p[2], 2); l = $2 == "" ? "see the crate" : $2; print " " p[1] " " v ": " l }' |
    LC_ALL=C sort -u)
[ -n "$crates" ] || { echo "build-deb: cargo tree listed no crate" >&2; exit 1; }
awk -v crates="$crates" '$0 == "@CRATES@" { print crates; next } { print }' packaging/copyright.in >"$out/copyright"

# --- kaudit
root=$out/kaudit
install -d "$root/DEBIAN" "$root/usr/sbin" "$root/usr/share/man/man8" \
    "$root/usr/share/bash-completion/completions" "$root/usr/share/zsh/vendor-completions" \
    "$root/usr/share/fish/vendor_completions.d" "$root/usr/lib/systemd/system/audit-rules.service.d"
install -m 0755 "$bin" "$root/usr/sbin/kaudit"
strip --strip-unneeded --remove-section=.comment --remove-section=.note "$root/usr/sbin/kaudit"
docs=$(mktemp -d)
trap 'rm -rf "$docs"' EXIT
"$bin" generate-docs "$docs"
for page in "$docs"/man8/*.8; do
    gzip -9n <"$page" >"$root/usr/share/man/man8/$(basename "$page").gz"
done
install -m 0644 "$docs/completions/kaudit.bash" "$root/usr/share/bash-completion/completions/kaudit"
install -m 0644 "$docs/completions/_kaudit" "$root/usr/share/zsh/vendor-completions/_kaudit"
install -m 0644 "$docs/completions/kaudit.fish" "$root/usr/share/fish/vendor_completions.d/kaudit.fish"
install -m 0644 systemd/kaudit-rules.service "$root/usr/lib/systemd/system/kaudit-rules.service"
install -m 0644 systemd/audit-rules.service.d-kaudit.conf "$root/usr/lib/systemd/system/audit-rules.service.d/kaudit.conf"
doc_files kaudit "$root"
gzip -9n <README.md >"$root/usr/share/doc/kaudit/README.md.gz"
abs_bin=$(realpath "$root/usr/sbin/kaudit")
depends=$(mkdir -p "$docs/shl/debian" && printf 'Source: kaudit\n\nPackage: kaudit\nArchitecture: any\n' >"$docs/shl/debian/control" &&
    cd "$docs/shl" && dpkg-shlibdeps -O -e"$abs_bin" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
[ -n "$depends" ] || { echo "build-deb: dpkg-shlibdeps found no dependencies" >&2; exit 1; }
control_files kaudit "$root"
cat >"$root/DEBIAN/control" <<CTRL
Package: kaudit
Version: $version
Architecture: $arch
Maintainer: $maint
Installed-Size: $(installed_size "$root")
Depends: $depends
Suggests: kaudit-dropin
Section: admin
Priority: optional
Description: Linux audit rule tool compatible with auditctl and augenrules
 kaudit reads audit rules in auditctl syntax, compiles them into the
 kernel's rule format and loads, lists, deletes and synchronises the
 kernel's rules over netlink. It checks a whole rule set before sending
 anything, names the file, line and column of every error, and changes
 only the rules that differ, without flushing the table first.
 .
 It includes kaudit-rules.service, a boot unit that can replace auditd's
 audit-rules.service (not enabled on installation). It does not need the
 audit daemon. The kaudit-dropin package installs kaudit under the names
 auditctl and augenrules.
CTRL

# --- kaudit-dropin
droot=$out/kaudit-dropin
install -d "$droot/DEBIAN" "$droot/usr/sbin"
ln -s kaudit "$droot/usr/sbin/auditctl"
ln -s kaudit "$droot/usr/sbin/augenrules"
doc_files kaudit-dropin "$droot"
install -D -m 0644 packaging/kaudit-dropin.lintian-overrides "$droot/usr/share/lintian/overrides/kaudit-dropin"
control_files kaudit-dropin "$droot"
cat >"$droot/DEBIAN/control" <<CTRL
Package: kaudit-dropin
Version: $version
Architecture: all
Maintainer: $maint
Installed-Size: $(installed_size "$droot")
Depends: kaudit (= $version)
Section: admin
Priority: optional
Description: kaudit as auditctl and augenrules (diverts auditd's)
 Moves auditd's /usr/sbin/auditctl and /usr/sbin/augenrules aside with
 dpkg-divert (to auditctl.auditd and augenrules.auditd) and links kaudit
 in their place, so scripts and units that call auditctl or augenrules
 use kaudit. Removing this package puts the originals back.
CTRL

debs=()
for pkg in kaudit kaudit-dropin; do
    a=$arch
    [ $pkg = kaudit-dropin ] && a=all
    deb=$out/${pkg}_${version}_$a.deb
    dpkg-deb --root-owner-group -Zxz --build "$out/$pkg" "$deb" >/dev/null
    debs+=("$deb")
done
if [ $run_lintian -eq 1 ]; then
    command -v lintian >/dev/null || { echo "build-deb: lintian is not installed (scripts/setup.sh installs it)" >&2; exit 1; }
    rc=0
    lintian --fail-on error --tag-display-limit 0 "${debs[@]}" || rc=$?
    [ $rc -eq 0 ] || { echo "build-deb: lintian reported errors" >&2; exit 1; }
    echo "build-deb: lintian: no errors"
fi
printf '%s\n' "${debs[@]}"
