// JNI entry points of libatelier_kernels.so for dev.atelier.inference.nn.AtelierNative. Tensor handles are DJL's
// (a heap-allocated at::Tensor per NDArray, as in DJL's own JNI); results are returned the same way and DJL frees
// them. Every check failure becomes a Java IllegalArgumentException / RuntimeException, never a crash.
#include <jni.h>

#include <ATen/ATen.h>
#include <ATen/cuda/CUDAContext.h>
#include <c10/cuda/CUDAGuard.h>

#include <stdexcept>
#include <string>

#include "atelier_kernels.h"

namespace {

// Bumped whenever a signature below changes; the Java side refuses a library with another number.
constexpr jint ABI_VERSION = 4;

struct ArgError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

at::Tensor& T(jlong h) {
  if (h == 0) throw ArgError("null tensor handle");
  return *reinterpret_cast<at::Tensor*>(h);
}

jlong wrap(const at::Tensor& t) { return reinterpret_cast<jlong>(new at::Tensor(t)); }

void require(bool ok, const std::string& what) {
  if (!ok) throw ArgError(what);
}

atelier::DType dtype_of(const at::Tensor& t, const char* name) {
  switch (t.scalar_type()) {
    case at::kFloat: return atelier::F32;
    case at::kBFloat16: return atelier::BF16;
    case at::kHalf: return atelier::F16;
    default: throw ArgError(std::string(name) + ": dtype " + std::string(c10::toString(t.scalar_type()))
                            + " not supported (float32, bfloat16, float16)");
  }
}

void cuda_tensor(const at::Tensor& t, const char* name) {
  require(t.defined() && t.is_cuda(), std::string(name) + " must be a CUDA tensor");
}

void check(cudaError_t e, const char* what) {
  if (e != cudaSuccess) throw std::runtime_error(std::string(what) + ": " + cudaGetErrorString(e));
}

template <typename F> jlong guarded(JNIEnv* env, F f) {
  try {
    return f();
  } catch (const ArgError& e) {
    env->ThrowNew(env->FindClass("java/lang/IllegalArgumentException"), e.what());
  } catch (const c10::Error& e) {
    env->ThrowNew(env->FindClass("java/lang/RuntimeException"), e.what_without_backtrace());
  } catch (const std::exception& e) {
    env->ThrowNew(env->FindClass("java/lang/RuntimeException"), e.what());
  }
  return 0;
}

// A [B, D] parameter view (rows at stride(0), D contiguous) of x's dtype and device: its element row stride.
int64_t param_rows(const at::Tensor& p, const at::Tensor& x, int64_t B, int64_t D, const char* name) {
  cuda_tensor(p, name);
  require(p.scalar_type() == x.scalar_type(), std::string(name) + " must have the input's dtype");
  require(p.dim() == 2 && p.size(0) == B && p.size(1) == D && p.stride(1) == 1,
          std::string(name) + " must be [B, D] with contiguous rows");
  return B > 1 ? p.stride(0) : 0;
}

// The token rows of the norm / residual entry points: x [B, S, D] (and y of the same shape and dtype when hy != 0),
// made contiguous.
struct Rows {
  at::Tensor x, y;
  int64_t B, S, D;
  atelier::DType dt;
};

Rows rows_of(jlong hx, jlong hy) {
  Rows r;
  r.x = T(hx);
  cuda_tensor(r.x, "x");
  require(r.x.dim() == 3, "x must be [B, S, D]");
  if (hy != 0) {
    r.y = T(hy);
    cuda_tensor(r.y, "y");
    require(r.y.sizes() == r.x.sizes(), "x and y must be [B, S, D] of one shape");
    require(r.y.scalar_type() == r.x.scalar_type(), "y must have x's dtype");
    r.y = r.y.contiguous();
  }
  r.x = r.x.contiguous();
  r.B = r.x.size(0);
  r.S = r.x.size(1);
  r.D = r.x.size(2);
  r.dt = dtype_of(r.x, "x");
  return r;
}

// The row stride shared by the two gate sets.
int64_t gate_rows(jlong hg0, jlong hg1, const Rows& r) {
  const int64_t g = param_rows(T(hg0), r.x, r.B, r.D, "gate0");
  require(param_rows(T(hg1), r.x, r.B, r.D, "gate1") == g, "gate sets must share one row stride");
  return g;
}

// The row stride shared by the shift/scale sets.
int64_t modulation_rows(jlong hsh0, jlong hsc0, jlong hsh1, jlong hsc1, const Rows& r) {
  const int64_t p0 = param_rows(T(hsh0), r.x, r.B, r.D, "shift0");
  require(param_rows(T(hsc0), r.x, r.B, r.D, "scale0") == p0 && param_rows(T(hsh1), r.x, r.B, r.D, "shift1") == p0
              && param_rows(T(hsc1), r.x, r.B, r.D, "scale1") == p0,
          "shift/scale sets must share one row stride");
  return p0;
}

// Two handles as a Java long[2] (null while a Java exception is pending).
jlongArray handle_pair(JNIEnv* env, const jlong (&h)[2]) {
  if (env->ExceptionCheck()) return nullptr;
  jlongArray r = env->NewLongArray(2);
  env->SetLongArrayRegion(r, 0, 2, h);
  return r;
}

}  // namespace

