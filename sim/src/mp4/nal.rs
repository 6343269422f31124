//! H.264 / H.265 bitstream work of the MP4 muxer and demuxer, independent of libav: Annex-B
//! splitting, NAL unit types, key-frame detection, the conversion to and from the ISO-BMFF
//! length-prefixed form, and the decoder configuration records `avcC` (ISO/IEC 14496-15
//! 5.3.3) and `hvcC` (8.3.3) built from the parameter sets of the first key frame.
//!
//! Key frames: H.264 IDR (NAL type 5); H.265 IRAP pictures (BLA / IDR / CRA, types 16..=21),
//! which are the ISO-BMFF sync samples of an H.265 track.

/// The video codecs of the K230 MP4 API.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VideoCodec {
    /// H.264 / AVC.
    H264,
    /// H.265 / HEVC.
    H265,
}

/// Bytes of the NAL unit length in the samples this muxer writes (`lengthSizeMinusOne` 3).
pub const LENGTH_SIZE: usize = 4;

impl VideoCodec {
    /// Its NAL syntax ([`crate::nal`], the simulator's one Annex-B reader).
    pub fn syntax(self) -> crate::nal::Syntax {
        match self {
            VideoCodec::H264 => crate::nal::Syntax::H264,
            VideoCodec::H265 => crate::nal::Syntax::H265,
        }
    }

    /// The NAL unit type of `nal` (which is at least one byte long).
    pub fn nal_type(self, nal: &[u8]) -> u8 {
        self.syntax().nal_type(nal)
    }

    /// Whether NAL type `t` is a picture (VCL) NAL unit.
    pub fn is_vcl(self, t: u8) -> bool {
        self.syntax().is_vcl(t)
    }

    /// Whether NAL type `t` starts a key frame (an ISO-BMFF sync sample).
    pub fn is_key(self, t: u8) -> bool {
        self.syntax().is_key(t)
    }

    /// Name of the key-frame NAL units, for messages.
    pub fn key_name(self) -> &'static str {
        match self {
            VideoCodec::H264 => "an IDR slice (NAL type 5)",
            VideoCodec::H265 => "an IRAP slice (NAL types 16..21, e.g. IDR 19)",
        }
    }

    /// Name of the parameter sets the first write must carry, for messages.
    pub fn param_set_names(self) -> &'static str {
        match self {
            VideoCodec::H264 => "SPS (7) and PPS (8)",
            VideoCodec::H265 => "VPS (32), SPS (33) and PPS (34)",
        }
    }

    /// Codec name, for messages.
    pub fn name(self) -> &'static str {
        match self {
            VideoCodec::H264 => "H.264",
            VideoCodec::H265 => "H.265",
        }
    }
}

/// Parameter-set NAL unit types.
const H264_SPS: u8 = 7;
const H264_PPS: u8 = 8;
const H265_VPS: u8 = 32;
const H265_SPS: u8 = 33;
const H265_PPS: u8 = 34;

/// Why an Annex-B buffer cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnnexBError {
    /// No start code at all.
    NoStartCode,
    /// Bytes other than zeros before the first start code.
    LeadingGarbage(usize),
}

impl std::fmt::Display for AnnexBError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AnnexBError::NoStartCode => {
                write!(f, "the data is not Annex-B: no start code (00 00 01)")
            }
            AnnexBError::LeadingGarbage(n) => {
                write!(
                    f,
                    "the data is not Annex-B: {n} bytes before the first start code"
                )
            }
        }
    }
}

/// Splits an Annex-B buffer into its NAL units (without start codes; trailing zero bytes,
/// which belong to the next start code, removed; empty units skipped). Leading zero bytes
/// are allowed.
pub fn split_annexb(buf: &[u8]) -> Result<Vec<&[u8]>, AnnexBError> {
    let starts = crate::nal::start_codes(buf);
    let Some(&(first, _)) = starts.first() else {
        return Err(AnnexBError::NoStartCode);
    };
    if buf[..first].iter().any(|&b| b != 0) {
        return Err(AnnexBError::LeadingGarbage(first));
    }
    let mut nals = Vec::with_capacity(starts.len());
    for (i, &(_, body)) in starts.iter().enumerate() {
        let end = starts.get(i + 1).map_or(buf.len(), |&(next, _)| next);
        let mut nal = &buf[body..end];
        while let [rest @ .., 0] = nal {
            nal = rest;
        }
        if !nal.is_empty() {
            nals.push(nal);
        }
    }
    Ok(nals)
}

