//! The kaudit binary.
fn main() {}