extern "C" {

JNIEXPORT jint JNICALL Java_dev_atelier_inference_nn_AtelierNative_abiVersion(JNIEnv*, jclass) {
  return ABI_VERSION;
}

// Compute capability of CUDA device `index` as major * 10 + minor (0 when there is none).
JNIEXPORT jint JNICALL Java_dev_atelier_inference_nn_AtelierNative_capability(JNIEnv* env, jclass, jint index) {
  return (jint)guarded(env, [&]() -> jlong {
    cudaDeviceProp p;
    if (cudaGetDeviceProperties(&p, index) != cudaSuccess) return 0;
    return p.major * 10 + p.minor;
  });
}

// qk norm + RoPE of x [B, S, H, D] into out [B, T, H, D] at token `offset` (out allocated by the caller).
JNIEXPORT void JNICALL Java_dev_atelier_inference_nn_AtelierNative_qkNormRopeInto(
    JNIEnv* env, jclass, jlong hx, jlong hw, jfloat eps, jlong hcos, jlong hsin, jlong hout, jlong offset) {
  guarded(env, [&]() -> jlong {
    at::Tensor& x = T(hx);
    at::Tensor& out = T(hout);
    cuda_tensor(x, "x");
    cuda_tensor(out, "out");
    require(x.dim() == 4, "x must be [B, S, H, D]");
    const int64_t B = x.size(0), S = x.size(1), H = x.size(2), D = x.size(3);
    require(D % 2 == 0, "head dim must be even");
    require(x.stride(3) == 1 && x.stride(2) == D, "x: heads and head dim must be contiguous within a token");
    require(out.dim() == 4 && out.size(0) == B && out.size(2) == H && out.size(3) == D && out.stride(3) == 1
                && out.stride(2) == D && offset >= 0 && offset + S <= out.size(1),
            "out must be [B, >= offset + S, H, D] with contiguous heads");
    require(out.scalar_type() == x.scalar_type(), "out must have x's dtype");
    const auto dt = dtype_of(x, "x");
    const int64_t el = x.element_size();
    require(reinterpret_cast<uintptr_t>(x.data_ptr()) % (2 * el) == 0 && x.stride(0) % 2 == 0
                && x.stride(1) % 2 == 0, "x must be aligned to pairs");
    c10::cuda::CUDAGuard guard(x.device());
    // the weight in its own dtype (the per-token kernel reads bf16/fp16/float32: no conversion per call)
    at::Tensor w = T(hw);
    if (!w.is_cuda() || w.device() != x.device()) w = w.to(x.device());
    if (w.scalar_type() != at::kFloat && w.scalar_type() != at::kBFloat16 && w.scalar_type() != at::kHalf) {
      w = w.to(at::kFloat);
    }
    w = w.contiguous();
    at::Tensor cs = T(hcos).to(x.device(), at::kFloat).contiguous();
    at::Tensor sn = T(hsin).to(x.device(), at::kFloat).contiguous();
    require(w.numel() == D, "weight must have D values");
    require(cs.numel() == S * D / 2 && sn.numel() == S * D / 2, "cos/sin must be [S, D/2]");
    char* o = static_cast<char*>(out.data_ptr()) + offset * out.stride(1) * el;
    const auto stream = at::cuda::getCurrentCUDAStream().stream();
    cudaError_t e = atelier::qk_norm_rope(dt, x.data_ptr(), x.stride(0), x.stride(1), w.data_ptr(),
                                          dtype_of(w, "weight"),
                                          cs.data_ptr<float>(), sn.data_ptr<float>(), o, out.stride(0), out.stride(1),
                                          B, S, H, D, eps, stream);
    if (e == cudaErrorNotSupported) {  // the warp-per-head kernel: float32 weight
      at::Tensor w32 = w.to(at::kFloat).contiguous();
      e = atelier::qk_norm_rope(dt, x.data_ptr(), x.stride(0), x.stride(1), w32.data_ptr(), atelier::F32,
                                cs.data_ptr<float>(), sn.data_ptr<float>(), o, out.stride(0), out.stride(1), B, S, H,
                                D, eps, stream);
    }
    check(e, "qk_norm_rope");
    return 0;
  });
}

JNIEXPORT jlong JNICALL Java_dev_atelier_inference_nn_AtelierNative_normModulate(
    JNIEnv* env, jclass, jlong hx, jlong hsh0, jlong hsc0, jlong hsh1, jlong hsc1, jlong split, jfloat eps) {
  return guarded(env, [&]() -> jlong {
    const Rows r = rows_of(hx, 0);
    const int64_t p0 = modulation_rows(hsh0, hsc0, hsh1, hsc1, r);
    c10::cuda::CUDAGuard guard(r.x.device());
    at::Tensor out = at::empty_like(r.x);
    check(atelier::norm_modulate(r.dt, r.x.data_ptr(), out.data_ptr(), T(hsh0).data_ptr(), T(hsc0).data_ptr(),
                                 T(hsh1).data_ptr(), T(hsc1).data_ptr(), p0, r.B, r.S, r.D, split, eps,
                                 at::cuda::getCurrentCUDAStream().stream()),
          "norm_modulate");
    return wrap(out);
  });
}

JNIEXPORT jlong JNICALL Java_dev_atelier_inference_nn_AtelierNative_gatedAdd(
    JNIEnv* env, jclass, jlong hx, jlong hg0, jlong hg1, jlong hy, jlong split) {
  return guarded(env, [&]() -> jlong {
    const Rows r = rows_of(hx, hy);
    const int64_t g = gate_rows(hg0, hg1, r);
    c10::cuda::CUDAGuard guard(r.x.device());
    at::Tensor out = at::empty_like(r.x);
    check(atelier::gated_add(r.dt, r.x.data_ptr(), T(hg0).data_ptr(), T(hg1).data_ptr(), g, r.y.data_ptr(),
                             out.data_ptr(), r.B, r.S, r.D, split, at::cuda::getCurrentCUDAStream().stream()),
          "gated_add");
    return wrap(out);
  });
}

// {x + gate * y, norm_modulate(x + gate * y)} in one pass: the residual after one half of the block and the next
// half's modulated input. split as in normModulate/gatedAdd (tokens >= split take the second sets).
JNIEXPORT jlongArray JNICALL Java_dev_atelier_inference_nn_AtelierNative_gatedAddNormModulate(
    JNIEnv* env, jclass, jlong hx, jlong hg0, jlong hg1, jlong hy, jlong hsh0, jlong hsc0, jlong hsh1, jlong hsc1,
    jlong split, jfloat eps) {
  jlong res[2] = {0, 0};
  guarded(env, [&]() -> jlong {
    const Rows r = rows_of(hx, hy);
    const int64_t g = gate_rows(hg0, hg1, r);
    const int64_t p0 = modulation_rows(hsh0, hsc0, hsh1, hsc1, r);
    c10::cuda::CUDAGuard guard(r.x.device());
    at::Tensor xout = at::empty_like(r.x);
    at::Tensor out = at::empty_like(r.x);
    check(atelier::gated_add_norm_modulate(r.dt, r.x.data_ptr(), T(hg0).data_ptr(), T(hg1).data_ptr(), g,
                                           r.y.data_ptr(), xout.data_ptr(), out.data_ptr(), T(hsh0).data_ptr(),
                                           T(hsc0).data_ptr(), T(hsh1).data_ptr(), T(hsc1).data_ptr(), p0, r.B, r.S,
                                           r.D, split, eps, at::cuda::getCurrentCUDAStream().stream()),
          "gated_add_norm_modulate");
    res[0] = wrap(xout);
    res[1] = wrap(out);
    return 0;
  });
  return handle_pair(env, res);
}

// fp8 quantisation of x [..., K] for several fp8 linears of one input: {q [M, K] e4m3, scale} with scale [M, 1]
// (row-wise) or [1] (tensor-wise) float32.
JNIEXPORT jlongArray JNICALL Java_dev_atelier_inference_nn_AtelierNative_fp8Quantize(JNIEnv* env, jclass, jlong hx,
                                                                                     jboolean tensorwise) {
  jlong out[2] = {0, 0};
  guarded(env, [&]() -> jlong {
    const at::Tensor& x = T(hx);
    cuda_tensor(x, "x");
    const auto dt = dtype_of(x, "x");
    require(dt != atelier::F32, "the fp8 matmul needs bf16 or fp16 activations");
    c10::cuda::CUDAGuard guard(x.device());
    const int64_t K = x.size(-1);
    at::Tensor x2 = x.reshape({-1, K}).contiguous();
    const int64_t M = x2.size(0);
    at::Tensor q = at::empty({M, K}, x2.options().dtype(at::kFloat8_e4m3fn));
    at::Tensor sa;
    if (tensorwise) {
      // the float32 scale at the start of the allocation (cuBLASLt wants its scale pointers aligned), the amax bits
      // 16 bytes further
      at::Tensor scratch = at::empty({8}, x2.options().dtype(at::kFloat));
      sa = scratch.narrow(0, 0, 1);
      check(atelier::quantize_fp8_tensor(dt, x2.data_ptr(), static_cast<uint8_t*>(q.data_ptr()),
                                         reinterpret_cast<unsigned*>(scratch.data_ptr<float>() + 4), sa.data_ptr<float>(),
                                         M * K, at::cuda::getCurrentCUDAStream().stream()),
            "quantize_fp8_tensor");
    } else {
      sa = at::empty({M, 1}, x2.options().dtype(at::kFloat));
      check(atelier::quantize_fp8_rows(dt, x2.data_ptr(), static_cast<uint8_t*>(q.data_ptr()), sa.data_ptr<float>(),
                                       M, K, at::cuda::getCurrentCUDAStream().stream()),
            "quantize_fp8_rows");
    }
    out[0] = wrap(q);
    out[1] = wrap(sa);
    return 0;
  });
  return handle_pair(env, out);
}

// y = (q · scale_a) (w8 · scale_b)^T + bias, shaped like x [..., N] (x only gives the shape and dtype). scale_a is
// [M, 1] (row-wise) or one element (tensor-wise); scale_b is the weight's per-tensor scale, one element or repeated
// along a [1, N] row: with a tensor-wise scale_a its first element is used, so one stored row serves both scalings.
// fast_accum: the fp8 tensor cores accumulate without the periodic promotion to float32 (faster, less exact).
JNIEXPORT jlong JNICALL Java_dev_atelier_inference_nn_AtelierNative_fp8Mm(
    JNIEnv* env, jclass, jlong hx, jlong hq, jlong hsa, jlong hw8, jlong hscale_b, jlong hbias, jboolean fast_accum) {
  return guarded(env, [&]() -> jlong {
    const at::Tensor& x = T(hx);
    const at::Tensor& w8 = T(hw8);
    require(w8.scalar_type() == at::kFloat8_e4m3fn && w8.dim() == 2, "weight must be a 2-D float8_e4m3fn tensor");
    require(w8.size(1) == x.size(-1), "weight must be [N, K] for x [..., K]");
    const at::Tensor& sa = T(hsa);
    at::Tensor sb = T(hscale_b);
    if (sa.numel() == 1 && sb.numel() != 1) sb = sb.reshape({-1}).narrow(0, 0, 1);
    c10::cuda::CUDAGuard guard(x.device());
    c10::optional<at::Tensor> bias;
    if (hbias != 0) bias = T(hbias);
    at::Tensor y = at::_scaled_mm(T(hq), w8.t(), sa, sb, bias, c10::nullopt, x.scalar_type(), fast_accum != 0);
    std::vector<int64_t> shape(x.sizes().begin(), x.sizes().end());
    shape.back() = w8.size(0);
    return wrap(y.view(shape));
  });
}

// x [..., K] (at most 16 rows in all) times an 8-bit float weight w8 [N, K] (float8_e4m3fn / float8_e5m2 / uint8
// codes) dequantised on the fly: see atelier::fp8_gemv.
JNIEXPORT jlong JNICALL Java_dev_atelier_inference_nn_AtelierNative_fp8Gemv(
    JNIEnv* env, jclass, jlong hx, jlong hw8, jfloat scale, jboolean e5m2, jlong hbias) {
  return guarded(env, [&]() -> jlong {
    const at::Tensor& x = T(hx);
    const at::Tensor& w8 = T(hw8);
    cuda_tensor(x, "x");
    cuda_tensor(w8, "weight");
    const auto dt = dtype_of(x, "x");
    require(dt != atelier::F32, "fp8Gemv takes bf16 or fp16 activations");
    require(w8.element_size() == 1 && w8.dim() == 2 && w8.is_contiguous(), "weight must be a contiguous 2-D 8-bit tensor");
    const int64_t K = x.size(-1), N = w8.size(0);
    require(w8.size(1) == K && K % 16 == 0, "weight must be [N, K] with K a multiple of 16");
    c10::cuda::CUDAGuard guard(x.device());
    at::Tensor x2 = x.reshape({-1, K}).contiguous();
    const int64_t M = x2.size(0);
    require(M <= 16, "fp8Gemv takes at most 16 rows");
    const void* b = nullptr;
    at::Tensor bias;
    if (hbias != 0) {
      bias = T(hbias).contiguous();
      require(bias.scalar_type() == x.scalar_type() && bias.numel() == N, "bias must be [N] in x's dtype");
      b = bias.data_ptr();
    }
    at::Tensor y = at::empty({M, N}, x2.options());
    check(atelier::fp8_gemv(dt, x2.data_ptr(), static_cast<const uint8_t*>(w8.data_ptr()), scale, e5m2 ? 1 : 0, b,
                            y.data_ptr(), M, N, K, at::cuda::getCurrentCUDAStream().stream()),
          "fp8_gemv");
    std::vector<int64_t> shape(x.sizes().begin(), x.sizes().end());
    shape.back() = N;
    return wrap(y.view(shape));
  });
}

// GELU(tanh)(x W^T + b) as one cuBLASLt GEMM with the GELU in its epilogue (torch._addmm_activation).
JNIEXPORT jlong JNICALL Java_dev_atelier_inference_nn_AtelierNative_linearGelu(JNIEnv* env, jclass, jlong hx,
                                                                               jlong hw, jlong hb) {
  return guarded(env, [&]() -> jlong {
    const at::Tensor& x = T(hx);
    const at::Tensor& w = T(hw);
    const at::Tensor& b = T(hb);
    cuda_tensor(x, "x");
    require(w.dim() == 2 && w.size(1) == x.size(-1) && b.dim() == 1 && b.size(0) == w.size(0),
            "linearGelu: weight [N, K] and bias [N] for x [..., K]");
    c10::cuda::CUDAGuard guard(x.device());
    at::Tensor x2 = x.reshape({-1, x.size(-1)});
    at::Tensor y = at::_addmm_activation(b, x2, w.t(), 1, 1, true);
    std::vector<int64_t> shape(x.sizes().begin(), x.sizes().end());
    shape.back() = w.size(0);
    return wrap(y.view(shape));
  });
}

// The joint value tensor without a concat: out [B, Sa + Sb, N] with rows [0, Sa) = xa Wa^T + ba and rows [Sa, Sa + Sb)
// = xb Wb^T + bb, each GEMM (bias in its epilogue) writing its rows of out in place, one pair per sample.
JNIEXPORT jlong JNICALL Java_dev_atelier_inference_nn_AtelierNative_linearJoint(JNIEnv* env, jclass, jlong hxa,
                                                                                jlong hwa, jlong hba, jlong hxb,
                                                                                jlong hwb, jlong hbb) {
  return guarded(env, [&]() -> jlong {
    const at::Tensor& xa = T(hxa);
    const at::Tensor& xb = T(hxb);
    const at::Tensor& wa = T(hwa);
    const at::Tensor& wb = T(hwb);
    const at::Tensor& ba = T(hba);
    const at::Tensor& bb = T(hbb);
    cuda_tensor(xa, "xa");
    cuda_tensor(xb, "xb");
    require(xa.dim() == 3 && xb.dim() == 3 && xa.size(0) == xb.size(0) && xa.size(2) == xb.size(2),
            "linearJoint: xa [B, Sa, K] and xb [B, Sb, K]");
    require(wa.dim() == 2 && wb.dim() == 2 && wa.sizes() == wb.sizes() && wa.size(1) == xa.size(2),
            "linearJoint: weights [N, K] of one shape");
    require(ba.dim() == 1 && bb.dim() == 1 && ba.size(0) == wa.size(0) && bb.size(0) == wa.size(0),
            "linearJoint: biases [N]");
    require(xa.scalar_type() == xb.scalar_type() && wa.scalar_type() == xa.scalar_type()
                && wb.scalar_type() == xa.scalar_type(), "linearJoint: one dtype");
    c10::cuda::CUDAGuard guard(xa.device());
    const int64_t B = xa.size(0), Sa = xa.size(1), Sb = xb.size(1);
    at::Tensor out = at::empty({B, Sa + Sb, wa.size(0)}, xa.options());
    for (int64_t b = 0; b < B; b++) {
      at::Tensor ob = out.select(0, b);
      at::Tensor oa = ob.narrow(0, 0, Sa);
      at::Tensor oc = ob.narrow(0, Sa, Sb);
      at::addmm_out(oa, ba, xa.select(0, b), wa.t());
      at::addmm_out(oc, bb, xb.select(0, b), wb.t());
    }
    return wrap(out);
  });
}

JNIEXPORT jlong JNICALL Java_dev_atelier_inference_nn_AtelierNative_geluTanh(JNIEnv* env, jclass, jlong hx) {
  return guarded(env, [&]() -> jlong { return wrap(at::gelu(T(hx), "tanh")); });
}

JNIEXPORT jlong JNICALL Java_dev_atelier_inference_nn_AtelierNative_silu(JNIEnv* env, jclass, jlong hx) {
  return guarded(env, [&]() -> jlong { return wrap(at::silu(T(hx))); });
}

// An uninitialised tensor shaped like `like` but with dim 1 = tokens (for qkNormRopeInto's joint output).
JNIEXPORT jlong JNICALL Java_dev_atelier_inference_nn_AtelierNative_emptyTokens(JNIEnv* env, jclass, jlong hlike,
                                                                                jlong tokens) {
  return guarded(env, [&]() -> jlong {
    const at::Tensor& l = T(hlike);
    std::vector<int64_t> shape(l.sizes().begin(), l.sizes().end());
    require(shape.size() >= 2, "like must have a token dim");
    shape[1] = tokens;
    return wrap(at::empty(shape, l.options()));
  });
}

}  // extern "C"
