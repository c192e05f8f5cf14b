//! The rule's syscall mask: `-S` (syscall names and numbers in the table of
//! the rule's arch, or io_uring ops on the io_uring list), the syscalls a
//! `perm` field implies, and the 32/64-bit mismatch warning.
//!
//! Written by hand to match libaudit byte for byte (see the parent module):
//! `audit_rule_syscallbyname_data`, `audit_rule_io_uringbyname_data`,
//! `audit_add_perm_syscalls` and auditctl's `check_rule_mismatch`.

use super::options::{Builder, ListSlot};
use super::{err, warning, Step};
use crate::cnum;
use crate::model::{FilterList, SyscallMask};
use crate::syntax::{Span, Word};
use crate::tables::{self, Machine};

impl Builder<'_> {
    pub(super) fn syscall_option(&mut self, arg: &Result<Vec<Word>, Word>, span: Span) -> Step {
        let items = match arg {
            Ok(items) => items,
            Err(w) => return Err(err(w.span, format!("Syscall name unknown: {}", w.text))),
        };
        let whole: String = items
            .iter()
            .map(|w| w.text.as_str())
            .collect::<Vec<_>>()
            .join(",");
        let list = self.list();
        if list == Some(FilterList::IoUring.number()) {
            if items.is_empty() {
                return Err(err(span, format!("io_uring op unknown: {whole}")));
            }
            for item in items {
                if !self.add_uring_op(&item.text) {
                    return Err(err(item.span, format!("io_uring op unknown: {whole}")));
                }
            }
            self.syscall_added = true;
            self.rule_requested |= list.is_some();
            return Ok(());
        }
        let refuse = |what: &str| err(span, what.to_string());
        match list.map(FilterList::from_number) {
            Some(FilterList::Task) => {
                return Err(refuse("Error: syscall auditing being added to task list"))
            }
            Some(FilterList::User) => {
                return Err(refuse("Error: syscall auditing being added to user list"))
            }
            Some(FilterList::Filesystem) => {
                return Err(refuse(
                    "Error: syscall auditing being added to filesystem list",
                ))
            }
            _ if self.exclude => {
                return Err(refuse(
                    "Error: syscall auditing cannot be put on exclude list",
                ))
            }
            _ => {}
        }
        let unknown_arch = self.elf.is_none();
        if unknown_arch {
            self.elf = tables::machine_audit_arch(self.host.machine);
        }
        // `-S ,` (only separators): strtok finds no item, so auditctl adds
        // no syscall and still counts -S as given.
        for item in items {
            if !self.add_syscall(&item.text) {
                let machine = self
                    .machine()
                    .map(tables::machine_name)
                    .unwrap_or("this machine");
                return Err(
                    err(item.span, format!("Syscall name unknown: {}", item.text))
                        .with_help(format!("not in the {machine} syscall table")),
                );
            }
        }
        self.syscall_added = true;
        if unknown_arch && self.add != ListSlot::Unset {
            self.check_mismatch(items, span);
        }
        Ok(())
    }

    /// auditctl's `check_rule_mismatch`: without an arch, on a 64-bit machine
    /// with a 32-bit ABI, warn when the names mean other syscalls there.
    fn check_mismatch(&mut self, items: &[Word], span: Span) {
        let m32 = match self.host.machine {
            Machine::X86_64 => Machine::X86,
            Machine::Ppc64 => Machine::Ppc,
            Machine::S390x => Machine::S390,
            _ => return,
        };
        let mut other = SyscallMask::EMPTY;
        for item in items {
            if item.text == "all" {
                other = SyscallMask::ALL;
                continue;
            }
            if let Some(n) = mask_bit(tables::syscall_by_name(m32, &item.text), &item.text) {
                other.set(n);
            }
        }
        if other != self.rule.mask {
            self.warnings.push(warning(
                span,
                "WARNING - 32/64 bit syscall mismatch, you should specify an arch",
            ));
        }
    }

    /// The machine whose syscall table names syscalls now.
    fn machine(&self) -> Option<Machine> {
        match self.elf {
            Some(elf) => tables::machine_by_audit_arch(elf),
            None => Some(self.host.machine),
        }
    }

    /// libaudit's `audit_rule_syscallbyname_data`.
    fn add_syscall(&mut self, name: &str) -> bool {
        if name == "all" {
            self.rule.mask = SyscallMask::ALL;
            return true;
        }
        let Some(machine) = self.machine() else {
            return false;
        };
        mask_bit(tables::syscall_by_name(machine, name), name)
            .is_some_and(|n| self.rule.mask.set(n))
    }

    /// libaudit's `audit_rule_io_uringbyname_data`.
    fn add_uring_op(&mut self, name: &str) -> bool {
        if name == "all" {
            if self.host.extended {
                for op in tables::URING_OPS_AUDITED {
                    self.rule.mask.set(*op);
                }
                return true;
            }
            for op in 0..tables::IO_URING_OP_LAST_REFERENCE {
                if tables::syscall_name(Machine::IoUring, op).is_some() {
                    self.rule.mask.set(op);
                }
            }
            return true;
        }
        let by_name = if self.host.extended {
            tables::uring_op_by_name_kernel(name)
        } else {
            tables::syscall_by_name(Machine::IoUring, name)
        };
        mask_bit(by_name, name).is_some_and(|n| self.rule.mask.set(n))
    }

    /// libaudit's `audit_add_perm_syscalls`: with an arch known, a perm field
    /// also selects the syscalls that can exercise that permission.
    pub(super) fn add_perm_syscalls(&mut self, bit: u32) -> bool {
        let Some(machine) = self.elf.and_then(tables::machine_by_audit_arch) else {
            return true;
        };
        let all = tables::perm_syscalls(bit);
        let supported: Vec<&str> = all
            .iter()
            .copied()
            .filter(|s| tables::syscall_by_name(machine, s).is_some())
            .collect();
        let names = if supported.is_empty() {
            all.to_vec()
        } else {
            supported
        };
        for name in names {
            if !self.add_syscall(name) {
                return false;
            }
        }
        self.syscall_added = true;
        true
    }
}

