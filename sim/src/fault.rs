//! Deterministic fault injection: make a named `kd_mpi_*` function fail.
//!
//! A rule (code, skip, count) lets `skip` more calls of the function succeed (only calls
//! that succeed are counted), then makes the next `count` calls return `code` without doing
//! anything. `kd_mpi_sys_mmap` returns NULL instead of a code, `kd_mpi_vb_create_pool`
//! returns the code as its pool id.

use k230_venc::mpp::functions;

/// Whether `func` can be faulted: the MPP functions the project lists
/// (`k230_venc::mpp::functions`), of the ABI generation this build simulates.
fn known(name: &[u8]) -> Option<&'static str> {
    let abi_2025: &[&'static str] = if cfg!(feature = "abi-2025") {
        functions::ABI_2025
    } else {
        &[]
    };
    functions::COMMON
        .iter()
        .chain(abi_2025)
        .copied()
        .find(|f| f.as_bytes() == name)
}

#[derive(Clone, Copy, Debug)]
struct Rule {
    code: i32,
    skip: u32,
    count: u32,
}

/// The active rules.
#[derive(Default)]
pub(crate) struct Faults {
    rules: Vec<(&'static str, Rule)>,
    /// Injected failures that fired since the last `clear`.
    fired: u32,
}

impl Faults {
    /// `k230_sim_fault_inject`: 0, or -1 for an unknown function name.
    pub fn inject(&mut self, name: &[u8], code: i32, skip: u32, count: u32) -> i32 {
        let Some(func) = known(name) else {
            return -1;
        };
        self.rules.retain(|(f, _)| *f != func);
        if count > 0 {
            self.rules.push((func, Rule { code, skip, count }));
        }
        0
    }

    /// Removes every rule and resets the fired count.
    pub fn clear(&mut self) {
        self.rules.clear();
        self.fired = 0;
    }

    /// Injected failures that fired since the last `clear`.
    pub fn fired(&self) -> u32 {
        self.fired
    }

    /// Called on entry of `func`: the code to fail with, if a rule fires now.
    pub fn check(&mut self, func: &str) -> Option<i32> {
        let i = self
            .rules
            .iter()
            .position(|(f, r)| *f == func && r.skip == 0)?;
        let rule = &mut self.rules[i].1;
        let code = rule.code;
        rule.count -= 1;
        self.fired = self.fired.saturating_add(1);
        if rule.count == 0 {
            self.rules.remove(i);
        }
        Some(code)
    }

    /// Called after a successful call of `func`.
    pub fn success(&mut self, func: &str) {
        for (f, r) in &mut self.rules {
            if *f == func && r.skip > 0 {
                r.skip -= 1;
            }
        }
    }
}
