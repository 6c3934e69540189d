// The safetensors reader, writer and weight store: round trips, malformed files, sharded folders and the
// shared tiny Qwen2.5-VL fixture.
#include "fixtures.h"
#include "headscope/error.h"
#include "headscope/safetensors.h"

#include <QTemporaryDir>
#include <QtTest/QtTest>

#include <cstring>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

using namespace headscope;

namespace {

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

std::string pathIn(const QTemporaryDir& dir, const char* name) { return dir.filePath(name).toStdString(); }

void writeBytes(const std::string& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string readBytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::string lengthField(uint64_t length) {
    std::string bytes(8, '\0');
    for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>((length >> (8 * i)) & 0xff);
    return bytes;
}

// A raw file: little-endian header length, the header text as given, then `dataBytes` zero bytes.
std::string craftFile(const std::string& header, size_t dataBytes) {
    return lengthField(header.size()) + header + std::string(dataBytes, '\0');
}

std::vector<uint8_t> u16Bytes(const std::vector<uint16_t>& values) {
    std::vector<uint8_t> bytes(values.size() * 2);
    std::memcpy(bytes.data(), values.data(), bytes.size());
    return bytes;
}

uint32_t floatBits(float value) {
    uint32_t bits;
    std::memcpy(&bits, &value, sizeof bits);
    return bits;
}

std::vector<std::string> fileNamesIn(const QTemporaryDir& dir) {
    std::vector<std::string> names;
    for (const QString& name : QDir(dir.path()).entryList(QDir::Files, QDir::Name))
        names.push_back(name.toStdString());
    return names;
}

// Runs `action`, which must throw `ErrorType` whose message contains every part.
template <typename ErrorType, typename Action>
void expectError(Action action, const std::vector<std::string>& parts) {
    try {
        action();
    } catch (const ErrorType& e) {
        const std::string message = e.what();
        for (const std::string& part : parts)
            QVERIFY2(contains(message, part),
                     qPrintable(QString::fromStdString("message lacks '" + part + "': " + message)));
        return;
    } catch (const std::exception& e) {
        QFAIL(qPrintable(QString("wrong exception type: ") + e.what()));
    }
    QFAIL("no exception thrown");
}

}  // namespace

class TestSafetensors : public QObject {
    Q_OBJECT

private slots:
    void dtypeTable();
    void roundTrip();
    void writerPadsHeaderToEightBytes();
    void writerRefusesBadTensors();
    void writerReplacesTargetAtomically();
    void writerFailureLeavesNoFile();
    void makeHelpersCheckValueCount();
    void headerMayListTensorsInAnyOrder();
    void movedFileKeepsViews();
    void halfPrecisionWidensExactly();
    void integerConversions();
    void toInt64RefusesFloats();
    void badFiles_data();
    void badFiles();
    void missingFileIsAnError();
    void shardedFolder();
    void shardedFolderErrors_data();
    void shardedFolderErrors();
    void folderPrefersSingleFile();
    void folderWithoutWeights();
    void singleFilePath();
    void fixtureModel();
    void fixtureReference();
};

void TestSafetensors::dtypeTable() {
    const std::vector<std::pair<DType, size_t>> sizes = {
        {DType::F64, 8}, {DType::F32, 4}, {DType::F16, 2}, {DType::BF16, 2}, {DType::I64, 8},
        {DType::I32, 4}, {DType::I16, 2}, {DType::I8, 1},  {DType::U8, 1},   {DType::Bool, 1}};
    for (const auto& [dtype, size] : sizes) {
        QCOMPARE(dtypeSize(dtype), size);
        DType parsed = DType::F32;
        QVERIFY(parseDType(dtypeName(dtype), &parsed));
        QVERIFY(parsed == dtype);
    }
    QCOMPARE(std::string(dtypeName(DType::Bool)), std::string("BOOL"));
    DType unused;
    QVERIFY(!parseDType("F8_E4M3", &unused));
    QVERIFY(!parseDType("f32", &unused));
}

void TestSafetensors::roundTrip() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const std::string path = pathIn(dir, "round.safetensors");

