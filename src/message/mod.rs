//! The protocol's messages, read in place: request parameters (§2) and
//! their errors, logical results (§3), the gateway's envelope (§6), and
//! one signed compute request (§12), a §13 vote and the config it
//! proposes ([`vote`], [`config`]), and the caller-sized workspace a
//! secrets result is indexed in. Shapes only: nothing here hashes,
//! verifies or decides.
//!
//! Uses [`crate::read`], [`crate::proto`] and [`crate::leaf`].

pub(crate) mod envelope;
pub(crate) mod params;

pub(crate) mod config;
pub(crate) mod request;
pub(crate) mod result;
pub(crate) mod vote;
pub(crate) mod workspace;
