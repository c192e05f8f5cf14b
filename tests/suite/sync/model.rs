//! The plan the spec of `kaudit sync` calls minimal, computed independently
//! of kaudit, so tests can check the counts of its `--json` plan.
//!
//! The kernel offers append, prepend and delete only. Per filter list, the
//! rules kept in place must, once the others are deleted, form one
//! contiguous block `desired[i..j]` (everything before it is prepended,
//! everything after it appended), and that block must appear in the
//! current list in order. The least change keeps the longest such block:
//! deletes = |current| - kept, adds = |desired| - kept.

use std::collections::HashMap;
use std::hash::Hash;

/// Expected counts for one filter list, and the kept block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListPlan<T> {
    pub kept: Vec<T>,
    pub deletes: usize,
    pub adds: usize,
}

/// The longest contiguous block of `desired` that is a subsequence of
/// `current` (the first such block when there are ties).
pub fn kept_block<T: Eq + Hash + Clone>(current: &[T], desired: &[T]) -> Vec<T> {
    let pos: HashMap<&T, usize> = current.iter().enumerate().map(|(i, r)| (r, i)).collect();
    let (mut best_i, mut best_len) = (0, 0);
    for i in 0..desired.len() {
        if desired.len() - i <= best_len {
            break;
        }
        // Extend desired[i..] while its positions in `current` increase.
        let mut j = i;
        let mut last: Option<usize> = None;
        while let Some(&p) = desired.get(j).and_then(|r| pos.get(r)) {
            if last.is_some_and(|l| p <= l) {
                break;
            }
            last = Some(p);
            j += 1;
        }
        if j - i > best_len {
            best_i = i;
            best_len = j - i;
        }
    }
    desired[best_i..best_i + best_len].to_vec()
}

/// The expected plan for one list.
pub fn list_plan<T: Eq + Hash + Clone>(current: &[T], desired: &[T]) -> ListPlan<T> {
    let kept = kept_block(current, desired);
    ListPlan {
        deletes: current.len() - kept.len(),
        adds: desired.len() - kept.len(),
        kept,
    }
}

/// Expected plan over all lists: `(list, id)` pairs in kernel order.
pub fn plan<L: Eq + Hash + Clone + Ord, T: Eq + Hash + Clone>(
    current: &[(L, T)],
    desired: &[(L, T)],
) -> Vec<(L, ListPlan<T>)> {
    let mut lists: Vec<L> = current
        .iter()
        .chain(desired)
        .map(|(l, _)| l.clone())
        .collect();
    lists.sort();
    lists.dedup();
    lists
        .into_iter()
        .map(|l| {
            let c: Vec<T> = current
                .iter()
                .filter(|(x, _)| *x == l)
                .map(|(_, r)| r.clone())
                .collect();
            let d: Vec<T> = desired
                .iter()
                .filter(|(x, _)| *x == l)
                .map(|(_, r)| r.clone())
                .collect();
            let p = list_plan(&c, &d);
            (l, p)
        })
        .collect()
}

#[test]
fn model_counts() {
    let cur: Vec<u32> = (0..10).collect();
    // one changed in the middle: keep the longer side
    let mut d = cur.clone();
    d[5] = 100;
    let p = list_plan(&cur, &d);
    assert_eq!((p.kept.len(), p.deletes, p.adds), (5, 5, 5));
    // last changed: one delete, one add
    let mut d = cur.clone();
    d[9] = 100;
    assert_eq!(list_plan(&cur, &d).deletes, 1);
    // first moved to the end
    let d: Vec<u32> = (1..10).chain([0]).collect();
    let p = list_plan(&cur, &d);
    assert_eq!((p.deletes, p.adds), (1, 1));
    // a rule removed from the middle: everything else kept
    let d: Vec<u32> = (0..10).filter(|&x| x != 4).collect();
    assert_eq!(list_plan(&cur, &d).deletes, 1);
    assert_eq!(list_plan(&cur, &d).adds, 0);
    // identical
    assert_eq!(list_plan(&cur, &cur).deletes, 0);
    // from empty
    assert_eq!(list_plan(&[], &cur).adds, 10);
    // 0 1 2 | 7 8 9 3 4 5 6: 0 1 2 7 8 9 is in order in current (len 6)
    let d = vec![0, 1, 2, 7, 8, 9, 3, 4, 5, 6];
    assert_eq!(list_plan(&cur, &d).kept, vec![0, 1, 2, 7, 8, 9]);
    // rotation: 5..9 then 0..4: either half; the first longest wins
    let d = vec![5, 6, 7, 8, 9, 0, 1, 2];
    assert_eq!(list_plan(&cur, &d).kept, vec![5, 6, 7, 8, 9]);
}
