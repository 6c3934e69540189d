// The benchmark importers on small hand-written files in each published format: how every field maps to the
// native dataset, which records are skipped and why, images found by path or decoded from base64 (and
// VLMEvalKit's reference to another row's image), and the base64 and TSV readers themselves.
#include <QtTest>

#include <filesystem>
#include <fstream>

#include "headscope/benchmark_import.h"
#include "headscope/error.h"
#include "headscope/image.h"
#include "headscope/text_files.h"
#include "test_helpers.h"

using namespace headscope;
namespace fs = std::filesystem;

namespace {

void write(const std::string& path, const std::string& text) {
    fs::create_directories(fs::path(path).parent_path());
    std::ofstream(path, std::ios::binary) << text;
}

bool skippedWith(const ImportResult& r, const std::string& where, const std::string& message) {
    for (const ImportProblem& p : r.skipped)
        if (p.where == where && p.message.find(message) != std::string::npos) return true;
    return false;
}

const EvalSample* byId(const EvalDataset& d, const std::string& id) {
    for (const EvalSample& s : d.samples)
        if (s.id == id) return &s;
    return nullptr;
}

}  // namespace

class BenchmarkImportTest : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    std::string path(const std::string& name) const { return dir_.filePath(QString::fromStdString(name)).toStdString(); }