    const std::vector<TensorToWrite> written = {
        makeF32Tensor("weight", {2, 3}, {1.f, -2.f, 3.5f, 0.f, 1e-8f, 6.f}),
        TensorToWrite{"bias.bf16", DType::BF16, {3}, u16Bytes({0x3f80, 0xc000, 0x4049})},
        makeI64Tensor("ids", {4}, {0, -1, std::numeric_limits<int64_t>::max(), 42}),
        TensorToWrite{"mask", DType::U8, {5}, {0, 1, 2, 254, 255}},
        TensorToWrite{"empty", DType::F32, {0, 7}, {}},
        makeF32Tensor("scalar", {}, {9.25f}),
    };
    const std::map<std::string, std::string> metadata = {{"format", "pt"}, {"note", "\"quoted\" \xc3\xa9"}};
    writeSafetensors(path, written, metadata);

    SafetensorsFile file(path);
    QCOMPARE(file.path(), path);
    QVERIFY(file.metadata() == metadata);
    QCOMPARE(file.tensors().size(), written.size());
    for (const TensorToWrite& expected : written) {
        const TensorView* view = file.find(expected.name);
        QVERIFY2(view, expected.name.c_str());
        QCOMPARE(view->name, expected.name);
        QVERIFY(view->dtype == expected.dtype);
        QVERIFY(view->shape == expected.shape);
        QCOMPARE(view->nbytes, expected.data.size());
        QVERIFY(std::equal(expected.data.begin(), expected.data.end(), view->data));
    }
    QCOMPARE(file.find("empty")->numel(), int64_t(0));
    QCOMPARE(file.find("scalar")->numel(), int64_t(1));
    QVERIFY(file.find("missing") == nullptr);

    // The writer packs tensors by name, so file order is name order.
    std::vector<std::string> order;
    for (const TensorView& view : file.tensors()) order.push_back(view.name);
    QVERIFY(std::is_sorted(order.begin(), order.end()));

    QCOMPARE(toFloatVector(*file.find("bias.bf16")), (std::vector<float>{1.f, -2.f, 3.140625f}));
    QCOMPARE(toFloatVector(*file.find("weight")), (std::vector<float>{1.f, -2.f, 3.5f, 0.f, 1e-8f, 6.f}));
    QCOMPARE(toInt64Vector(*file.find("ids")),
             (std::vector<int64_t>{0, -1, std::numeric_limits<int64_t>::max(), 42}));
    QVERIFY(toFloatVector(*file.find("empty")).empty());
}

void TestSafetensors::writerPadsHeaderToEightBytes() {
    QTemporaryDir dir;
    // Names of several lengths shift the unpadded header length through every residue mod 8.
    for (int extra = 0; extra < 8; ++extra) {
        const std::string path = pathIn(dir, "aligned.safetensors");
        writeSafetensors(path, {makeF32Tensor("t" + std::string(extra, 'x'), {1}, {1.f})});
        const std::string bytes = readBytes(path);
        uint64_t headerLength = 0;
        std::memcpy(&headerLength, bytes.data(), 8);
        QCOMPARE((8 + headerLength) % 8, uint64_t(0));
        QCOMPARE(bytes.size(), size_t(8 + headerLength + 4));
        const std::string header = bytes.substr(8, headerLength);
        const size_t closing = header.find_last_of('}');
        QCOMPARE(header.find_first_not_of(' ', closing + 1), std::string::npos);
        QCOMPARE(SafetensorsFile(path).tensors().size(), size_t(1));
    }
}

