// The decode loop behind Session::generate, open to core's analyses that need a head hook on every pass.
#pragma once
#include "models/head_hook.h"
#include "session_impl.h"

namespace headscope::detail {

// `run` carries the head hook and attention observer (its cancel flag is replaced by `cancel`).
GenerationResult runGeneration(const Session::Impl& session, const PreparedInput& input,
                               const GenerationOptions& options, const TokenCallback& onToken,
                               const std::atomic<bool>* cancel, const models::DecoderRunOptions& run);

}  // namespace headscope::detail
