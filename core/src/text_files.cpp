#include "headscope/text_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "headscope/error.h"

namespace headscope {

namespace {

[[noreturn]] void failFile(const std::string& path, const std::string& what) {
    throw Error(path + ": " + what + ": " + std::strerror(errno));
}

}  // namespace

StagedFile::StagedFile(std::string target) : target_(std::move(target)), temporary_(target_ + ".tmp-XXXXXX") {
    struct stat info {};
    if (::stat(target_.c_str(), &info) == 0 && S_ISDIR(info.st_mode))
        throw Error(target_ + ": is a folder, cannot be written as a file");
    fd_ = ::mkstemp(temporary_.data());
    if (fd_ < 0) failFile(target_, "cannot create temporary file " + temporary_);
    ::fchmod(fd_, 0644);  // mkstemp creates 0600; these files are shared like any other document
}

StagedFile::~StagedFile() {
    if (fd_ >= 0) ::close(fd_);
    if (!committed_) ::unlink(temporary_.c_str());
}

void StagedFile::write(const void* bytes, size_t size) {
    const auto* cursor = static_cast<const char*>(bytes);
    while (size > 0) {
        const ssize_t written = ::write(fd_, cursor, size);
        if (written < 0 && errno == EINTR) continue;
        if (written <= 0) fail("write failed");
        cursor += written;
        size -= static_cast<size_t>(written);
    }
}

void StagedFile::commit() {
    if (::fsync(fd_) != 0) fail("fsync failed");
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) fail("close failed");
    if (std::rename(temporary_.c_str(), target_.c_str()) != 0)
        failFile(target_, "cannot rename " + temporary_ + " into place");
    committed_ = true;
}

void StagedFile::fail(const std::string& what) const { failFile(temporary_, what); }

std::string readBoundedFile(const std::string& path, uint64_t maxBytes) {
    // O_NONBLOCK: opening a FIFO must not wait for a writer; the regular-file check then refuses it.
    const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) failFile(path, "cannot open");
    struct FdCloser {
        int fd;
        ~FdCloser() { ::close(fd); }
    } closer{fd};
    struct stat info {};
    if (::fstat(fd, &info) != 0) failFile(path, "cannot stat");
    if (S_ISDIR(info.st_mode)) throw Error(path + ": is a folder, not a file");
    if (!S_ISREG(info.st_mode)) throw Error(path + ": is not a regular file (a device, a pipe or a socket)");
    if (uint64_t(info.st_size) > maxBytes)
        throw Error(path + ": is " + std::to_string(info.st_size) + " bytes, more than the " + std::to_string(maxBytes) +
                    " read at most");
    std::string text(size_t(info.st_size), '\0');
    size_t done = 0;
    while (done < text.size()) {
        const ssize_t got = ::read(fd, text.data() + done, text.size() - done);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) failFile(path, "read failed");
        if (got == 0) break;  // the file shrank while being read
        done += size_t(got);
    }
    text.resize(done);
    return text;
}

std::string readTextFile(const std::string& path) { return readBoundedFile(path, uint64_t(1) << 30); }

void writeTextFileAtomically(const std::string& path, const std::string& text) {
    StagedFile file(path);
    file.write(text);
    file.commit();
}

}  // namespace headscope