void TestSafetensors::writerRefusesBadTensors() {
    QTemporaryDir dir;
    const std::string path = pathIn(dir, "bad.safetensors");
    expectError<InvalidInputError>(
        [&] {
            writeSafetensors(path, {TensorToWrite{"w", DType::F32, {2, 2}, std::vector<uint8_t>(12)}});
        },
        {"bad.safetensors", "tensor 'w'", "holds 12 bytes but F32 shape [2, 2] needs 16"});
    expectError<InvalidInputError>(
        [&] {
            writeSafetensors(path, {TensorToWrite{"n", DType::F32, {-1}, {}}});
        },
        {"tensor 'n'", "negative dimension"});
    expectError<InvalidInputError>(
        [&] {
            writeSafetensors(path, {makeF32Tensor("d", {1}, {1.f}), makeF32Tensor("d", {1}, {2.f})});
        },
        {"tensor 'd'", "given twice"});
    expectError<InvalidInputError>(
        [&] { writeSafetensors(path, {makeF32Tensor("__metadata__", {1}, {1.f})}); }, {"reserved"});
    QVERIFY(fileNamesIn(dir).empty());
}

void TestSafetensors::writerReplacesTargetAtomically() {
    QTemporaryDir dir;
    const std::string path = pathIn(dir, "target.safetensors");
    writeBytes(path, "old contents that are not a safetensors file");
    writeSafetensors(path, {makeF32Tensor("new", {2}, {1.f, 2.f})});

    QCOMPARE(fileNamesIn(dir), std::vector<std::string>{"target.safetensors"});
    SafetensorsFile file(path);
    QCOMPARE(toFloatVector(*file.find("new")), (std::vector<float>{1.f, 2.f}));

    // A refused write leaves the previous file untouched.
    const std::string before = readBytes(path);
    QVERIFY_THROWS_EXCEPTION(InvalidInputError,
                             writeSafetensors(path, {TensorToWrite{"x", DType::I64, {1}, {1, 2, 3}}}));
    QCOMPARE(readBytes(path), before);
    QCOMPARE(fileNamesIn(dir), std::vector<std::string>{"target.safetensors"});
}

void TestSafetensors::writerFailureLeavesNoFile() {
    QTemporaryDir dir;
    const std::string path = pathIn(dir, "no-such-folder/out.safetensors");
    expectError<Error>([&] { writeSafetensors(path, {makeF32Tensor("a", {1}, {1.f})}); },
                       {"out.safetensors", "cannot create temporary file"});
    QVERIFY(fileNamesIn(dir).empty());
}

void TestSafetensors::makeHelpersCheckValueCount() {
    expectError<InvalidInputError>(
        [] {
            makeF32Tensor("f", {2, 2}, {1.f, 2.f, 3.f});
        },
        {"tensor 'f'", "3 values given but shape [2, 2] holds 4"});
    expectError<InvalidInputError>([] { makeI64Tensor("i", {3}, {1}); }, {"tensor 'i'", "1 values given"});
    const TensorToWrite tensor = makeI64Tensor("i", {1}, {258});
    QCOMPARE(tensor.data.size(), size_t(8));
    QCOMPARE(int(tensor.data[0]), 2);
    QCOMPARE(int(tensor.data[1]), 1);
}

void TestSafetensors::headerMayListTensorsInAnyOrder() {
    QTemporaryDir dir;
    const std::string path = pathIn(dir, "order.safetensors");
    const std::string header = R"({"b":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},)"
                               R"("a":{"dtype":"U8","shape":[1],"data_offsets":[2,3]},)"
                               R"("z":{"dtype":"U8","shape":[0],"data_offsets":[3,3]}}   )";
    writeBytes(path, lengthField(header.size()) + header + std::string("\x01\x02\x03", 3));
    SafetensorsFile file(path);
    QCOMPARE(file.tensors().size(), size_t(3));
    QCOMPARE(file.tensors()[0].name, std::string("b"));
    QCOMPARE(file.tensors()[1].name, std::string("a"));
    QCOMPARE(toInt64Vector(*file.find("b")), (std::vector<int64_t>{1, 2}));
    QCOMPARE(toInt64Vector(*file.find("a")), (std::vector<int64_t>{3}));
    QVERIFY(file.metadata().empty());
}

