// Atelier's fused CUDA kernels: plain CUDA (no torch headers), raw pointers, launched on the caller's stream.
// The JNI glue (atelier_jni.cpp) checks shapes/dtypes/strides and calls these. Every kernel follows a diffusers
// formula, computing in float32 and rounding to the storage dtype where the reference rounds.
#pragma once
#include <cuda_runtime.h>
#include <stdint.h>

namespace atelier {

// Storage dtypes the kernels take.
enum DType : int { F32 = 0, BF16 = 1, F16 = 2 };

// qk RMS norm + RoPE (diffusers RMSNorm then apply_rotary_emb_qwen, complex form on pairs (2i, 2i+1)):
//   h = round(round(x * rsqrt(mean(x^2) + eps)) * w); out = round(complex(h) * (cos + i sin))
// x: [B, S, H, D] with element strides (xsb, xss) for b and s (heads contiguous inside a token, D contiguous).
// w: [D] of dtype wt. cos/sin: float32 [S, D/2] contiguous. out: [B, *, H, D] with strides (osb, oss), already
// offset to its first token. One warp per token for bf16 heads of 128 (Qwen-Image) with everything 16-byte aligned;
// else a warp per head, which needs a float32 weight: with another wt it returns cudaErrorNotSupported before
// launching anything, and the caller converts the weight.
cudaError_t qk_norm_rope(DType t, const void* x, int64_t xsb, int64_t xss, const void* w, DType wt,
                         const float* cos, const float* sin, void* out, int64_t osb, int64_t oss, int64_t B,
                         int64_t S, int64_t H, int64_t D, float eps, cudaStream_t stream);

// LayerNorm (no affine) then modulation, diffusers order of roundings:
//   n = round(layer_norm(x)); out = round(round(n * round(1 + scale)) + shift)
// x, out: [B, S, D] contiguous (bf16 rows up to 3072 values are held in registers, one warp per row). Token
// s < split takes (shift0, scale0)[b], else (shift1, scale1)[b]; each
// parameter row b starts at b * psb elements and is D contiguous values in the storage dtype.
cudaError_t norm_modulate(DType t, const void* x, void* out, const void* shift0, const void* scale0,
                          const void* shift1, const void* scale1, int64_t psb, int64_t B, int64_t S, int64_t D,
                          int64_t split, float eps, cudaStream_t stream);

// gated_add then norm_modulate in one pass over the row (one read of x and y instead of x, y and the residual):
//   xout = round(x + round(gate * y)); out = norm_modulate(xout). Gates at b * gsb, shift/scale at b * psb, each
//   chosen per token by split as above. Other dtypes, unaligned or wider rows (bf16 D > 3072): the two kernels.
cudaError_t gated_add_norm_modulate(DType t, const void* x, const void* gate0, const void* gate1, int64_t gsb,
                                    const void* y, void* xout, void* out, const void* shift0, const void* scale0,
                                    const void* shift1, const void* scale1, int64_t psb, int64_t B, int64_t S,
                                    int64_t D, int64_t split, float eps, cudaStream_t stream);

// ATELIER_KERNELS_LEGACY=1 in the environment (read once): norm_modulate, qk_norm_rope and gated_add_norm_modulate
// take the kernels of ABI 3 (a block per row, a warp per head, two kernels), for same-call comparisons.
bool legacy_kernels();

// Gated residual: out = round(x + round(gate * y)), gate chosen per token as above. x, y, out: [B, S, D]
// contiguous; gate rows at b * gsb.
cudaError_t gated_add(DType t, const void* x, const void* gate0, const void* gate1, int64_t gsb, const void* y,
                      void* out, int64_t B, int64_t S, int64_t D, int64_t split, cudaStream_t stream);

// Row-wise fp8 (e4m3fn) quantisation for the fp8 matmul: s = max(amax(|x_row|) / 448, 1e-12),
// q = e4m3(x / s) (round to nearest even, saturating). x: [M, K] contiguous; q: [M, K] bytes; scale: float32 [M].
cudaError_t quantize_fp8_rows(DType t, const void* x, uint8_t* q, float* scale, int64_t M, int64_t K,
                              cudaStream_t stream);

// Tensor-wise fp8 (e4m3fn) quantisation, the scaling cuBLASLt's fp8 GEMM takes: s = max(amax(|x|) / 448, 1e-12) over
// all n elements, q = e4m3(x / s). amax_bits: 4 bytes of device scratch (zeroed here); scale: one float32 on the device.
cudaError_t quantize_fp8_tensor(DType t, const void* x, uint8_t* q, unsigned* amax_bits, float* scale, int64_t n,
                                cudaStream_t stream);

// Linear with an 8-bit float weight for a few rows (the modulation layers: M = 2 or 4), memory-bound on the weight:
//   w = round(fp8(w8) * scale) (the dequantised weight in the activation dtype, as the dequant path makes it),
//   out = round(x w^T + bias), float32 accumulation. x: [M, K] contiguous, M <= 16, K % 16 == 0; w8: [N, K] bytes
//   (e4m3fn, or e5m2 when e5m2 != 0); bias: [N] or null; out: [M, N].
cudaError_t fp8_gemv(DType t, const void* x, const uint8_t* w8, float scale, int e5m2, const void* bias, void* out,
                     int64_t M, int64_t N, int64_t K, cudaStream_t stream);

}  // namespace atelier
