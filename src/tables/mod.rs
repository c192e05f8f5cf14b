//! Lookup tables (generated). Owned by the tables work.
