/*
 * k230_mpp.h - the subset of the K230 MPP C API that k230-venc uses.
 *
 * Written for this project from the facts sheet (struct layouts, enum values and
 * error codes of the K230 MPP); it is not a copy of the SDK headers. build.rs feeds
 * it to bindgen for the Rust core, and the host simulator (sim/) implements every
 * function declared here. Layouts are LP64 (riscv64 / x86_64): k_u64 is
 * `unsigned long` exactly as in the SDK, so this header only targets LP64.
 *
 * ABI generations: the 2024 MPP (default) has stream-buffer fields in k_venc_attr
 * (24 bytes). Define K230_MPP_ABI_2025 for the 2025 MPP: 16-byte k_venc_attr and
 * a private VB pool attached with kd_mpi_venc_attach_vb_pool.
 *
 * SPDX-License-Identifier: MIT OR Apache-2.0
 */
#ifndef K230_MPP_H
#define K230_MPP_H

/* ---- base types ---------------------------------------------------------- */
typedef unsigned char k_u8;
typedef unsigned short k_u16;
typedef unsigned int k_u32;
typedef unsigned long k_u64;
typedef signed char k_s8;
typedef short k_s16;
typedef int k_s32;
typedef long k_s64;
typedef char k_char;
typedef k_u32 k_handle;

typedef enum {
    K_FALSE = 0,
    K_TRUE = 1,
} k_bool;

#define K_SUCCESS 0
#define K_FAILED (-1)

/* ---- module ids ---------------------------------------------------------- */
typedef enum {
    K_ID_CMPI = 0,
    K_ID_LOG = 1,
    K_ID_MMZ = 2,
    K_ID_MMZ_USER_DEV = 3,
    K_ID_VB = 4,
    K_ID_SYS = 5,
    K_ID_VI = 6,
    K_ID_VENC = 9,
    K_ID_VDEC = 10,
    K_ID_VO = 11,
    K_ID_AI = 12,
    K_ID_AREC = 13,
    K_ID_AENC = 14,
    K_ID_ADEC = 15,
    K_ID_AO = 16,
    K_ID_DPU = 17,
    K_ID_V_VI = 18,
    K_ID_V_VO = 19,
    K_ID_DMA = 20,
    K_ID_VICAP = 21,
    K_ID_DW200 = 22,
    K_ID_PM = 23,
    K_ID_NONAI_2D = 24,
    K_ID_BUTT = 25,
} k_mod_id;

/* Error codes (K_DEF_ERR, K_ERR_*): the project keeps their one set in the core
 * (src/mpp/err.rs); this header declares only what crosses the ABI. */

/* ---- payload / profile / pixel format ------------------------------------ */
typedef enum {
    K_PT_JPEG = 26,
    K_PT_H264 = 96,
    K_PT_H265 = 265,
    K_PT_MJPEG = 1002,
} k_payload_type;

typedef enum {
    VENC_PROFILE_NONE = 0,
    VENC_PROFILE_H264_BASELINE = 1,
    VENC_PROFILE_H264_MAIN = 2,
    VENC_PROFILE_H264_HIGH = 3,
    VENC_PROFILE_H264_HIGH_10 = 4,
    VENC_PROFILE_H265_MAIN = 5,
    VENC_PROFILE_H265_MAIN_10 = 6,
    VENC_PROFILE_BUTT = 7,
} k_venc_profile;

/* The CanMV MPP value: YUV_SEMIPLANAR_420 (NV12) is 31 there (30 in the older k230_sdk). */
typedef enum {
    PIXEL_FORMAT_ARGB_8888 = 11,
    PIXEL_FORMAT_BGRA_8888 = 17,
    PIXEL_FORMAT_YUV_SEMIPLANAR_420 = 31,
} k_pixel_format;

/* ---- VENC ---------------------------------------------------------------- */
#define VENC_MAX_DEV_NUMS 1
#define VENC_MAX_CHN_NUMS 4

typedef enum {
    K_VENC_RC_MODE_CBR = 1,
    K_VENC_RC_MODE_VBR = 2,
    K_VENC_RC_MODE_FIXQP = 3,
    K_VENC_RC_MODE_MJPEG_FIXQP = 4,
    K_VENC_RC_MODE_BUTT = 5,
} k_venc_rc_mode;

/* k_payload_comm.h: the rotation a VENC (or VDEC) channel applies to its pictures. The
 * headers do not say which way 90 turns; the SDK's comment on the setter says it "will not
 * be effective" (facts sheet: UNCERTAIN whether that is stale). */
