// Optional part of libatelier_kernels.so: torch's Kineto profiler (CPU ops + CUDA kernels) driven from Java, for
// `atelier bench transformer --profile trace.json` (a Chrome trace, as torch.profiler exports it). Built when the
// torch headers offer this API; build-kernels.sh leaves it out (and says so) otherwise.
#include <jni.h>

#include <torch/csrc/autograd/profiler_kineto.h>

#include <memory>
#include <set>
#include <string>

extern "C" {

JNIEXPORT void JNICALL Java_dev_atelier_inference_nn_AtelierNative_profilerStart(JNIEnv* env, jclass) {
  try {
    using torch::profiler::impl::ActivityType;
    torch::profiler::impl::ProfilerConfig cfg(torch::profiler::impl::ProfilerState::KINETO);
    std::set<ActivityType> acts{ActivityType::CPU, ActivityType::CUDA};
    torch::autograd::profiler::prepareProfiler(cfg, acts);
    torch::autograd::profiler::enableProfiler(cfg, acts);
  } catch (const std::exception& e) {
    env->ThrowNew(env->FindClass("java/lang/RuntimeException"), e.what());
  }
}

JNIEXPORT void JNICALL Java_dev_atelier_inference_nn_AtelierNative_profilerStop(JNIEnv* env, jclass, jstring jpath) {
  try {
    std::unique_ptr<torch::autograd::profiler::ProfilerResult> r = torch::autograd::profiler::disableProfiler();
    const char* p = env->GetStringUTFChars(jpath, nullptr);
    std::string path(p);
    env->ReleaseStringUTFChars(jpath, p);
    r->save(path);
  } catch (const std::exception& e) {
    env->ThrowNew(env->FindClass("java/lang/RuntimeException"), e.what());
  }
}

}  // extern "C"
