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

// Removes a temporary file unless it was renamed into place.
class TemporaryPath {
public:
    explicit TemporaryPath(std::string path) : path_(std::move(path)) {}
    ~TemporaryPath() {
        if (!path_.empty()) ::unlink(path_.c_str());
    }
    TemporaryPath(const TemporaryPath&) = delete;
    TemporaryPath& operator=(const TemporaryPath&) = delete;
    void release() { path_.clear(); }

private:
    std::string path_;
};

void writeAll(int fd, const std::string& path, const std::string& text) {
    const char* cursor = text.data();
    size_t left = text.size();
    while (left > 0) {
        const ssize_t written = ::write(fd, cursor, left);
        if (written < 0 && errno == EINTR) continue;
        if (written <= 0) failFile(path, "write failed");
        cursor += written;
        left -= static_cast<size_t>(written);
    }
}

}  // namespace

std::string readTextFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) failFile(path, "cannot open");
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) failFile(path, "read failed");
    return text.str();
}

void writeTextFileAtomically(const std::string& path, const std::string& text) {
    std::string temporary = path + ".tmp-XXXXXX";
    const int fd = ::mkstemp(temporary.data());
    if (fd < 0) failFile(path, "cannot create a temporary file");
    TemporaryPath cleanup(temporary);
    ::fchmod(fd, 0644);  // mkstemp creates 0600; these files are shared like any other document
    try {
        writeAll(fd, temporary, text);
        if (::fsync(fd) != 0) failFile(temporary, "fsync failed");
    } catch (...) {
        ::close(fd);
        throw;
    }
    if (::close(fd) != 0) failFile(temporary, "close failed");
    if (std::rename(temporary.c_str(), path.c_str()) != 0) failFile(path, "cannot rename " + temporary + " into place");
    cleanup.release();
}

}  // namespace headscope
