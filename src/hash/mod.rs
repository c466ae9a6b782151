//! What nodes sign: the canonical hash of a response (§4) and its §11 group
//! hash ([`canonical`], the plain path), the SHA-256 primitives they share
//! ([`writer`]), §12's request hash ([`request`]), §13's config hash, user
//! data and vote payload ([`config`]), and the reuse shortcut that serves
//! one verification's responses ([`reuse`]).
//!
//! Uses [`crate::message`], [`crate::proto`], [`crate::read`] and
//! [`crate::leaf`]. Decides nothing: a hash is a value, not a verdict.

pub(crate) mod canonical;
pub(crate) mod request;
pub(crate) mod reuse;
pub(crate) mod writer;

pub(crate) use canonical::{group_hash, hash_read, read_result_at, ReadResult};
pub(crate) use reuse::ResponseHasher;
pub(crate) use writer::Writer;
pub(crate) mod config;
