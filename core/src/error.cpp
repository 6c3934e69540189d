#include "headscope/error.h"

namespace headscope {

std::string Error::bounded(const std::string& message) {
    if (message.size() <= kMaxErrorMessage) return message;
    constexpr size_t kHead = kMaxErrorMessage * 2 / 3, kTail = kMaxErrorMessage / 4;
    // Cut on UTF-8 character boundaries so the message stays valid text.
    size_t headEnd = kHead;
    while (headEnd > 0 && (static_cast<unsigned char>(message[headEnd]) & 0xC0) == 0x80) --headEnd;
    size_t tailBegin = message.size() - kTail;
    while (tailBegin < message.size() && (static_cast<unsigned char>(message[tailBegin]) & 0xC0) == 0x80) ++tailBegin;
    return message.substr(0, headEnd) + " [... " + std::to_string(tailBegin - headEnd) + " bytes cut ...] " +
           message.substr(tailBegin);
}

}  // namespace headscope