void TestSafetensors::movedFileKeepsViews() {
    QTemporaryDir dir;
    const std::string path = pathIn(dir, "move.safetensors");
    writeSafetensors(path, {makeF32Tensor("a", {3}, {1.f, 2.f, 3.f})});
    SafetensorsFile original(path);
    const uint8_t* data = original.find("a")->data;
    SafetensorsFile moved(std::move(original));
    QCOMPARE(moved.find("a")->data, data);
    SafetensorsFile assigned(path);
    assigned = std::move(moved);
    QCOMPARE(toFloatVector(*assigned.find("a")), (std::vector<float>{1.f, 2.f, 3.f}));
}

void TestSafetensors::halfPrecisionWidensExactly() {
    const float infinity = std::numeric_limits<float>::infinity();
    const std::vector<std::pair<uint16_t, float>> halves = {{0x0000, 0.f},
                                                            {0x3c00, 1.f},
                                                            {0xc000, -2.f},
                                                            {0x3555, 0.333251953125f},
                                                            {0x7bff, 65504.f},
                                                            {0x0400, 6.103515625e-05f},
                                                            {0x0001, 5.9604644775390625e-08f},
                                                            {0x03ff, 6.097555160522461e-05f},
                                                            {0x7c00, infinity},
                                                            {0xfc00, -infinity}};
    std::vector<uint16_t> raw;
    for (const auto& entry : halves) raw.push_back(entry.first);
    raw.push_back(0x8000);  // -0
    raw.push_back(0x7e00);  // NaN

    const std::vector<uint8_t> bytes = u16Bytes(raw);
    TensorView view;
    view.name = "halves";
    view.dtype = DType::F16;
    view.shape = {int64_t(raw.size())};
    view.data = bytes.data();
    view.nbytes = bytes.size();

    const std::vector<float> widened = toFloatVector(view);
    QCOMPARE(widened.size(), raw.size());
    for (size_t i = 0; i < halves.size(); ++i) QCOMPARE(floatBits(widened[i]), floatBits(halves[i].second));
    QCOMPARE(floatBits(widened[halves.size()]), 0x80000000u);
    QVERIFY(std::isnan(widened[halves.size() + 1]));

    view.dtype = DType::BF16;
    const std::vector<float> brain = toFloatVector(view);
    for (size_t i = 0; i < raw.size(); ++i) QCOMPARE(floatBits(brain[i]), uint32_t(raw[i]) << 16);
}

void TestSafetensors::integerConversions() {
    QTemporaryDir dir;
    const std::string path = pathIn(dir, "ints.safetensors");
    const int32_t i32[] = {-7, 100000};
    const int16_t i16[] = {-300, 300};
    const int8_t i8[] = {-128, 127};
    const double f64[] = {0.5, -1e10};
    auto bytesOf = [](const void* data, size_t size) {
        const auto* begin = static_cast<const uint8_t*>(data);
        return std::vector<uint8_t>(begin, begin + size);
    };
    writeSafetensors(path, {
                               TensorToWrite{"i32", DType::I32, {2}, bytesOf(i32, sizeof i32)},
                               TensorToWrite{"i16", DType::I16, {2}, bytesOf(i16, sizeof i16)},
                               TensorToWrite{"i8", DType::I8, {2}, bytesOf(i8, sizeof i8)},
                               TensorToWrite{"bool", DType::Bool, {3}, {0, 1, 0}},
                               TensorToWrite{"f64", DType::F64, {2}, bytesOf(f64, sizeof f64)},
                           });
    SafetensorsFile file(path);
    QCOMPARE(toInt64Vector(*file.find("i32")), (std::vector<int64_t>{-7, 100000}));
    QCOMPARE(toInt64Vector(*file.find("i16")), (std::vector<int64_t>{-300, 300}));
    QCOMPARE(toInt64Vector(*file.find("i8")), (std::vector<int64_t>{-128, 127}));
    QCOMPARE(toInt64Vector(*file.find("bool")), (std::vector<int64_t>{0, 1, 0}));
    QCOMPARE(toFloatVector(*file.find("i32")), (std::vector<float>{-7.f, 100000.f}));
    QCOMPARE(toFloatVector(*file.find("i8")), (std::vector<float>{-128.f, 127.f}));
    QCOMPARE(toFloatVector(*file.find("bool")), (std::vector<float>{0.f, 1.f, 0.f}));
    QCOMPARE(toFloatVector(*file.find("f64")), (std::vector<float>{0.5f, -1e10f}));
}

