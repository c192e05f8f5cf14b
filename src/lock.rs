//! Machine-wide lock. Owned by the transport work.
