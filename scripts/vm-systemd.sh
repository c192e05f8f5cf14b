#!/usr/bin/env bash
# vm-systemd.sh - the second kind of throwaway VM: a minimal Debian 13 (trixie)
# with systemd and auditd, built from Debian's packages with mmdebstrap, booted
# from a disk image under QEMU (TCG, 2 vCPUs). The busybox guests of
# scripts/vm.sh have no systemd; this one boots the real units.
#
#   scripts/vm-systemd.sh setup          once: mmdebstrap, qemu, the kernel, the
#                                        initramfs and the root image, cached in
#                                        .cache/vm-systemd/guest-HASH (80-140 s the
#                                        first time, under 1 s when current)
#   scripts/vm-systemd.sh image KAUDIT_DEB DROPIN_DEB OUT.qcow2
#                                        boot once (an overlay of the root image):
#                                        scenario 4 (install and purge both packages),
#                                        then install kaudit and enable kaudit-rules
#                                        .service; OUT is the image the scenarios boot
#   scripts/vm-systemd.sh run IMAGE DIR  boot an overlay of IMAGE with DIR as the
#                                        scenario; prints what DIR/run printed and
#                                        exits with its status (124 timeout, 125 no
#                                        status)
#   scripts/vm-systemd.sh scenario NAME IMAGE
#                                        run tests/vm_systemd/scenarios/NAME.sh (community, refused)
#
# How a scenario gets in and out (tests/vm_systemd/guest/ is built into the image):
#   DIR is packed into a tar and attached as the second disk (/dev/vdb). Early in
#   boot, before auditd and the rule units, kaudit-vm-prepare.service unpacks it to
#   /run/kaudit-vm and runs DIR/early if present (to put rules into rules.d before
#   they are loaded). After multi-user.target, kaudit-vm-test.service runs DIR/run
#   with its output on the second serial port, then powers off.
#
# env: KAUDIT_VM_MIRROR (default http://deb.debian.org/debian), KAUDIT_VM_SUITE
#      (trixie), KAUDIT_VM_TIMEOUT (s per boot, default 300), KAUDIT_VM_KEEP=1 keeps
#      the run's directory (console log, disk overlay).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cache=$repo/.cache/vm-systemd
suite=${KAUDIT_VM_SUITE:-trixie}
mirror=${KAUDIT_VM_MIRROR:-http://deb.debian.org/debian}
timeout_s=${KAUDIT_VM_TIMEOUT:-300}
# Bump when the guest recipe changes (packages, configuration, guest/ files are
# hashed separately): a cached image with another recipe is rebuilt.
recipe=1

log() { echo "vm-systemd: $*" >&2; }
die() {
    log "$*"
    exit 1
}

apt_opts() {
    echo -o Dir::Etc::sourcelist="$cache/apt/sources.list" -o Dir::Etc::sourceparts=- \
        -o Dir::State::Lists="$cache/apt/lists" -o Dir::Cache="$cache/apt" \
        -o Dir::State::status=/dev/null -o APT::Sandbox::User=root -o Debug::NoLocking=1
}

# The modules the initramfs loads to mount the root image, in load order:
# NAME's dependencies (from each module's .modinfo) before NAME.
module_closure() { # MODDIR NAME...
    local dir=$1 name f deps d
    shift
    for name in "$@"; do
        case " $seen_modules " in *" $name "*) continue ;; esac
        f=$(find "$dir" -name "$name.ko*" | head -n 1)
        [ -n "$f" ] || die "module $name not in the kernel package"
        deps=$(xz -dcf "$f" | grep -a -o 'depends=[^[:cntrl:]]*' | head -n 1 | cut -d= -f2 | tr ',' ' ')
        for d in $deps; do module_closure "$dir" "${d//-/_}"; done
        seen_modules="$seen_modules $name"
        echo "$f"
    done
}