void TestSafetensors::toInt64RefusesFloats() {
    QTemporaryDir dir;
    const std::string path = pathIn(dir, "floats.safetensors");
    writeSafetensors(path, {makeF32Tensor("probabilities", {1}, {0.5f})});
    SafetensorsFile file(path);
    expectError<InvalidInputError>([&] { toInt64Vector(*file.find("probabilities")); },
                                   {"tensor 'probabilities'", "F32"});
}

void TestSafetensors::badFiles_data() {
    QTest::addColumn<QByteArray>("contents");
    QTest::addColumn<QString>("expected");
    auto row = [](const char* name, const std::string& contents, const char* expected) {
        QTest::newRow(name) << QByteArray(contents.data(), int(contents.size())) << QString(expected);
    };
    const std::string f32x4 = R"("dtype":"F32","shape":[2,2])";

    row("empty file", "", "file is empty");
    row("shorter than 8 bytes", std::string("\x10\x00\x00", 3), "only 3 bytes, too short");
    row("header length beyond the file", lengthField(100) + "{}", "header length 100 runs past the end");
    row("header length above 100 MB", lengthField(100ull * 1024 * 1024 + 1), "exceeds the limit");
    row("header length 2^64-1", lengthField(~0ull), "exceeds the limit");
    row("empty header", craftFile("", 0), "not valid JSON");
    row("malformed JSON", craftFile(R"({"w": {"dtype": )", 0), "not valid JSON");
    row("invalid UTF-8", craftFile("{\"\xff\": 1}", 0), "not valid JSON");
    row("garbage after JSON", craftFile("{}x", 0), "not valid JSON");
    row("JSON array", craftFile("[1, 2]", 0), "header is not a JSON object");
    row("JSON string", craftFile("\"text\"", 0), "header is not a JSON object");
    row("entry not an object", craftFile(R"({"w": 3})", 0), "tensor 'w': entry is not an object");
    row("unknown dtype", craftFile(R"({"w":{"dtype":"Q7","shape":[1],"data_offsets":[0,1]}})", 1),
        "tensor 'w': unknown dtype \"Q7\"");
    row("dtype not a string", craftFile(R"({"w":{"dtype":4,"shape":[1],"data_offsets":[0,4]}})", 4),
        "tensor 'w': 'dtype' is not a string");
    row("negative shape", craftFile(R"({"w":{"dtype":"F32","shape":[-2,2],"data_offsets":[0,16]}})", 16),
        "tensor 'w': shape [-2,2]: dimension 0 is -2, not a non-negative integer");
    row("fractional shape", craftFile(R"({"w":{"dtype":"F32","shape":[2,1.5],"data_offsets":[0,12]}})", 12),
        "dimension 1 is 1.5, not a non-negative integer");
    row("shape not an array", craftFile(R"({"w":{"dtype":"F32","shape":4,"data_offsets":[0,16]}})", 16),
        "tensor 'w': 'shape' is not an array");
    row("shape and length disagree", craftFile(R"({"w":{)" + f32x4 + R"(,"data_offsets":[0,12]}})", 12),
        "tensor 'w': data_offsets [0, 12] hold 12 bytes but F32 shape [2, 2] needs 16");
    row("shape product overflows",
        craftFile(R"({"w":{"dtype":"F32","shape":[4294967296,4294967296,16],"data_offsets":[0,0]}})", 0),
        "tensor 'w': F32 shape [4294967296, 4294967296, 16] overflows");
    row("element count overflows beside a zero dimension",
        craftFile(R"({"w":{"dtype":"U8","shape":[2147483648,4294967296,0],"data_offsets":[0,0]}})", 0),
        "tensor 'w': U8 shape [2147483648, 4294967296, 0] overflows: its element count does not fit");
    row("dimension above int64",
        craftFile(R"({"w":{"dtype":"U8","shape":[18446744073709551615],"data_offsets":[0,0]}})", 0),
        "dimension 0 is 18446744073709551615, which does not fit in a signed 64-bit integer");
    row("offsets past the data area",
        craftFile(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[100,104]}})", 4),
        "tensor 'w': data_offsets [100, 104] run past the end of the data area (4 bytes)");
    row("truncated data", craftFile(R"({"w":{)" + f32x4 + R"(,"data_offsets":[0,16]}})", 10),
        "run past the end of the data area (10 bytes); the file is truncated");
    row("offsets end before begin", craftFile(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[8,4]}})", 8),
        "tensor 'w': data_offsets [8, 4] end before they begin");
    row("offsets negative", craftFile(R"({"w":{"dtype":"U8","shape":[1],"data_offsets":[-1,0]}})", 1),
        "tensor 'w': 'data_offsets' must be two non-negative integers");
    row("offsets with three numbers",
        craftFile(R"({"w":{"dtype":"U8","shape":[1],"data_offsets":[0,1,2]}})", 1),
        "tensor 'w': 'data_offsets' must be two non-negative integers");
    row("overlapping offsets",
        craftFile(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                  R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                  12),
        "tensor 'b': data_offsets [4, 12] overlap tensor 'a', which ends at byte 8");
    row("gap between tensors",
        craftFile(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                  R"("b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}})",
                  12),
        "tensor 'b': data_offsets [8, 12] leave a gap of 4 unused bytes");
    row("trailing bytes", craftFile(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", 8),
        "the data area holds 8 bytes but the tensors cover only 4 (4 trailing bytes)");
    row("missing dtype", craftFile(R"({"w":{"shape":[1],"data_offsets":[0,4]}})", 4),
        "tensor 'w': missing field 'dtype'");
    row("missing shape", craftFile(R"({"w":{"dtype":"F32","data_offsets":[0,4]}})", 4),
        "tensor 'w': missing field 'shape'");
    row("missing data_offsets", craftFile(R"({"w":{"dtype":"F32","shape":[1]}})", 4),
        "tensor 'w': missing field 'data_offsets'");
    row("metadata value not a string", craftFile(R"({"__metadata__":{"format":1}})", 0),
        "'__metadata__' field 'format' is not a string");
    row("metadata not an object", craftFile(R"({"__metadata__":"pt"})", 0),
        "'__metadata__' is not an object of strings");
}