/// The mask bit of one `-S` item: the number its table gives its name
/// (`by_name`), or the item read as a number (`strtol`, when it starts with
/// a digit); `None` when it is neither or is outside the 2048-bit mask.
fn mask_bit(by_name: Option<u32>, item: &str) -> Option<u32> {
    let nr = by_name
        .map(i64::from)
        .or_else(|| cnum::starts_with_digit(item).then(|| cnum::strtol(item, 0).value));
    nr.filter(|n| (0..2048).contains(n)).map(|n| n as u32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::Host;

    #[test]
    fn an_item_is_a_name_in_the_table_or_a_number_in_the_mask() {
        assert_eq!(mask_bit(Some(2), "open"), Some(2));
        assert_eq!(mask_bit(None, "0x10"), Some(16));
        assert_eq!(mask_bit(None, "2047"), Some(2047));
        assert_eq!(mask_bit(None, "2048"), None);
        assert_eq!(mask_bit(None, "nope"), None);
        assert_eq!(mask_bit(None, "-1"), None, "only digits are numbers");
    }

    #[test]
    fn syscalls_are_named_in_the_table_of_the_rules_arch() {
        let host = Host::fixed(Machine::X86_64, &[], &[], &[]);
        let mut b = Builder::new(&host);
        assert!(b.add_syscall("open"));
        assert!(b.rule.mask.contains(2), "open is 2 on x86_64");
        // With an i386 arch, the i386 table: open is 5 there.
        let mut b = Builder::new(&host);
        b.elf = tables::machine_audit_arch(Machine::X86);
        assert!(b.add_syscall("open"));
        assert!(b.rule.mask.contains(5) && !b.rule.mask.contains(2));
        assert!(!b.add_syscall("no_such_call"));
        assert!(b.add_syscall("all"));
        assert_eq!(b.rule.mask, SyscallMask::ALL);
    }

    #[test]
    fn a_perm_field_adds_syscalls_only_with_an_arch() {
        let host = Host::fixed(Machine::X86_64, &[], &[], &[]);
        let mut b = Builder::new(&host);
        assert!(b.add_perm_syscalls(crate::model::perm::WRITE));
        assert!(b.rule.mask.is_empty() && !b.syscall_added);
        b.elf = tables::machine_audit_arch(Machine::X86_64);
        assert!(b.add_perm_syscalls(crate::model::perm::WRITE));
        assert!(b.syscall_added);
        for name in tables::perm_syscalls(crate::model::perm::WRITE) {
            if let Some(n) = tables::syscall_by_name(Machine::X86_64, name) {
                assert!(b.rule.mask.contains(n), "{name}");
            }
        }
    }
}
