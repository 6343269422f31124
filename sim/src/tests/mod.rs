//! Tests through the exported C functions, one module per subsystem. The simulator state is
//! global, so every test takes [`fixtures::setup`]'s lock and starts from
//! [`fixtures::reset_sim`]: the synthetic backend (whose payload text most tests parse) and
//! the test-pattern sensor; the libav and Y4M tests select those explicitly (the libav ones
//! only exist with the crate's `libav` feature).
//!
//! The ABI 2024 modules need the 2024 channel attributes (output buffers in
//! `k_venc_attr`), so an `abi-2025` build runs only `abi_2025` (output buffers from an
//! attached VB pool).

pub(crate) mod fixtures;

#[cfg(not(feature = "abi-2025"))]
mod clock;
#[cfg(not(feature = "abi-2025"))]
mod codec;
#[cfg(not(feature = "abi-2025"))]
mod fault;
#[cfg(not(feature = "abi-2025"))]
mod orient;
#[cfg(not(feature = "abi-2025"))]
mod rtsp;
#[cfg(not(feature = "abi-2025"))]
mod stream;
#[cfg(not(feature = "abi-2025"))]
mod sys;
#[cfg(not(feature = "abi-2025"))]
mod teardown;
#[cfg(not(feature = "abi-2025"))]
mod vb;
#[cfg(not(feature = "abi-2025"))]
mod venc;
#[cfg(not(feature = "abi-2025"))]
mod vicap;
#[cfg(not(feature = "abi-2025"))]
mod wait;

#[cfg(feature = "abi-2025")]
mod abi_2025;