void TestSafetensors::badFiles() {
    QFETCH(QByteArray, contents);
    QFETCH(QString, expected);
    QTemporaryDir dir;
    const std::string path = pathIn(dir, "bad.safetensors");
    writeBytes(path, contents.toStdString());
    expectError<FormatError>([&] { SafetensorsFile file(path); }, {path + ": ", expected.toStdString()});
    // The same failure surfaces through the weight store.
    QVERIFY_THROWS_EXCEPTION(FormatError, WeightStore store(path));
}

void TestSafetensors::missingFileIsAnError() {
    QTemporaryDir dir;
    const std::string path = pathIn(dir, "absent.safetensors");
    expectError<Error>([&] { SafetensorsFile file(path); }, {path, "cannot open"});
    expectError<Error>([&] { WeightStore store(path); }, {path, "no such file or folder"});
}

void TestSafetensors::shardedFolder() {
    QTemporaryDir dir;
    writeSafetensors(
        pathIn(dir, "model-00001-of-00002.safetensors"),
        {makeF32Tensor("layer.0.weight", {2}, {1.f, 2.f}), makeI64Tensor("layer.0.ids", {1}, {7})});
    writeSafetensors(pathIn(dir, "model-00002-of-00002.safetensors"),
                     {makeF32Tensor("head.weight", {3}, {4, 5, 6})});
    writeBytes(pathIn(dir, "model.safetensors.index.json"),
               R"({"metadata": {"total_size": 28}, "weight_map": {)"
               R"("layer.0.weight": "model-00001-of-00002.safetensors",)"
               R"("layer.0.ids": "model-00001-of-00002.safetensors",)"
               R"("head.weight": "model-00002-of-00002.safetensors"}})");

    WeightStore store(dir.path().toStdString());
    QCOMPARE(store.names(), (std::vector<std::string>{"head.weight", "layer.0.ids", "layer.0.weight"}));
    QCOMPARE(store.totalBytes(), size_t(8 + 8 + 12));
    QCOMPARE(toFloatVector(*store.find("head.weight")), (std::vector<float>{4.f, 5.f, 6.f}));
    QCOMPARE(toFloatVector(*store.find("layer.0.weight")), (std::vector<float>{1.f, 2.f}));
    QCOMPARE(toInt64Vector(*store.find("layer.0.ids")), (std::vector<int64_t>{7}));
    QVERIFY(store.find("absent") == nullptr);
}

