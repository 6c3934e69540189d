// WeightStore: every tensor of a model folder (a single model.safetensors or the shards named by
// model.safetensors.index.json), looked up by name.
#include "headscope/error.h"
#include "json_fields.h"
#include "headscope/safetensors.h"
#include "headscope/text_files.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace headscope {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr const char* kSingleFileName = "model.safetensors";
constexpr const char* kIndexFileName = "model.safetensors.index.json";

using FileList = std::vector<std::unique_ptr<SafetensorsFile>>;

json readIndexJson(const std::string& indexPath) {
    const std::string text = readBoundedFile(indexPath, kMaxJsonFileBytes);
    try {
        return json_fields::parseBounded(text);
    } catch (const json_fields::BadJson& e) {
        throw FormatError(indexPath + ": not valid JSON: " + e.what());
    }
}

// Shards must be plain file names so an index cannot reach outside its folder.
void checkShardName(const std::string& indexPath, const std::string& tensor, const std::string& shard) {
    const bool plain = !shard.empty() && shard != "." && shard != ".." &&
                       shard.find_first_of(std::string("/\\\0", 3)) == std::string::npos;
    if (!plain)
        throw FormatError(indexPath + ": tensor '" + tensor + "' maps to shard '" + shard +
                          "', which is not a plain file name inside the model folder");
}

// weight_map as tensor name -> shard file name, with every value checked.
std::map<std::string, std::string> readWeightMap(const std::string& indexPath) {
    const json index = readIndexJson(indexPath);
    if (!index.is_object()) throw FormatError(indexPath + ": not a JSON object");
    auto it = index.find("weight_map");
    if (it == index.end()) throw FormatError(indexPath + ": missing field 'weight_map'");
    if (!it->is_object()) throw FormatError(indexPath + ": 'weight_map' is not an object");
    if (it->empty()) throw FormatError(indexPath + ": 'weight_map' lists no tensors");

    std::map<std::string, std::string> weightMap;
    for (const auto& [tensor, shard] : it->items()) {
        if (!shard.is_string())
            throw FormatError(indexPath + ": 'weight_map' entry for tensor '" + tensor +
                              "' is not a file name (found " + json_fields::quote(shard) + ")");
        checkShardName(indexPath, tensor, shard.get<std::string>());
        weightMap[tensor] = shard.get<std::string>();
    }
    return weightMap;
}

FileList openIndexedShards(const fs::path& folder) {
    const std::string indexPath = (folder / kIndexFileName).string();
    const std::map<std::string, std::string> weightMap = readWeightMap(indexPath);

    std::map<std::string, SafetensorsFile*> shardByName;
    FileList files;
    for (const auto& [tensor, shard] : weightMap) {
        if (shardByName.count(shard)) continue;
        const fs::path shardPath = folder / shard;
        std::error_code ignored;
        if (!fs::is_regular_file(shardPath, ignored))
            throw Error(indexPath + ": shard '" + shard + "' (holding tensor '" + tensor +
                        "') is missing from " + folder.string());
        files.push_back(std::make_unique<SafetensorsFile>(shardPath.string()));
        shardByName[shard] = files.back().get();
    }
    for (const auto& [tensor, shard] : weightMap)
        if (!shardByName.at(shard)->find(tensor))
            throw FormatError(indexPath + ": tensor '" + tensor + "' is mapped to shard '" + shard +
                              "', but that shard has no such tensor");
    return files;
}

FileList openFolder(const fs::path& folder) {
    FileList files;
    std::error_code ignored;
    // Whatever carries the name is opened (a folder, a pipe or a broken link then fails with its own reason).
    const auto present = [&](const char* name) { return fs::exists(fs::symlink_status(folder / name, ignored)); };
    if (present(kSingleFileName))
        files.push_back(std::make_unique<SafetensorsFile>((folder / kSingleFileName).string()));
    else if (present(kIndexFileName))
        files = openIndexedShards(folder);
    else
        throw Error(folder.string() + ": no " + kSingleFileName + " or " + kIndexFileName +
                    " in this folder");
    return files;
}

const std::string& owningPath(const FileList& files, const TensorView* view) {
    for (const auto& file : files)
        if (file->find(view->name) == view) return file->path();
    throw Error("tensor '" + view->name + "' belongs to no open file");
}

// A name found in two files would make lookups depend on file order, so it is refused.
std::map<std::string, const TensorView*> indexByName(const FileList& files) {
    std::map<std::string, const TensorView*> byName;
    for (const auto& file : files) {
        for (const TensorView& view : file->tensors()) {
            auto [it, inserted] = byName.emplace(view.name, &view);
            if (!inserted)
                throw FormatError("tensor '" + view.name + "' appears in both " +
                                  owningPath(files, it->second) + " and " + file->path());
        }
    }
    return byName;
}

}  // namespace

WeightStore::WeightStore(const std::string& folderOrFile) {
    std::error_code ignored;
    if (fs::is_directory(folderOrFile, ignored))
        files_ = openFolder(folderOrFile);
    else if (fs::exists(folderOrFile, ignored))
        files_.push_back(std::make_unique<SafetensorsFile>(folderOrFile));
    else
        throw Error(folderOrFile + ": no such file or folder");

    byName_ = indexByName(files_);
}

WeightStore::~WeightStore() = default;

const TensorView* WeightStore::find(const std::string& name) const {
    auto it = byName_.find(name);
    return it == byName_.end() ? nullptr : it->second;
}

std::vector<std::string> WeightStore::names() const {
    std::vector<std::string> names;
    names.reserve(byName_.size());
    for (const auto& entry : byName_) names.push_back(entry.first);
    return names;
}

size_t WeightStore::totalBytes() const {
    size_t total = 0;
    for (const auto& entry : byName_) total += entry.second->nbytes;
    return total;
}

}  // namespace headscope
