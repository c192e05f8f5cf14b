//! The script: one step per line of `SCRIPT`, each run once with the
//! reference and once with kaudit's auditctl personality.
//!
//! Line syntax (the line itself is the step's name, as written in
//! `tests/known-diffs.toml` `[[cli]]` entries):
//! - `ARGS`: the command line, split on spaces; `\ ` is a space inside a word
//!   and `<empty>` alone stands for no arguments at all;
//! - `SETUP ;; SETUP => ARGS`: rule lines loaded (by the reference, `-R`)
//!   before the step, so that it has something to list or delete;
//! - a leading `kaudit: ` runs kaudit as `kaudit auditctl ARGS` instead of
//!   through the `auditctl` symlink (the reference runs as usual);
//! - `@NAME` is the fixture `tests/cli_auditctl/files/NAME`, copied to a
//!   temporary directory with mode 0600 (`@missing.rules` does not exist,
//!   `@world-writable.rules` is mode 0666, `@dir.rules` is a directory);
//! - `{backlog}`, `{rate}`, `{bwt}`, `{failure}`, `{enabled}`, `{lost}` are the
//!   kernel's current values (read with AUDIT_GET), so that no setting ever
//!   changes.
//!
//! Every key starts with `kcli`, so `-D -k kcli` only ever touches this
//! test's rules. Never here: `-e 1`, `-e 2`, `-f 2`, `-q`, `-t`, plain `-D`,
//! `--loginuid-immutable`, a setting at any value but its current one.

/// One step.
#[derive(Clone, Debug)]
pub struct Step {
    /// The script line.
    pub name: String,
    /// Rule lines to load before the step.
    pub setup: Vec<String>,
    /// The command line (placeholders still in).
    pub args: Vec<String>,
    /// Run kaudit as `kaudit auditctl ...`.
    pub via_kaudit: bool,
}

/// The kernel's current settings, substituted for the placeholders.
pub struct Values {
    pub backlog: u32,
    pub rate: u32,
    pub bwt: u32,
    pub failure: u32,
    pub enabled: u32,
    pub lost: u32,
}

impl Values {
    /// `text` with the placeholders replaced.
    pub fn fill(&self, text: &str) -> String {
        text.replace("{backlog}", &self.backlog.to_string())
            .replace("{rate}", &self.rate.to_string())
            .replace("{bwt}", &self.bwt.to_string())
            .replace("{failure}", &self.failure.to_string())
            .replace("{enabled}", &self.enabled.to_string())
            .replace("{lost}", &self.lost.to_string())
    }
}

/// Splits on spaces, `\ ` being a space inside a word.
pub fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&' ') => {
                cur.push(' ');
                chars.next();
            }
            ' ' => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// The script's steps, in order.
pub fn steps() -> Vec<Step> {
    let mut out: Vec<Step> = Vec::new();
    for line in SCRIPT.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with("//") {
            continue;
        }
        assert!(
            !out.iter().any(|s| s.name == line),
            "script: duplicate step {line:?}"
        );
        let (via_kaudit, rest) = match line.strip_prefix("kaudit: ") {
            Some(r) => (true, r),
            None => (false, line),
        };
        let (setup, args) = match rest.split_once(" => ") {
            Some((s, a)) => (s.split(" ;; ").map(|l| l.trim().to_string()).collect(), a),
            None => (Vec::new(), rest),
        };
        let args = if args == "<empty>" {
            Vec::new()
        } else {
            words(args)
        };
        out.push(Step {
            name: line.to_string(),
            setup,
            args,
            via_kaudit,
        });
    }
    out
}

const SCRIPT: &str = r#"
// ---- no arguments, help, version
<empty>
-h
--help
--he
-v
-v -l
-h -l
kaudit: -v
kaudit: <empty>

