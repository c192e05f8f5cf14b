//! The `arch` field: the ELF audit arch (`AUDIT_ARCH_*`) the rule applies
//! to. It also picks the syscall table that `-S` names are looked up in, so
//! it must come before `-S`.

use super::{err, Pair};
use crate::cnum;
use crate::diag::Diagnostic;
use crate::syntax::Span;
use crate::tables::{self, Machine};

/// The `arch` field's value: an `AUDIT_ARCH` number (any base), `b32` or
/// `b64` (the host machine's), or a machine name.
pub(super) fn elf(p: &Pair, host: Machine, syscall_added: bool) -> Result<u32, Diagnostic> {
    if syscall_added {
        return Err(err(p.name_span, format!("{} must be before -S", p.name))
            .with_help("-S names syscalls in the arch's table, so the arch must come first"));
    }
    p.equality_only()?;
    let value = p.value;
    let elf = if cnum::starts_with_digit(value) {
        let parsed = cnum::strtoul(value, 0);
        let elf = parsed.value as u32;
        (!parsed.overflow && tables::machine_by_audit_arch(elf).is_some()).then_some(elf)
    } else {
        determine_machine(value, host).and_then(tables::machine_audit_arch)
    };
    elf.ok_or_else(|| elf_unknown(p.name, p.value_span))
}

fn elf_unknown(name: &str, span: Span) -> Diagnostic {
    err(span, format!("{name} elf mapping not found")).with_help(
        "use b32, b64, a machine name (x86_64, i386, aarch64, arm, ppc64, ppc64le, ppc, s390x, s390, \
         riscv64, riscv32) or an AUDIT_ARCH number",
    )
}

/// libaudit's `audit_determine_machine` for a non-numeric arch value.
fn determine_machine(arch: &str, host: Machine) -> Option<Machine> {
    #[derive(PartialEq)]
    enum Bits {
        Any,
        B32,
        B64,
    }
    let (machine, bits) = if arch.eq_ignore_ascii_case("b64") {
        (host, Bits::B64)
    } else if arch.eq_ignore_ascii_case("b32") {
        (host, Bits::B32)
    } else {
        let m = tables::machine_by_name(arch).or_else(|| {
            let p = cnum::strtoul(arch, 16);
            if p.overflow {
                None
            } else {
                tables::machine_by_audit_arch(p.value as u32)
            }
        })?;
        (m, Bits::Any)
    };
    let machine = if bits == Bits::B32 {
        match machine {
            Machine::X86_64 => Machine::X86,
            Machine::Ppc64 => Machine::Ppc,
            Machine::S390x => Machine::S390,
            Machine::Aarch64 => Machine::Arm,
            Machine::Riscv64 => Machine::Riscv32,
            m => m,
        }
    } else {
        machine
    };
    let ok = match machine {
        Machine::X86 | Machine::Ppc | Machine::S390 | Machine::Arm | Machine::Riscv32 => {
            bits != Bits::B64
        }
        Machine::Aarch64 | Machine::Ppc64le | Machine::Loongarch64 => bits != Bits::B32,
        Machine::X86_64 | Machine::Ppc64 | Machine::S390x | Machine::Riscv64 | Machine::IoUring => {
            true
        }
    };
    ok.then_some(machine)
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{read, refusal};
    use super::*;
    use crate::model::FilterList;

    /// `AUDIT_ARCH_X86_64`, `AUDIT_ARCH_I386`, `AUDIT_ARCH_AARCH64`, `AUDIT_ARCH_ARM`.
    const X86_64: u32 = 0xc000_003e;
    const I386: u32 = 0x4000_0003;
    const AARCH64: u32 = 0xc000_00b7;
    const ARM: u32 = 0x4000_0028;

    fn on(text: &str, host: Machine) -> Result<u32, Diagnostic> {
        read(text, FilterList::Exit, |p| elf(p, host, false))
    }

    #[test]
    fn b32_and_b64_are_the_hosts() {
        assert_eq!(on("arch=b64", Machine::X86_64), Ok(X86_64));
        assert_eq!(on("arch=B32", Machine::X86_64), Ok(I386));
        assert_eq!(on("arch=b64", Machine::Aarch64), Ok(AARCH64));
        assert_eq!(on("arch=b32", Machine::Aarch64), Ok(ARM));
        // A 32-bit host has no b64.
        assert_eq!(
            refusal(on("arch=b64", Machine::X86)),
            ("arch elf mapping not found".into(), (5, 8))
        );
        // aarch64 as such is 64-bit only.
        assert_eq!(on("arch!=aarch64", Machine::X86_64), Ok(AARCH64));
    }

    #[test]
    fn numbers_must_name_a_known_arch() {
        assert_eq!(on("arch=0xc000003e", Machine::Aarch64), Ok(X86_64));
        assert_eq!(on("arch=3221225534", Machine::Aarch64), Ok(X86_64));
        assert_eq!(
            refusal(on("arch=5", Machine::X86_64)).0,
            "arch elf mapping not found"
        );
        // Stored in an unsigned int, as libaudit stores it; but a number
        // strtoul cannot read is refused.
        assert_eq!(on("arch=0x1c000003e", Machine::Aarch64), Ok(X86_64));
        assert_eq!(
            refusal(on("arch=0x1c000003e0000000000", Machine::X86_64)).0,
            "arch elf mapping not found"
        );
        assert_eq!(
            refusal(on("arch=vax", Machine::X86_64)).0,
            "arch elf mapping not found"
        );
    }

    #[test]
    fn before_syscalls_and_equality_only() {
        let after_s = read("arch=b64", FilterList::Exit, |p| {
            elf(p, Machine::X86_64, true)
        });
        assert_eq!(refusal(after_s), ("arch must be before -S".into(), (0, 4)));
        assert_eq!(
            refusal(on("arch>b64", Machine::X86_64)),
            ("arch only takes = or != operators".into(), (0, 8))
        );
    }
}
