//! # k230-venc core
//!
//! The logic of CanMV-K230's `media.vencoder` module (`Encoder`, `ChnAttrStr`,
//! `StreamData`) and of the media links it relies on, as a `#![no_std]`
//! library over the K230 MPP C API (`kd_mpi_*`).
//!
//! Design principles:
//! - **Fixed capacity, no allocator.** Four channels, twelve packs per
//!   stream, eight held streams per channel and eight links, all in one
//!   static; a full table is a typed error.
//! - **Errors, not panics.** Every operation returns [`error::Result`]; the
//!   error names the argument and its allowed values, the channel state, or
//!   the MPP call and its K230 code.
//! - **Same code on the board and on a PC.** The core calls the MPP through
//!   [`hal::Mpp`]; on the K230 the SDK libraries resolve the `kd_mpi_*`
//!   symbols, on a PC the `sim/` crate does. Tests use a fake.
//!
//! Layers: [`capi`] (C entry points for the MicroPython glue, one per Python method) →
//! [`wait`] (the sliced waits of GetStream and SendFrame) → [`venc`] (channel lifecycle,
//! streams, output buffers and VB, links) → [`hal`] → [`mpp`] (the ABI, the error codes
//! and the list of MPP functions). [`attr`], [`frame`], [`range`], [`state`] and [`error`]
//! are leaves that the layers above share.
#![cfg_attr(not(test), no_std)]
#![deny(missing_docs)]
#![warn(clippy::undocumented_unsafe_blocks)]

pub mod attr;
pub mod capi;
pub mod error;
pub mod frame;
pub mod hal;
pub mod mpp;
pub mod range;
pub mod state;
pub mod venc;
pub mod wait;

#[cfg(test)]
mod tests;

// Host bundles (the simulator build) link std, which brings its own panic handler.
#[cfg(feature = "std")]
extern crate std;

#[cfg(all(feature = "panic-handler", not(feature = "std"), not(test)))]
mod panic {
    /// Panics never cross into C: the core is written not to panic on input,
    /// and a bug that does panic stops the program rather than unwinding.
    #[panic_handler]
    fn panic(_info: &core::panic::PanicInfo) -> ! {
        extern "C" {
            fn abort() -> !;
        }
        // SAFETY: abort() takes no arguments and never returns.
        unsafe { abort() }
    }

    /// The prebuilt libcore of `*-linux-*` targets references this symbol even
    /// with panic=abort; nothing ever calls it.
    #[cfg(target_os = "linux")]
    #[no_mangle]
    extern "C" fn rust_eh_personality() {}
}
