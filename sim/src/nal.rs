//! The simulator's one H.264 / H.265 Annex-B reader: start codes, NAL unit types and what
//! they mean. The libav backend splits the encoders' output into packs with it
//! ([`crate::codec::libav::annexb_units`]), the MP4 muxer converts a script's writes to
//! length-prefixed samples with it ([`crate::mp4`]), and the RTSP server tells key pieces
//! apart with it ([`crate::rtsp::is_key`]). (The Python tests and scripts have theirs,
//! `python_tests/streamcheck/nal.py`; no maintained Rust crate reads both H.264 and H.265
//! NAL headers without a decoder, and this is the few lines the simulator needs.)

/// The NAL unit syntax of a stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Syntax {
    /// H.264: one header byte, type in its low 5 bits.
    H264,
    /// H.265: two header bytes, type in bits 1..=6 of the first.
    H265,
}

impl Syntax {
    /// The type of the NAL unit whose header starts `nal` (0xff for an empty unit).
    pub fn nal_type(self, nal: &[u8]) -> u8 {
        match (self, nal.first()) {
            (_, None) => 0xff,
            (Syntax::H264, Some(b)) => b & 0x1f,
            (Syntax::H265, Some(b)) => (b >> 1) & 0x3f,
        }
    }

    /// Parameter sets: H.264 SPS / PPS (7, 8); H.265 VPS / SPS / PPS (32..=34).
    pub fn is_parameter_set(self, t: u8) -> bool {
        match self {
            Syntax::H264 => t == 7 || t == 8,
            Syntax::H265 => (32..=34).contains(&t),
        }
    }

    /// Key pictures (random access points): the H.264 IDR slice (5); the H.265 IRAP slices
    /// (BLA / IDR / CRA, 16..=21), which are an ISO-BMFF H.265 track's sync samples.
    pub fn is_key(self, t: u8) -> bool {
        match self {
            Syntax::H264 => t == 5,
            Syntax::H265 => (16..=21).contains(&t),
        }
    }

    /// Picture (VCL) NAL units: H.264 1..=5; H.265 0..=31.
    pub fn is_vcl(self, t: u8) -> bool {
        match self {
            Syntax::H264 => (1..=5).contains(&t),
            Syntax::H265 => t <= 31,
        }
    }
}

/// The three-byte start codes `00 00 01` of `buf`: (index of their first zero, index after
/// the 01). A zero byte just before one makes it a four-byte start code; callers that keep
/// start codes take it with the code ([`units`]), those that drop them trim it.
pub fn start_codes(buf: &[u8]) -> Vec<(usize, usize)> {
    let mut v = Vec::new();
    let mut i = 0;
    while i + 3 <= buf.len() {
        if buf[i + 2] > 1 {
            i += 3; // no start code can end before i + 3
        } else if buf[i] == 0 && buf[i + 1] == 0 && buf[i + 2] == 1 {
            v.push((i, i + 3));
            i += 3;
        } else {
            i += 1;
        }
    }
    v
}

/// One NAL unit of a buffer, as byte ranges: `start..end` with its start code (four bytes
/// when a zero precedes `00 00 01`), the unit itself at `payload..end`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Unit {
    /// Its start code's first byte (or 0 for bytes before the first start code).
    pub start: usize,
    /// The byte after its start code (its header).
    pub payload: usize,
    /// One past its last byte: where the next unit's start code begins.
    pub end: usize,
}

/// The NAL units of an Annex-B buffer, tiling it exactly: bytes before the first start code
/// belong to the first unit; a buffer without start codes is one unit (`payload` 0).
pub fn units(buf: &[u8]) -> Vec<Unit> {
    let codes = start_codes(buf);
    if codes.is_empty() {
        return if buf.is_empty() {
            Vec::new()
        } else {
            vec![Unit {
                start: 0,
                payload: 0,
                end: buf.len(),
            }]
        };
    }
    let starts: Vec<usize> = codes
        .iter()
        .map(|&(z, _)| if z > 0 && buf[z - 1] == 0 { z - 1 } else { z })
        .collect();
    codes
        .iter()
        .enumerate()
        .map(|(k, &(_, payload))| {
            let start = if k == 0 { 0 } else { starts[k] };
            let end = starts.get(k + 1).copied().unwrap_or(buf.len()).max(payload);
            Unit {
                start,
                payload,
                end,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_tile_the_buffer_with_three_and_four_byte_start_codes() {
        let buf = [
            9, 0, 0, 0, 1, 0x67, 1, 2, 0, 0, 1, 0x68, 3, 0, 0, 0, 1, 0x65, 4,
        ];
        let u = units(&buf);
        assert_eq!(
            u,
            [
                Unit {
                    start: 0,
                    payload: 5,
                    end: 8
                },
                Unit {
                    start: 8,
                    payload: 11,
                    end: 13
                },
                Unit {
                    start: 13,
                    payload: 17,
                    end: 19
                },
            ]
        );
        let types: Vec<u8> = u
            .iter()
            .map(|x| Syntax::H264.nal_type(&buf[x.payload..x.end]))
            .collect();
        assert_eq!(types, [7, 8, 5]);
        assert_eq!(units(&[]), []);
        assert_eq!(
            units(&[0x65, 1]),
            [Unit {
                start: 0,
                payload: 0,
                end: 2
            }]
        );
        // H.265 headers: VPS 32 (0x40), IDR_W_RADL 19 (0x26).
        assert_eq!(Syntax::H265.nal_type(&[0x40, 1]), 32);
        assert!(Syntax::H265.is_key(Syntax::H265.nal_type(&[0x26, 1])));
        assert!(Syntax::H265.is_parameter_set(33) && !Syntax::H264.is_parameter_set(33));
    }
}
