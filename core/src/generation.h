// The decode loop behind Session::generate, open to core's analyses that need a head hook on every pass.
#pragma once
#include "models/head_hook.h"
#include "session_impl.h"

namespace headscope::detail {

GenerationResult runGeneration(const Session::Impl& session, const PreparedInput& input,
                               const GenerationOptions& options, const TokenCallback& onToken,
                               const std::atomic<bool>* cancel, models::HeadOutputHook* headHook);

}  // namespace headscope::detail
