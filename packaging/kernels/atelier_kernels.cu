// Atelier's fused CUDA kernels (see atelier_kernels.h for the formulas). Built by build-kernels.sh with nvcc.
#include "atelier_kernels.h"

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_fp8.h>

#include <algorithm>
#include <cstdlib>
#include <type_traits>

namespace atelier {
namespace {

template <typename T> struct Io;
template <> struct Io<float> {
  static __device__ __forceinline__ float ld(float v) { return v; }
  static __device__ __forceinline__ float st(float v) { return v; }
};
template <> struct Io<__nv_bfloat16> {
  static __device__ __forceinline__ float ld(__nv_bfloat16 v) { return __bfloat162float(v); }
  static __device__ __forceinline__ __nv_bfloat16 st(float v) { return __float2bfloat16_rn(v); }
};
template <> struct Io<__half> {
  static __device__ __forceinline__ float ld(__half v) { return __half2float(v); }
  static __device__ __forceinline__ __half st(float v) { return __float2half_rn(v); }
};

// Rounds a float32 value to the storage dtype's precision (what torch does between two bf16 ops).
template <typename T> __device__ __forceinline__ float rnd(float v) { return Io<T>::ld(Io<T>::st(v)); }

template <typename T, int V> struct alignas(sizeof(T) * V) Vec { T v[V]; };

template <typename T, int V> __device__ __forceinline__ Vec<T, V> load(const T* p, int64_t i) {
  return reinterpret_cast<const Vec<T, V>*>(p)[i];
}
template <typename T, int V> __device__ __forceinline__ void store(T* p, int64_t i, const Vec<T, V>& v) {
  reinterpret_cast<Vec<T, V>*>(p)[i] = v;
}

__device__ __forceinline__ float warp_sum(float v) {
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}
__device__ __forceinline__ float warp_max(float v) {
  for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
  return v;
}

// Sum (or max of non-negative values) over the block; blockDim.x a multiple of 32. Every thread gets the result.
template <bool MAX> __device__ float block_reduce(float v, float* sh) {
  v = MAX ? warp_max(v) : warp_sum(v);
  const int lane = threadIdx.x & 31, wid = threadIdx.x >> 5, nw = blockDim.x >> 5;
  __syncthreads();
  if (lane == 0) sh[wid] = v;
  __syncthreads();
  if (wid == 0) {
    float w = lane < nw ? sh[lane] : 0.f;
    w = MAX ? warp_max(w) : warp_sum(w);
    if (lane == 0) sh[0] = w;
  }
  __syncthreads();
  return sh[0];
}

// ---- qk RMS norm + RoPE: one warp per (b, s, head) ---------------------------------------------------------------
template <typename T>
__global__ void qk_norm_rope_k(const T* __restrict__ x, int64_t xsb, int64_t xss, const float* __restrict__ w,
                               const float* __restrict__ cs, const float* __restrict__ sn, T* __restrict__ out,
                               int64_t osb, int64_t oss, int64_t S, int64_t H, int D, float eps, int64_t rows) {
  const int64_t row = (int64_t)blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5);
  if (row >= rows) return;
  const int lane = threadIdx.x & 31;
  const int64_t h = row % H, t = row / H, s = t % S, b = t / S;
  const int P = D / 2;
  const Vec<T, 2>* xp = reinterpret_cast<const Vec<T, 2>*>(x + b * xsb + s * xss + h * D);
  Vec<T, 2>* op = reinterpret_cast<Vec<T, 2>*>(out + b * osb + s * oss + h * D);
  const float* cr = cs + s * P;
  const float* sr = sn + s * P;
  float ss = 0.f;
  for (int p = lane; p < P; p += 32) {
    const Vec<T, 2> v = xp[p];
    const float a = Io<T>::ld(v.v[0]), c = Io<T>::ld(v.v[1]);
    ss += a * a + c * c;
  }
  ss = warp_sum(ss);
  const float r = rsqrtf(ss / (float)D + eps);
  for (int p = lane; p < P; p += 32) {
    const Vec<T, 2> v = xp[p];
    const float a = rnd<T>(rnd<T>(Io<T>::ld(v.v[0]) * r) * w[2 * p]);
    const float c = rnd<T>(rnd<T>(Io<T>::ld(v.v[1]) * r) * w[2 * p + 1]);
    const float co = cr[p], si = sr[p];
    Vec<T, 2> o;
    o.v[0] = Io<T>::st(a * co - c * si);
    o.v[1] = Io<T>::st(a * si + c * co);
    op[p] = o;
  }
}

// The same for head_dim = 64·PPL (Qwen-Image: 128): each lane keeps its 2·PPL consecutive values (PPL RoPE pairs) in
// registers from one vector load, and reads its norm weights and cos/sin as vectors: one pass over x instead of two.
template <typename T, int PPL>
__global__ void qk_norm_rope_vec_k(const T* __restrict__ x, int64_t xsb, int64_t xss, const float* __restrict__ w,
                                   const float* __restrict__ cs, const float* __restrict__ sn, T* __restrict__ out,
                                   int64_t osb, int64_t oss, int64_t S, int64_t H, float eps, int64_t rows) {
  constexpr int E = 2 * PPL, D = 64 * PPL;
  const int64_t row = (int64_t)blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5);
  if (row >= rows) return;
  const int lane = threadIdx.x & 31;
  const int64_t h = row % H, t = row / H, s = t % S, b = t / S;
  const Vec<T, E> v = *reinterpret_cast<const Vec<T, E>*>(x + b * xsb + s * xss + h * D + lane * E);
  float f[E];
  float ss = 0.f;
#pragma unroll
  for (int j = 0; j < E; j++) {
    f[j] = Io<T>::ld(v.v[j]);
    ss += f[j] * f[j];
  }
  ss = warp_sum(ss);
  const float r = rsqrtf(ss / (float)D + eps);
  const Vec<float, E> wv = *reinterpret_cast<const Vec<float, E>*>(w + lane * E);
  const Vec<float, PPL> co = *reinterpret_cast<const Vec<float, PPL>*>(cs + s * (D / 2) + lane * PPL);
  const Vec<float, PPL> si = *reinterpret_cast<const Vec<float, PPL>*>(sn + s * (D / 2) + lane * PPL);
  Vec<T, E> o;
#pragma unroll
  for (int p = 0; p < PPL; p++) {
    const float a = rnd<T>(rnd<T>(f[2 * p] * r) * wv.v[2 * p]);
    const float c = rnd<T>(rnd<T>(f[2 * p + 1] * r) * wv.v[2 * p + 1]);
    o.v[2 * p] = Io<T>::st(a * co.v[p] - c * si.v[p]);
    o.v[2 * p + 1] = Io<T>::st(a * si.v[p] + c * co.v[p]);
  }
  *reinterpret_cast<Vec<T, E>*>(out + b * osb + s * oss + h * D + lane * E) = o;
}

