#include "fuzz_support.h"

#include <cerrno>
#include <cstring>
#include <filesystem>

#include <fcntl.h>
#include <unistd.h>

namespace headscope::fuzz {

namespace {

struct ScratchDir {
    std::string path;
    pid_t owner = 0;

    ScratchDir() {
        const char* tmp = std::getenv("TMPDIR");
        std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/headscope-fuzz-XXXXXX";
        if (!::mkdtemp(pattern.data())) {
            std::fprintf(stderr, "fuzz: cannot create a scratch folder %s: %s\n", pattern.c_str(),
                         std::strerror(errno));
            std::abort();
        }
        path = pattern;
        owner = ::getpid();
    }
    ~ScratchDir() {
        // Only the process that made it removes it (libFuzzer's -fork children inherit nothing of it).
        if (::getpid() != owner) return;
        std::error_code ignored;
        std::filesystem::remove_all(path, ignored);
    }
};

}  // namespace

const std::string& scratchDir() {
    static const ScratchDir dir;
    return dir.path;
}

std::string writeScratchFile(const std::string& name, const uint8_t* data, size_t size) {
    const std::string path = scratchDir() + "/" + name;
    // A new file each run: truncating the previous one makes ext4 flush it to disk on close
    // (auto_da_alloc), which would cost a disk write per run.
    ::unlink(path.c_str());
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        std::fprintf(stderr, "fuzz: cannot write %s: %s\n", path.c_str(), std::strerror(errno));
        std::abort();
    }
    while (size > 0) {
        const ssize_t written = ::write(fd, data, size);
        if (written < 0 && errno == EINTR) continue;
        if (written <= 0) {
            std::fprintf(stderr, "fuzz: cannot write %s: %s\n", path.c_str(), std::strerror(errno));
            std::abort();
        }
        data += written;
        size -= size_t(written);
    }
    ::close(fd);
    return path;
}

void failUnnamed(const std::string& name, const headscope::Error& error) {
    std::fprintf(stderr, "fuzz: an error does not name the file '%s': %s\n", name.c_str(), error.what());
    std::abort();
}

}  // namespace headscope::fuzz
