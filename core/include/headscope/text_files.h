// Whole-file I/O with errors that name the file. Writes go through a temporary file in the target's folder,
// flushed to disk and renamed over the target, so a reader never sees half a file.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace headscope {

// Throws Error naming the file when it cannot be read, is not a regular file (a folder, a FIFO, a device)
// or is larger than 1 GiB.
std::string readTextFile(const std::string& path);

// The same with a size limit chosen by the caller (configs and tokenizer files are read whole, so a link to
// /dev/zero or a 50 GB file must be refused before reading, not after).
std::string readBoundedFile(const std::string& path, uint64_t maxBytes);

// The limit for a model folder's JSON files (config, tokenizer, preprocessor, generation config).
constexpr uint64_t kMaxJsonFileBytes = uint64_t(256) << 20;

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
