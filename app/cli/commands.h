// The subcommands of headscope-cli and their shared argument parsing.
#pragma once
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "headscope/session.h"

namespace headscope::cli {

struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// "--name value" options and "--flag" switches. Which names are switches is fixed in one list so that
// a value is never mistaken for a flag.
class Arguments {
public:
    static Arguments parse(int argc, char** argv);

    bool has(const std::string& name) const;
    std::string value(const std::string& name) const;  // UsageError when missing
    std::string valueOr(const std::string& name, const std::string& fallback) const;
    int64_t intOr(const std::string& name, int64_t fallback) const;
    double numberOr(const std::string& name, double fallback) const;
    // UsageError naming any option not in `allowed`.
    void allowOnly(const std::set<std::string>& allowed) const;

private:
    std::map<std::string, std::string> values_;
    std::set<std::string> flags_;
};

// --device / --dtype / --threads / --attention.
LoadOptions loadOptionsFrom(const Arguments& args);

int runVersion(const Arguments& args);  // --version [--json]
int runGenerate(const Arguments& args);
int runTokenize(const Arguments& args);
int runDump(const Arguments& args);
int runMakeRandomModel(const Arguments& args);
int runProfile(const Arguments& args);
int runCompare(const Arguments& args);
int runContrib(const Arguments& args);
int runTrainDemo(const Arguments& args);
int runEvalDemo(const Arguments& args);
int runEval(const Arguments& args);
int runEvalMerge(const Arguments& args);
int runEvalGallery(const Arguments& args);
int runMakeDemoData(const Arguments& args);
int runImportData(const Arguments& args);
int runSweep(const Arguments& args);

}  // namespace headscope::cli