/// What one write of a video track holds.
#[derive(Debug)]
pub struct AccessUnit<'a> {
    /// Its NAL units, in order.
    pub nals: Vec<&'a [u8]>,
    /// It holds a key-frame slice.
    pub key: bool,
    /// It holds a picture (a slice of any type).
    pub picture: bool,
}

/// Parses one Annex-B write of a `codec` track.
pub fn access_unit(codec: VideoCodec, buf: &[u8]) -> Result<AccessUnit<'_>, AnnexBError> {
    let nals = split_annexb(buf)?;
    let types = nals.iter().map(|n| codec.nal_type(n));
    let (mut key, mut picture) = (false, false);
    for t in types {
        key |= codec.is_key(t);
        picture |= codec.is_vcl(t);
    }
    Ok(AccessUnit { nals, key, picture })
}

/// Size of the length-prefixed form of `nals`.
pub fn length_prefixed_size(nals: &[&[u8]]) -> usize {
    nals.iter().map(|n| LENGTH_SIZE + n.len()).sum()
}

/// Writes `nals` in the length-prefixed form (4-byte big-endian sizes) into `out`, which
/// must be [`length_prefixed_size`] bytes long.
pub fn write_length_prefixed(nals: &[&[u8]], out: &mut [u8]) {
    let mut at = 0;
    for n in nals {
        out[at..at + LENGTH_SIZE].copy_from_slice(&(n.len() as u32).to_be_bytes());
        at += LENGTH_SIZE;
        out[at..at + n.len()].copy_from_slice(n);
        at += n.len();
    }
}

/// Appends the Annex-B form (4-byte start codes) of the length-prefixed `sample` (lengths of
/// `length_size` bytes) to `out`. Fails on a length that runs past the end.
pub fn length_prefixed_to_annexb(
    sample: &[u8],
    length_size: usize,
    out: &mut Vec<u8>,
) -> Result<(), String> {
    let mut at = 0;
    while at < sample.len() {
        if at + length_size > sample.len() {
            return Err(format!(
                "a NAL unit length at byte {at} runs past the sample"
            ));
        }
        let len = sample[at..at + length_size]
            .iter()
            .fold(0usize, |a, &b| a << 8 | usize::from(b));
        at += length_size;
        if at + len > sample.len() {
            return Err(format!(
                "a NAL unit of {len} bytes at byte {at} runs past the sample"
            ));
        }
        out.extend_from_slice(&[0, 0, 0, 1]);
        out.extend_from_slice(&sample[at..at + len]);
        at += len;
    }
    Ok(())
}

/// The parameter sets of a write, in order of appearance, per kind (distinct ones only).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ParamSets {
    /// H.265 VPS NAL units.
    pub vps: Vec<Vec<u8>>,
    /// SPS NAL units.
    pub sps: Vec<Vec<u8>>,
    /// PPS NAL units.
    pub pps: Vec<Vec<u8>>,
}

impl ParamSets {
    /// Collects the parameter sets among `nals`.
    pub fn collect(codec: VideoCodec, nals: &[&[u8]]) -> ParamSets {
        let mut ps = ParamSets::default();
        for n in nals {
            let list = match (codec, codec.nal_type(n)) {
                (VideoCodec::H264, H264_SPS) | (VideoCodec::H265, H265_SPS) => &mut ps.sps,
                (VideoCodec::H264, H264_PPS) | (VideoCodec::H265, H265_PPS) => &mut ps.pps,
                (VideoCodec::H265, H265_VPS) => &mut ps.vps,
                _ => continue,
            };
            if !list.iter().any(|p| p == n) {
                list.push(n.to_vec());
            }
        }
        ps
    }

