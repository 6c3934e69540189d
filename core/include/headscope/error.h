// Errors that core reports to its callers. Every failure a user can cause (a bad file, a missing field,
// a cancelled run) arrives as one of these with a message that names the file, field or tensor.
#pragma once
#include <stdexcept>
#include <string>

namespace headscope {

class Error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
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