// ---- qk RMS norm + RoPE, one warp per token: LPH lanes per head, 16 bytes (E values) per lane, every head of the token
// loaded up front (NPMAX passes of 32 / LPH heads each), the norm weights and the token's cos/sin read once per warp.
// The weight is read in its own dtype (wt: F32, BF16 or F16; converting a bf16 weight to float is exact).
__device__ __forceinline__ float ld_any(const void* p, DType t, int i) {
  switch (t) {
    case BF16: return __bfloat162float(static_cast<const __nv_bfloat16*>(p)[i]);
    case F16: return __half2float(static_cast<const __half*>(p)[i]);
    default: return static_cast<const float*>(p)[i];
  }
}

template <int LPH> __device__ __forceinline__ float group_sum(float v) {
#pragma unroll
  for (int o = LPH / 2; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}

template <typename T, int LPH, int NPMAX>
__global__ void __launch_bounds__(128, 4) qk_norm_rope_tok_k(const T* __restrict__ x, int64_t xsb, int64_t xss, const void* __restrict__ w,
                                   DType wt, const float* __restrict__ cs, const float* __restrict__ sn,
                                   T* __restrict__ out, int64_t osb, int64_t oss, int64_t S, int H, float eps,
                                   int64_t tokens) {
  constexpr int E = 16 / sizeof(T), D = E * LPH, HPP = 32 / LPH, P = E / 2;
  const int64_t tok = (int64_t)blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5);
  if (tok >= tokens) return;
  const int lane = threadIdx.x & 31, sub = lane & (LPH - 1), grp = lane / LPH;
  const int64_t b = tok / S, s = tok - b * S;
  const T* xt = x + b * xsb + s * xss;
  T* ot = out + b * osb + s * oss;
  float wv[E], co[P], si[P];
#pragma unroll
  for (int e = 0; e < E; e++) wv[e] = ld_any(w, wt, sub * E + e);
  const float* cr = cs + s * (D / 2) + sub * P;
  const float* sr = sn + s * (D / 2) + sub * P;
#pragma unroll
  for (int p = 0; p < P; p++) {
    co[p] = cr[p];
    si[p] = sr[p];
  }
  for (int h0 = 0; h0 < H; h0 += HPP * NPMAX) {
    Vec<T, E> v[NPMAX];
#pragma unroll
    for (int k = 0; k < NPMAX; k++) {
      const int h = h0 + k * HPP + grp;
      if (h < H) v[k] = *reinterpret_cast<const Vec<T, E>*>(xt + (int64_t)h * D + sub * E);
    }
#pragma unroll
    for (int k = 0; k < NPMAX; k++) {
      if (h0 + k * HPP >= H) break;  // uniform across the warp: every lane still takes part in the shuffles
      const int h = h0 + k * HPP + grp;
      const bool valid = h < H;
      float f[E];
      float ss = 0.f;
#pragma unroll
      for (int e = 0; e < E; e++) {
        f[e] = valid ? Io<T>::ld(v[k].v[e]) : 0.f;
        ss += f[e] * f[e];
      }
      ss = group_sum<LPH>(ss);
      const float r = rsqrtf(ss / (float)D + eps);
      if (valid) {
        Vec<T, E> o;
#pragma unroll
        for (int p = 0; p < P; p++) {
          const float a = rnd<T>(rnd<T>(f[2 * p] * r) * wv[2 * p]);
          const float c = rnd<T>(rnd<T>(f[2 * p + 1] * r) * wv[2 * p + 1]);
          o.v[2 * p] = Io<T>::st(a * co[p] - c * si[p]);
          o.v[2 * p + 1] = Io<T>::st(a * si[p] + c * co[p]);
        }
        *reinterpret_cast<Vec<T, E>*>(ot + (int64_t)h * D + sub * E) = o;
      }
    }
  }
}