    /// Whether every kind `codec` needs is there.
    pub fn complete(&self, codec: VideoCodec) -> bool {
        !self.sps.is_empty()
            && !self.pps.is_empty()
            && (codec == VideoCodec::H264 || !self.vps.is_empty())
    }

    /// The decoder configuration record (`avcC` / `hvcC`) of these parameter sets.
    pub fn config_record(&self, codec: VideoCodec) -> Result<Vec<u8>, String> {
        match codec {
            VideoCodec::H264 => avcc(self),
            VideoCodec::H265 => hvcc(self),
        }
    }
}

/// The RBSP of a NAL unit payload: emulation-prevention bytes (the 03 of 00 00 03) removed.
pub fn rbsp(payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload.len());
    let mut zeros = 0;
    for &b in payload {
        if zeros >= 2 && b == 3 {
            zeros = 0;
            continue;
        }
        zeros = if b == 0 { zeros + 1 } else { 0 };
        out.push(b);
    }
    out
}

/// An MSB-first bit reader over an RBSP.
struct Bits<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Bits<'a> {
    fn new(data: &'a [u8]) -> Self {
        Bits { data, pos: 0 }
    }

    fn bit(&mut self) -> Result<u32, String> {
        let byte = self
            .data
            .get(self.pos / 8)
            .ok_or_else(|| "the parameter set ends too early".to_string())?;
        let b = (byte >> (7 - self.pos % 8)) & 1;
        self.pos += 1;
        Ok(u32::from(b))
    }

    fn bits(&mut self, n: u32) -> Result<u64, String> {
        let mut v = 0u64;
        for _ in 0..n {
            v = v << 1 | u64::from(self.bit()?);
        }
        Ok(v)
    }

    fn skip(&mut self, n: usize) -> Result<(), String> {
        if self.pos + n > self.data.len() * 8 {
            return Err("the parameter set ends too early".into());
        }
        self.pos += n;
        Ok(())
    }

    /// Exp-Golomb ue(v).
    fn ue(&mut self) -> Result<u32, String> {
        let mut zeros = 0;
        while self.bit()? == 0 {
            zeros += 1;
            if zeros > 31 {
                return Err("an Exp-Golomb code is too long".into());
            }
        }
        Ok(((1u64 << zeros) - 1 + self.bits(zeros)?) as u32)
    }
}

/// The H.264 SPS fields `avcC` carries for the High profiles: chroma_format_idc,
/// bit_depth_luma_minus8, bit_depth_chroma_minus8.
fn h264_sps_format(sps: &[u8]) -> Result<(u32, u32, u32), String> {
    let r = rbsp(&sps[1..]);
    let mut b = Bits::new(&r);
    b.skip(24)?; // profile_idc, constraint flags, level_idc
    b.ue()?; // seq_parameter_set_id
    let chroma = b.ue()?;
    if chroma == 3 {
        b.skip(1)?; // separate_colour_plane_flag
    }
    let luma = b.ue()?;
    let chroma_depth = b.ue()?;
    if chroma > 3 || luma > 6 || chroma_depth > 6 {
        return Err(format!(
            "the SPS says chroma_format_idc {chroma}, bit depths {} / {}",
            luma + 8,
            chroma_depth + 8
        ));
    }
    Ok((chroma, luma, chroma_depth))
}

fn push_u16_len(out: &mut Vec<u8>, nal: &[u8]) -> Result<(), String> {
    let len =
        u16::try_from(nal.len()).map_err(|_| format!("a parameter set of {} bytes", nal.len()))?;
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(nal);
    Ok(())
}

