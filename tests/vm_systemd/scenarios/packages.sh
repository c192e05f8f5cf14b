#!/bin/sh
# Scenario 4 (and the image the other scenarios boot): install and purge the
# kaudit and kaudit-dropin packages on a running Debian with auditd.
#   - kaudit alone changes nothing of auditd's files and enables nothing;
#   - kaudit-dropin diverts auditd's auditctl and augenrules to NAME.auditd and
#     links kaudit there; purging it puts the originals back;
#   - purging both leaves no file behind (also after the unit was enabled).
# Last, for the other scenarios: kaudit installed, kaudit-rules.service enabled
# in place of audit-rules.service (the README's switch).
. ./lib.sh
info "guest: $(. /etc/os-release; echo "$PRETTY_NAME"), $(dpkg-query -W -f '${Package} ${Version}' auditd), systemd $(dpkg-query -W -f '${Version}' systemd), kernel $(uname -r)"
info "boot: $(boot_time)"

# Every path on the root file system but the logs, caches and state that
# change by themselves, and dpkg's own database (checked apart).
snapshot() {
    find / -xdev \( -path /proc -o -path /sys -o -path /dev -o -path /run -o -path /tmp \
        -o -path /var/log -o -path /var/cache -o -path /var/lib/dpkg -o -path /var/lib/apt \
        -o -path /var/lib/systemd -o -path /var/tmp \) -prune -o -print | LC_ALL=C sort
}
sums() { md5sum /usr/sbin/auditctl /usr/sbin/augenrules; }
kaudit_diversions() { dpkg-divert --list | grep -c 'by kaudit-dropin' || true; }
dpkg_leftovers() { ls /var/lib/dpkg/info | grep -c '^kaudit' || true; }
# same_sum FILE ORIGINAL: FILE has the content ORIGINAL had before any install.
same_sum() { [ "$(md5sum <"$1" | cut -d' ' -f1)" = "$(grep " $2\$" /tmp/sums-before | cut -d' ' -f1)" ]; }
unchanged() { sums >/tmp/sums-now && cmp -s /tmp/sums-before /tmp/sums-now; }
owner() { dpkg-query -S "$1" 2>/dev/null | cut -d: -f1; }

snapshot >/tmp/before
sums >/tmp/sums-before
check "auditd owns /usr/sbin/auditctl" [ "$(owner /usr/sbin/auditctl)" = auditd ]
check "auditd owns /usr/sbin/augenrules" [ "$(owner /usr/sbin/augenrules)" = auditd ]

# --- kaudit alone
rc=0
dpkg -i debs/kaudit.deb >/tmp/dpkg.out 2>&1 || rc=$?
check "dpkg -i kaudit.deb (exit $rc)" [ $rc -eq 0 ]
[ $rc -eq 0 ] || sed 's/^/  | /' /tmp/dpkg.out
missing=0
for f in $(dpkg -L kaudit); do [ -e "$f" ] || { info "missing: $f"; missing=$((missing + 1)); }; done
check "every file of kaudit is on disk ($(dpkg -L kaudit | wc -l) paths)" [ $missing -eq 0 ]
for f in /usr/sbin/kaudit /usr/lib/systemd/system/kaudit-rules.service /usr/share/man/man8/kaudit.8.gz \
    /usr/share/man/man8/kaudit-sync.8.gz /usr/share/bash-completion/completions/kaudit \
    /usr/share/zsh/vendor-completions/_kaudit /usr/share/fish/vendor_completions.d/kaudit.fish \
    /usr/share/doc/kaudit/copyright /usr/share/doc/kaudit/changelog.gz /usr/share/doc/kaudit/README.md.gz; do
    check "installed: $f" [ -s "$f" ]
done
check "kaudit runs: $(kaudit --version 2>&1)" quiet kaudit --version
check "kaudit alone: auditd's auditctl and augenrules unchanged" unchanged
check "kaudit alone: no diversion" [ "$(kaudit_diversions)" -eq 0 ]
# (the image leaves out auditd's docs, man pages and translations: dpkg lists those as missing)
dpkg --verify auditd | grep -v -e ' /usr/share/doc/' -e ' /usr/share/man/' -e ' /usr/share/locale/' >/tmp/verify || true
check "kaudit alone: dpkg --verify auditd finds nothing changed" [ ! -s /tmp/verify ]
sed 's/^/  | /' /tmp/verify
check "kaudit alone: kaudit-rules.service is not enabled ($(systemctl is-enabled kaudit-rules.service))" \
    [ "$(systemctl is-enabled kaudit-rules.service)" = disabled ]
check "kaudit alone: audit-rules.service is still enabled" [ "$(systemctl is-enabled audit-rules.service)" = enabled ]