typedef enum {
    K_VPU_ROTATION_0 = 0,
    K_VPU_ROTATION_90 = 1,
    K_VPU_ROTATION_180 = 2,
    K_VPU_ROTATION_270 = 3,
} k_rotation;

/* No value for "no mirror": a channel is not mirrored until kd_mpi_venc_set_mirror. */
typedef enum {
    K_VENC_MIRROR_HORI = 1,
    K_VENC_MIRROR_VERT = 2,
} k_venc_mirror;

typedef enum {
    K_VENC_P_FRAME = 1,
    K_VENC_I_FRAME = 2,
    K_VENC_HEADER = 3,
    K_VENC_BUTT = 4,
} k_venc_pack_type;

typedef struct {
    k_payload_type type;
#ifndef K230_MPP_ABI_2025
    k_u32 stream_buf_size; /* bytes of one output (stream) buffer */
    k_u32 stream_buf_cnt;  /* number of output buffers */
#endif
    k_u32 pic_width;
    k_u32 pic_height;
    k_venc_profile profile;
} k_venc_attr;

typedef struct {
    k_u32 gop;
    k_u32 stats_time;
    k_u32 src_frame_rate;
    k_u32 dst_frame_rate;
    k_u32 bit_rate; /* kbit/s */
} k_venc_cbr;

typedef struct {
    k_u32 gop;
    k_u32 stats_time;
    k_u32 src_frame_rate;
    k_u32 dst_frame_rate;
    k_u32 max_bit_rate;
    k_u32 bit_rate;
} k_venc_vbr;

typedef struct {
    k_u32 gop;
    k_u32 src_frame_rate;
    k_u32 dst_frame_rate;
    k_u32 i_qp;
    k_u32 p_qp;
} k_venc_fixqp;

typedef struct {
    k_u32 src_frame_rate;
    k_u32 dst_frame_rate;
    k_u32 q_factor; /* 1..99 */
} k_venc_mjpeg_fixqp;

typedef struct {
    k_venc_rc_mode rc_mode;
    union {
        k_venc_cbr cbr;
        k_venc_vbr vbr;
        k_venc_fixqp fixqp;
        k_venc_mjpeg_fixqp mjpeg_fixqp;
    };
} k_venc_rc_attr;

typedef struct {
    k_venc_attr venc_attr;
    k_venc_rc_attr rc_attr;
} k_venc_chn_attr;

typedef struct {
    k_u64 phys_addr;
    k_u32 len;
    k_u64 pts; /* microseconds */
    k_venc_pack_type type;
} k_venc_pack;

typedef struct {
    k_venc_pack *pack; /* caller-owned array of pack_cnt entries */
    k_u32 pack_cnt;
} k_venc_stream;

typedef struct {
    /* field names as the SDK spells them */
    k_u32 u32PicBytesNum;
    k_u32 u32PicCnt;
    k_u32 u32StartQp;
    k_u32 u32MeanQp;
} k_venc_stream_info;

typedef struct {
    k_u32 cur_packs; /* packs of the next frame to be fetched */
    k_u64 release_pic_pts;
    k_bool end_of_stream;
    k_venc_stream_info stream_info;
} k_venc_chn_status;

/* ---- video frame --------------------------------------------------------- */
typedef struct {
    k_u64 jpeg_dcf_phy_addr;
    k_u64 isp_info_phy_addr;
    void *jpeg_dcf_kvirt_addr;
    void *isp_info_kvirt_addr;
} k_video_supplement;

typedef struct {
    k_u32 width;
    k_u32 height;
    k_u32 field;         /* k_video_field */
    k_u32 pixel_format;  /* k_pixel_format */
    k_u32 video_format;  /* k_video_format */
    k_u32 dynamic_range; /* k_dynamic_range */
    k_u32 compress_mode; /* k_compress_mode */
    k_u32 color_gamut;   /* k_color_gamut */
    k_u32 header_stride[3];
    k_u32 stride[3];
    k_u64 header_phys_addr[3];
    k_u64 header_virt_addr[3];
    k_u64 phys_addr[3];
    k_u64 virt_addr[3];
    k_s16 offset_top;
    k_s16 offset_bottom;
    k_s16 offset_left;
    k_s16 offset_right;
    k_u32 time_ref;
    k_u64 pts;
    k_u64 priv_data;
    k_video_supplement supplement;
} k_video_frame;

