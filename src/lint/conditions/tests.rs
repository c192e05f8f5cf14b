//! Unit tests of the condition model: values of operators, implication,
//! overlap and emptiness.

use super::*;
use crate::model::Field;

#[test]
fn values_of_operators() {
    assert_eq!(
        Values::of(Operator::NotEqual, 0).unwrap().count(),
        u32::MAX as u64
    );
    assert_eq!(
        Values::of(Operator::NotEqual, u32::MAX).unwrap().count(),
        u32::MAX as u64
    );
    assert!(Values::of(Operator::LessThan, 0).unwrap().is_empty());
    assert!(Values::of(Operator::GreaterThan, u32::MAX)
        .unwrap()
        .is_empty());
    let ge = Values::of(Operator::GreaterOrEqual, 1000).unwrap();
    assert!(Values::of(Operator::GreaterOrEqual, 1500)
        .unwrap()
        .is_subset(&ge));
    assert!(!Values::of(Operator::GreaterOrEqual, 500)
        .unwrap()
        .is_subset(&ge));
}

#[test]
fn meets_and_subset_agree_with_the_intersection() {
    let sets: Vec<Values> = [
        (Operator::Equal, 5),
        (Operator::NotEqual, 5),
        (Operator::LessThan, 3),
        (Operator::GreaterOrEqual, 5),
        (Operator::GreaterThan, u32::MAX),
        (Operator::NotEqual, 0),
    ]
    .iter()
    .map(|(o, c)| Values::of(*o, *c).unwrap())
    .collect();
    for a in &sets {
        for b in &sets {
            let i = a.intersect(b);
            assert_eq!(a.meets(b), !i.is_empty(), "{a:?} {b:?}");
            assert_eq!(a.is_subset(b), i == *a, "{a:?} {b:?}");
        }
    }
}

#[test]
fn auid_unset_is_the_kernels_loginuid_set() {
    let unset = scalar_pred(&Field::num(field::LOGINUID, Operator::Equal, u32::MAX)).unwrap();
    assert!(unset.holds(u32::MAX) && !unset.holds(0));
    let set = scalar_pred(&Field::num(field::LOGINUID, Operator::NotEqual, u32::MAX)).unwrap();
    assert!(!set.holds(u32::MAX) && set.holds(1000));
    // auid>unset is loginuid_set>0, which any set login uid satisfies.
    let gt = scalar_pred(&Field::num(
        field::LOGINUID,
        Operator::GreaterThan,
        u32::MAX,
    ))
    .unwrap();
    assert!(gt.holds(5));
}

#[test]
fn bit_predicates() {
    let any3 = Pred::AnyBit(3);
    assert!(preds_imply(&[&Pred::AnyBit(1)], &any3));
    assert!(!preds_imply(&[&Pred::AnyBit(4)], &any3));
    assert!(preds_imply(&[&Pred::AllBits(6)], &any3));
    assert!(preds_imply(
        &[&Pred::In(Values::of(Operator::Equal, 2).unwrap())],
        &any3
    ));
    assert!(!preds_imply(
        &[&Pred::In(Values::of(Operator::Equal, 4).unwrap())],
        &any3
    ));
    assert!(preds_imply(&[&Pred::AllBits(7)], &Pred::AllBits(3)));
    assert!(!preds_imply(&[&Pred::AllBits(1)], &Pred::AllBits(3)));
    let w = witness(&[&Pred::AnyBit(12), &Pred::AllBits(1)]).unwrap();
    assert!(w & 12 != 0 && w & 1 == 1);
    assert_eq!(witness(&[&Pred::AnyBit(0)]), None);
}

#[test]
fn perm_is_a_disjunction() {
    assert_eq!(perm_assignments(true, 0), 0);
    assert_eq!(perm_assignments(false, 0), u16::MAX);
    // perm=w holds for every assignment with the write kind.
    let w = perm_assignments(true, 2);
    let wa = perm_assignments(true, 10);
    assert_eq!(w & !wa, 0);
    assert_ne!(wa & !w, 0);
}

/// A rule's variables come out in ascending number, whatever their order in
/// the rule (as the `BTreeMap` they replace gave them), one entry each.
#[test]
fn var_map_keeps_ascending_order() {
    let mut m: VarMap<Vec<u32>> = VarMap::default();
    for k in [7, 3, 9, 3, 1] {
        m.slot(k).push(k * 10);
    }
    m.insert(5, vec![50]);
    m.insert(9, vec![90, 91]);
    let got: Vec<(u32, Vec<u32>)> = m.iter().map(|(k, v)| (*k, v.clone())).collect();
    assert_eq!(
        got,
        vec![
            (1, vec![10]),
            (3, vec![30, 30]),
            (5, vec![50]),
            (7, vec![70]),
            (9, vec![90, 91]),
        ]
    );
    assert_eq!(m.get(&3), Some(&vec![30, 30]));
    assert_eq!(m.get(&4), None);
    assert!(VarMap::<u32>::default().is_empty());
}

/// A one-range set is held inline, and equals the same set built another
/// way; it prints as the list of its ranges.
#[test]
fn one_range_sets_are_inline_and_equal_their_copies() {
    let five = Values::of(Operator::Equal, 5).unwrap();
    assert!(matches!(five.0, Ranges::One((5, 5))));
    let built = Values::of(Operator::GreaterOrEqual, 5)
        .unwrap()
        .intersect(&Values::of(Operator::LessOrEqual, 5).unwrap());
    assert_eq!(built, five);
    let two = Values::of(Operator::NotEqual, 5).unwrap();
    assert!(matches!(&two.0, Ranges::Many(r) if r.len() == 2));
    assert_eq!(format!("{:?}", five), "Values([(5, 5)])");
}