// ---- LayerNorm (no affine) + modulation: one block per token row ---------------------------------------------------
template <typename T, int V>
__global__ void norm_modulate_k(const T* __restrict__ x, T* __restrict__ out, const T* sh0, const T* sc0,
                                const T* sh1, const T* sc1, int64_t psb, int64_t S, int D, int64_t split,
                                float eps) {
  __shared__ float red[32];
  const int64_t row = blockIdx.x, b = row / S, s = row % S;
  const T* xr = x + row * D;
  T* orow = out + row * D;
  const T* sh = (s < split ? sh0 : sh1) + b * psb;
  const T* sc = (s < split ? sc0 : sc1) + b * psb;
  const int nv = D / V;
  float sum = 0.f;
  for (int i = threadIdx.x; i < nv; i += blockDim.x) {
    const Vec<T, V> v = load<T, V>(xr, i);
#pragma unroll
    for (int j = 0; j < V; j++) sum += Io<T>::ld(v.v[j]);
  }
  const float mean = block_reduce<false>(sum, red) / (float)D;
  float sq = 0.f;
  for (int i = threadIdx.x; i < nv; i += blockDim.x) {
    const Vec<T, V> v = load<T, V>(xr, i);
#pragma unroll
    for (int j = 0; j < V; j++) {
      const float d = Io<T>::ld(v.v[j]) - mean;
      sq += d * d;
    }
  }
  const float rstd = rsqrtf(block_reduce<false>(sq, red) / (float)D + eps);
  for (int i = threadIdx.x; i < nv; i += blockDim.x) {
    const Vec<T, V> v = load<T, V>(xr, i), a = load<T, V>(sc, i), c = load<T, V>(sh, i);
    Vec<T, V> o;
#pragma unroll
    for (int j = 0; j < V; j++) {
      const float n = rnd<T>((Io<T>::ld(v.v[j]) - mean) * rstd);
      const float p = rnd<T>(n * rnd<T>(1.f + Io<T>::ld(a.v[j])));
      o.v[j] = Io<T>::st(p + Io<T>::ld(c.v[j]));
    }
    store<T, V>(orow, i, o);
  }
}

// ---- the same with the row in registers: one warp per token row, NV vectors of V values per lane ---------------------
// One read of x (the block kernel above reads it three times and synchronises the block twice). GATED: the row is
// first the gated residual x + gate * y (rounded, written to xout), i.e. gated_add then norm_modulate in one pass.
template <typename T, int V, int NV, bool GATED>
__global__ void norm_modulate_warp_k(const T* __restrict__ x, const T* __restrict__ y, const T* g0, const T* g1,
                                     int64_t gsb, T* __restrict__ xout, T* __restrict__ out, const T* sh0,
                                     const T* sc0, const T* sh1, const T* sc1, int64_t psb, int64_t S, int D,
                                     int64_t split, float eps, int64_t rows) {
  const int64_t row = (int64_t)blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5);
  if (row >= rows) return;
  const int lane = threadIdx.x & 31;
  const int64_t b = row / S, s = row - b * S;
  const bool first = s < split;
  const int nv = D / V;
  const T* xr = x + row * D;
  Vec<T, V> v[NV];
  float sum = 0.f;
