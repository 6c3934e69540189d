// LibTorch reports failures as c10::Error with a long C++ backtrace; at core's public entry points they
// become headscope::Error carrying only LibTorch's message, prefixed with what was being done.
#pragma once
#include <string>
#include <utility>

#include "headscope/error.h"
#include "torch_pch.h"

namespace headscope::detail {

template <typename Fn>
auto translateTorchErrors(const std::string& activity, Fn&& fn) -> decltype(fn()) {
    try {
        return std::forward<Fn>(fn)();
    } catch (const c10::Error& e) {
        throw Error(activity + ": " + e.what_without_backtrace());
    }
}

}  // namespace headscope::detail
