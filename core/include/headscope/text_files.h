// Whole-file I/O with errors that name the file. Writes go through a temporary file in the target's folder,
// flushed to disk and renamed over the target, so a reader never sees half a file.
#pragma once
#include <cstddef>
#include <string>

namespace headscope {

// Throws Error naming the file when it cannot be read.
std::string readTextFile(const std::string& path);

// Throws Error naming the file; a failed write leaves the previous file (if any) untouched.
void writeTextFileAtomically(const std::string& path, const std::string& text);

// A file written beside its target under a temporary name. commit() flushes it to disk and renames it over
// the target; destroyed without a commit, it is removed and the target is untouched. Files that must change
// together are all staged first and committed last, so that any write error leaves every target as it was.
class StagedFile {
public:
    // Throws Error when the target is a folder or no temporary file can be created beside it.
    explicit StagedFile(std::string target);
    ~StagedFile();
    StagedFile(const StagedFile&) = delete;
    StagedFile& operator=(const StagedFile&) = delete;

    void write(const void* bytes, size_t size);
    void write(const std::string& text) { write(text.data(), text.size()); }
    void commit();
    const std::string& target() const { return target_; }

private:
    [[noreturn]] void fail(const std::string& what) const;

    std::string target_, temporary_;
    int fd_ = -1;
    bool committed_ = false;
};

}  // namespace headscope