#pragma unroll
  for (int j = 0; j < NV; j++) {
    const int i = lane + 32 * j;
    if (i < nv) {
      v[j] = load<T, V>(xr, i);
      if constexpr (GATED) {
        const Vec<T, V> yv = load<T, V>(y + row * D, i), gv = load<T, V>((first ? g0 : g1) + b * gsb, i);
#pragma unroll
        for (int e = 0; e < V; e++) {
          v[j].v[e] = Io<T>::st(Io<T>::ld(v[j].v[e]) + rnd<T>(Io<T>::ld(gv.v[e]) * Io<T>::ld(yv.v[e])));
        }
        store<T, V>(xout + row * D, i, v[j]);
      }
#pragma unroll
      for (int e = 0; e < V; e++) sum += Io<T>::ld(v[j].v[e]);
    }
  }
  const float mean = warp_sum(sum) / (float)D;
  float sq = 0.f;
#pragma unroll
  for (int j = 0; j < NV; j++) {
    if (lane + 32 * j < nv) {
#pragma unroll
      for (int e = 0; e < V; e++) {
        const float d = Io<T>::ld(v[j].v[e]) - mean;
        sq += d * d;
      }
    }
  }
  const float rstd = rsqrtf(warp_sum(sq) / (float)D + eps);
  const T* sh = (first ? sh0 : sh1) + b * psb;
  const T* sc = (first ? sc0 : sc1) + b * psb;
#pragma unroll
  for (int j = 0; j < NV; j++) {
    const int i = lane + 32 * j;
    if (i < nv) {
      const Vec<T, V> a = load<T, V>(sc, i), c = load<T, V>(sh, i);
      Vec<T, V> o;
#pragma unroll
      for (int e = 0; e < V; e++) {
        const float n = rnd<T>((Io<T>::ld(v[j].v[e]) - mean) * rstd);
        const float p = rnd<T>(n * rnd<T>(1.f + Io<T>::ld(a.v[e])));
        o.v[e] = Io<T>::st(p + Io<T>::ld(c.v[e]));
      }
      store<T, V>(out + row * D, i, o);
    }
  }
}

// ---- gated residual: grid-stride over vectors -----------------------------------------------------------------------
template <typename T, int V>
__global__ void gated_add_k(const T* __restrict__ x, const T* g0, const T* g1, int64_t gsb,
                            const T* __restrict__ y, T* __restrict__ out, int64_t S, int64_t D, int64_t split,
                            int64_t nvec) {
  const int64_t nvr = D / V;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < nvec; i += (int64_t)gridDim.x * blockDim.x) {
    const int64_t row = i / nvr, col = i - row * nvr, b = row / S, s = row - b * S;
    const T* g = (s < split ? g0 : g1) + b * gsb;
    const Vec<T, V> xv = load<T, V>(x, i), yv = load<T, V>(y, i), gv = load<T, V>(g, col);
    Vec<T, V> o;
#pragma unroll
    for (int j = 0; j < V; j++) {
      o.v[j] = Io<T>::st(Io<T>::ld(xv.v[j]) + rnd<T>(Io<T>::ld(gv.v[j]) * Io<T>::ld(yv.v[j])));
    }
    store<T, V>(out, i, o);
  }
}

// ---- row-wise fp8 quantisation: one block per row --------------------------------------------------------------------
// |x| max over one vector, and one vector of x / s rounded to e4m3 (saturating): shared by both scalings.
template <typename T, int V> __device__ __forceinline__ float vec_amax(const Vec<T, V>& v, float m) {
#pragma unroll
  for (int j = 0; j < V; j++) m = fmaxf(m, fabsf(Io<T>::ld(v.v[j])));
  return m;
}
template <typename T, int V> __device__ __forceinline__ Vec<uint8_t, V> vec_e4m3(const Vec<T, V>& v, float s) {
  Vec<uint8_t, V> o;
#pragma unroll
  for (int j = 0; j < V; j++) o.v[j] = (uint8_t)__nv_cvt_float_to_fp8(Io<T>::ld(v.v[j]) / s, __NV_SATFINITE, __NV_E4M3);
  return o;
}