void TestSafetensors::shardedFolderErrors_data() {
    QTest::addColumn<QString>("index");
    QTest::addColumn<QString>("expected");
    QTest::addColumn<bool>("isFormatError");
    // Every case has shards a.safetensors ("a"), b.safetensors ("b") and dup.safetensors ("a" and "b").
    QTest::newRow("missing shard") << R"({"weight_map": {"a": "a.safetensors", "c": "c.safetensors"}})"
                                   << "shard 'c.safetensors' (holding tensor 'c') is missing" << false;
    QTest::newRow("tensor missing from its shard")
        << R"({"weight_map": {"a": "a.safetensors", "x": "b.safetensors"}})"
        << "tensor 'x' is mapped to shard 'b.safetensors', but that shard has no such tensor" << true;
    QTest::newRow("shard outside the folder") << R"({"weight_map": {"a": "../a.safetensors"}})"
                                              << "tensor 'a' maps to shard '../a.safetensors'" << true;
    QTest::newRow("shard in a subfolder") << R"({"weight_map": {"a": "sub/a.safetensors"}})"
                                          << "not a plain file name" << true;
    QTest::newRow("shard is ..") << R"({"weight_map": {"a": ".."}})"
                                 << "not a plain file name" << true;
    QTest::newRow("malformed JSON") << R"({"weight_map": {"a": )"
                                    << "not valid JSON" << true;
    QTest::newRow("not an object") << R"(["a.safetensors"])"
                                   << "not a JSON object" << true;
    QTest::newRow("no weight_map") << R"({"metadata": {}})"
                                   << "missing field 'weight_map'" << true;
    QTest::newRow("empty weight_map") << R"({"weight_map": {}})"
                                      << "lists no tensors" << true;
    QTest::newRow("shard not a string") << R"({"weight_map": {"a": 1}})"
                                        << "entry for tensor 'a' is not a file name" << true;
    QTest::newRow("tensor in two shards")
        << R"({"weight_map": {"a": "a.safetensors", "b": "dup.safetensors"}})"
        << "tensor 'a' appears in both" << true;
}

void TestSafetensors::shardedFolderErrors() {
    QFETCH(QString, index);
    QFETCH(QString, expected);
    QFETCH(bool, isFormatError);
    QTemporaryDir dir;
    writeSafetensors(pathIn(dir, "a.safetensors"), {makeF32Tensor("a", {1}, {1.f})});
    writeSafetensors(pathIn(dir, "b.safetensors"), {makeF32Tensor("b", {1}, {2.f})});
    writeSafetensors(pathIn(dir, "dup.safetensors"),
                     {makeF32Tensor("a", {1}, {3.f}), makeF32Tensor("b", {1}, {4.f})});
    const std::string indexPath = pathIn(dir, "model.safetensors.index.json");
    writeBytes(indexPath, index.toStdString());

    const std::string folder = dir.path().toStdString();
    const std::vector<std::string> parts = {expected.toStdString()};
    if (isFormatError)
        expectError<FormatError>([&] { WeightStore store(folder); }, parts);
    else
        expectError<Error>([&] { WeightStore store(folder); }, parts);
    // Every index problem names the index file, except a duplicate, which names both shards.
    if (!expected.contains("appears in both"))
        expectError<Error>([&] { WeightStore store(folder); }, {indexPath});
    else
        expectError<Error>([&] { WeightStore store(folder); }, {"a.safetensors", "dup.safetensors"});
}

