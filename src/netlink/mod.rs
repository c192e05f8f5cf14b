//! Kernel transport. Owned by the transport work.
