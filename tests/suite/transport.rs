//! Transport tests: the netlink transport against the live kernel (through
//! the `common` harness: machine lock, own keys, table restored), and the
//! in-memory fake against the same scenarios, so the fake stays honest.

use crate::common;

use std::time::Instant;

use common::{
    exit_rule, kernel, key_prefix, key_rule, rule_key, test_key, ACTION_ALWAYS, LIST_EXIT,
};
use kaudit::netlink::fake::FakeKernel;
use kaudit::netlink::message::push_message;
use kaudit::netlink::{Ack, AuditStatus, Request, Transport};
use kaudit::uapi::{
    AUDIT_ADD_RULE, AUDIT_DEL_RULE, AUDIT_FILTER_PREPEND, AUDIT_POSSIBLE, AUDIT_STATUS_RATE_LIMIT,
    NLMSG_ERROR,
};

const EEXIST: i32 = libc::EEXIST;
const ENOENT: i32 = libc::ENOENT;
const EINVAL: i32 = libc::EINVAL;

/// What the kernel does to a rule it stores, as seen in its listing:
/// the prepend flag is cleared, and the 16 syscall-class bits at the top of
/// the mask (bits 2032..2047, the top half of mask word 63) are cleared
/// after being expanded into the syscalls of their class. With an all-ones
/// mask the expansion adds nothing, so only those bits differ.
fn kernel_normalised(rule: &[u8]) -> Vec<u8> {
    let mut out = rule.to_vec();
    out[0] &= !(AUDIT_FILTER_PREPEND as u8);
    let w = 12 + 63 * 4;
    let word = u32::from_ne_bytes(out[w..w + 4].try_into().unwrap()) & 0x0000_ffff;
    out[w..w + 4].copy_from_slice(&word.to_ne_bytes());
    out
}

/// The keys of this process's rules, in listing order.
fn own_keys(t: &mut dyn Transport) -> Vec<String> {
    let prefix = key_prefix();
    t.list_rules()
        .unwrap()
        .iter()
        .filter_map(|r| rule_key(r))
        .filter(|k| k.starts_with(&prefix))
        .collect()
}

#[ignore = "live kernel: needs root and audit (scripts/test.sh runs it)"]
#[test]
fn status_round_trip() {
    let Some(mut k) = kernel() else { return };
    let start = *k.start_status();
    let t = k.transport();
    let s = t.get_status().unwrap();
    assert_eq!(s.enabled, 0, "tests require enabled=0");
    assert!(s.failure <= 2);
    assert!(s.backlog_limit > 0);
    assert_ne!(s.feature_bitmap & 0x7f, 0);
    assert!(
        s.backlog_wait_time_actual.is_some(),
        "6.x kernels send 44 bytes"
    );
    assert_eq!(s.rate_limit, start.rate_limit);

    // mask 0 changes nothing; rate_limit set to its own value changes nothing.
    let noop = AuditStatus { mask: 0, ..s };
    let same_rate = AuditStatus {
        mask: AUDIT_STATUS_RATE_LIMIT,
        ..s
    };
    let acks = t
        .execute(&[Request::set_status(&noop), Request::set_status(&same_rate)])
        .unwrap();
    assert_eq!(acks, vec![Ok(0), Ok(0)]);
    let after = t.get_status().unwrap();
    assert_eq!(
        (
            after.enabled,
            after.failure,
            after.rate_limit,
            after.backlog_limit
        ),
        (s.enabled, s.failure, s.rate_limit, s.backlog_limit)
    );

    let f = t.get_features().unwrap();
    assert_eq!(f.vers, 1);
}

#[ignore = "live kernel: needs root and audit (scripts/test.sh runs it)"]
#[test]
fn add_list_duplicate_delete() {
    let Some(mut k) = kernel() else { return };
    let t = k.transport();
    let rule = exit_rule(&test_key("single"));

    assert_eq!(
        t.execute(&[Request::add_rule(rule.clone())]).unwrap(),
        vec![Ok(0)]
    );
    let listed: Vec<Vec<u8>> = t
        .list_rules()
        .unwrap()
        .into_iter()
        .filter(|r| rule_key(r).as_deref() == Some(test_key("single").as_str()))
        .collect();
    assert_eq!(listed.len(), 1);
    assert_eq!(
        listed[0].len(),
        rule.len(),
        "listing keeps the exact length"
    );
    assert_eq!(listed[0], kernel_normalised(&rule));
    assert_ne!(
        listed[0], rule,
        "the class bits of mask word 63 are cleared"
    );

    // Both the original and the listed form are the same rule to the kernel.
    let acks = t
        .execute(&[
            Request::add_rule(rule.clone()),
            Request::add_rule(listed[0].clone()),
            Request::del_rule(listed[0].clone()),
            Request::del_rule(rule.clone()),
        ])
        .unwrap();
    assert_eq!(acks, vec![Err(EEXIST), Err(EEXIST), Ok(0), Err(ENOENT)]);
    assert!(own_keys(t).is_empty());
}

