#!/usr/bin/env bash
# Throwaway-VM harness: runs a test directory inside a fresh Linux kernel, so
# tests can lock audit (`-e 2`), set `--loginuid-immutable` or flush rules
# without touching this machine's kernel.
#
#   scripts/vm.sh setup       install qemu, fetch Debian's kernel and busybox-static
#                             with apt into the cache, build the base initramfs
#                             (busybox, the reference auditctl + augenrules)
#   scripts/vm.sh run DIR     boot one VM with DIR as /test (plus the kaudit binary);
#                             /init runs /test/run; its output comes back on stdout
#                             and its exit status (0-123) is ours; 124 = timeout,
#                             125 = no status came back (console tail on stderr)
#   scripts/vm.sh selftest    one VM that loads a rule, locks audit and checks the lock
#   scripts/vm.sh kernels     the kernel matrix: name, Debian package, cached vmlinux
#
# The guest: a Debian kernel of the matrix (KAUDIT_VM_KERNEL), booted as an
# uncompressed vmlinux through its PVH entry under QEMU TCG, 2 vCPUs (with one,
# synchronize_rcu() returns at once and a rule delete looks free),
# `-nodefaults`, kernel command line `audit=1`. The matrix, each kernel
# resolved through Debian's linux-image-amd64 metapackage of its suite:
#   bookworm   this machine's apt sources (Debian 12): 6.1, no grace period on delete
#              files: <cache>/vmlinux, <cache>/kernel (the original layout)
#   trixie     Debian 13 (trixie, trixie-updates, trixie-security): 6.12
#   unstable   the newest kernel Debian ships
#              files: <cache>/kernels/NAME/{vmlinux,config,kernel}, apt state <cache>/apt-NAME
# The vmlinuz payload (xz for 6.1, zstd from 6.12 on) is found through the
# bzImage setup header and unpacked once into the cache. Output of /test/run
# goes to the second serial port; the status leaves through isa-debug-exit.
# In the guest:
#   /usr/sbin/kaudit        the kaudit binary (KAUDIT_BIN) with the host's libc; no auditctl
#                           link to it: call `kaudit auditctl`, `kaudit augenrules`
#   /sbin/auditctl          the reference auditctl (a wrapper calling it through its own loader)
#   /sbin/augenrules        the reference augenrules script (it runs /sbin/auditctl)
#   /etc/audit/rules.d      empty; /run, /tmp tmpfs; PATH=/usr/sbin:/usr/bin:/sbin:/bin;
#                           kernel command line: audit=1 audit_backlog_limit=8192
#                           (no auditd: records go to the kernel log, unthrottled)
#
# Environment:
#   KAUDIT_VM_CACHE   cache directory (default <repo>/.cache/vm)
#   KAUDIT_REF_CACHE  reference cache made by scripts/fetch-reference.sh (default <repo>/.cache/reference)
#   KAUDIT_BIN        kaudit binary put into each guest (default <repo>/target/release/kaudit)
#   KAUDIT_VM_TIMEOUT seconds per VM (default 180)
#   KAUDIT_VM_MEM     guest memory in MiB (default 512)
#   KAUDIT_VM_ACCEL   tcg (default) or kvm
#   KAUDIT_VM_KERNEL  the guest kernel: bookworm (default), trixie or unstable
#   KAUDIT_VM_KERNELS the kernels `setup` fetches (default: all three)
#   KAUDIT_VM_CPUS    vCPUs per guest (default 2)
#   KAUDIT_VM_KEEP=1  keep the run's work directory (console log, initrd)
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache=${KAUDIT_VM_CACHE:-$repo/.cache/vm}
ref=${KAUDIT_REF_CACHE:-$repo/.cache/reference}
timeout_s=${KAUDIT_VM_TIMEOUT:-180}
mem=${KAUDIT_VM_MEM:-512}
accel=${KAUDIT_VM_ACCEL:-tcg}
cpus=${KAUDIT_VM_CPUS:-2}
matrix=(bookworm trixie unstable)

die() { echo "vm: $*" >&2; exit 1; }
log() { echo "vm: $*" >&2; }

