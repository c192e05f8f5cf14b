//! `-C`: one field compared with another (`auid!=uid`), sent as a
//! `field_compare` field whose value names the pair of fields and which
//! must be on the exit list.

use super::super::options::Builder;
use super::super::{err, Step, FIELD_LIMIT};
use crate::diag::Diagnostic;
use crate::model::{field, Field, FilterList, Operator};
use crate::syntax::{CompareExpr, Span, Word};
use crate::tables;

impl Builder<'_> {
    /// libaudit's `audit_rule_interfield_comp_data`.
    pub(in crate::compile) fn compare_option(
        &mut self,
        arg: &Result<CompareExpr, Word>,
        span: Span,
    ) -> Step {
        let expr = match arg {
            Ok(e) => e,
            Err(w) => {
                return Err(err(
                    w.span,
                    format!("-C missing field name before operator for {}", w.text),
                ))
            }
        };
        if self.rule.fields.len() >= FIELD_LIMIT {
            return Err(err(
                span,
                format!("Too many fields in rule: {}", expr.whole.text),
            ));
        }
        let (op, code) = comparison(expr, self.list(), span)?;
        self.push_field(Field::num(field::FIELD_COMPARE, op, code), expr.whole.span);
        self.rule_requested = true;
        Ok(())
    }
}

/// The operator and the `AUDIT_COMPARE_*` code of `left OP right` on a rule
/// on `list`; `span` is the whole option's.
fn comparison(
    expr: &CompareExpr,
    list: Option<u32>,
    span: Span,
) -> Result<(Operator, u32), Diagnostic> {
    // The grammar already split at `!=` before `=`, as auditctl does.
    let Some((op, _)) = expr.op else {
        return Err(err(
            expr.whole.span,
            format!("{} only takes = or != operators", expr.whole.text),
        ));
    };
    let left = &expr.left;
    if left.text.is_empty() {
        return Err(err(
            expr.whole.span,
            format!(
                "-C missing field name before operator for {}",
                expr.whole.text
            ),
        ));
    }
    let Some(right) = expr.right.as_ref().filter(|r| !r.text.is_empty()) else {
        return Err(err(
            expr.whole.span,
            format!("-C missing value after operation for {}", left.text),
        ));
    };
    let Some(f1) = tables::field_by_name(&left.text) else {
        return Err(err(left.span, format!("-C unknown field: {}", left.text)));
    };
    let Some(f2) = tables::field_by_name(&right.text) else {
        return Err(err(
            right.span,
            format!(
                "-C unknown right hand value for comparison with: {}",
                right.text
            ),
        ));
    };
    if list != Some(FilterList::Exit.number()) {
        return Err(err(
            span,
            format!("{} can only be used with exit filter list", left.text),
        ));
    }
    let Some(code) = tables::compare_code(f1, f2) else {
        return Err(err(
            expr.whole.span,
            format!("-C incompatible comparison {}", left.text),
        )
        .with_help("compare uid-type fields with each other, or gid-type fields with each other"));
    };
    Ok((op, code))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::{parse_line, OptKind, ParsedLine};

    /// The `-C` expression of `-C TEXT`, as the grammar splits it.
    fn compare(text: &str, list: Option<FilterList>) -> Result<(Operator, u32), Diagnostic> {
        let Ok(ParsedLine::Options(opts)) = parse_line(&format!("-C {text}")) else {
            panic!("-C {text} does not parse");
        };
        let OptKind::Compare(Ok(expr)) = &opts[0].kind else {
            panic!("-C {text} is not a comparison: {:?}", opts[0].kind);
        };
        comparison(expr, list.map(FilterList::number), opts[0].span)
    }

    #[test]
    fn pairs_of_uid_or_gid_fields() {
        let exit = Some(FilterList::Exit);
        let (op, auid_uid) = compare("auid!=uid", exit).unwrap();
        assert_eq!(op, Operator::NotEqual);
        assert_eq!(
            Some(auid_uid),
            tables::compare_code(field::LOGINUID, field::UID)
        );
        // Either order of the same pair is the same comparison.
        assert_eq!(compare("uid=auid", exit).unwrap().1, auid_uid);
        let d = compare("uid=gid", exit).unwrap_err();
        assert_eq!(d.message, "-C incompatible comparison uid");
    }

    #[test]
    fn refusals_name_the_side_that_is_wrong() {
        let exit = Some(FilterList::Exit);
        assert_eq!(
            compare("nope=uid", exit).unwrap_err().message,
            "-C unknown field: nope"
        );
        assert_eq!(
            compare("uid=nope", exit).unwrap_err().message,
            "-C unknown right hand value for comparison with: nope"
        );
        assert_eq!(
            compare("auid!=uid", Some(FilterList::User))
                .unwrap_err()
                .message,
            "auid can only be used with exit filter list"
        );
        assert_eq!(
            compare("auid!=uid", None).unwrap_err().message,
            "auid can only be used with exit filter list"
        );
    }
}
