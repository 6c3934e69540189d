// Errors that core reports to its callers. Every failure a user can cause (a bad file, a missing field,
// a cancelled run) arrives as one of these with a message that names the file, field or tensor.
#pragma once
#include <stdexcept>
#include <string>

namespace headscope {

// Messages quote what they found, and what they found may be a 50 MB string from a hostile file: a
// message longer than kMaxErrorMessage keeps its start and its end (where the file and the problem are
// said) around a marked cut.
class Error : public std::runtime_error {
public:
    static constexpr size_t kMaxErrorMessage = 2000;
    explicit Error(const std::string& message) : std::runtime_error(bounded(message)) {}
    explicit Error(const char* message) : Error(std::string(message)) {}

private:
    static std::string bounded(const std::string& message);
};

// A file is malformed: corrupt safetensors, bad JSON, a field of the wrong type, an undecodable image.
class FormatError : public Error {
public:
    using Error::Error;
};

// The input is well formed but cannot be used: unsupported model type, missing tensor, empty prompt.
class InvalidInputError : public Error {
public:
    using Error::Error;
};

}  // namespace headscope
