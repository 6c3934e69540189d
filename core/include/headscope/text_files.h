// Whole-file text I/O with errors that name the file. Writes go through a temporary file in the target's
// folder, flushed to disk and renamed over the target, so a reader never sees half a file.
#pragma once
#include <string>

namespace headscope {

// Throws Error naming the file when it cannot be read.
std::string readTextFile(const std::string& path);

// Throws Error naming the file; a failed write leaves the previous file (if any) untouched.
void writeTextFileAtomically(const std::string& path, const std::string& text);

}  // namespace headscope