# The first URI of this machine's apt sources whose path ends in /ARCHIVE
# (default debian; debian-security for the security archive), as
# fetch-reference.sh finds it. Empty (and status 1) when there is none.
apt_source_uri() {
    local archive=${1:-debian} f m=""
    for f in /etc/apt/sources.list.d/*.sources /etc/apt/sources.list; do
        [ -f "$f" ] || continue
        m=$(awk -v re="/$archive/?\$" '
            /^URIs:/ { for (i = 2; i <= NF; i++) if ($i ~ re) { print $i; exit } }
            /^deb / { for (i = 2; i <= NF; i++) if ($i ~ re) { print $i; exit } }' "$f")
        [ -n "$m" ] && break
    done
    [ -n "$m" ] && echo "$m"
}

debian_mirror() {
    apt_source_uri debian || die "no Debian mirror in this machine's apt sources"
}

# apt-get install, refreshing this machine's package lists first if that fails.
apt_install() {
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq --no-install-recommends "$@" >/dev/null 2>&1 ||
        { apt-get -qq update && apt-get install -y -qq --no-install-recommends "$@" >/dev/null; }
}

install_qemu() {
    command -v qemu-system-x86_64 >/dev/null && return 0
    export DEBIAN_FRONTEND=noninteractive
    # A backports qemu-utils (10.x) Breaks Debian 12's qemu-system-common 7.2:
    # installing qemu-system-x86 from the main suite would remove qemu-utils.
    # Take qemu-system-x86 from the same backports suite then.
    local qv
    qv=$(dpkg-query -W -f='${Version}' qemu-utils 2>/dev/null || true)
    if [[ $qv == *bpo* ]]; then
        local d=$cache/apt-bpo suite
        # shellcheck disable=SC1091
        suite="$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")-backports"
        # A private apt state: this machine's sources plus backports, own lists.
        rm -rf "$d/sources.list.d"
        mkdir -p "$d/lists/partial" "$d/archives/partial" "$d/sources.list.d"
        cp /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list "$d/sources.list.d/" 2>/dev/null || true
        if [ -f /etc/apt/sources.list ]; then cp /etc/apt/sources.list "$d/sources.list"; else : >"$d/sources.list"; fi
        printf 'deb %s %s main\n' "$(debian_mirror)" "$suite" >"$d/sources.list.d/kaudit-backports.list"
        local o=(-o "Dir::Etc::SourceList=$d/sources.list" -o "Dir::Etc::SourceParts=$d/sources.list.d"
            -o "Dir::State::Lists=$d/lists" -o "Dir::Cache::archives=$d/archives" -o APT::Sandbox::User=root)
        log "qemu-utils $qv is from backports: installing qemu-system-x86 from $suite"
        apt-get "${o[@]}" -qq update
        # -t: the dependencies that must match (qemu-system-common, seabios, ...) come from there too.
        apt-get "${o[@]}" install -y -qq --no-install-recommends -t "$suite" qemu-system-x86 qemu-utils >/dev/null
    else
        apt-get -qq update
        apt-get install -y -qq --no-install-recommends qemu-system-x86 >/dev/null
    fi
    command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 still missing"
}

# Copies a dynamic executable's libraries (as the host's loader resolves them) into $2/lib.
copy_host_libs() {
    local bin=$1 root=$2 lib
    mkdir -p "$root/lib/x86_64-linux-gnu" "$root/lib64"
    for lib in $(ldd "$bin" | awk '/=> \// { print $3 }'); do
        cp -L "$lib" "$root/lib/x86_64-linux-gnu/"
    done
    cp -L /lib64/ld-linux-x86-64.so.2 "$root/lib64/"
}

# The bzImage's compressed kernel, unpacked to OUT: found through the setup
# header (setup_sects at 0x1f1, payload_offset and payload_length at 0x248),
# xz (Debian's 6.1) or zstd (6.12 on) by its magic bytes. The payload ends in
# the 4-byte uncompressed size, which is no part of the stream.
extract_vmlinux() {
    local vmlinuz=$1 out=$2 sects poff plen off magic unpack
    [ "$(od -An -c -j $((0x202)) -N 4 "$vmlinuz" | tr -d ' ')" = HdrS ] || die "$vmlinuz is not a bzImage"
    sects=$(od -An -tu1 -j $((0x1f1)) -N 1 "$vmlinuz" | tr -d ' ')
    poff=$(od -An -tu4 -j $((0x248)) -N 4 "$vmlinuz" | tr -d ' ')
    plen=$(od -An -tu4 -j $((0x24c)) -N 4 "$vmlinuz" | tr -d ' ')
    off=$(((sects + 1) * 512 + poff))
    magic=$(od -An -tx1 -j "$off" -N 6 "$vmlinuz" | tr -d ' ')
    case $magic in
    fd377a585a00) unpack=(xz -dc --single-stream) ;;
    28b52ffd*) unpack=(zstd -dcq) ;;
    *) die "$vmlinuz: the payload at byte $off is neither xz nor zstd (magic $magic)" ;;
    esac
    { tail -c +$((off + 1)) "$vmlinuz" | head -c $((plen - 4)) || true; } | "${unpack[@]}" >"$out.tmp" ||
        die "unpacking $vmlinuz (${unpack[0]}, byte $off) failed"
    [ "$(head -c 4 "$out.tmp" | od -An -c | tr -d ' ')" = '177ELF' ] || die "$vmlinuz: the payload is no ELF kernel"
    mv "$out.tmp" "$out"
}

# The files of one kernel of the matrix: KERNEL_DIR (vmlinux, kernel), by name.
kernel_dir() {
    case $1 in
    bookworm) echo "$cache" ;;
    trixie | unstable) echo "$cache/kernels/$1" ;;
    *) die "unknown kernel '$1' (the matrix: ${matrix[*]})" ;;
    esac
}

# bookworm: this machine's own apt sources resolve linux-image-amd64 (the
# original layout: debs/, vmlinux, kernel directly in the cache).
fetch_host_kernel() {
    # The kernel changes with Debian's security updates and old ones leave the
    # mirror: resolve it through the metapackage every time.
    local kpkg
    kpkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
    if [ -z "$kpkg" ]; then
        apt-get -qq update
        kpkg=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
    fi
    [ -n "$kpkg" ] || die "cannot resolve linux-image-amd64"
    (
        cd "$cache/debs"
        ls "${kpkg}"_*.deb >/dev/null 2>&1 || apt-get -o APT::Sandbox::User=root -qq download "$kpkg"
    )
    # Keep only the current kernel's package.
    find "$cache/debs" -name 'linux-image-*.deb' ! -name "${kpkg}_*" -delete

    if [ ! -f "$cache/vmlinux" ] || [ "$(cat "$cache/kernel" 2>/dev/null)" != "$kpkg" ]; then
        local x=$cache/x
        rm -rf "$x" && mkdir -p "$x"
        dpkg-deb --fsys-tarfile "$cache/debs/${kpkg}"_*.deb | tar -x -C "$x" ./boot
        grep -q '^CONFIG_AUDITSYSCALL=y' "$x"/boot/config-* || die "$kpkg has no CONFIG_AUDITSYSCALL"
        grep -q '^CONFIG_PVH=y' "$x"/boot/config-* || die "$kpkg has no CONFIG_PVH"
        # Booting the bzImage costs ~4 s of decompression under TCG; the
        # uncompressed ELF inside boots through its PVH entry instead.
        extract_vmlinux "$(ls "$x"/boot/vmlinuz-*)" "$cache/vmlinux"
        echo "$kpkg" >"$cache/kernel"
        rm -rf "$x"
    fi
    log "kernel bookworm: $kpkg"
}

# trixie, unstable: a private apt state per suite (its own sources list, lists
# and archives in <cache>/apt-NAME; the system's apt is not touched), the
# index refreshed at most once a day; the kernel is re-fetched only when the
# metapackage resolves to another package or version, and only vmlinux and
# config are kept.
fetch_suite_kernel() {
    local name=$1 d=$cache/apt-$1 kdir mirror sec
    kdir=$(kernel_dir "$name")
    mkdir -p "$d/lists/partial" "$d/archives/partial" "$d/parts" "$kdir"
    mirror=$(debian_mirror)
    case $name in
    trixie)
        echo "deb [trusted=yes] $mirror trixie main"
        echo "deb [trusted=yes] $mirror trixie-updates main"
        if sec=$(apt_source_uri debian-security); then echo "deb [trusted=yes] $sec trixie-security main"; fi
        ;;
    unstable) echo "deb [trusted=yes] $mirror unstable main" ;;
    esac >"$d/sources.list.new"
    local o=(-o "Dir::Etc::SourceList=$d/sources.list" -o "Dir::Etc::SourceParts=$d/parts"
        -o "Dir::Etc::PreferencesParts=$d/parts" -o "Dir::State::Lists=$d/lists" -o "Dir::State::status=/dev/null"
        -o "Dir::Cache=$d" -o "Dir::Cache::archives=$d/archives" -o "APT::Architecture=amd64"
        -o "Acquire::Languages=none" -o "Debug::NoLocking=1" -o "APT::Sandbox::User=root")
    if ! cmp -s "$d/sources.list.new" "$d/sources.list" || [ ! -f "$d/updated" ] ||
        [ -n "$(find "$d/updated" -mmin +1440)" ]; then
        mv "$d/sources.list.new" "$d/sources.list"
        apt-get "${o[@]}" -qq update >&2
        touch "$d/updated"
    elif [ -f "$kdir/vmlinux" ] && [ "$kdir/kernel" -nt "$d/updated" ]; then
        # Resolved from this very index already (apt-cache takes seconds on
        # unstable's index).
        rm -f "$d/sources.list.new"
        log "kernel $name: $(cat "$kdir/kernel")"
        return 0
    fi
    rm -f "$d/sources.list.new"
    local kpkg version
    kpkg=$(apt-cache "${o[@]}" depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
    [ -n "$kpkg" ] || die "cannot resolve $name's linux-image-amd64"
    version=$(apt-cache "${o[@]}" policy "$kpkg" | awk '$1 == "Candidate:" { print $2 }')
    if [ -f "$kdir/vmlinux" ] && [ "$(cat "$kdir/kernel" 2>/dev/null)" = "$kpkg $version" ]; then
        touch "$kdir/kernel"
        log "kernel $name: $kpkg $version"
        return 0
    fi
    # From 7.x on, linux-image-* is empty and depends on linux-binary-*
    # (vmlinuz) and linux-base-* (config).
    local pkgs
    mapfile -t pkgs < <(apt-cache "${o[@]}" depends "$kpkg" | awk '/Depends: linux-(binary|base)-[0-9]/ { print $2 }')
    [ ${#pkgs[@]} -gt 0 ] || pkgs=("$kpkg")
    local x=$kdir/x
    rm -rf "$x" && mkdir -p "$x/debs"
    (cd "$x/debs" && apt-get "${o[@]}" -qq download "${pkgs[@]}" >&2)
    # Only the image and its config (the modules are most of a linux-image .deb).
    mkdir -p "$x/root"
    for deb in "$x"/debs/*.deb; do
        dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$x/root" --wildcards \
            './boot/vmlinuz-*' './boot/config-*' './usr/lib/modules/*/vmlinuz' './usr/lib/modules/*/config' \
            2>/dev/null || true # tar names the patterns this package lacks
    done
    local vmlinuz config
    vmlinuz=$(ls "$x"/root/boot/vmlinuz-* "$x"/root/usr/lib/modules/*/vmlinuz 2>/dev/null | head -n 1 || true)
    config=$(ls "$x"/root/boot/config-* "$x"/root/usr/lib/modules/*/config 2>/dev/null | head -n 1 || true)
    [ -n "$vmlinuz" ] || die "no vmlinuz in ${pkgs[*]}"
    [ -n "$config" ] || die "no kernel config in ${pkgs[*]}"
    grep -q '^CONFIG_AUDITSYSCALL=y' "$config" || die "$kpkg has no CONFIG_AUDITSYSCALL"
    grep -q '^CONFIG_PVH=y' "$config" || die "$kpkg has no CONFIG_PVH"
    extract_vmlinux "$vmlinuz" "$kdir/vmlinux"
    cp "$config" "$kdir/config"
    echo "$kpkg $version" >"$kdir/kernel"
    rm -rf "$x"
    log "kernel $name: $kpkg $version"
}

setup() {
    local t0=$SECONDS name
    install_qemu
    # The kernels' payloads: xz (6.1), zstd (6.12 on).
    command -v xz >/dev/null || apt_install xz-utils
    command -v zstd >/dev/null || apt_install zstd
    [ -x "$ref/auditctl" ] || "$repo/scripts/fetch-reference.sh" "$ref" >&2
    [ -f "$ref/root/usr/sbin/augenrules" ] || die "no augenrules in $ref (re-run scripts/fetch-reference.sh)"
    mkdir -p "$cache/debs"
    cache=$(cd "$cache" && pwd)
    # The cache is shared by every worktree: one set-up at a time.
    exec 9>"$cache/setup.lock"
    flock 9

    for name in ${KAUDIT_VM_KERNELS:-${matrix[*]}}; do
        case $name in
        bookworm) fetch_host_kernel ;;
        *) kernel_dir "$name" >/dev/null && fetch_suite_kernel "$name" ;;
        esac
    done
    (
        cd "$cache/debs"
        ls busybox-static_*.deb >/dev/null 2>&1 || apt-get -o APT::Sandbox::User=root -qq download busybox-static
    )

    # Base initramfs: busybox, /init, the reference auditctl under /ref with
    # the fetched (newer) libc, called through that libc's loader.
    local b=$cache/base
    rm -rf "$b" && mkdir -p "$b"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,run,root,test,etc/audit/rules.d,ref/lib,ref/sbin}
    dpkg-deb --fsys-tarfile "$cache"/debs/busybox-static_*.deb | tar -x -O ./bin/busybox >"$b/bin/busybox"
    chmod 755 "$b/bin/busybox"
    ln -s ../../bin/busybox "$b/usr/bin/env" # augenrules starts with #!/usr/bin/env sh
    cp "$b/bin/busybox" "$cache/busybox.tmp" && mv "$cache/busybox.tmp" "$cache/busybox"
    cp -L "$ref"/root/usr/lib/x86_64-linux-gnu/*.so* "$b/ref/lib/" 2>/dev/null
    [ -f "$b/ref/lib/ld-linux-x86-64.so.2" ] || die "no loader in $ref/root"
    cp "$ref/root/usr/sbin/auditctl" "$b/ref/sbin/auditctl"
    cat >"$b/sbin/auditctl" <<'EOF'
#!/bin/sh
# The reference auditctl (Debian's auditd), with its own libc under /ref.
exec /ref/lib/ld-linux-x86-64.so.2 --library-path /ref/lib /ref/sbin/auditctl "$@"
EOF
    chmod 755 "$b/sbin/auditctl"
    cp "$ref/root/usr/sbin/augenrules" "$b/sbin/augenrules"
    chmod 755 "$b/sbin/augenrules"
    awk '$1 == "auditd" { print "reference auditd " $2 }' "$ref/versions" >"$b/etc/kaudit-vm-versions"
    cat >"$b/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tmpfs tmp /tmp
mount -t tmpfs run /run
echo "kernel $(uname -r), $(nproc) CPUs" >>/etc/kaudit-vm-versions
# No printk rate limit: audit records (there is no auditd) go to the kernel log.
echo 0 >/proc/sys/kernel/printk_ratelimit
out=/dev/console
if [ -c /dev/ttyS1 ] && stty -F /dev/ttyS1 raw -echo 2>/dev/null; then out=/dev/ttyS1; fi
if [ -x /test/run ]; then
    (cd /test && ./run) >$out 2>&1
    rc=$?
else
    echo "vm: no /test/run" >$out
    rc=125
fi
echo "kaudit-vm: exit $rc" >/dev/console
[ $rc -gt 123 ] && rc=123
# isa-debug-exit at 0xf4: qemu exits with (rc << 1) | 1.
printf "\\$(printf %o "$rc")" | dd of=/dev/port bs=1 seek=244 count=1 2>/dev/null
poweroff -f
EOF
    chmod 755 "$b/init"
    (cd "$b" && find . | "$b/bin/busybox" cpio -o -H newc 2>/dev/null) | gzip -1 >"$cache/base.cpio.gz.tmp"
    # An uncompressed cpio appended after a gzip member must start 4-byte aligned.
    truncate -s %512 "$cache/base.cpio.gz.tmp"
    mv "$cache/base.cpio.gz.tmp" "$cache/base.cpio.gz"
    rm -rf "$b"
    log "ready in $((SECONDS - t0)) s: kernels ${KAUDIT_VM_KERNELS:-${matrix[*]}}, $(qemu-system-x86_64 --version | head -n 1), cache $cache"
}

run() {
    local dir=${1:?usage: scripts/vm.sh run DIR}
    [ -x "$dir/run" ] || die "$dir/run missing or not executable"
    local kernel=${KAUDIT_VM_KERNEL:-bookworm} vmlinux
    vmlinux=$(kernel_dir "$kernel")/vmlinux
    if [ ! -f "$vmlinux" ] || [ ! -f "$cache/base.cpio.gz" ] || [ ! -x "$cache/busybox" ]; then
        die "no $vmlinux or base initramfs: run 'scripts/vm.sh setup' first"
    fi
    local bin=${KAUDIT_BIN:-$repo/target/release/kaudit}
    [ -x "$bin" ] || die "no kaudit binary at $bin (cargo build --release, or set KAUDIT_BIN)"
    local t
    t=$(mktemp -d "${TMPDIR:-/tmp}/kaudit-vm.XXXXXX")
    # The per-run layer: the test directory and the kaudit binary with the host's libs.
    mkdir -p "$t/r/test" "$t/r/usr/sbin"
    cp -a "$dir/." "$t/r/test/"
    cp "$bin" "$t/r/usr/sbin/kaudit"
    copy_host_libs "$bin" "$t/r"
    (cd "$t/r" && find . | "$cache/busybox" cpio -o -H newc 2>/dev/null) >"$t/layer.cpio"
    cat "$cache/base.cpio.gz" "$t/layer.cpio" >"$t/initrd"
    # no_timer_check: on a busy host the guest's IO-APIC timer check can see
    # too few ticks from an emulated CPU and panics ("IO-APIC + timer doesn't
    # work!"); seen with 2 vCPUs and a load average of 14.
    local acc=(-accel tcg)
    [ "$accel" = kvm ] && acc=(-accel kvm -cpu host)
    local rc=0
    timeout "$timeout_s" qemu-system-x86_64 "${acc[@]}" -smp "$cpus" -m "$mem" -nodefaults -display none -no-reboot \
        -serial "file:$t/console.log" -serial "file:$t/out.log" \
        -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
        -kernel "$vmlinux" -initrd "$t/initrd" \
        -append "console=ttyS0 audit=1 audit_backlog_limit=8192 panic=-1 quiet no_timer_check" >"$t/qemu.log" 2>&1 || rc=$?
    cat "$t/out.log" 2>/dev/null || true
    if [ $rc -eq 124 ]; then
        log "VM timed out after ${timeout_s} s ($kernel); console tail:"
        tail -n 20 "$t/console.log" >&2 || true
    elif [ $((rc & 1)) -eq 1 ]; then
        rc=$((rc >> 1))
    else
        log "no exit status from the guest ($kernel, qemu exit $rc); console tail:"
        tail -n 30 "$t/console.log" "$t/qemu.log" >&2 || true
        rc=125
    fi
    if [ $rc -ge 124 ] && [ -z "${KAUDIT_VM_KEEP:-}" ]; then
        cp "$t/console.log" "$t.console.log" 2>/dev/null && log "whole console log: $t.console.log"
    fi
    if [ -n "${KAUDIT_VM_KEEP:-}" ]; then log "kept $t"; else rm -rf "$t"; fi
    return $rc
}

selftest() {
    local d rc=0
    d=$(mktemp -d "${TMPDIR:-/tmp}/kaudit-vm-self.XXXXXX")
    cat >"$d/run" <<'EOF'
#!/bin/sh
cat /etc/kaudit-vm-versions
kaudit auditctl -a always,exit -F arch=b64 -S openat -F path=/tmp/probe -k selftest || exit 10
: >/tmp/probe
# kauditd prints the record asynchronously (on a busy host, later).
i=0
until dmesg | grep -q 'type=1300.*key="selftest"'; do
    i=$((i + 1))
    [ $i -le 50 ] || exit 11
    sleep 0.1
done
auditctl -e 2 | grep -q '^enabled 2' || exit 12
auditctl -D 2>/dev/null && exit 13
[ "$(kaudit list)" = "-a always,exit -F arch=b64 -S openat -F path=/tmp/probe -F key=selftest" ] || exit 14
echo "selftest: rule loaded, record logged, audit locked"
EOF
    chmod +x "$d/run"
    run "$d" || rc=$?
    rm -rf "$d"
    echo "selftest: exit $rc"
    return $rc
}

# The matrix: name, the package and version it resolved to, the cached vmlinux.
kernels() {
    local name dir
    for name in "${matrix[@]}"; do
        dir=$(kernel_dir "$name")
        printf '%-9s %s %s\n' "$name" "$(cat "$dir/kernel" 2>/dev/null || echo '(not fetched)')" \
            "$([ -f "$dir/vmlinux" ] && echo "$dir/vmlinux" || echo '-')"
    done
}

# Sourced (`. scripts/vm.sh`), it only defines the functions.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    case ${1:-} in
    setup) setup ;;
    run)
        shift
        run "$@"
        ;;
    selftest) selftest ;;
    kernels) kernels ;;
    *)
        sed -n '2,45p' "$0" >&2
        exit 2
        ;;
    esac
fi