/// `AVCDecoderConfigurationRecord` (ISO/IEC 14496-15 5.3.3.1) of H.264 parameter sets.
pub fn avcc(ps: &ParamSets) -> Result<Vec<u8>, String> {
    let sps = ps.sps.first().ok_or("no SPS")?;
    if sps.len() < 4 {
        return Err(format!("the SPS is {} bytes long", sps.len()));
    }
    if ps.pps.is_empty() || ps.sps.len() > 31 {
        return Err("an avcC holds 1..31 SPS and at least one PPS".into());
    }
    let profile = sps[1];
    let mut out = vec![1, profile, sps[2], sps[3], 0xFC | (LENGTH_SIZE as u8 - 1)];
    out.push(0xE0 | ps.sps.len() as u8);
    for s in &ps.sps {
        push_u16_len(&mut out, s)?;
    }
    out.push(u8::try_from(ps.pps.len()).map_err(|_| "too many PPS")?);
    for p in &ps.pps {
        push_u16_len(&mut out, p)?;
    }
    if matches!(profile, 100 | 110 | 122 | 144) {
        let (chroma, luma, chroma_depth) = h264_sps_format(sps)?;
        out.extend_from_slice(&[
            0xFC | chroma as u8,
            0xF8 | luma as u8,
            0xF8 | chroma_depth as u8,
            0, // numOfSequenceParameterSetExt
        ]);
    }
    Ok(out)
}

/// The fields of an H.265 SPS that `hvcC` repeats.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HevcSpsInfo {
    /// general_profile_space (2 bits), general_tier_flag, general_profile_idc (5 bits), as
    /// the one byte they form.
    pub profile_byte: u8,
    /// general_profile_compatibility_flags.
    pub compatibility: u32,
    /// general_constraint_indicator_flags (48 bits).
    pub constraints: u64,
    /// general_level_idc.
    pub level: u8,
    /// sps_max_sub_layers_minus1 + 1.
    pub temporal_layers: u8,
    /// sps_temporal_id_nesting_flag.
    pub temporal_id_nested: bool,
    /// chroma_format_idc.
    pub chroma_format: u32,
    /// bit_depth_luma_minus8, bit_depth_chroma_minus8.
    pub bit_depth_minus8: (u32, u32),
    /// pic_width_in_luma_samples, pic_height_in_luma_samples.
    pub size: (u32, u32),
}

/// Reads what `hvcC` needs from an H.265 SPS NAL unit (with its two-byte header).
pub fn hevc_sps_info(sps: &[u8]) -> Result<HevcSpsInfo, String> {
    if sps.len() < 3 {
        return Err(format!("the SPS is {} bytes long", sps.len()));
    }
    let r = rbsp(&sps[2..]);
    let mut b = Bits::new(&r);
    b.skip(4)?; // sps_video_parameter_set_id
    let max_sub_layers_minus1 = b.bits(3)? as u32;
    let temporal_id_nested = b.bit()? == 1;
    // profile_tier_level(1, max_sub_layers_minus1)
    let profile_byte = b.bits(8)? as u8;
    let compatibility = b.bits(32)? as u32;
    let constraints = b.bits(48)?;
    let level = b.bits(8)? as u8;
    let mut present = Vec::new();
    for _ in 0..max_sub_layers_minus1 {
        present.push((b.bit()? == 1, b.bit()? == 1));
    }
    if max_sub_layers_minus1 > 0 {
        b.skip(2 * (8 - max_sub_layers_minus1 as usize))?; // reserved_zero_2bits
    }
    for (profile, level) in present {
        if profile {
            b.skip(88)?;
        }
        if level {
            b.skip(8)?;
        }
    }
    b.ue()?; // sps_seq_parameter_set_id
    let chroma_format = b.ue()?;
    if chroma_format == 3 {
        b.skip(1)?;
    }
    let width = b.ue()?;
    let height = b.ue()?;
    if b.bit()? == 1 {
        for _ in 0..4 {
            b.ue()?; // conformance window offsets
        }
    }
    let luma = b.ue()?;
    let chroma = b.ue()?;
    if chroma_format > 3 || luma > 8 || chroma > 8 {
        return Err(format!(
            "the SPS says chroma_format_idc {chroma_format}, bit depths {} / {}",
            luma + 8,
            chroma + 8
        ));
    }
    Ok(HevcSpsInfo {
        profile_byte,
        compatibility,
        constraints,
        level,
        temporal_layers: max_sub_layers_minus1 as u8 + 1,
        temporal_id_nested,
        chroma_format,
        bit_depth_minus8: (luma, chroma),
        size: (width, height),
    })
}

