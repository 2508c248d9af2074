//! The back-end server (filled in by the following commits).
