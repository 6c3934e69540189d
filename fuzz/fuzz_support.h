// What the fuzz targets share: the rule for what counts as a finding, and a scratch folder for the entry
// points that read files.
//
// The library answers a bad input with headscope::Error (error.h): that is an expected result. Anything else
// is a finding and reaches libFuzzer as a crash: another exception escapes the target (std::terminate ->
// abort), a sanitizer report, a timeout or an allocation over -rss_limit_mb / -malloc_limit_mb.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "headscope/error.h"

namespace headscope::fuzz {

// A folder of this process's own (mkdtemp under $TMPDIR, else /tmp), removed when the process exits.
const std::string& scratchDir();

// Writes `size` bytes to scratchDir()/name, replacing the previous run's file; returns the path.
std::string writeScratchFile(const std::string& name, const uint8_t* data, size_t size);
inline std::string writeScratchFile(const std::string& name, const std::string& text) {
    return writeScratchFile(name, reinterpret_cast<const uint8_t*>(text.data()), text.size());
}

// Aborts (a finding) with the message of an Error that does not name the file it is about.
[[noreturn]] void failUnnamed(const std::string& name, const headscope::Error& error);

// Runs `body`. An Error is the expected answer to a bad input; with a non-empty `mustName`, its message
// must name that file, as the library promises. Any other exception propagates: a finding.
template <typename Body>
bool runExpectingErrors(const std::string& mustName, Body&& body) {
    try {
        body();
        return true;
    } catch (const headscope::Error& error) {
        if (!mustName.empty() && std::string(error.what()).find(mustName) == std::string::npos)
            failUnnamed(mustName, error);
        return false;
    }
}

}  // namespace headscope::fuzz