/// `HEVCDecoderConfigurationRecord` (ISO/IEC 14496-15 8.3.3.1) of H.265 parameter sets, for
/// an `hev1` sample entry (parameter sets may also be in the samples: array_completeness 0).
/// min_spatial_segmentation_idc, parallelismType, avgFrameRate and constantFrameRate are 0
/// ("unknown"), which the standard allows.
pub fn hvcc(ps: &ParamSets) -> Result<Vec<u8>, String> {
    let sps = ps.sps.first().ok_or("no SPS")?;
    if ps.vps.is_empty() || ps.pps.is_empty() {
        return Err("an hvcC needs a VPS, an SPS and a PPS".into());
    }
    let info = hevc_sps_info(sps)?;
    let mut out = vec![1, info.profile_byte];
    out.extend_from_slice(&info.compatibility.to_be_bytes());
    out.extend_from_slice(&info.constraints.to_be_bytes()[2..]);
    out.push(info.level);
    out.extend_from_slice(&[0xF0, 0x00]); // min_spatial_segmentation_idc 0
    out.push(0xFC); // parallelismType 0
    out.push(0xFC | info.chroma_format as u8);
    out.push(0xF8 | info.bit_depth_minus8.0 as u8);
    out.push(0xF8 | info.bit_depth_minus8.1 as u8);
    out.extend_from_slice(&[0, 0]); // avgFrameRate
    out.push(
        (info.temporal_layers & 7) << 3
            | u8::from(info.temporal_id_nested) << 2
            | (LENGTH_SIZE as u8 - 1),
    );
    out.push(3); // numOfArrays
    for (t, list) in [
        (H265_VPS, &ps.vps),
        (H265_SPS, &ps.sps),
        (H265_PPS, &ps.pps),
    ] {
        out.push(t); // array_completeness 0, reserved 0
        let n = u16::try_from(list.len()).map_err(|_| "too many parameter sets")?;
        out.extend_from_slice(&n.to_be_bytes());
        for nal in list {
            push_u16_len(&mut out, nal)?;
        }
    }
    Ok(out)
}

