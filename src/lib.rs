//! k230-venc core: the CanMV-K230 `media.vencoder` module logic over the K230 MPP C API.
#![cfg_attr(not(test), no_std)]
#![deny(missing_docs)]

pub mod mpp;

#[cfg(all(feature = "panic-handler", not(test)))]
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
