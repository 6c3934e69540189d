#include <cmath>
#include <cstdlib>

#include "commands.h"

namespace headscope::cli {

namespace {
const std::set<std::string> kSwitches = {"json",     "no-eval", "no-inventory", "describe", "decode",
                                         "sample",   "help",    "contrib",     "no-enhance-perception",
                                         "no-enhance-reasoning", "attenuate-others"};
}

Arguments Arguments::parse(int argc, char** argv) {
    Arguments args;
    for (int i = 0; i < argc; ++i) {
        std::string token = argv[i];
        if (token.rfind("--", 0) != 0 || token.size() == 2) throw UsageError("unexpected argument '" + token + "'");
        std::string name = token.substr(2);
        const auto eq = name.find('=');
        if (eq != std::string::npos) {
            args.values_[name.substr(0, eq)] = name.substr(eq + 1);
        } else if (kSwitches.count(name)) {
            args.flags_.insert(name);
        } else {
            if (i + 1 >= argc) throw UsageError("option --" + name + " needs a value");
            args.values_[name] = argv[++i];
        }
    }
    return args;
}

bool Arguments::has(const std::string& name) const { return values_.count(name) || flags_.count(name); }

std::string Arguments::value(const std::string& name) const {
    auto it = values_.find(name);
    if (it == values_.end()) throw UsageError("missing required option --" + name);
    return it->second;
}

std::string Arguments::valueOr(const std::string& name, const std::string& fallback) const {
    auto it = values_.find(name);
    return it == values_.end() ? fallback : it->second;
}

int64_t Arguments::intOr(const std::string& name, int64_t fallback) const {
    auto it = values_.find(name);
    if (it == values_.end()) return fallback;
    char* end = nullptr;
    const long long v = std::strtoll(it->second.c_str(), &end, 10);
    if (it->second.empty() || *end != '\0') throw UsageError("--" + name + " expects an integer, got '" + it->second + "'");
    return v;
}

double Arguments::numberOr(const std::string& name, double fallback) const {
    auto it = values_.find(name);
    if (it == values_.end()) return fallback;
    char* end = nullptr;
    const double v = std::strtod(it->second.c_str(), &end);
    if (it->second.empty() || *end != '\0') throw UsageError("--" + name + " expects a number, got '" + it->second + "'");
    // strtod reads "nan" and "inf"; no option of ours means either.
    if (!std::isfinite(v)) throw UsageError("--" + name + " expects a finite number, got '" + it->second + "'");
    return v;
}

void Arguments::allowOnly(const std::set<std::string>& allowed) const {
    for (const auto& [name, value] : values_)
        if (!allowed.count(name)) throw UsageError("unknown option --" + name);
    for (const auto& name : flags_)
        if (!allowed.count(name)) throw UsageError("unknown option --" + name);
}

LoadOptions loadOptionsFrom(const Arguments& args) {
    LoadOptions options;
    const std::string device = args.valueOr("device", "auto");
    if (!parseDeviceChoice(device, &options.device))
        throw UsageError("--device must be auto, cpu or cuda, got '" + device + "'");
    const std::string dtype = args.valueOr("dtype", "auto");
    if (!parseDTypeChoice(dtype, &options.dtype))
        throw UsageError("--dtype must be auto, fp32, bf16 or fp16, got '" + dtype + "'");
    const std::string attention = args.valueOr("attention", "auto");
    if (!parseAttentionChoice(attention, &options.attention))
        throw UsageError("--attention must be auto, fused or eager, got '" + attention + "'");
    const int64_t threads = args.intOr("threads", 0);
    if (threads < 0 || threads > kMaxComputeThreads)
        throw UsageError("--threads must be between 0 (one per core) and " + std::to_string(kMaxComputeThreads) +
                         ", got " + std::to_string(threads));
    options.threads = static_cast<int>(threads);
    return options;
}

}  // namespace headscope::cli