/// Reads a decoder configuration record (`avcC`, `hvcC`), or Annex-B parameter sets as some
/// writers store them: the NAL unit length size of the samples and the parameter sets.
pub fn parse_config_record(codec: VideoCodec, rec: &[u8]) -> Result<(usize, Vec<Vec<u8>>), String> {
    if rec.first() != Some(&1) {
        // Annex-B extradata: 4-byte lengths are what libavformat then writes.
        let nals = split_annexb(rec).map_err(|e| e.to_string())?;
        return Ok((LENGTH_SIZE, nals.into_iter().map(<[u8]>::to_vec).collect()));
    }
    let short = || "the decoder configuration record is truncated".to_string();
    let mut sets = Vec::new();
    let mut take = |at: &mut usize| -> Result<(), String> {
        let len = usize::from(u16::from_be_bytes([
            *rec.get(*at).ok_or_else(short)?,
            *rec.get(*at + 1).ok_or_else(short)?,
        ]));
        let nal = rec.get(*at + 2..*at + 2 + len).ok_or_else(short)?;
        sets.push(nal.to_vec());
        *at += 2 + len;
        Ok(())
    };
    match codec {
        VideoCodec::H264 => {
            let length_size = usize::from(*rec.get(4).ok_or_else(short)? & 3) + 1;
            let mut at = 5;
            let n_sps = rec.get(at).ok_or_else(short)? & 0x1F;
            at += 1;
            for _ in 0..n_sps {
                take(&mut at)?;
            }
            let n_pps = *rec.get(at).ok_or_else(short)?;
            at += 1;
            for _ in 0..n_pps {
                take(&mut at)?;
            }
            Ok((length_size, sets))
        }
        VideoCodec::H265 => {
            let length_size = usize::from(*rec.get(21).ok_or_else(short)? & 3) + 1;
            let arrays = *rec.get(22).ok_or_else(short)?;
            let mut at = 23;
            for _ in 0..arrays {
                let n = u16::from_be_bytes([
                    *rec.get(at + 1).ok_or_else(short)?,
                    *rec.get(at + 2).ok_or_else(short)?,
                ]);
                at += 3;
                for _ in 0..n {
                    take(&mut at)?;
                }
            }
            Ok((length_size, sets))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Parameter sets of real streams (320x240): x264 Main and High, x265 Main.
    const H264_SPS_MAIN: &[u8] = &[
        0x67, 0x4d, 0x40, 0x0d, 0xda, 0x05, 0x07, 0xec, 0x04, 0x40, 0x00, 0x00, 0x03, 0x00, 0x40,
        0x00, 0x00, 0x0f, 0x03, 0xc5, 0x0a, 0xa8,
    ];
    const H264_PPS: &[u8] = &[0x68, 0xee, 0x0f, 0xc8];
    const H264_SPS_HIGH: &[u8] = &[
        0x67, 0x64, 0x00, 0x0d, 0xac, 0xb4, 0x0a, 0x0f, 0xd8, 0x08, 0x80, 0x00, 0x00, 0x03, 0x00,
        0x80, 0x00, 0x00, 0x1e, 0x07, 0x8a, 0x15, 0x50,
    ];
    const H265_VPS: &[u8] = &[
        0x40, 0x01, 0x0c, 0x01, 0xff, 0xff, 0x01, 0x60, 0x00, 0x00, 0x03, 0x00, 0x90, 0x00, 0x00,
        0x03, 0x00, 0x00, 0x03, 0x00, 0x3c, 0x95, 0x94, 0x09,
    ];
    const H265_SPS: &[u8] = &[
        0x42, 0x01, 0x01, 0x01, 0x60, 0x00, 0x00, 0x03, 0x00, 0x90, 0x00, 0x00, 0x03, 0x00, 0x00,
        0x03, 0x00, 0x3c, 0xa0, 0x0a, 0x08, 0x0f, 0x16, 0x59, 0x59, 0x52, 0x93, 0x0b, 0xc0, 0x5a,
        0x02, 0x00, 0x00, 0x03, 0x00, 0x02, 0x00, 0x00, 0x03, 0x00, 0x3c, 0x10,
    ];
    const H265_PPS: &[u8] = &[0x44, 0x01, 0xc0, 0x73, 0xc1, 0x89];

    fn annexb(nals: &[&[u8]]) -> Vec<u8> {
        let mut v = Vec::new();
        for (i, n) in nals.iter().enumerate() {
            v.extend_from_slice(if i == 0 {
                &[0, 0, 0, 1][..]
            } else {
                &[0, 0, 1][..]
            });
            v.extend_from_slice(n);
        }
        v
    }

    #[test]
    fn split_and_classify_h264() {
        let idr: &[u8] = &[0x65, 0x88, 0x84, 0x00];
        let buf = annexb(&[H264_SPS_MAIN, H264_PPS, idr]);
        let au = access_unit(VideoCodec::H264, &buf).unwrap();
        assert_eq!(au.nals, vec![H264_SPS_MAIN, H264_PPS, &idr[..3]]); // trailing zero dropped
        assert!(au.key && au.picture);
        let p = annexb(&[&[0x41, 0x9a, 0x10]]);
        let au = access_unit(VideoCodec::H264, &p).unwrap();
        assert!(!au.key && au.picture);
        let hdr = annexb(&[H264_SPS_MAIN, H264_PPS]);
        let au = access_unit(VideoCodec::H264, &hdr).unwrap();
        assert!(!au.key && !au.picture);
        let ps = ParamSets::collect(VideoCodec::H264, &au.nals);
        assert!(ps.complete(VideoCodec::H264));
        assert!(!ps.complete(VideoCodec::H265));
    }

    #[test]
    fn annexb_errors() {
        assert_eq!(split_annexb(&[1, 2, 3]), Err(AnnexBError::NoStartCode));
        assert_eq!(
            split_annexb(&[5, 0, 0, 1, 0x65]),
            Err(AnnexBError::LeadingGarbage(1))
        );
        assert_eq!(
            split_annexb(&[0, 0, 0, 0, 1, 0x65]).unwrap(),
            vec![&[0x65][..]]
        );
        assert!(split_annexb(&[]).is_err());
    }

    #[test]
    fn h265_key_types() {
        let c = VideoCodec::H265;
        assert_eq!(c.nal_type(&[0x26, 0x01]), 19); // IDR_W_RADL
        assert!(c.is_key(19) && c.is_key(20) && c.is_key(21) && !c.is_key(1));
        assert!(c.is_vcl(1) && !c.is_vcl(32) && !c.is_vcl(39));
    }

    #[test]
    fn length_prefixed_round_trip() {
        let nals: Vec<&[u8]> = vec![H264_SPS_MAIN, H264_PPS, &[0x65, 1, 2]];
        let mut lp = vec![0u8; length_prefixed_size(&nals)];
        write_length_prefixed(&nals, &mut lp);
        assert_eq!(&lp[..4], &(H264_SPS_MAIN.len() as u32).to_be_bytes());
        let mut back = Vec::new();
        length_prefixed_to_annexb(&lp, 4, &mut back).unwrap();
        assert_eq!(split_annexb(&back).unwrap(), nals);
        assert!(length_prefixed_to_annexb(&lp[..lp.len() - 1], 4, &mut back).is_err());
    }

    #[test]
    fn avcc_main_and_high() {
        let ps = ParamSets::collect(VideoCodec::H264, &[H264_SPS_MAIN, H264_PPS]);
        let rec = avcc(&ps).unwrap();
        assert_eq!(&rec[..6], &[1, 0x4d, 0x40, 0x0d, 0xFF, 0xE1]);
        assert_eq!(
            rec.len(),
            6 + 2 + H264_SPS_MAIN.len() + 1 + 2 + H264_PPS.len()
        );
        let (len, sets) = parse_config_record(VideoCodec::H264, &rec).unwrap();
        assert_eq!(
            (len, sets),
            (4, vec![H264_SPS_MAIN.to_vec(), H264_PPS.to_vec()])
        );
        // High: chroma 4:2:0, 8 bits.
        let ps = ParamSets::collect(VideoCodec::H264, &[H264_SPS_HIGH, H264_PPS]);
        let rec = avcc(&ps).unwrap();
        assert_eq!(&rec[rec.len() - 4..], &[0xFD, 0xF8, 0xF8, 0]);
    }

    #[test]
    fn hvcc_from_x265() {
        let info = hevc_sps_info(H265_SPS).unwrap();
        assert_eq!(info.profile_byte, 0x01); // Main
        assert_eq!(info.level, 60); // level 2
        assert_eq!(info.size, (320, 240));
        assert_eq!((info.chroma_format, info.bit_depth_minus8), (1, (0, 0)));
        let ps = ParamSets::collect(VideoCodec::H265, &[H265_VPS, H265_SPS, H265_PPS]);
        let rec = hvcc(&ps).unwrap();
        assert_eq!(rec[0], 1);
        assert_eq!(rec[21] & 3, 3);
        assert_eq!(rec[22], 3);
        let (len, sets) = parse_config_record(VideoCodec::H265, &rec).unwrap();
        assert_eq!(len, 4);
        assert_eq!(
            sets,
            vec![H265_VPS.to_vec(), H265_SPS.to_vec(), H265_PPS.to_vec()]
        );
    }

    #[test]
    fn malformed_parameter_sets_fail_cleanly() {
        let ps = ParamSets {
            vps: vec![vec![0x40, 0x01]],
            sps: vec![vec![0x42, 0x01, 0x01]],
            pps: vec![vec![0x44, 0x01]],
        };
        assert!(hvcc(&ps).is_err());
        let ps = ParamSets {
            vps: vec![],
            sps: vec![vec![0x67, 0x64]],
            pps: vec![vec![0x68]],
        };
        assert!(avcc(&ps).is_err());
        assert!(parse_config_record(VideoCodec::H264, &[1, 2, 3]).is_err());
    }

    #[test]
    fn rbsp_removes_emulation_prevention() {
        assert_eq!(rbsp(&[0, 0, 3, 1, 0, 0, 3]), vec![0, 0, 1, 0, 0]);
    }
}