template <typename T, int V>
__global__ void quantize_fp8_rows_k(const T* __restrict__ x, uint8_t* __restrict__ q, float* __restrict__ scale,
                                    int64_t K) {
  __shared__ float red[32];
  const int64_t row = blockIdx.x;
  const T* xr = x + row * K;
  uint8_t* qr = q + row * K;
  const int64_t nv = K / V;
  float m = 0.f;
  for (int64_t i = threadIdx.x; i < nv; i += blockDim.x) {
    m = vec_amax<T, V>(load<T, V>(xr, i), m);
  }
  const float s = fmaxf(block_reduce<true>(m, red) / 448.f, 1e-12f);
  if (threadIdx.x == 0) scale[row] = s;
  for (int64_t i = threadIdx.x; i < nv; i += blockDim.x) store<uint8_t, V>(qr, i, vec_e4m3<T, V>(load<T, V>(xr, i), s));
}

// Tensor-wise: the largest |x| of the whole tensor (atomicMax on the bits: non-negative floats order as unsigned), then
// every element divided by amax/448 and rounded to e4m3 (saturating), the scale read back on the device (no host sync).
template <typename T, int V>
__global__ void amax_k(const T* __restrict__ x, int64_t nv, unsigned* __restrict__ amax_bits) {
  __shared__ float red[32];
  float m = 0.f;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < nv; i += (int64_t)gridDim.x * blockDim.x) {
    m = vec_amax<T, V>(load<T, V>(x, i), m);
  }
  m = block_reduce<true>(m, red);
  if (threadIdx.x == 0) atomicMax(amax_bits, __float_as_uint(m));
}

template <typename T, int V>
__global__ void quantize_fp8_tensor_k(const T* __restrict__ x, uint8_t* __restrict__ q,
                                      const unsigned* __restrict__ amax_bits, float* __restrict__ scale, int64_t nv) {
  const float s = fmaxf(__uint_as_float(*amax_bits) / 448.f, 1e-12f);
  if (blockIdx.x == 0 && threadIdx.x == 0) *scale = s;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < nv; i += (int64_t)gridDim.x * blockDim.x) {
    store<uint8_t, V>(q, i, vec_e4m3<T, V>(load<T, V>(x, i), s));
  }
}

// ---- fp8-weight GEMV for a few rows: one warp per output column, 16 weight bytes per lane per step ---------------
__device__ __forceinline__ float fp8_to_float(uint8_t b, bool e5m2) {
  const __half_raw h = __nv_cvt_fp8_to_halfraw(b, e5m2 ? __NV_E5M2 : __NV_E4M3);
  return __half2float(__half(h));
}

template <typename T, int MAXM>
__global__ void fp8_gemv_k(const T* __restrict__ x, const uint8_t* __restrict__ w8, float scale, bool e5m2,
                           const T* __restrict__ bias, T* __restrict__ out, int M, int64_t N, int64_t K) {
  const int64_t n = (int64_t)blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5);
  if (n >= N) return;
  const int lane = threadIdx.x & 31;
  float acc[MAXM];
#pragma unroll
  for (int m = 0; m < MAXM; m++) acc[m] = 0.f;
  const uint8_t* wr = w8 + n * K;
  for (int64_t k0 = (int64_t)lane * 16; k0 < K; k0 += 32 * 16) {
    const uint4 raw = *reinterpret_cast<const uint4*>(wr + k0);
    const uint8_t* b = reinterpret_cast<const uint8_t*>(&raw);
    float wv[16];
#pragma unroll
    for (int j = 0; j < 16; j++) wv[j] = rnd<T>(fp8_to_float(b[j], e5m2) * scale);
#pragma unroll
    for (int m = 0; m < MAXM; m++) {
      if (m < M) {
        const Vec<T, 8>* xp = reinterpret_cast<const Vec<T, 8>*>(x + m * K + k0);
        const Vec<T, 8> x0 = xp[0], x1 = xp[1];
        float a = acc[m];
#pragma unroll
        for (int j = 0; j < 8; j++) a += Io<T>::ld(x0.v[j]) * wv[j];
#pragma unroll
        for (int j = 0; j < 8; j++) a += Io<T>::ld(x1.v[j]) * wv[8 + j];
        acc[m] = a;
      }
    }
  }
#pragma unroll
  for (int m = 0; m < MAXM; m++) {
    if (m < M) {
      const float v = warp_sum(acc[m]);
      if (lane == 0) out[m * N + n] = Io<T>::st(v + (bias != nullptr ? Io<T>::ld(bias[n]) : 0.f));
    }
  }
}

template <typename T> struct Tag { using type = T; };

template <typename F> cudaError_t by_dtype(DType t, F f) {
  switch (t) {
    case F32: return f(Tag<float>{});
    case BF16: return f(Tag<__nv_bfloat16>{});
    case F16: return f(Tag<__half>{});
  }
  return cudaErrorInvalidValue;
}

bool aligned(const void* p, int64_t bytes) { return (reinterpret_cast<uintptr_t>(p) % bytes) == 0; }