private slots:
    void base64() {
        auto text = [](const std::optional<std::vector<uint8_t>>& b) { return std::string(b->begin(), b->end()); };
        QCOMPARE(text(decodeBase64("aGVsbG8=")), std::string("hello"));
        QCOMPARE(text(decodeBase64("aGVsbG8")), std::string("hello"));  // padding optional
        QCOMPARE(text(decodeBase64("aGVs\nbG8h")), std::string("hello!"));
        QVERIFY(!decodeBase64("aGV*bG8="));
        QVERIFY(!decodeBase64("aGVsbG8=x"));  // data after the padding
        QVERIFY(!decodeBase64("a"));
    }

    void tsvQuotingAsPandasWrites() {
        const auto rows = parseTsv("a\tb\tc\n1\t\"x\ty\"\t\"say \"\"hi\"\"\nthere\"\r\n\n2\t\t3");
        QCOMPARE(rows.size(), size_t(3));
        QCOMPARE(rows[1], (std::vector<std::string>{"1", "x\ty", "say \"hi\"\nthere"}));
        QCOMPARE(rows[2], (std::vector<std::string>{"2", "", "3"}));
        QVERIFY_THROWS_EXCEPTION(FormatError, parseTsv("a\n\"open\tfield\n"));
    }

    void mathVista() {
        write(path("mv/images/1.jpg"), "not read here");
        write(path("mv/testmini.json"), R"({
          "1": {"pid": "1", "question": "Which is larger?", "image": "images/1.jpg", "choices": ["3", "5"],
                "answer": "5", "question_type": "multi_choice", "answer_type": "text", "precision": null,
                "metadata": {"category": "math-targeted-vqa", "task": "figure question answering"}},
          "2": {"pid": "2", "question": "How many?", "image": "images/2.jpg", "choices": null, "answer": "7",
                "question_type": "free_form", "answer_type": "integer"},
          "3": {"pid": "3", "question": "Length?", "image": "images/3.jpg", "choices": null, "answer": "1.45",
                "question_type": "free_form", "answer_type": "float", "precision": 2.0},
          "4": {"pid": "4", "question": "?", "image": "images/4.jpg", "answer": "x", "question_type": "essay"},
          "5": {"pid": "5", "question": "Pick", "image": "images/5.jpg", "choices": ["a", "b"], "answer": "c",
                "question_type": "multi_choice"}})");
        const ImportResult r = importBenchmark(BenchmarkFormat::MathVista, path("mv/testmini.json"), "", path("mv-out"));
        QCOMPARE(r.written, int64_t(3));
        QVERIFY(skippedWith(r, "record '4'", "unknown question_type \"essay\""));
        QVERIFY(skippedWith(r, "record '5'", "neither a letter nor the text"));
        const EvalDataset d = readEvalDataset(r.datasetPath);
        QVERIFY(d.skipped.empty());
        const EvalSample* one = byId(d, "1");
        QVERIFY(one && one->answerType == AnswerType::Choice);
        QCOMPARE(one->answer, std::string("B"));
        QCOMPARE(one->tags, (std::vector<std::string>{"math-targeted-vqa", "figure question answering"}));
        // The image path is relative to the output folder and leads to the original file.
        QCOMPARE(one->image, std::string("../mv/images/1.jpg"));
        QCOMPARE(readTextFile(resolveSampleImage(d, *one)), std::string("not read here"));
        QVERIFY(byId(d, "2")->answerType == AnswerType::Number);
        QCOMPARE(byId(d, "3")->answer, std::string("1.45"));
        // An existing output folder is refused.
        QVERIFY_THROWS_EXCEPTION(InvalidInputError,
                                 importBenchmark(BenchmarkFormat::MathVista, path("mv/testmini.json"), "", path("mv-out")));
    }

    void hallusionBench() {
        write(path("hb/HallusionBench.json"), R"([
          {"category": "VD", "subcategory": "ocr", "visual_input": "1", "set_id": "0", "figure_id": "0",
           "question_id": "0", "question": "Is the sign red?", "gt_answer": "1", "filename": "./hallusion_bench/VD/ocr/0_0.png"},
          {"category": "VS", "subcategory": "chart", "visual_input": "0", "set_id": "1", "figure_id": "0",
           "question_id": "1", "question": "Is Paris in France?", "gt_answer": "0", "filename": null},
          {"category": "VS", "subcategory": "chart", "set_id": "1", "figure_id": "0", "question_id": "2",
           "question": "?", "gt_answer": "2", "filename": null}])");
        const ImportResult r = importBenchmark(BenchmarkFormat::HallusionBench, path("hb/HallusionBench.json"),
                                               path("hb-images"), path("hb-out"));
        QCOMPARE(r.written, int64_t(2));
        QVERIFY(skippedWith(r, "record 3", "gt_answer \"2\""));
        const EvalDataset d = readEvalDataset(r.datasetPath);
        const EvalSample* first = byId(d, "VD_ocr_0_0_0");
        QVERIFY(first);
        QCOMPARE(first->answer, std::string("yes"));
        QCOMPARE(first->image, std::string("../hb-images/hallusion_bench/VD/ocr/0_0.png"));  // under --images
        QCOMPARE(first->tags, (std::vector<std::string>{"VD", "ocr"}));
        QCOMPARE(byId(d, "VS_chart_1_0_1")->answer, std::string("no"));
        QCOMPARE(byId(d, "VS_chart_1_0_1")->image, std::string());  // a question without a picture
    }

    void seedBenchAndPope() {
        write(path("seed/SEED-Bench.json"), R"({"questions": [
          {"answer": "C", "choice_a": "one", "choice_b": "two", "choice_c": "three", "choice_d": "four",
           "data_id": "1454426_2591111986.jpg", "data_type": "image", "question": "How many dogs?",
           "question_id": "101669", "question_type_id": 5},
          {"answer": "A", "choice_a": "run", "choice_b": "sit", "choice_c": "x", "choice_d": "y",
           "data_id": "v1234", "data_type": "video", "question": "What happens?", "question_id": "9"}],
          "question_type": {"Instance Counting": 5}})");
        const ImportResult seed = importBenchmark(BenchmarkFormat::SeedBench, path("seed/SEED-Bench.json"), "", path("seed-out"));
        QCOMPARE(seed.written, int64_t(1));
        QVERIFY(skippedWith(seed, "question 2", "a video question"));
        const EvalDataset s = readEvalDataset(seed.datasetPath);
        QCOMPARE(s.samples[0].choices, (std::vector<std::string>{"one", "two", "three", "four"}));
        QCOMPARE(s.samples[0].answer, std::string("C"));
        QCOMPARE(s.samples[0].tags, std::vector<std::string>{"question_type_5"});

        write(path("pope/coco_pope_random.json"),
              "{\"question_id\": 1, \"image\": \"COCO_val2014_000000310196.jpg\", \"text\": \"Is there a snowboard in the image?\", \"label\": \"yes\"}\n"
              "{\"question_id\": 2, \"image\": \"COCO_val2014_000000310196.jpg\", \"text\": \"Is there a dog?\", \"label\": \"maybe\"}\n"
              "{broken\n"
              "{\"question_id\": 3, \"image\": \"x.jpg\", \"text\": \"Is there a cat?\", \"label\": \"No\"}\n");
        const ImportResult pope = importBenchmark(BenchmarkFormat::Pope, path("pope/coco_pope_random.json"), "", path("pope-out"));
        QCOMPARE(pope.written, int64_t(2));
        QVERIFY(skippedWith(pope, "line 2", "not yes or no"));
        QVERIFY(skippedWith(pope, "line 3", "not valid JSON"));
        const EvalDataset p = readEvalDataset(pope.datasetPath);
        QCOMPARE(p.samples[0].question, std::string("Is there a snowboard in the image?"));
        QCOMPARE(p.samples[1].answer, std::string("no"));
    }

    void numbersBeyondADoubleAreNotJson() {
        // nlohmann reports such a number as out_of_range, not as a parse error.
        write(path("big/HallusionBench.json"), R"([{"question_id": 1e999}])");
        try {
            importBenchmark(BenchmarkFormat::HallusionBench, path("big/HallusionBench.json"), "", path("big-out"));
            QFAIL("a number beyond a double must be refused");
        } catch (const FormatError& e) {
            const std::string message = e.what();
            QVERIFY2(message.find("HallusionBench.json") != std::string::npos &&
                         message.find("not valid JSON") != std::string::npos,
                     e.what());
        }
        // MathVista falls back to JSON lines when the whole file is not one document; the line is named.
        write(path("big/testmini.json"), "{\"pid\": \"1\", \"precision\": 1e999}\n");
        try {
            importBenchmark(BenchmarkFormat::MathVista, path("big/testmini.json"), "", path("big-out2"));
            QFAIL("a number beyond a double must be refused");
        } catch (const FormatError& e) {
            QVERIFY2(std::string(e.what()).find("line 1 is not JSON") != std::string::npos, e.what());
        }
        write(path("big/pope.json"), "{\"question_id\": 1e999, \"text\": \"Is it?\", \"label\": \"yes\"}\n"
                                     "{\"question_id\": 2, \"image\": \"x.jpg\", \"text\": \"Is it?\", \"label\": \"no\"}\n");
        const ImportResult pope = importBenchmark(BenchmarkFormat::Pope, path("big/pope.json"), "", path("big-out3"));
        QCOMPARE(pope.written, int64_t(1));
        QVERIFY(skippedWith(pope, "line 1", "not valid JSON"));
    }

    void vlmEvalKitTsv() {
        // A real PNG, base64-encoded the way VLMEvalKit stores images.
        const RgbImage picture = testing::makeImage(6, 4, [](int c, int y, int x) { return uint8_t(c * 80 + y * 10 + x); });
        savePngFile(picture, path("pic.png"));
        const std::string png = readTextFile(path("pic.png"));
        const std::string encoded = QByteArray(png.data(), int(png.size())).toBase64().toStdString();
        const std::string tsv =
            "index\tquestion\tA\tB\tC\tD\tanswer\tcategory\tl2_category\timage\n"
            "0\tWhich animal?\tcat\tdog\t\t\tB\tcoarse perception\trecognition\t" + encoded + "\n"
            "1\t\"What is shown?\nOptions: A: a cat, B: a dog, C: a fox\"\t\t\t\t\tC\tfine\tcount\t0\n"  // quoted, as pandas does
            "2\tHow many legs?\t\t\t\t\t4\tmath\tcount\t" + encoded + "\n"
            "3\tIs it a cat?\t\t\t\t\tYes\tyes-no\t\t" + encoded + "\n"
            "4\tBroken image\t\t\t\t\tno\tx\t\tnot*base64\n"
            "5\ttoo few fields\n";
        write(path("mmstar/MMStar.tsv"), tsv);
        const ImportResult r = importBenchmark(BenchmarkFormat::Tsv, path("mmstar/MMStar.tsv"), "", path("tsv-out"));
        QCOMPARE(r.written, int64_t(4));
        QVERIFY(skippedWith(r, "row 6", "not base64"));
        QVERIFY(skippedWith(r, "row 7", "fields where the header has"));
        const EvalDataset d = readEvalDataset(r.datasetPath);
        QVERIFY(d.skipped.empty());
        const EvalSample* animal = byId(d, "0");
        QCOMPARE(animal->choices, (std::vector<std::string>{"cat", "dog"}));  // empty option columns end the list
        QCOMPARE(animal->answer, std::string("B"));
        QCOMPARE(animal->tags, (std::vector<std::string>{"coarse perception", "recognition"}));
        const RgbImage decoded = loadImageFile(resolveSampleImage(d, *animal));
        QCOMPARE(decoded.pixels, picture.pixels);
        // Options written in the question; the image given as another row's index.
        const EvalSample* written = byId(d, "1");
        QCOMPARE(written->question, std::string("What is shown?"));
        QCOMPARE(written->choices, (std::vector<std::string>{"a cat", "a dog", "a fox"}));
        QCOMPARE(written->answer, std::string("C"));
        QCOMPARE(loadImageFile(resolveSampleImage(d, *written)).pixels, picture.pixels);
        QVERIFY(byId(d, "2")->answerType == AnswerType::Number);
        QVERIFY(byId(d, "3")->answerType == AnswerType::YesNo);
        QCOMPARE(byId(d, "3")->answer, std::string("yes"));
    }

    void formatNames() {
        for (const char* name : {"mathvista", "hallusionbench", "seedbench", "pope", "tsv"})
            QCOMPARE(benchmarkFormatName(*parseBenchmarkFormat(name)), std::string(name));
        QVERIFY(!parseBenchmarkFormat("mmmu"));
    }
};

QTEST_GUILESS_MAIN(BenchmarkImportTest)
#include "test_benchmark_import.moc"