guest_hash() {
    { echo "$recipe $suite"; cat "$repo"/tests/vm_systemd/guest/*; } | sha256sum | cut -c1-16
}
# One directory per guest recipe, so that worktrees with different versions
# of tests/vm_systemd/guest/ never replace an image another one is booting.
gdir=$cache/guest-$(guest_hash)

install_host_tools() {
    local need=()
    command -v mmdebstrap >/dev/null || need+=(mmdebstrap)
    command -v mkfs.ext4 >/dev/null || need+=(e2fsprogs)
    command -v zstd >/dev/null || need+=(zstd)
    command -v xz >/dev/null || need+=(xz-utils)
    if [ ${#need[@]} -gt 0 ]; then
        log "installing ${need[*]}"
        apt-get -qq update
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
    fi
    # qemu: scripts/vm.sh setup installs it (and repairs a backports qemu-utils).
    command -v qemu-system-x86_64 >/dev/null || "$repo/scripts/vm.sh" setup >/dev/null
    command -v qemu-system-x86_64 >/dev/null && command -v qemu-img >/dev/null || die "no qemu-system-x86_64/qemu-img"
}

setup() {
    local t0=$SECONDS
    install_host_tools
    mkdir -p "$cache/apt/lists/partial" "$cache/apt/archives/partial"
    exec 9>"$cache/lock"
    flock 9 # one builder at a time across worktrees
    if [ -f "$gdir/root.img" ] && [ -f "$gdir/vmlinux" ] && [ -f "$gdir/initrd.gz" ]; then
        touch "$gdir"
        log "current ($(cat "$gdir/kernel")); $((SECONDS - t0)) s"
        return 0
    fi
    echo "deb $mirror $suite main" >"$cache/apt/sources.list"
    # shellcheck disable=SC2046
    apt-get $(apt_opts) -qq update
    local kpkg
    # shellcheck disable=SC2046
    kpkg=$(apt-cache $(apt_opts) depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
    [ -n "$kpkg" ] || die "cannot resolve $suite's linux-image-amd64"
    local debs=$cache/debs
    mkdir -p "$debs"
    find "$debs" -name 'linux-image-*.deb' ! -name "${kpkg}_*" -delete
    (
        cd "$debs"
        # shellcheck disable=SC2046
        ls "${kpkg}"_*.deb >/dev/null 2>&1 || apt-get $(apt_opts) -qq download "$kpkg"
        # shellcheck disable=SC2046
        ls busybox-static_*.deb >/dev/null 2>&1 || apt-get $(apt_opts) -qq download busybox-static
    )
    local w=$cache/work
    rm -rf "$w" && mkdir -p "$w/k" "$w/i"
    dpkg-deb --fsys-tarfile "$debs/${kpkg}"_*.deb | tar -x -C "$w/k" ./boot ./usr/lib/modules
    grep -q '^CONFIG_AUDITSYSCALL=y' "$w"/k/boot/config-* || die "$kpkg has no CONFIG_AUDITSYSCALL"
    grep -q '^CONFIG_PVH=y' "$w"/k/boot/config-* || die "$kpkg has no CONFIG_PVH"
    # The bzImage's payload, uncompressed, boots through its PVH entry: no
    # decompression under TCG.
    local vmlinuz off
    vmlinuz=$(ls "$w"/k/boot/vmlinuz-*)
    off=$(LC_ALL=C grep -obUaP '\x28\xb5\x2f\xfd' "$vmlinuz" | head -n 1 | cut -d: -f1)
    if [ -n "$off" ]; then
        { tail -c +$((off + 1)) "$vmlinuz" || true; } | zstd -dcq >"$w/vmlinux" 2>/dev/null || true
    else
        off=$(LC_ALL=C grep -obUaP '\xfd\x37\x7a\x58\x5a\x00' "$vmlinuz" | head -n 1 | cut -d: -f1)
        [ -n "$off" ] || die "no zstd or xz payload in $vmlinuz"
        { tail -c +$((off + 1)) "$vmlinuz" || true; } | xz -dc --single-stream >"$w/vmlinux" 2>/dev/null || true
    fi
    [ "$(head -c 4 "$w/vmlinux" | od -An -c | tr -d ' ')" = '177ELF' ] || die "vmlinux extraction failed"

    # initramfs: busybox, the block and ext4 modules, an /init that mounts
    # /dev/vda and hands over to systemd.
    mkdir -p "$w/i/bin" "$w/i/mods" "$w/i/proc" "$w/i/sys" "$w/i/dev" "$w/i/newroot"
    dpkg-deb --fsys-tarfile "$debs"/busybox-static_*.deb | tar -x -O ./usr/bin/busybox >"$w/i/bin/busybox" 2>/dev/null ||
        dpkg-deb --fsys-tarfile "$debs"/busybox-static_*.deb | tar -x -O ./bin/busybox >"$w/i/bin/busybox"
    chmod 755 "$w/i/bin/busybox"
    local seen_modules="" m n=0
    # crc32c_generic: ext4 and jbd2 ask for crc32c by name (a softdep).
    for m in $(module_closure "$w/k/usr/lib/modules" crc32c_generic virtio_blk ext4); do
        n=$((n + 1))
        xz -dcf "$m" >"$w/i/mods/$(printf %02d $n)-$(basename "${m%.xz}")"
    done
    cat >"$w/i/init" <<'EOF'
#!/bin/busybox sh
# Mount the root image (/dev/vda, ext4) and start systemd from it.
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in /mods/*.ko; do insmod "$m" || echo "initramfs: insmod $m failed"; done
i=0
while [ ! -b /dev/vda ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
mount -t ext4 -o rw /dev/vda /newroot || { echo "initramfs: cannot mount /dev/vda"; poweroff -f; }
umount /proc /sys
mount --move /dev /newroot/dev
exec switch_root /newroot /sbin/init
EOF
    chmod 755 "$w/i/init"
    (cd "$w/i" && find . | ./bin/busybox cpio -o -H newc 2>/dev/null) | gzip -1 >"$w/initrd.gz"

    # The root file system.
    log "mmdebstrap $suite (systemd, auditd) ..."
    local guest=$repo/tests/vm_systemd/guest
    mmdebstrap --quiet --variant=minbase --include=systemd-sysv,auditd \
        --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/locale/*' \
        --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
        --dpkgopt='path-include=/usr/share/man/man8' --dpkgopt='path-include=/usr/share/man/man8/kaudit*' --dpkgopt='path-include=/usr/share/doc/kaudit*' \
        --customize-hook="mkdir -p \"\$1/usr/local/lib/kaudit-vm\"" \
        --customize-hook="copy-in $guest/prepare $guest/test /usr/local/lib/kaudit-vm" \
        --customize-hook="copy-in $guest/kaudit-vm-prepare.service $guest/kaudit-vm-test.service /etc/systemd/system" \
        "$suite" "$w/root" "$mirror"
    # After mmdebstrap's own clean-up (which empties /etc/machine-id).
    "$guest/configure" "$w/root"
    rm -f "$w/root.img"
    mkfs.ext4 -q -F -L kaudit-vm -d "$w/root" "$w/root.img" 2G >/dev/null
    echo "$kpkg" >"$w/kernel"
    awk '/^Package: (auditd|systemd)$/ { p = $2 } /^Version: / && p { print p, $2; p = "" }' \
        "$w/root/var/lib/dpkg/status" >"$w/versions"
    echo "kernel $kpkg" >>"$w/versions"
    rm -rf "$w/root" "$w/k" "$w/i"
    rm -rf "$gdir" && mv "$w" "$gdir"
    # Guests of other recipes (other worktrees' versions) unused for a day.
    find "$cache" -maxdepth 1 -name 'guest-*' ! -path "$gdir" -mtime +0 -exec rm -rf {} + 2>/dev/null || true
    log "ready in $((SECONDS - t0)) s: $(tr '\n' ';' <"$gdir/versions")"
}

# boot BASE OVERLAY DIR: boot a qcow2 overlay of BASE (created at OVERLAY) with
# DIR as the scenario; prints its output, returns its status.
boot() {
    local base overlay=$2 dir=$3 t
    base=$(realpath "$1")
    [ -x "$dir/run" ] || die "$dir/run missing or not executable"
    [ -f "$gdir/root.img" ] || die "run 'scripts/vm-systemd.sh setup' first"
    touch "$gdir"
    t=$(mktemp -d "${TMPDIR:-/tmp}/kaudit-vm-systemd.XXXXXX")
    local fmt=qcow2
    [ "$base" = "$(realpath "$gdir/root.img")" ] && fmt=raw
    tar -C "$dir" -cf "$t/payload.tar" .
    local rc attempt start=$SECONDS
    # no_timer_check: on a busy host, 6.12's IO-APIC timer check can panic
    # under TCG (found by scripts/vm.sh's kernel matrix).
    for attempt in 1 2; do
        rc=0
        rm -f "$overlay" "$t/console.log" "$t/out.log"
        qemu-img create -q -f qcow2 -F "$fmt" -b "$base" "$overlay"
        timeout "$timeout_s" qemu-system-x86_64 -accel tcg -cpu qemu64,+rdrand -smp 2 -m 1024 -nodefaults \
            -display none -no-reboot -serial "file:$t/console.log" -serial "file:$t/out.log" \
            -drive "if=virtio,file=$overlay,format=qcow2" \
            -drive "if=virtio,file=$t/payload.tar,format=raw,readonly=on" \
            -kernel "$gdir/vmlinux" -initrd "$gdir/initrd.gz" \
            -append "console=ttyS0 root=/dev/vda rw panic=-1 no_timer_check ${KAUDIT_VM_APPEND:-quiet systemd.show_status=error}" \
            >"$t/qemu.log" 2>&1 || rc=$?
        # QEMU itself crashing before the guest printed anything (once seen
        # here: SIGABRT, no message, two guests starting at once) is not a
        # result: one more boot. Anything the guest did counts as it is.
        if [ $rc -gt 128 ] && [ $rc -ne 124 ] && [ ! -s "$t/out.log" ] && [ $attempt -eq 1 ]; then
            log "qemu died with status $rc before the guest ran ($(tail -c 300 "$t/qemu.log" | tr '\n' ' ')); booting again"
            continue
        fi
        break
    done
    tr -d '\r' <"$t/out.log" | grep -v '^kaudit-vm-systemd: exit ' || true
    local status
    status=$(tr -d '\r' <"$t/out.log" | sed -n 's/^kaudit-vm-systemd: exit \([0-9]*\)$/\1/p' | tail -n 1)
    if [ $rc -eq 124 ]; then
        log "VM timed out after ${timeout_s} s; console tail:"
        tail -n 30 "$t/console.log" >&2 || true
        status=124
    elif [ -z "$status" ]; then
        log "no exit status from the guest (qemu exit $rc); console tail:"
        tail -n 40 "$t/console.log" "$t/qemu.log" >&2 || true
        status=125
    fi
    log "boot and scenario: $((SECONDS - start)) s, exit $status"
    if [ -n "${KAUDIT_VM_KEEP:-}" ]; then log "kept $t"; else rm -rf "$t"; fi
    return "$status"
}

image() {
    local kdeb=${1:?usage: image KAUDIT_DEB DROPIN_DEB OUT.qcow2} ddeb=${2:?} out=${3:?} d rc=0
    d=$(mktemp -d "${TMPDIR:-/tmp}/kaudit-vm-image.XXXXXX")
    cp -a "$repo/tests/vm_systemd/scenarios/packages.sh" "$d/run"
    cp "$repo/tests/vm/lib.sh" "$d/lib.sh"
    mkdir -p "$d/debs"
    cp "$kdeb" "$d/debs/kaudit.deb"
    cp "$ddeb" "$d/debs/kaudit-dropin.deb"
    rm -f "$out"
    boot "$gdir/root.img" "$out" "$d" || rc=$?
    rm -rf "$d"
    return $rc
}

# scenario NAME IMAGE: tests/vm_systemd/scenarios/NAME.sh as the run step,
# NAME.early (if any) as the early step, tests/vm/lib.sh (the helpers both
# kinds of guest share), and the community rule set.
scenario() {
    local name=${1:?usage: scenario NAME IMAGE} img=${2:?usage: scenario NAME IMAGE} d rc=0
    local src=$repo/tests/vm_systemd/scenarios
    [ -f "$src/$name.sh" ] || die "no scenario $src/$name.sh"
    local corpus=${KAUDIT_CORPUS:-$repo/../shared/corpus}
    d=$(mktemp -d "${TMPDIR:-/tmp}/kaudit-vm-scenario.XXXXXX")
    cp "$src/$name.sh" "$d/run"
    [ -f "$src/$name.early" ] && cp "$src/$name.early" "$d/early"
    cp "$repo/tests/vm/lib.sh" "$d/lib.sh"
    if [ -f "$corpus/community/neo23x0-audit.rules" ]; then
        cp "$corpus/community/neo23x0-audit.rules" "$d/community.rules"
    fi
    run "$img" "$d" || rc=$?
    rm -rf "$d"
    return $rc
}

run() {
    local img=${1:?usage: run IMAGE DIR} dir=${2:?usage: run IMAGE DIR} t rc=0
    t=$(mktemp -d "${TMPDIR:-/tmp}/kaudit-vm-overlay.XXXXXX")
    boot "$img" "$t/disk.qcow2" "$dir" || rc=$?
    rm -rf "$t"
    return $rc
}

case ${1:-} in
setup) setup ;;
image)
    shift
    image "$@"
    ;;
run)
    shift
    run "$@"
    ;;
scenario)
    shift
    scenario "$@"
    ;;
*)
    sed -n '2,33p' "$0" >&2
    exit 2
    ;;
esac