int threads_for(int64_t nv) {
  int64_t t = (nv + 31) / 32 * 32;
  return (int)(t < 64 ? 64 : (t > 1024 ? 1024 : t));
}

// Vectors per lane for a row of nv vectors in the warp kernels (0: too long for them, the block kernel takes it).
template <typename F> bool with_nv(int64_t nv, F f) {
  const int64_t need = (nv + 31) / 32;
  if (need <= 4) return f(std::integral_constant<int, 4>{}), true;
  if (need <= 12) return f(std::integral_constant<int, 12>{}), true;  // Qwen-Image: 3072 bf16 values
  return false;
}

// The warp-per-row LayerNorm + modulation (GATED: after the gated residual) for bf16 rows of up to 3072 values;
// false when the row is wider (nothing launched, the caller takes the block kernel).
template <bool GATED>
bool launch_norm_modulate_warp(const void* x, const void* y, const void* g0, const void* g1, int64_t gsb, void* xout,
                               void* out, const void* sh0, const void* sc0, const void* sh1, const void* sc1,
                               int64_t psb, int64_t B, int64_t S, int64_t D, int64_t split, float eps,
                               cudaStream_t stream) {
  using T = __nv_bfloat16;
  constexpr int V = 16 / sizeof(T);
  const int64_t rows = B * S;
  const int warps = 4;
  const unsigned blocks = (unsigned)((rows + warps - 1) / warps);
  return with_nv(D / V, [&](auto ntag) {
    constexpr int NV = decltype(ntag)::value;
    norm_modulate_warp_k<T, V, NV, GATED><<<blocks, warps * 32, 0, stream>>>(
        static_cast<const T*>(x), static_cast<const T*>(y), static_cast<const T*>(g0), static_cast<const T*>(g1),
        gsb, static_cast<T*>(xout), static_cast<T*>(out), static_cast<const T*>(sh0), static_cast<const T*>(sc0),
        static_cast<const T*>(sh1), static_cast<const T*>(sc1), psb, S, (int)D, split, eps, rows);
  });
}

}  // namespace

bool legacy_kernels() {
  static const bool on = [] {
    const char* v = std::getenv("ATELIER_KERNELS_LEGACY");
    return v != nullptr && *v != '\0' && *v != '0';
  }();
  return on;
}

cudaError_t qk_norm_rope(DType t, const void* x, int64_t xsb, int64_t xss, const void* wp, DType wt,
                         const float* cos, const float* sin, void* out, int64_t osb, int64_t oss, int64_t B,
                         int64_t S, int64_t H, int64_t D, float eps, cudaStream_t stream) {
  const int64_t rows = B * S * H;
  if (rows == 0) return cudaSuccess;
  const int warps = 8;
  const int64_t blocks = (rows + warps - 1) / warps;
  return by_dtype(t, [&](auto tag) {
    using T = typename decltype(tag)::type;
    // one warp per token, 16-byte vectors, 16 lanes per head: bf16 heads of 128 (Qwen-Image); other dtypes and
    // head sizes take the kernels below (one instantiation keeps the library small)
    constexpr int E = 16 / sizeof(T);
    const bool tok_ok = std::is_same_v<T, __nv_bfloat16> && !legacy_kernels() && D == 16 * E && H < (1 << 30)
        && aligned(x, 16) && aligned(out, 16) && xsb % E == 0 && xss % E == 0 && osb % E == 0 && oss % E == 0;
    if constexpr (std::is_same_v<T, __nv_bfloat16>) if (tok_ok) {
      const int64_t tokens = B * S;
      const int tw = 4;
      const unsigned tb = (unsigned)((tokens + tw - 1) / tw);
      qk_norm_rope_tok_k<T, 16, 12><<<tb, tw * 32, 0, stream>>>(static_cast<const T*>(x), xsb, xss, wp, wt, cos, sin,
                                                                static_cast<T*>(out), osb, oss, S, (int)H, eps,
                                                                tokens);
      return cudaGetLastError();
    }
    if (wt != F32) return cudaErrorNotSupported;  // the kernels below read a float32 weight: the caller converts
    const float* w = static_cast<const float*>(wp);
    // the register path: head_dim 64·PPL, every row start and the tables aligned to the lanes' vectors
    auto vec_ok = [&](int64_t e) {
      const int64_t bytes = e * (int64_t)sizeof(T);
      return aligned(x, bytes) && aligned(out, bytes) && xsb % e == 0 && xss % e == 0 && osb % e == 0
          && oss % e == 0 && aligned(w, e * 4) && aligned(cos, e * 2) && aligned(sin, e * 2);
    };
    auto run_vec = [&](auto ptag) {
      constexpr int PPL = decltype(ptag)::value;
      qk_norm_rope_vec_k<T, PPL><<<(unsigned)blocks, warps * 32, 0, stream>>>(
          static_cast<const T*>(x), xsb, xss, w, cos, sin, static_cast<T*>(out), osb, oss, S, H, eps, rows);
    };
    if (D == 128 && vec_ok(4)) {
      run_vec(std::integral_constant<int, 2>{});
    } else if (D == 64 && vec_ok(2)) {
      run_vec(std::integral_constant<int, 1>{});
    } else {
      qk_norm_rope_k<T><<<(unsigned)blocks, warps * 32, 0, stream>>>(
          static_cast<const T*>(x), xsb, xss, w, cos, sin, static_cast<T*>(out), osb, oss, S, H, (int)D, eps, rows);
    }
    return cudaGetLastError();
  });
}

