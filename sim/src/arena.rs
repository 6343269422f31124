//! The MMZ arena: one host memory region standing in for the K230's media memory zone.
//!
//! The region (default 256 MiB, `K230_SIM_MMZ_MB` overrides) is allocated zeroed on first
//! use with `calloc` semantics, so untouched pages cost nothing. It lives for the whole
//! process and never moves, so host pointers handed out by `kd_mpi_sys_mmap` stay valid.
//! Fake physical addresses start at [`PHYS_BASE`]; allocations are [`PAGE`]-aligned in
//! physical space and managed with a first-fit free list that coalesces on free.
//!
//! Invariants: `free` is sorted by offset, non-overlapping and coalesced; `live` maps the
//! offset of every live allocation to its (page-rounded) length; free and live ranges
//! partition `[0, size)`.

use std::alloc::{alloc_zeroed, Layout};

/// Byte written over freed MMZ memory.
pub const POISON: u8 = 0xDD;
use std::collections::BTreeMap;

/// Fake physical address of the first byte of the arena.
pub const PHYS_BASE: u64 = 0x1000_0000;
/// Allocation granule and alignment (physical).
pub const PAGE: u64 = 4096;
/// Default arena size in MiB.
pub const DEFAULT_MB: u64 = 256;
/// Largest accepted `K230_SIM_MMZ_MB`.
pub const MAX_MB: u64 = 64 * 1024;

/// Rounds `v` up to a multiple of the power of two `a`; `None` on overflow.
pub fn align_up(v: u64, a: u64) -> Option<u64> {
    Some(v.checked_add(a - 1)? & !(a - 1))
}

/// The host memory behind the arena (leaked on purpose: it must outlive every mapping).
struct Region {
    ptr: *mut u8,
    len: u64,
}

// SAFETY: the region is plain bytes owned by the arena; all access goes through the
// global simulator lock or through pointers the C caller owns by contract.
unsafe impl Send for Region {}

/// The MMZ allocator.
#[derive(Default)]
pub struct Arena {
    region: Option<Region>,
    free: Vec<(u64, u64)>,
    live: BTreeMap<u64, u64>,
    live_bytes: u64,
    mappings: u32,
}

impl Arena {
    /// An arena whose memory is not allocated yet.
    pub const fn new() -> Self {
        Arena {
            region: None,
            free: Vec::new(),
            live: BTreeMap::new(),
            live_bytes: 0,
            mappings: 0,
        }
    }

    fn configured_size() -> u64 {
        let mb = std::env::var("K230_SIM_MMZ_MB")
            .ok()
            .and_then(|s| s.trim().parse::<u64>().ok())
            .filter(|&m| (1..=MAX_MB).contains(&m))
            .unwrap_or(DEFAULT_MB);
        mb * 1024 * 1024
    }

    /// Allocates the region on first use. Returns false if the host has no memory.
    fn ensure(&mut self) -> bool {
        if self.region.is_some() {
            return true;
        }
        let len = Self::configured_size();
        let Ok(n) = usize::try_from(len) else {
            return false;
        };
        let Ok(layout) = Layout::from_size_align(n, 1) else {
            return false;
        };
        // SAFETY: the layout has a non-zero size (len >= 1 MiB). With alignment 1 the
        // system allocator uses calloc, so the OS zeroes pages lazily on first touch.
        let ptr = unsafe { alloc_zeroed(layout) };
        if ptr.is_null() {
            return false;
        }
        self.region = Some(Region { ptr, len });
        self.free = vec![(0, len)];
        true
    }

    /// Size of the arena in bytes (0 before first use).
    pub fn size(&self) -> u64 {
        self.region.as_ref().map_or(0, |r| r.len)
    }

    /// Allocates `size` bytes (rounded up to [`PAGE`]); returns the physical address.
    pub fn alloc(&mut self, size: u64) -> Option<u64> {
        if size == 0 || !self.ensure() {
            return None;
        }
        let need = align_up(size, PAGE)?;
        let i = self.free.iter().position(|&(_, len)| len >= need)?;
        let (off, len) = self.free[i];
        if len == need {
            self.free.remove(i);
        } else {
            self.free[i] = (off + need, len - need);
        }
        self.live.insert(off, need);
        self.live_bytes += need;
        Some(PHYS_BASE + off)
    }

    /// Frees the allocation starting at `phys`. Returns false if there is none.
    pub fn free(&mut self, phys: u64) -> bool {
        let Some(off) = phys.checked_sub(PHYS_BASE) else {
            return false;
        };
        let Some(len) = self.live.remove(&off) else {
            return false;
        };
        self.live_bytes -= len;
        self.poison(off, len);
        let i = self.free.partition_point(|&(o, _)| o < off);
        self.free.insert(i, (off, len));
        // Merge with the next range, then with the previous one.
        if i + 1 < self.free.len() && self.free[i].0 + self.free[i].1 == self.free[i + 1].0 {
            self.free[i].1 += self.free[i + 1].1;
            self.free.remove(i + 1);
        }
        if i > 0 && self.free[i - 1].0 + self.free[i - 1].1 == self.free[i].0 {
            self.free[i - 1].1 += self.free[i].1;
            self.free.remove(i);
        }
        true
    }