typedef struct {
    k_video_frame v_frame;
    k_u32 pool_id;
    k_mod_id mod_id;
} k_video_frame_info;

/* ---- system / VB ---------------------------------------------------------- */
typedef struct {
    k_mod_id mod_id;
    k_s32 dev_id;
    k_s32 chn_id;
} k_mpp_chn;

#define VB_INVALID_POOLID (-1U)
#define VB_INVALID_HANDLE (-1U)
#define VB_MAX_COMM_POOLS 16
#define VB_MAX_POOLS 256
#define MAX_MMZ_NAME_LEN 16

typedef enum {
    VB_REMAP_MODE_NONE = 0,
    VB_REMAP_MODE_NOCACHE = 1,
    VB_REMAP_MODE_CACHED = 2,
} k_vb_remap_mode;

typedef struct {
    k_u64 blk_size;
    k_u32 blk_cnt;
    k_vb_remap_mode mode;
    char mmz_name[MAX_MMZ_NAME_LEN];
} k_vb_pool_config;

typedef struct {
    k_u32 max_pool_cnt;
    k_vb_pool_config comm_pool[VB_MAX_COMM_POOLS];
} k_vb_config;

typedef k_u32 k_vb_blk_handle;

/* ---- functions ------------------------------------------------------------ */
k_s32 kd_mpi_venc_create_chn(k_u32 chn_num, const k_venc_chn_attr *attr);
k_s32 kd_mpi_venc_destroy_chn(k_u32 chn_num);
k_s32 kd_mpi_venc_start_chn(k_u32 chn_num);
k_s32 kd_mpi_venc_stop_chn(k_u32 chn_num);
k_s32 kd_mpi_venc_query_status(k_u32 chn_num, k_venc_chn_status *status);
k_s32 kd_mpi_venc_get_stream(k_u32 chn_num, k_venc_stream *stream, k_s32 milli_sec);
k_s32 kd_mpi_venc_release_stream(k_u32 chn_num, k_venc_stream *stream);
k_s32 kd_mpi_venc_send_frame(k_u32 chn_num, k_video_frame_info *frame, k_s32 milli_sec);
k_s32 kd_mpi_venc_enable_idr(k_u32 chn_num, const k_bool idr_enable);
k_s32 kd_mpi_venc_request_idr(k_u32 chn_num);
/* After create, before start (as the other channel settings). */
k_s32 kd_mpi_venc_set_rotation(k_u32 chn_num, const k_rotation rotation);
k_s32 kd_mpi_venc_set_mirror(k_u32 chn_num, const k_venc_mirror mirror);
#ifdef K230_MPP_ABI_2025
k_s32 kd_mpi_venc_attach_vb_pool(k_u32 chn_num, k_u32 pool_id, k_u32 buff_num);
/* Some 2025 SDKs export this instead and declare kd_mpi_venc_attach_vb_pool(chn, pool) as a
 * static inline wrapper over it; a build against such an SDK calls this one (build.rs). */
k_s32 kd_mpi_venc_attach_vb_pool_ex(k_u32 chn_num, k_u32 pool_id, k_s32 buff_num);
k_s32 kd_mpi_venc_detach_vb_pool(k_u32 chn_num);
/* A channel for the implicit-channel Encoder, and giving it back. */
k_s32 kd_mpi_venc_request_chn(k_u32 *chn_num);
k_s32 kd_mpi_venc_release_chn(k_u32 chn_num);
#endif

k_s32 kd_mpi_sys_bind(k_mpp_chn *src_chn, k_mpp_chn *dest_chn);
k_s32 kd_mpi_sys_unbind(k_mpp_chn *src_chn, k_mpp_chn *dest_chn);
/* The source bound to dest_chn, in *src_chn (what a destination that has none returns is not
 * documented). */
k_s32 kd_mpi_sys_get_bind_by_dest(k_mpp_chn *dest_chn, k_mpp_chn *src_chn);
void *kd_mpi_sys_mmap(k_u64 phys_addr, k_u32 size);
k_s32 kd_mpi_sys_munmap(void *virt_addr, k_u32 size);

k_s32 kd_mpi_vb_set_config(const k_vb_config *config);
k_s32 kd_mpi_vb_init(void);
k_s32 kd_mpi_vb_exit(void);
k_s32 kd_mpi_vb_create_pool(k_vb_pool_config *config);
k_s32 kd_mpi_vb_destory_pool(k_u32 pool_id);

#endif /* K230_MPP_H */