cudaError_t norm_modulate(DType t, const void* x, void* out, const void* shift0, const void* scale0,
                          const void* shift1, const void* scale1, int64_t psb, int64_t B, int64_t S, int64_t D,
                          int64_t split, float eps, cudaStream_t stream) {
  if (B * S == 0) return cudaSuccess;
  return by_dtype(t, [&](auto tag) {
    using T = typename decltype(tag)::type;
    constexpr int V = 16 / sizeof(T);
    const bool vec = D % V == 0 && psb % V == 0 && aligned(x, 16) && aligned(out, 16) && aligned(shift0, 16)
        && aligned(scale0, 16) && aligned(shift1, 16) && aligned(scale1, 16);
    auto run = [&](auto vtag) {
      constexpr int W = decltype(vtag)::value;
      norm_modulate_k<T, W><<<(unsigned)(B * S), threads_for(D / W), 0, stream>>>(
          static_cast<const T*>(x), static_cast<T*>(out), static_cast<const T*>(shift0),
          static_cast<const T*>(scale0), static_cast<const T*>(shift1), static_cast<const T*>(scale1), psb, S,
          (int)D, split, eps);
    };
    if constexpr (std::is_same_v<T, __nv_bfloat16>) {  // bf16: the warp kernel
      if (vec && !legacy_kernels()
          && launch_norm_modulate_warp<false>(x, nullptr, nullptr, nullptr, 0, nullptr, out, shift0, scale0, shift1,
                                              scale1, psb, B, S, D, split, eps, stream)) {
        return cudaGetLastError();
      }
    }
    if (vec) run(std::integral_constant<int, V>{}); else run(std::integral_constant<int, 1>{});
    return cudaGetLastError();
  });
}

cudaError_t gated_add_norm_modulate(DType t, const void* x, const void* gate0, const void* gate1, int64_t gsb,
                                    const void* y, void* xout, void* out, const void* shift0, const void* scale0,
                                    const void* shift1, const void* scale1, int64_t psb, int64_t B, int64_t S,
                                    int64_t D, int64_t split, float eps, cudaStream_t stream) {
  if (B * S == 0) return cudaSuccess;
  cudaError_t e = by_dtype(t, [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (!std::is_same_v<T, __nv_bfloat16>) {
      return cudaErrorNotSupported;  // bf16 only (library size): the two kernels below
    } else {
      constexpr int V = 16 / sizeof(T);
      const bool vec = !legacy_kernels() && D % V == 0 && psb % V == 0 && gsb % V == 0 && aligned(x, 16)
          && aligned(y, 16) && aligned(xout, 16) && aligned(out, 16) && aligned(gate0, 16) && aligned(gate1, 16)
          && aligned(shift0, 16) && aligned(scale0, 16) && aligned(shift1, 16) && aligned(scale1, 16);
      if (!vec) return cudaErrorNotSupported;
      return launch_norm_modulate_warp<true>(x, y, gate0, gate1, gsb, xout, out, shift0, scale0, shift1, scale1, psb,
                                             B, S, D, split, eps, stream)
          ? cudaGetLastError()
          : cudaErrorNotSupported;
    }
  });
  if (e != cudaErrorNotSupported) return e;
  // unaligned, too wide or the legacy switch: the two kernels one after the other
  e = gated_add(t, x, gate0, gate1, gsb, y, xout, B, S, D, split, stream);
  if (e != cudaSuccess) return e;
  return norm_modulate(t, xout, out, shift0, scale0, shift1, scale1, psb, B, S, D, split, eps, stream);
}

