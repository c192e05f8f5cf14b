#!/usr/bin/env bash
# Install kaudit: the binary, man pages, shell completions; optionally the
# `auditctl`/`augenrules` links and the boot unit.
#
#   scripts/install.sh [--prefix DIR] [--destdir DIR] [--auditctl-link] [--augenrules-link]
#                      [--unit] [--force] [--uninstall]
#
#   --prefix DIR       where to install (default /usr/local): DIR/sbin/kaudit, DIR/share/man/man8, completions
#   --destdir DIR      stage everything under DIR (for packaging and tests)
#   --auditctl-link    DIR/sbin/auditctl -> kaudit (refused if a file is already there, unless --force)
#   --augenrules-link  DIR/sbin/augenrules -> kaudit (same rule)
#   --unit             /etc/systemd/system/kaudit-rules.service (not enabled; see the README) and
#                      audit-rules.service.d/kaudit.conf (auditd's unit stands aside while it is enabled)
#   --force            replace existing auditctl/augenrules files at those paths
#   --uninstall        remove what this script installs (links only if they point at kaudit)
#
# The distribution's own /sbin/auditctl and /sbin/augenrules are never touched: the links go to
# PREFIX/sbin, which comes first in root's PATH on Debian.
set -euo pipefail
cd "$(dirname "$0")/.."
prefix=/usr/local destdir="" link_auditctl=0 link_augenrules=0 unit=0 force=0 uninstall=0
while [ $# -gt 0 ]; do
    case $1 in
        --prefix) prefix=$2; shift ;;
        --destdir) destdir=$2; shift ;;
        --auditctl-link) link_auditctl=1 ;;
        --augenrules-link) link_augenrules=1 ;;
        --unit) unit=1 ;;
        --force) force=1 ;;
        --uninstall) uninstall=1 ;;
        *) sed -n '2,20p' "$0" >&2; exit 2 ;;
    esac
    shift
done
sbin="$destdir$prefix/sbin" man="$destdir$prefix/share/man/man8"
bash_c="$destdir$prefix/share/bash-completion/completions" zsh_c="$destdir$prefix/share/zsh/site-functions"
fish_c="$destdir$prefix/share/fish/vendor_completions.d" unit_dir="$destdir/etc/systemd/system"

if [ $uninstall -eq 1 ]; then
    for l in auditctl augenrules; do
        [ -L "$sbin/$l" ] && [ "$(readlink "$sbin/$l")" = kaudit ] && rm -f "$sbin/$l"
    done
    rm -f "$sbin/kaudit" "$man"/kaudit*.8 "$bash_c/kaudit" "$zsh_c/_kaudit" "$fish_c/kaudit.fish" "$unit_dir/kaudit-rules.service" \
        "$unit_dir/audit-rules.service.d/kaudit.conf"
    rmdir "$unit_dir/audit-rules.service.d" 2>/dev/null || true
    echo "kaudit: uninstalled from $destdir$prefix"
    exit 0
fi

bin=${KAUDIT_BIN:-target/release/kaudit}
[ -x "$bin" ] || cargo build --release --quiet
docs=$(mktemp -d); trap 'rm -rf "$docs"' EXIT
"$bin" generate-docs "$docs"
install -d "$sbin" "$man" "$bash_c" "$zsh_c" "$fish_c"
install -m 0755 "$bin" "$sbin/kaudit"
install -m 0644 "$docs"/man8/*.8 "$man/"
install -m 0644 "$docs/completions/kaudit.bash" "$bash_c/kaudit"
install -m 0644 "$docs/completions/_kaudit" "$zsh_c/_kaudit"
install -m 0644 "$docs/completions/kaudit.fish" "$fish_c/kaudit.fish"

link() {
    local name=$1 target="$sbin/$1"
    if [ -e "$target" ] || [ -L "$target" ]; then
        if [ -L "$target" ] && [ "$(readlink "$target")" = kaudit ]; then return 0; fi
        if [ $force -ne 1 ]; then
            echo "kaudit: $target exists; not replacing it (use --force)" >&2
            return 1
        fi
        rm -f "$target"
    fi
    ln -s kaudit "$target"
}
rc=0
[ $link_auditctl -eq 1 ] && { link auditctl || rc=1; }
[ $link_augenrules -eq 1 ] && { link augenrules || rc=1; }
if [ $unit -eq 1 ]; then
    install -d "$unit_dir/audit-rules.service.d"
    sed "s|/usr/sbin/kaudit|$prefix/sbin/kaudit|" systemd/kaudit-rules.service > "$unit_dir/kaudit-rules.service"
    chmod 0644 "$unit_dir/kaudit-rules.service"
    install -m 0644 systemd/audit-rules.service.d-kaudit.conf "$unit_dir/audit-rules.service.d/kaudit.conf"
fi
echo "kaudit: installed into $destdir$prefix"
exit $rc