    /// Fills freed memory with [`POISON`], so that a script still reading a released or
    /// destroyed buffer (a stale `StreamData.data` address, say) sees garbage on the PC
    /// instead of plausible old data, as it would once the board reuses the memory.
    fn poison(&mut self, off: u64, len: u64) {
        let Some(r) = self.region.as_ref() else {
            return;
        };
        let (Ok(off), Ok(len)) = (usize::try_from(off), usize::try_from(len)) else {
            return;
        };
        if off.checked_add(len).is_some_and(|end| end as u64 <= r.len) {
            // SAFETY: [off, off + len) lies inside the region (checked above), which stays
            // allocated for the process; the range was just freed, so no live slice of the
            // simulator refers to it, and the global lock is held by the caller.
            unsafe { std::ptr::write_bytes(r.ptr.add(off), POISON, len) };
        }
    }

    /// The live allocation containing `[phys, phys + len)` as (start phys, length).
    pub fn block_of(&self, phys: u64, len: u64) -> Option<(u64, u64)> {
        let off = phys.checked_sub(PHYS_BASE)?;
        let end = off.checked_add(len.max(1))?;
        let (&start, &blen) = self.live.range(..=off).next_back()?;
        (end <= start + blen).then_some((PHYS_BASE + start, blen))
    }

    /// Host pointer of `[phys, phys + len)` if the range lies inside one live allocation.
    pub fn host_ptr(&self, phys: u64, len: u64) -> Option<*mut u8> {
        self.block_of(phys, len)?;
        let r = self.region.as_ref()?;
        let off = usize::try_from(phys - PHYS_BASE).ok()?;
        // SAFETY: block_of proved off + len <= an allocation inside [0, r.len), so the
        // offset stays inside the region allocated in `ensure`.
        Some(unsafe { r.ptr.add(off) })
    }

    /// True if the host pointer lies inside the arena region.
    pub fn contains_host(&self, p: *const u8) -> bool {
        let Some(r) = self.region.as_ref() else {
            return false;
        };
        let start = r.ptr as usize;
        let p = p as usize;
        p >= start && ((p - start) as u64) < r.len
    }

    /// `kd_mpi_sys_mmap` bookkeeping.
    pub fn map(&mut self, phys: u64, len: u64) -> Option<*mut u8> {
        if len == 0 {
            return None;
        }
        let p = self.host_ptr(phys, len)?;
        self.mappings = self.mappings.saturating_add(1);
        Some(p)
    }

    /// `kd_mpi_sys_munmap` bookkeeping: false if `p` is not in the arena.
    pub fn unmap(&mut self, p: *const u8) -> bool {
        if !self.contains_host(p) {
            return false;
        }
        self.mappings = self.mappings.saturating_sub(1);
        true
    }

    /// Number of live allocations.
    pub fn blocks(&self) -> u32 {
        u32::try_from(self.live.len()).unwrap_or(u32::MAX)
    }

    /// Bytes in live allocations.
    pub fn bytes(&self) -> u64 {
        self.live_bytes
    }

    /// Live mappings (mmap minus munmap, never below 0).
    pub fn mappings(&self) -> u32 {
        self.mappings
    }

    /// Frees everything and forgets mappings (the region itself is kept).
    pub fn reset(&mut self) {
        self.live.clear();
        self.live_bytes = 0;
        self.mappings = 0;
        let len = self.size();
        self.free = if len > 0 { vec![(0, len)] } else { Vec::new() };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_fit_and_coalesce() {
        let mut a = Arena::new();
        let p1 = a.alloc(1).unwrap();
        let p2 = a.alloc(4097).unwrap();
        let p3 = a.alloc(4096).unwrap();
        assert_eq!(p1, PHYS_BASE);
        assert_eq!(p2, PHYS_BASE + 4096);
        assert_eq!(p3, PHYS_BASE + 3 * 4096);
        assert_eq!(a.blocks(), 3);
        assert_eq!(a.bytes(), 4 * 4096);
        assert!(a.free(p2));
        assert!(!a.free(p2));
        // A 4096 block fits in the hole left by p2.
        assert_eq!(a.alloc(4096), Some(p2));
        assert!(a.free(p1) && a.free(p2) && a.free(p3));
        assert_eq!(a.free.len(), 1);
        assert_eq!(a.bytes(), 0);
        assert!(a.alloc(a.size() + 1).is_none());
        assert!(a.alloc(0).is_none());
    }

    #[test]
    fn ranges_and_mapping() {
        let mut a = Arena::new();
        let p = a.alloc(8192).unwrap();
        assert!(a.host_ptr(p, 8192).is_some());
        assert!(a.host_ptr(p + 4096, 4096).is_some());
        assert!(a.host_ptr(p + 4096, 4097).is_none());
        assert!(a.host_ptr(p + 8192, 1).is_none());
        assert!(a.host_ptr(0, 1).is_none());
        assert!(a.host_ptr(u64::MAX, 2).is_none());
        let h = a.map(p, 16).unwrap();
        assert_eq!(a.mappings(), 1);
        assert!(a.unmap(h));
        assert!(a.unmap(h));
        assert_eq!(a.mappings(), 0);
        assert!(!a.unmap(std::ptr::null()));
    }
}
