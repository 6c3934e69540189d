#include "headscope/text_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

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

std::string readTextFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) failFile(path, "cannot open");
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) failFile(path, "read failed");
    return text.str();
}

void writeTextFileAtomically(const std::string& path, const std::string& text) {
    StagedFile file(path);
    file.write(text);
    file.commit();
}

}  // namespace headscope
