#include <cstdio>
#include <iostream>
#include <iterator>
#include <sstream>

#include "commands.h"

namespace headscope::cli {

namespace {

std::string readStandardInput() {
    std::ostringstream bytes;
    bytes << std::cin.rdbuf();
    return bytes.str();
}

std::vector<int64_t> parseIds(const std::string& text) {
    std::vector<int64_t> ids;
    std::istringstream in(text);
    std::string word;
    while (in >> word) {
        char* end = nullptr;
        const long long id = std::strtoll(word.c_str(), &end, 10);
        if (*end != '\0') throw UsageError("--decode expects space-separated integer ids, got '" + word + "'");
        ids.push_back(id);
    }
    return ids;
}

}  // namespace

int runTokenize(const Arguments& args) {
    args.allowOnly({"model", "text", "decode"});
    auto tokenizer = Tokenizer::fromFolder(args.value("model"));
    std::ios::sync_with_stdio(false);
    std::cin >> std::noskipws;
    const std::string input = args.has("text") ? args.value("text") : readStandardInput();
    if (args.has("decode")) {
        std::fputs(tokenizer->decode(parseIds(input)).c_str(), stdout);
        return 0;
    }
    const std::vector<int64_t> ids = tokenizer->encode(input);
    std::string line;
    for (size_t i = 0; i < ids.size(); ++i) line += (i ? " " : "") + std::to_string(ids[i]);
    std::puts(line.c_str());
    return 0;
}

}  // namespace headscope::cli
