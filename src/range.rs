//! Range checks of script arguments that cannot truncate: the value is checked against
//! the bounds as an `i64` (what the glue passes) and then converted to the target type
//! with `TryFrom`, so a bound wider than the target type is an error, never a wrap.
#![forbid(unsafe_code)]

use crate::error::{Error, Result};

/// `v` as a `T` when it lies in `lo..=hi`, else an [`Error::Range`] naming `arg` and the
/// `allowed` values in words.
///
/// # Errors
/// [`Error::Range`] when `v` is outside `lo..=hi` or does not fit `T`.
pub fn in_range<T: TryFrom<i64>>(
    arg: &'static str,
    allowed: &'static str,
    v: i64,
    lo: i64,
    hi: i64,
) -> Result<T> {
    let err = Error::Range {
        arg,
        allowed,
        got: v,
    };
    if v < lo || v > hi {
        return Err(err);
    }
    T::try_from(v).map_err(|_| err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_are_inclusive_and_conversion_never_truncates() {
        assert_eq!(in_range::<u32>("a", "x", 5, 5, 6), Ok(5));
        assert_eq!(in_range::<u32>("a", "x", 6, 5, 6), Ok(6));
        assert!(in_range::<u32>("a", "x", 4, 5, 6).is_err());
        assert!(in_range::<u32>("a", "x", 7, 5, 6).is_err());
        // Bounds wider than the target type: an error, not a wrapped value.
        assert!(in_range::<u32>("a", "x", 1 << 32, 0, i64::MAX).is_err());
        assert!(in_range::<u8>("a", "x", -1, -5, 5).is_err());
        assert_eq!(in_range::<i32>("a", "x", -1, -1, 5), Ok(-1));
    }
}