#[ignore = "live kernel: needs root and audit (scripts/test.sh runs it)"]
#[test]
fn batch_with_invalid_request_in_the_middle() {
    let Some(mut k) = kernel() else { return };
    let t = k.transport();
    let a = exit_rule(&test_key("mid-a"));
    let bad = key_rule(LIST_EXIT, AUDIT_POSSIBLE, &test_key("mid-bad"));
    let c = exit_rule(&test_key("mid-c"));
    let before = t.stats().datagrams_sent;
    let acks = t
        .execute(&[
            Request::add_rule(a.clone()),
            Request::add_rule(bad.clone()),
            Request::add_rule(c.clone()),
            Request::del_rule(bad),
            Request::add_rule(a.clone()),
        ])
        .unwrap();
    assert_eq!(t.stats().datagrams_sent - before, 1, "one datagram");
    // The kernel keeps going after a failed message and acks every one.
    assert_eq!(
        acks,
        vec![Ok(0), Err(EINVAL), Ok(0), Err(EINVAL), Err(EEXIST)]
    );
    assert_eq!(own_keys(t), vec![test_key("mid-a"), test_key("mid-c")]);
    let acks = t
        .execute(&[Request::del_rule(a), Request::del_rule(c)])
        .unwrap();
    assert_eq!(acks, vec![Ok(0), Ok(0)]);
}

#[ignore = "live kernel: needs root and audit (scripts/test.sh runs it)"]
#[test]
fn batch_of_500_rules() {
    let Some(mut k) = kernel() else { return };
    let t = k.transport();
    let rules: Vec<Vec<u8>> = (0..500)
        .map(|i| exit_rule(&test_key(&format!("batch-{i:03}"))))
        .collect();
    let adds: Vec<Request> = rules.iter().cloned().map(Request::add_rule).collect();
    let before = t.stats();
    let started = Instant::now();
    let acks = t.execute(&adds).unwrap();
    let add_time = started.elapsed();
    let sent = t.stats().datagrams_sent - before.datagrams_sent;
    assert_eq!(acks, vec![Ok(0); 500]);
    let bytes: usize = rules.iter().map(|r| (16 + r.len() + 3) & !3).sum();
    let floor = bytes.div_ceil(t.max_datagram());
    eprintln!(
        "500 adds: {sent} datagrams ({bytes} bytes, floor {floor}), {add_time:?}, cap_ack {}, rcvbuf {}",
        t.cap_ack(),
        t.receive_buffer()
    );
    assert!(sent as usize <= floor + 1, "{sent} datagrams for 500 rules");
    assert_eq!(t.stats().requests_sent - before.requests_sent, 500);

    let expected: Vec<String> = (0..500)
        .map(|i| test_key(&format!("batch-{i:03}")))
        .collect();
    assert_eq!(own_keys(t), expected, "all listed, in add order");

    let dels: Vec<Request> = rules.into_iter().map(Request::del_rule).collect();
    let started = Instant::now();
    let acks = t.execute(&dels).unwrap();
    eprintln!("500 deletes: {:?}", started.elapsed());
    assert_eq!(acks, vec![Ok(0); 500]);
    assert!(own_keys(t).is_empty());
}

/// One scenario, run on the kernel and on the fake: the acks and the
/// resulting order must agree. The fake does not validate rules, so it is
/// told to refuse the invalid one through its hook.
fn scenario(t: &mut dyn Transport) -> (Vec<Ack>, Vec<String>) {
    let a = exit_rule(&test_key("diff-a"));
    let b = exit_rule(&test_key("diff-b"));
    let c = exit_rule(&test_key("diff-c"));
    let bad = key_rule(LIST_EXIT, AUDIT_POSSIBLE, &test_key("diff-bad"));
    let mut pre_b = b.clone();
    pre_b[0] |= AUDIT_FILTER_PREPEND as u8;
    let mut pre_a = a.clone();
    pre_a[0] |= AUDIT_FILTER_PREPEND as u8;
    let mut acks = t
        .execute(&[
            Request::add_rule(a.clone()),
            Request::add_rule(c.clone()),
            Request::add_rule(pre_b.clone()),
            Request::add_rule(bad),
            Request::add_rule(a.clone()),
            // A prepend add of an existing rule is not seen as a duplicate.
            Request::add_rule(pre_a.clone()),
            // Delete with the prepend flag finds nothing.
            Request::del_rule(pre_b),
        ])
        .unwrap();
    let order = own_keys(t);
    acks.extend(
        t.execute(&[
            Request::del_rule(a.clone()),
            Request::del_rule(a.clone()),
            Request::del_rule(a),
            Request::del_rule(b),
            Request::del_rule(c),
        ])
        .unwrap(),
    );
    (acks, order)
}