// ---- listing
-l
-l -i
-l -k kcli
-l -k kcli-none
-l -k
-l -i -k kcli
-l -k kcli -i
-l extra
-l -k kcli extra
-l -s
-i -l
-s -l
-w /etc/hosts -p wa -k kcli-wl -l
-a always,exit -F arch=b64 -S openat -k kcli-av -v
-b {backlog} -l
-D -k kcli -l
-e {enabled} -b {backlog}
-w /etc/hosts -p wa -k kcli-l1 ;; -a always,exit -F arch=b64 -S openat -k kcli-l2 => -l
-w /etc/hosts -p wa -k kcli-l1 ;; -a always,exit -F arch=b64 -S openat -k kcli-l2 => -l -k kcli-l2
-w /etc/hosts -p wa -k kcli-l1 ;; -a always,exit -F arch=b64 -S openat -k kcli-l2 => -l -k l1
-w /etc/hosts -p wa -k kcli-l1 ;; -a always,exit -F arch=b64 -S openat -k kcli-l2 => -l -k nomatch
-a always,exit -F arch=b32 -S open -k kcli-st ;; -a always,exit -S open -k kcli-st => -l
-a always,exit -F arch=b64 -S openat -F auid!=unset -k kcli-li => -l -i
-a always,exit -F arch=b64 -S openat -k kcli-a -k kcli-b => -l -k kcli-a
kaudit: -a always,exit -F arch=b64 -S openat -k kcli-kl => -l -k kcli-kl
kaudit: -l -i

// ---- status
-s
-s -i
-s extra
-s -i extra
-s -k x
-i -s
kaudit: -s

// ---- settings at their current values
-b {backlog}
-r {rate}
--backlog_wait_time {bwt}
--backlog_wait_time={bwt}
--backlog {bwt}
--back {bwt}
-f {failure}
-e {enabled}
-b {backlog} -r {rate}
-r {rate} -b {backlog}
-b{backlog}
-r{rate}
-f{failure}
-e{enabled}
kaudit: -b {backlog}

// ---- settings with bad values (nothing sent)
-e 3
-e -1
-e x
-e 00
-f 3
-f x
-r x
-r -1
-r 99999999999999999999
-b x
-b -5
-b
--backlog_wait_time x
--backlog_wait_time
-e
-f
-r

// ---- reset and signal
--reset-lost
--reset_backlog_wait_time_actual
--reset
--signal bogus
--signal state
--signal=CONT
--signal
--sig bogus

// ---- -m
-m kcli-hello
-m kcli\ hello\ world
-m kcli-a kcli-b
-m
-l -m kcli

