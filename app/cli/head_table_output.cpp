#include "head_table_output.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <stdexcept>

namespace headscope::cli {

namespace {

int64_t layersOf(const FloatArray& table) { return table.shape.at(0); }
int64_t headsOf(const FloatArray& table) { return table.shape.at(1); }

char classLetter(int64_t code) {
    switch (static_cast<HeadClass>(code)) {
    case HeadClass::Perception: return 'P';
    case HeadClass::Reasoning: return 'R';
    case HeadClass::Other: return '.';
    }
    return '?';
}

double percent(double fraction) { return 100.0 * fraction; }

}  // namespace

void printClassTable(const HeadClassification& classification, const FloatArray& visualShare) {
    const int64_t layers = layersOf(visualShare), heads = headsOf(visualShare);
    std::printf("layer  %-*s  S_v per head\n", static_cast<int>(std::max<int64_t>(heads, 5)), "class");
    for (int64_t l = 0; l < layers; ++l) {
        std::string letters;
        for (int64_t h = 0; h < heads; ++h)
            letters += classLetter(classification.classes.data[l * heads + h]);
        std::printf("%5lld  %-*s ", static_cast<long long>(l), static_cast<int>(std::max<int64_t>(heads, 5)),
                    letters.c_str());
        for (int64_t h = 0; h < heads; ++h) std::printf(" %.3f", visualShare.data[l * heads + h]);
        std::printf("\n");
    }
}

void printValueTable(const FloatArray& table) {
    const int64_t layers = layersOf(table), heads = headsOf(table);
    std::printf("layer");
    for (int64_t h = 0; h < heads; ++h) std::printf("  %9s", ("head " + std::to_string(h)).c_str());
    std::printf("\n");
    for (int64_t l = 0; l < layers; ++l) {
        std::printf("%5lld", static_cast<long long>(l));
        for (int64_t h = 0; h < heads; ++h) std::printf("  %+9.3e", table.data[l * heads + h]);
        std::printf("\n");
    }
}

std::string classCountsLine(const HeadClassification& c) {
    char line[160];
    std::snprintf(line, sizeof line,
                  "perception %lld (%.1f%%), reasoning %lld (%.1f%%), selected %.1f%% of %lld heads",
                  static_cast<long long>(c.perceptionCount), percent(c.perceptionFraction()),
                  static_cast<long long>(c.reasoningCount), percent(c.reasoningFraction()),
                  percent(c.selectedFraction()), static_cast<long long>(c.totalHeads));
    return line;
}

HeadClassification countClasses(const Int64Array& classes) {
    HeadClassification c;
    c.classes = classes;
    c.totalHeads = static_cast<int64_t>(classes.data.size());
    for (int64_t code : classes.data) {
        if (code == static_cast<int64_t>(HeadClass::Perception)) ++c.perceptionCount;
        if (code == static_cast<int64_t>(HeadClass::Reasoning)) ++c.reasoningCount;
    }
    return c;
}

nlohmann::json tableJson(const FloatArray& table) {
    const int64_t layers = layersOf(table), heads = headsOf(table);
    nlohmann::json rows = nlohmann::json::array();
    for (int64_t l = 0; l < layers; ++l)
        rows.push_back(
            std::vector<float>(table.data.begin() + l * heads, table.data.begin() + (l + 1) * heads));
    return rows;
}

nlohmann::json classNamesJson(const Int64Array& classes) {
    const int64_t layers = classes.shape.at(0), heads = classes.shape.at(1);
    nlohmann::json rows = nlohmann::json::array();
    for (int64_t l = 0; l < layers; ++l) {
        nlohmann::json row = nlohmann::json::array();
        for (int64_t h = 0; h < heads; ++h)
            row.push_back(headClassName(static_cast<HeadClass>(classes.data[l * heads + h])));
        rows.push_back(row);
    }
    return rows;
}

nlohmann::json classCountsJson(const HeadClassification& c) {
    return {{"counts",
             {{"perception", c.perceptionCount},
              {"reasoning", c.reasoningCount},
              {"selected", c.perceptionCount + c.reasoningCount},
              {"total", c.totalHeads}}},
            {"fractions",
             {{"perception", c.perceptionFraction()},
              {"reasoning", c.reasoningFraction()},
              {"selected", c.selectedFraction()}}}};
}

std::vector<HeadValue> largestMagnitudes(const FloatArray& table, size_t count) {
    const int64_t heads = headsOf(table);
    std::vector<HeadValue> all;
    for (size_t i = 0; i < table.data.size(); ++i)
        all.push_back({static_cast<int64_t>(i) / heads, static_cast<int64_t>(i) % heads, table.data[i]});
    count = std::min(count, all.size());
    // Stable, so that equal magnitudes keep layer-then-head order.
    std::stable_sort(all.begin(), all.end(), [](const HeadValue& a, const HeadValue& b) {
        return std::abs(a.value) > std::abs(b.value);
    });
    all.resize(count);
    return all;
}

void writeHeadCsv(const std::string& path, const FloatArray& contribution, const FloatArray& visualShare) {
    const int64_t layers = layersOf(contribution), heads = headsOf(contribution);
    const std::string temporary = path + ".partial";
    {
        std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
        if (!out) throw std::runtime_error("cannot write " + path + " (creating " + temporary + " failed)");
        // Enough digits that a float reads back as the same float.
        out.precision(std::numeric_limits<float>::max_digits10);
        out << "layer,head,contribution,visual_share\n";
        for (int64_t l = 0; l < layers; ++l)
            for (int64_t h = 0; h < heads; ++h)
                out << l << ',' << h << ',' << contribution.data[l * heads + h] << ','
                    << visualShare.data[l * heads + h] << '\n';
        out.flush();
        if (!out) {
            out.close();
            std::remove(temporary.c_str());
            throw std::runtime_error("writing " + path + " failed (disk full?)");
        }
    }
    if (std::rename(temporary.c_str(), path.c_str()) != 0) {
        std::remove(temporary.c_str());
        throw std::runtime_error("cannot write " + path + " (renaming " + temporary + " failed)");
    }
}

std::string tokenText(const Tokenizer& tokenizer, int64_t id) {
    // Qwen pads its embedding table past the tokenizer's ids: such ids have no text, as in generation.
    if (!tokenizer.idToToken(id)) return "";
    return tokenizer.decode({id});
}

std::string tokenLabel(const Tokenizer& tokenizer, int64_t id) {
    return std::to_string(id) + " " +
           nlohmann::json(tokenText(tokenizer, id))
               .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace headscope::cli