void TestSafetensors::folderPrefersSingleFile() {
    QTemporaryDir dir;
    writeSafetensors(pathIn(dir, "model.safetensors"), {makeF32Tensor("single", {1}, {1.f})});
    writeBytes(pathIn(dir, "model.safetensors.index.json"), "not even JSON");
    WeightStore store(dir.path().toStdString());
    QCOMPARE(store.names(), std::vector<std::string>{"single"});
}

void TestSafetensors::folderWithoutWeights() {
    QTemporaryDir dir;
    writeBytes(pathIn(dir, "config.json"), "{}");
    const std::string folder = dir.path().toStdString();
    expectError<Error>([&] { WeightStore store(folder); },
                       {folder, "no model.safetensors or model.safetensors.index.json"});
}

void TestSafetensors::singleFilePath() {
    QTemporaryDir dir;
    const std::string path = pathIn(dir, "weights-any-name.safetensors");
    writeSafetensors(path, {makeF32Tensor("x", {2}, {1.f, 2.f}), makeI64Tensor("y", {1}, {3})});
    WeightStore store(path);
    QCOMPARE(store.names(), (std::vector<std::string>{"x", "y"}));
    QCOMPARE(store.totalBytes(), size_t(16));
}

void TestSafetensors::fixtureModel() {
    HEADSCOPE_REQUIRE_FIXTURE("qwen25vl-tiny");
    const std::string folder = headscope::testing::fixtureDir("qwen25vl-tiny");
    SafetensorsFile file(folder + "/model.safetensors");
    QCOMPARE(file.tensors().size(), size_t(105));
    for (const TensorView& view : file.tensors()) QVERIFY2(view.dtype == DType::BF16, view.name.c_str());

    const TensorView* norm = file.find("visual.blocks.0.norm1.weight");
    QVERIFY(norm);
    QVERIFY(norm->shape == std::vector<int64_t>{32});
    const std::vector<float> widened = toFloatVector(*norm);
    QCOMPARE(widened.size(), size_t(32));
    for (size_t i = 0; i < widened.size(); ++i) {
        // By hand: little-endian 16-bit pattern, placed in the top half of a float32.
        const uint32_t pattern = uint32_t(norm->data[2 * i]) | uint32_t(norm->data[2 * i + 1]) << 8;
        QCOMPARE(floatBits(widened[i]), pattern << 16);
    }

    WeightStore store(folder);
    QCOMPARE(store.names().size(), size_t(105));
    QCOMPARE(store.find("visual.patch_embed.proj.weight")->shape, (std::vector<int64_t>{32, 3, 2, 14, 14}));
}

void TestSafetensors::fixtureReference() {
    HEADSCOPE_REQUIRE_FIXTURE("qwen25vl-tiny");
    SafetensorsFile file(headscope::testing::fixtureDir("qwen25vl-tiny") + "/reference.safetensors");
    const TensorView* ids = file.find("input_ids");
    QVERIFY(ids);
    QVERIFY(ids->dtype == DType::I64);
    QVERIFY(ids->shape == std::vector<int64_t>{403});
    QCOMPARE(toInt64Vector(*ids).size(), size_t(403));

    const TensorView* pixels = file.find("pixel_values");
    QVERIFY(pixels);
    QVERIFY(pixels->dtype == DType::F32);
    QVERIFY(pixels->shape == (std::vector<int64_t>{1512, 1176}));
    QCOMPARE(pixels->nbytes, size_t(1512) * 1176 * 4);
    QCOMPARE(toFloatVector(*pixels).size(), size_t(1512) * 1176);
}

QTEST_APPLESS_MAIN(TestSafetensors)
#include "test_safetensors.moc"