// ---- rules: add
-w /etc/hosts -p wa -k kcli-w1
-w /etc/hosts
-w /etc/hosts/ -p r
-w /etc/ -p wa -k kcli-w2 -k kcli-w3
-w /etc/passwd -p rwxa -k kcli-w4
-w /etc/passwd -p RW -k kcli-w5
-w /etc/passwd -p rwxaw -k kcli-w6
-w /etc/passwd -p z -k kcli-w7
-w /etc/passwd -F uid=0 -k kcli-w8
-w /nonexistent-kcli/dir/file -p wa -k kcli-w9
-w relative -p wa -k kcli-w10
-w /tmp/* -p wa
-w
-w /etc/hosts -S openat
-a always,exit -F arch=b64 -S openat -k kcli-r1
-A always,exit -F arch=b64 -S openat -k kcli-r2
-a exit,always -F arch=b64 -S openat -k kcli-r3
-a always,Exit -F arch=b64 -S openat -k kcli-r4
-a always,exit -F arch=b64 -S open,openat,,close, -k kcli-r5
-a always,exit -F arch=b64 -S 2,59 -S 300 -F uid=root -F gid=root -F exit=EACCES -k kcli-r6
-a always,exit -F arch=b64 -S all -F success=1 -F dir=/tmp -k kcli-r7
-a always,exit -F arch=b64 -S kill -F a1=9 -F a0!=0 -F a2&=3 -F a3<5 -F uid<=100 -F euid>1 -k kcli-r8
-a always,exit -F arch=b64 -S execve -C uid!=euid -F euid=0 -k kcli-r9
-a always,exit -F arch=b32 -S open -k kcli-r10
-a always,exit -S openat -k kcli-r11
-a always,exit -S all -k kcli-r12
-a always,exit -F arch=b64 -S 2047 -k kcli-r13
-a always,exit -F arch=b64 -S 0x3b -k kcli-r14
-a always,user -F uid=0
-a never,task -F uid=1234
-a always,exclude -F msgtype=CWD
-a always,exclude -F msgtype=EOE -k kcli-x
-a always,filesystem -F fstype=tracefs
-a always,io_uring -S openat,openat2 -k kcli-r15
-a always,exit -F arch=b64 -S openat -F key=kcli-r16
-a always,exit -F arch=b64 -S openat -F key!=kcli-r17
-a always,exit -F arch=b64 -S openat -F exe=/usr/bin/true -k kcli-r18
-a always,exit -F arch=b64 -S openat -F perm=wa -k kcli-r19
-a always,exit -F perm=wa -F arch=b64 -k kcli-r20
-a always,exit -F arch=b64 -S connect -F saddr_fam=2 -F sessionid!=-1 -k kcli-r21
-a always,exit -F arch=b64 -S openat -F auid>=1000 -F auid!=-1 -k kcli-r22
-a always,exit -F arch=b64 -S openat -F UID=0 -k kcli-r23
-a exit,possible -S openat
-a possible,exit -S openat

// ---- attached arguments
-aalways,exit -Farch=b64 -Sopenat -kkcli-att1
-Aalways,exit -Farch=b64 -Sexecve -Fuid=0 -kkcli-att2
-w/etc/hosts -pwa -kkcli-att3
-aalways,exit -Farch=b64 -Sopenat -Fkey=kcli-att4
-Wetc/hosts

// ---- wrong orders (reference 1.3)
-F uid=0 -a always,exit -S openat
-C uid!=euid -a always,exit -S openat
-S openat -a always,exit -F arch=b64 -k kcli-o1
-a always,exit -S openat -F arch=b64 -k kcli-o2
-k kcli-o3 -w /etc/hosts
-k kcli-o4 -a always,exit -F arch=b64 -S openat
-w /etc/hosts -k kcli-o5 -p wa
-p wa -w /etc/hosts
-a always,exit -F arch=b64 -S openat -p wa
-a always,exit -p wa
-w /etc/hosts -a never,exit
-w /etc/hosts -a exit,never -k kcli-o6
-a always,exit -w /etc/hosts
-S openat -a always,task
-a always,task -S openat
-a always,exit -F arch=b64 -S openat -a always,exit
-a always,exit -F arch=b64 -S openat -d always,exit
-a always,exclude -F msgtype=EOE -F uid=0 -k kcli-o7
-a always,exclude -F exe=/usr/bin/true -k kcli-o8
-S openat
-k kcli-o9
-F uid=0

// ---- bad values
-a always,bogus -F uid=0
-a bogus,always -F uid=0
-a always -F uid=0
-a always,exit,task -S openat
-a Always,exit -S openat
-a always,entry -S openat
-a always,exit -S bogus
-a always,exit -S open,bogus
-a always,exit -S ALL
-a always,exit -S 2048
-a always,exclude -S openat
-a always,user -S openat
-a always,exit -F bogus=1
-a always,exit -F uid
-a always,exit -F =0
-a always,exit -F uid=
-a always,exit -F uid=nosuchuserkcli
-a always,exit -F gid=-1
-a always,exit -F arch=b64 -S openat -F arch=b32
-a always,exit -F arch=bogus -S openat
-a always,exit -F arch<b64 -S openat
-a always,exit -F msgtype=CWD
-a always,exclude -F msgtype=NOSUCHTYPE
-a always,exclude -F ppid=1
-a always,exit -F exit=EBOGUS -S openat
-a always,exit -F arch=b64 -S openat -F uid&1 -k kcli-b1
-a always,exit -F arch=b64 -S openat -F path!=/etc -k kcli-b2
-a always,exit -F filetype=bogus -S openat
-a always,filesystem -F fstype=nosuchfs
-a always,exit -C uid=bogus
-a always,exit -C uid>euid
-a always,exit -C uid=gid
-a always,exit -F arch=b64 -S openat -k kcli\x01x
-a always,exit -F arch=b64 -S openat -k kcli-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
-a always,exit -F arch=b64 -S openat -k
-Z
--
-- -l
--b{bwt}
--bogus
--bogus-option
- s
word
-l word
-a always,exit -F arch=b64 -S openat -k kcli-extra extra
-a always,exit -F arch=b64 -S openat -k kcli-dup ;; -a always,exit -F arch=b64 -S execve -k kcli-dup2 => -a always,exit -F arch=b64 -S openat -k kcli-dup

// ---- deletes
-a always,exit -F arch=b64 -S openat -k kcli-d1 => -d always,exit -F arch=b64 -S openat -k kcli-d1
-a always,exit -F arch=b64 -S openat -k kcli-d2 => -d always,exit -F arch=b64 -S openat
-d always,exit -F arch=b64 -S openat -k kcli-d3
-d always,bogus -S openat
-w /etc/hosts -p wa -k kcli-d4 => -W /etc/hosts -p wa -k kcli-d4
-w /etc/hosts -p wa -k kcli-d5 => -W /etc/hosts -k kcli-d5
-W /etc/hosts -p wa -k kcli-d6
-W /etc/hosts -a always,exit
-w /etc/hosts -p wa -k kcli-d7 ;; -w /etc/passwd -p wa -k kcli-d7 ;; -a always,exit -F arch=b64 -S openat -k kcli-d8 => -D -k kcli-d7
-w /etc/hosts -p wa -k kcli-d9 ;; -w /etc/passwd -p wa -k kcli-d10 => -D -k kcli-d
-w /etc/hosts -p wa -k kcli-d11 => -D -k kcli-d11 extra
-D -k kcli-none
-D -k
-D -l
-D -i
-D x
kaudit: -w /etc/hosts -p wa -k kcli-d12 => -D -k kcli-d12
kaudit: -w /etc/hosts -p wa -k kcli-d13 => -W /etc/hosts -p wa -k kcli-d13

// ---- -i and -c on the command line; -R combined with other options
-i
-c
-c -l
-i -w /etc/hosts -p wa -k kcli-ic
-R
-R @01-good.rules -l
-l -R @01-good.rules
-c -R @01-good.rules
-R @01-good.rules -R @02-comments-only.rules
-w /etc/hosts -R @01-good.rules
kaudit: -R @01-good.rules -l

// ---- rules files
-R @01-good.rules
-R @02-comments-only.rules
-R @03-escapes.rules
-R @04-syntax-error-middle.rules
-R @05-duplicate-middle.rules
-R @06-kernel-einval-middle.rules
-R @07-ignore-errors.rules
-R @08-continue.rules
-R @09-i-after-error.rules
-R @10-status.rules
-R @11-list.rules
-R @12-nested.rules
-R @13-tab.rules
-R @14-tab-comment.rules
-R @15-inline-comment.rules
-R @16-crlf.rules
-R @17-deprecated.rules
-R @18-add-delete.rules
-R @19-empty.rules
-R @20-bad-option.rules
-R @21-many.rules
-R @22-orders.rules
-R @23-attached.rules
-R @24-long-options.rules
-R @25-relative.rules
-R @26-trailing-words.rules
-R @27-messages.rules
-R @missing.rules
-R @world-writable.rules
-R @dir.rules
-R/etc/audit/kcli-missing.rules
-a always,exit -F arch=b64 -S openat -k kcli-good => -R @01-good.rules
kaudit: -R @01-good.rules
kaudit: -R @04-syntax-error-middle.rules
kaudit: -R @08-continue.rules
kaudit: -R @missing.rules
"#;