cudaError_t gated_add(DType t, const void* x, const void* gate0, const void* gate1, int64_t gsb, const void* y,
                      void* out, int64_t B, int64_t S, int64_t D, int64_t split, cudaStream_t stream) {
  if (B * S * D == 0) return cudaSuccess;
  return by_dtype(t, [&](auto tag) {
    using T = typename decltype(tag)::type;
    constexpr int V = 16 / sizeof(T);
    const bool vec = D % V == 0 && gsb % V == 0 && aligned(x, 16) && aligned(y, 16) && aligned(out, 16)
        && aligned(gate0, 16) && aligned(gate1, 16);
    auto run = [&](auto vtag) {
      constexpr int W = decltype(vtag)::value;
      const int64_t nvec = B * S * D / W;
      int64_t blocks = (nvec + 255) / 256;
      if (blocks > (1 << 20)) blocks = 1 << 20;
      gated_add_k<T, W><<<(unsigned)blocks, 256, 0, stream>>>(
          static_cast<const T*>(x), static_cast<const T*>(gate0), static_cast<const T*>(gate1), gsb,
          static_cast<const T*>(y), static_cast<T*>(out), S, D, split, nvec);
    };
    if (vec) run(std::integral_constant<int, V>{}); else run(std::integral_constant<int, 1>{});
    return cudaGetLastError();
  });
}

cudaError_t quantize_fp8_rows(DType t, const void* x, uint8_t* q, float* scale, int64_t M, int64_t K,
                              cudaStream_t stream) {
  if (M * K == 0) return cudaSuccess;
  return by_dtype(t, [&](auto tag) {
    using T = typename decltype(tag)::type;
    constexpr int V = 16 / sizeof(T);
    const bool vec = K % V == 0 && aligned(x, 16) && aligned(q, V);
    auto run = [&](auto vtag) {
      constexpr int W = decltype(vtag)::value;
      quantize_fp8_rows_k<T, W><<<(unsigned)M, threads_for(K / W > 1024 ? 1024 : K / W), 0, stream>>>(
          static_cast<const T*>(x), q, scale, K);
    };
    if (vec) run(std::integral_constant<int, V>{}); else run(std::integral_constant<int, 1>{});
    return cudaGetLastError();
  });
}

cudaError_t quantize_fp8_tensor(DType t, const void* x, uint8_t* q, unsigned* amax_bits, float* scale, int64_t n,
                                cudaStream_t stream) {
  if (n == 0) return cudaSuccess;
  return by_dtype(t, [&](auto tag) {
    using T = typename decltype(tag)::type;
    constexpr int V = 16 / sizeof(T);
    const bool vec = n % V == 0 && aligned(x, 16) && aligned(q, V);
    auto run = [&](auto vtag) {
      constexpr int W = decltype(vtag)::value;
      const int64_t nv = n / W;
      const int threads = 256;
      const unsigned blocks = (unsigned)std::min<int64_t>((nv + threads - 1) / threads, 2048);
      cudaMemsetAsync(amax_bits, 0, sizeof(unsigned), stream);
      amax_k<T, W><<<blocks, threads, 0, stream>>>(static_cast<const T*>(x), nv, amax_bits);
      quantize_fp8_tensor_k<T, W><<<blocks, threads, 0, stream>>>(static_cast<const T*>(x), q, amax_bits, scale, nv);
    };
    if (vec) run(std::integral_constant<int, V>{}); else run(std::integral_constant<int, 1>{});
    return cudaGetLastError();
  });
}

cudaError_t fp8_gemv(DType t, const void* x, const uint8_t* w8, float scale, int e5m2, const void* bias, void* out,
                     int64_t M, int64_t N, int64_t K, cudaStream_t stream) {
  if (M * N == 0) return cudaSuccess;
  if (M > 16 || K % 16 != 0 || !aligned(w8, 16) || !aligned(x, 16)) return cudaErrorInvalidValue;
  const int warps = 8;
  const int64_t blocks = (N + warps - 1) / warps;
  return by_dtype(t, [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (sizeof(T) == 4) {
      return cudaErrorInvalidValue;  // 8 float32 values are not one 16-byte vector; the fallback handles float32
    } else {
      auto run = [&](auto mtag) {
        constexpr int MM = decltype(mtag)::value;
        fp8_gemv_k<T, MM><<<(unsigned)blocks, warps * 32, 0, stream>>>(
            static_cast<const T*>(x), w8, scale, e5m2 != 0, static_cast<const T*>(bias), static_cast<T*>(out), (int)M,
            N, K);
      };
      if (M <= 4) run(std::integral_constant<int, 4>{}); else run(std::integral_constant<int, 16>{});
      return cudaGetLastError();
    }
  });
}

}  // namespace atelier