# --- kaudit-dropin
rc=0
dpkg -i debs/kaudit-dropin.deb >/tmp/dpkg.out 2>&1 || rc=$?
check "dpkg -i kaudit-dropin.deb (exit $rc)" [ $rc -eq 0 ]
[ $rc -eq 0 ] || sed 's/^/  | /' /tmp/dpkg.out
check "dropin: /usr/sbin/auditctl -> kaudit" [ "$(readlink /usr/sbin/auditctl)" = kaudit ]
check "dropin: /usr/sbin/augenrules -> kaudit" [ "$(readlink /usr/sbin/augenrules)" = kaudit ]
check "dropin: /sbin/auditctl (the merged-/usr alias) answers as kaudit: $(/sbin/auditctl -v 2>&1)" \
    sh -c '/sbin/auditctl -v 2>&1 | grep -q kaudit'
check "dropin: auditd's auditctl moved to auditctl.auditd, unchanged" same_sum /usr/sbin/auditctl.auditd /usr/sbin/auditctl
check "dropin: auditd's augenrules moved to augenrules.auditd, unchanged" same_sum /usr/sbin/augenrules.auditd /usr/sbin/augenrules
check "dropin: 4 diversions (/usr/sbin and /sbin, two names)" [ "$(kaudit_diversions)" -eq 4 ]
dpkg-divert --list | grep kaudit-dropin | sed 's/^/  | /'
# auditd's own unit now runs kaudit through the diverted name (kaudit-rules
# is not enabled, so audit-rules.service is not skipped).
rc=0
systemctl start audit-rules.service || rc=$?
check "dropin: auditd's audit-rules.service (augenrules --load) succeeds (exit $rc)" [ $rc -eq 0 ]
journalctl -b -u audit-rules.service -o cat | grep 'kaudit' | tail -n 1 >/tmp/ar
check "dropin: ... and it was kaudit that loaded: $(cat /tmp/ar)" grep -q '^kaudit: loaded /etc/audit/audit.rules' /tmp/ar

rc=0
dpkg --purge kaudit-dropin >/tmp/dpkg.out 2>&1 || rc=$?
check "dpkg --purge kaudit-dropin (exit $rc)" [ $rc -eq 0 ]
check "dropin purged: auditd's auditctl and augenrules back, unchanged" unchanged
check "dropin purged: no diversion left" [ "$(kaudit_diversions)" -eq 0 ]
check "dropin purged: no auditctl.auditd left" [ ! -e /usr/sbin/auditctl.auditd ]
check "dropin purged: no augenrules.auditd left" [ ! -e /usr/sbin/augenrules.auditd ]

rc=0
dpkg --purge kaudit >/tmp/dpkg.out 2>&1 || rc=$?
check "dpkg --purge kaudit (exit $rc)" [ $rc -eq 0 ]
snapshot >/tmp/after
check "both purged: the file system has exactly the paths it had before" cmp -s /tmp/before /tmp/after
diff /tmp/before /tmp/after | head -n 20 | sed 's/^/  | /'
check "both purged: dpkg keeps nothing of them" [ "$(dpkg_leftovers)" -eq 0 ]

# --- both at once, with the unit enabled, then purged at once
rc=0
dpkg -i debs/kaudit.deb debs/kaudit-dropin.deb >/tmp/dpkg.out 2>&1 || rc=$?
check "dpkg -i of both at once (exit $rc)" [ $rc -eq 0 ]
systemctl enable kaudit-rules.service >/dev/null 2>&1
check "enabled: kaudit-rules.service" [ "$(systemctl is-enabled kaudit-rules.service)" = enabled ]
rc=0
dpkg --purge kaudit-dropin kaudit >/tmp/dpkg.out 2>&1 || rc=$?
check "dpkg --purge of both at once (exit $rc)" [ $rc -eq 0 ]
[ $rc -eq 0 ] || sed 's/^/  | /' /tmp/dpkg.out
snapshot >/tmp/after
check "purged with the unit enabled: no file left (the enable link too)" cmp -s /tmp/before /tmp/after
diff /tmp/before /tmp/after | head -n 20 | sed 's/^/  | /'
check "purged: auditd's files back, unchanged" unchanged
check "purged: no diversion" [ "$(kaudit_diversions)" -eq 0 ]

# --- the image the other scenarios boot
rc=0
dpkg -i debs/kaudit.deb >/tmp/dpkg.out 2>&1 || rc=$?
systemctl enable kaudit-rules.service >/dev/null 2>&1 || rc=$?
check "image: kaudit installed, kaudit-rules.service enabled (exit $rc)" [ $rc -eq 0 ]
check "image: systemctl is-enabled kaudit-rules.service" [ "$(systemctl is-enabled kaudit-rules.service)" = enabled ]
finish