#[ignore = "live kernel: needs root and audit (scripts/test.sh runs it)"]
#[test]
fn fake_agrees_with_kernel() {
    let expected_acks = vec![
        Ok(0),
        Ok(0),
        Ok(0),
        Err(EINVAL),
        Err(EEXIST),
        Ok(0),
        Err(ENOENT),
        Ok(0),
        Ok(0),
        Err(ENOENT),
        Ok(0),
        Ok(0),
    ];
    let expected_order = vec![
        test_key("diff-a"),
        test_key("diff-b"),
        test_key("diff-a"),
        test_key("diff-c"),
    ];

    let mut fake = FakeKernel::new();
    fake.set_refusal(Some(Box::new(|r: &Request| {
        let is_rule = r.msg_type == AUDIT_ADD_RULE || r.msg_type == AUDIT_DEL_RULE;
        (is_rule && r.payload.get(4..8) != Some(&ACTION_ALWAYS.to_ne_bytes()[..])).then_some(EINVAL)
    })));
    let (acks, order) = scenario(&mut fake);
    assert_eq!(acks, expected_acks, "fake");
    assert_eq!(order, expected_order, "fake");
    assert_eq!(fake.rule_count(), 0);

    let Some(mut k) = kernel() else { return };
    let (acks, order) = scenario(k.transport());
    assert_eq!(acks, expected_acks, "kernel");
    assert_eq!(order, expected_order, "kernel");
}

#[test]
fn fake_lock_refuses_changes() {
    let mut fake = FakeKernel::new();
    let rule = exit_rule("k");
    let lock = AuditStatus {
        mask: 1,
        enabled: 2,
        ..AuditStatus::default()
    };
    let acks = fake
        .execute(&[Request::add_rule(rule.clone()), Request::set_status(&lock)])
        .unwrap();
    assert_eq!(acks, vec![Ok(0), Ok(0)]);
    let acks = fake
        .execute(&[
            Request::add_rule(exit_rule("other")),
            Request::del_rule(rule),
            Request::set_status(&AuditStatus::default()),
        ])
        .unwrap();
    assert_eq!(acks, vec![Err(libc::EPERM); 3]);
    assert_eq!(fake.list_rules().unwrap().len(), 1);
    assert_eq!(fake.get_status().unwrap().enabled, 2);
}

#[ignore = "live kernel: needs root and audit (scripts/test.sh runs it)"]
#[test]
fn other_sockets_cannot_inject_replies() {
    let Some(mut k) = kernel() else { return };
    let t = k.transport();
    let port = t.port_id();
    assert_ne!(port, 0);
    let spoofer = netlink_sys::Socket::new(netlink_sys::protocols::NETLINK_AUDIT).unwrap();
    let mut msg = Vec::new();
    push_message(&mut msg, NLMSG_ERROR, 0, 1, &(-1i32).to_ne_bytes()).unwrap();
    msg.extend_from_slice(&[0; 16]);
    let err = spoofer
        .send_to(&msg, &netlink_sys::SocketAddr::new(port, 0), 0)
        .unwrap_err();
    // The transport is connected to the kernel, so the kernel refuses
    // unicasts from any other socket.
    assert_eq!(err.raw_os_error(), Some(libc::ECONNREFUSED));
    assert_eq!(t.get_status().unwrap().enabled, 0);
    assert_eq!(t.stats().foreign_ignored, 0);
}

#[ignore = "live kernel: needs root and audit (scripts/test.sh runs it)"]
#[test]
fn larger_datagrams_on_request() {
    let Some(mut k) = kernel() else { return };
    let t = k.transport();
    t.set_max_datagram(512 * 1024).unwrap();
    let rules: Vec<Vec<u8>> = (0..300)
        .map(|i| exit_rule(&test_key(&format!("big-{i:03}"))))
        .collect();
    let before = t.stats().datagrams_sent;
    let acks = t
        .execute(
            &rules
                .iter()
                .cloned()
                .map(Request::add_rule)
                .collect::<Vec<_>>(),
        )
        .unwrap();
    assert_eq!(acks, vec![Ok(0); 300]);
    assert_eq!(
        t.stats().datagrams_sent - before,
        1,
        "300 rules fit in 512 KiB"
    );
    assert_eq!(own_keys(t).len(), 300);
    let acks = t
        .execute(&rules.into_iter().map(Request::del_rule).collect::<Vec<_>>())
        .unwrap();
    assert_eq!(acks, vec![Ok(0); 300]);
}

#[ignore = "live kernel: needs root and audit (scripts/test.sh runs it)"]
#[test]
fn guard_removes_leftover_rules() {
    let Some(mut k) = kernel() else { return };
    let mut pre = exit_rule(&test_key("leftover"));
    pre[0] |= AUDIT_FILTER_PREPEND as u8;
    // Two identical copies (the second via prepend), deliberately not deleted.
    let acks = k
        .transport()
        .execute(&[
            Request::add_rule(exit_rule(&test_key("leftover"))),
            Request::add_rule(pre),
        ])
        .unwrap();
    assert_eq!(acks, vec![Ok(0), Ok(0)]);
    drop(k); // cleans up, then checks the table is back to its start state
    let Some(mut k) = kernel() else { return };
    assert!(own_keys(k.transport()).is_empty());
}
