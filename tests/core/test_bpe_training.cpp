// Byte-level BPE training and the Qwen2 tokenizer files: merges worked out by hand, every merge checked
// against a from-scratch recount (the most frequent pair, ties to the smallest ids), size and frequency
// limits, the byte alphabet, and round trips through all three of HeadScope's loaders.
#include "expect_error.h"
#include "headscope/bpe_training.h"
#include "headscope/error.h"
#include "headscope/tokenizer.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest/QtTest>

#include <map>
#include <unordered_map>

using namespace headscope;
using headscope::testing::expectInvalid;

namespace {

using Merge = std::pair<std::string, std::string>;

std::string utf8(char32_t c) {
    return QString::fromUcs4(&c, 1).toStdString();
}

// HF's ByteLevel alphabet in id order: the printable Latin-1 bytes map to themselves and sort first, the
// other 68 bytes map to U+0100.. in byte order.
std::vector<std::string> expectedByteTokens() {
    std::vector<std::string> tokens;
    for (char32_t c = 0x21; c <= 0xFF; ++c)
        if (c <= 0x7E || (c >= 0xA1 && c != 0xAD)) tokens.push_back(utf8(c));
    for (char32_t c = 0x100; c < 0x100 + 68; ++c) tokens.push_back(utf8(c));
    return tokens;
}

// The characters of a byte-level word (each is one or two UTF-8 bytes).
std::vector<std::string> characters(const std::string& word) {
    std::vector<std::string> chars;
    for (char byte : word) {
        if ((static_cast<unsigned char>(byte) & 0xC0) == 0x80)
            chars.back() += byte;
        else
            chars.emplace_back(1, byte);
    }
    return chars;
}

// Applies one merge to a word left to right without overlaps, as training does.
void applyMerge(std::vector<std::string>& symbols, const Merge& merge) {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < symbols.size();) {
        if (i + 1 < symbols.size() && symbols[i] == merge.first && symbols[i + 1] == merge.second) {
            out.push_back(merge.first + merge.second);
            i += 2;
        } else {
            out.push_back(symbols[i++]);
        }
    }
    symbols = std::move(out);
}

// The trainer's final segmentation of a word: all merges applied in rank order.
std::vector<std::string> segment(const std::string& word, const TrainedBpe& bpe) {
    std::vector<std::string> symbols = characters(word);
    for (const Merge& merge : bpe.merges) applyMerge(symbols, merge);
    return symbols;
}

QString show(const Merge& merge) {
    return QString::fromStdString("'" + merge.first + "' '" + merge.second + "'");
}

// Replays training from scratch: before every merge, counts all adjacent pairs (overlapping ones too) over
// the counted words; the merge must be the most frequent pair, ties going to the smallest (left id, right
// id), and occur at least minFrequency times. When training stopped short of vocabSize, no pair may be
// left that reaches minFrequency.
void verifyGreedyMerges(const std::vector<std::string>& texts, const TrainedBpe& bpe,
                        const BpeTrainingOptions& options) {
    std::unordered_map<std::string, int64_t> idOf;
    for (std::size_t id = 0; id < bpe.vocab.size(); ++id) idOf[bpe.vocab[id]] = int64_t(id);
    std::map<std::string, int64_t> wordCounts;
    for (const std::string& text : texts)
        for (const std::string& word : byteLevelWords(text)) ++wordCounts[word];
    std::vector<std::pair<std::vector<std::string>, int64_t>> words;
    for (const auto& [word, count] : wordCounts) words.emplace_back(characters(word), count);

    const auto bestPair = [&](int64_t& bestCount) {
        std::map<std::pair<int64_t, int64_t>, int64_t> counts;
        for (const auto& [symbols, count] : words)
            for (std::size_t i = 0; i + 1 < symbols.size(); ++i)
                counts[{idOf.at(symbols[i]), idOf.at(symbols[i + 1])}] += count;
        Merge best;
        bestCount = 0;
        for (const auto& [pair, count] : counts)  // in (left id, right id) order: the first maximum wins ties
            if (count > bestCount) {
                bestCount = count;
                best = {bpe.vocab[size_t(pair.first)], bpe.vocab[size_t(pair.second)]};
            }
        return best;
    };
    const int64_t minCount = std::max<int64_t>(int64_t(options.minFrequency), 1);
    for (std::size_t rank = 0; rank < bpe.merges.size(); ++rank) {
        int64_t count = 0;
        const Merge best = bestPair(count);
        QVERIFY2(best == bpe.merges[rank], qPrintable(QStringLiteral("merge %1 is %2, the recount prefers %3")
                                                          .arg(rank)
                                                          .arg(show(bpe.merges[rank]), show(best))));
        QVERIFY(count >= minCount);
        for (auto& word : words) applyMerge(word.first, bpe.merges[rank]);
    }
    if (bpe.vocab.size() < options.vocabSize) {
        int64_t count = 0;
        bestPair(count);
        QVERIFY2(count < minCount, qPrintable(QStringLiteral("stopped although a pair occurs %1 times").arg(count)));
    }
}

// Sentences of the kinds the demo model sees, plus punctuation, digits, line breaks, chat markup and
// text outside ASCII (all in NFC, so that decoding gives the text back byte for byte).
std::vector<std::string> variedCorpus() {
    const std::vector<std::string> base = {
        "How many red circles are there?",
        "<think>There are 3 red circles and 2 blue squares.</think>\nAnswer: 3",
        "<think>The green triangle is left of the yellow square.</think>\nAnswer: yes",
        "Is the purple circle above the blue triangle?",
        "It's a small, bright shape; they'll count it. We're sure it isn't large!",
        "Count the shapes in row 2, column 4: 12 in total (7 large, 5 small).",
        "Café au lait, s'il vous plaît. Déjà vu — naïve façade.",
        "中文测试：图中有三个红色的圆。",
        "Emoji: 😀 🎉 🟥🟦 ✓",
        "Tabs\tand  double  spaces,\r\nWindows line ends\n\nand blank lines.\n",
        "<|im_start|>user\nWhat colour is the largest shape?<|im_end|>\n<|im_start|>assistant\n",
        "Numbers: 0 1 2 3 4 5 6 7 8 9 10 100 1000 3.14 -42 1e6",
        "   leading spaces and trailing ones   ",
    };
    std::vector<std::string> texts;
    for (int round = 0; round < 6; ++round)
        for (const std::string& text : base)
            texts.push_back(round % 2 ? text : text + " " + std::to_string(round * 7));
    return texts;
}

std::string readFile(const QString& path) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) return {};
    return file.readAll().toStdString();
}

}  // namespace

class TestBpeTraining : public QObject {
    Q_OBJECT

private slots:
    // Words (counts): low (5), lower (2), newest (6), widest (3), each its own text so no "Ġ" comes in.
    // Pairs: es 6+3 = 9, st 9, we 2+6 = 8, lo 7, ow 7, ne 6, ew 6, wi/id/de 3, er 2.
    //  1. es and st tie at 9; ids follow code points, e < s, so (e, s) -> "es".
    //  2. (es, t) now occurs 9 times -> "est".
    //  3. lo and ow tie at 7: l < o -> "lo";  4. (lo, w) 7 -> "low".
    //  5. In n-e-w-est, ne, ew and (w, est) tie at 6: e is the smallest left id -> "ew".
    //  6. (n, ew) and (ew, est) tie at 6: n (a byte, id 77) < ew (merged, id 260) -> "new".
    //  7. (new, est) 6 -> "newest".
    void handComputedMerges() {
        std::vector<std::string> texts;
        const std::vector<std::pair<const char*, int>> counts = {{"low", 5}, {"lower", 2}, {"newest", 6}, {"widest", 3}};
        for (const auto& [word, count] : counts)
            for (int i = 0; i < count; ++i) texts.push_back(word);
        BpeTrainingOptions options;
        options.vocabSize = 263;
        const TrainedBpe bpe = trainByteLevelBpe(texts, options);
        const std::vector<Merge> expected = {{"e", "s"}, {"es", "t"},  {"l", "o"},    {"lo", "w"},
                                             {"e", "w"}, {"n", "ew"}, {"new", "est"}};
        QCOMPARE(bpe.merges.size(), expected.size());
        for (std::size_t i = 0; i < expected.size(); ++i) QCOMPARE(show(bpe.merges[i]), show(expected[i]));
        const std::vector<std::string> newTokens(bpe.vocab.begin() + 256, bpe.vocab.end());
        QCOMPARE(newTokens, (std::vector<std::string>{"es", "est", "lo", "low", "ew", "new", "newest"}));
        verifyGreedyMerges(texts, bpe, options);
    }

    void byteTokensComeFirstInAlphabetOrder() {
        BpeTrainingOptions options;
        options.vocabSize = 300;
        const TrainedBpe bpe = trainByteLevelBpe(variedCorpus(), options);
        const std::vector<std::string> bytes(bpe.vocab.begin(), bpe.vocab.begin() + 256);
        QCOMPARE(bytes, expectedByteTokens());
        QCOMPARE(bpe.vocab[0], std::string("!"));
        QCOMPARE(bpe.vocab[220], std::string("Ġ"));  // the space, at Qwen2's id
        QCOMPARE(bpe.vocab[198], std::string("Ċ"));  // "\n"
        // Also without any text: the alphabet alone.
        const TrainedBpe empty = trainByteLevelBpe({}, options);
        QCOMPARE(empty.vocab, expectedByteTokens());
        QVERIFY(empty.merges.empty());
    }

    void vocabularySizeIsRespected() {
        for (std::size_t size : {256u, 257u, 300u, 400u}) {
            BpeTrainingOptions options;
            options.vocabSize = size;
            const TrainedBpe bpe = trainByteLevelBpe(variedCorpus(), options);
            QCOMPARE(bpe.vocab.size(), size);
            QVERIFY(bpe.merges.size() >= size - 256);  // more only when a merge re-creates an existing token
        }
    }

    void minFrequencyIsRespected() {
        // "xy" three times, "pq" once.
        const std::vector<std::string> texts = {"xy", "xy", "pq", "xy"};
        // (minFrequency, merges expected)
        const std::vector<std::pair<std::size_t, std::size_t>> cases = {{0, 2}, {1, 2}, {2, 1}, {3, 1}, {4, 0}};
        for (const auto& [minFrequency, merges] : cases) {
            BpeTrainingOptions options;
            options.vocabSize = 1000;
            options.minFrequency = minFrequency;
            const TrainedBpe bpe = trainByteLevelBpe(texts, options);
            QCOMPARE(bpe.merges.size(), merges);
            QCOMPARE(bpe.vocab.size(), 256 + merges);
            if (merges > 0) QCOMPARE(show(bpe.merges[0]), show({"x", "y"}));  // the more frequent first
        }
        // On the varied corpus: every merge occurs at least 3 times, and training stops at the first pair
        // below that, long before 5000 tokens.
        BpeTrainingOptions options;
        options.vocabSize = 5000;
        options.minFrequency = 3;
        const TrainedBpe bpe = trainByteLevelBpe(variedCorpus(), options);
        QVERIFY(bpe.vocab.size() < 5000);
        verifyGreedyMerges(variedCorpus(), bpe, options);
    }

    void everyMergeIsTheMostFrequentPair() {
        BpeTrainingOptions options;
        options.vocabSize = 420;
        const TrainedBpe bpe = trainByteLevelBpe(variedCorpus(), options);
        QCOMPARE(bpe.vocab.size(), std::size_t(420));
        verifyGreedyMerges(variedCorpus(), bpe, options);
    }

    void trainingIsDeterministic() {
        BpeTrainingOptions options;
        options.vocabSize = 400;
        const TrainedBpe a = trainByteLevelBpe(variedCorpus(), options);
        const TrainedBpe b = trainByteLevelBpe(variedCorpus(), options);
        QCOMPARE(a.vocab, b.vocab);
        QVERIFY(a.merges == b.merges);
        // The order of the texts does not matter either.
        std::vector<std::string> reversed = variedCorpus();
        std::reverse(reversed.begin(), reversed.end());
        const TrainedBpe c = trainByteLevelBpe(reversed, options);
        QCOMPARE(a.vocab, c.vocab);
        QVERIFY(a.merges == c.merges);
    }

    void addedTokensAreNotTrainedOn() {
        // A corpus of nothing but chat markers has no ordinary words left to merge.
        BpeTrainingOptions options;
        options.vocabSize = 300;
        const TrainedBpe bpe = trainByteLevelBpe({"<|im_start|><|im_end|>", "<|im_start|><|im_end|>"}, options);
        QVERIFY(bpe.merges.empty());
        QCOMPARE(byteLevelWords("<|im_start|>user\nHi there<|im_end|>"),
                 (std::vector<std::string>{"user", "Ċ", "Hi", "Ġthere"}));
    }

    void roundTripThroughAllLoaders() {
        const std::vector<std::string> texts = variedCorpus();
        BpeTrainingOptions options;
        options.vocabSize = 420;
        const TrainedBpe bpe = trainByteLevelBpe(texts, options);
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const std::string folder = dir.path().toStdString();
        writeQwenTokenizerFiles(folder, bpe);
        const auto fromFolder = Tokenizer::fromFolder(folder);
        const auto fromJson = Tokenizer::fromTokenizerJson(folder + "/tokenizer.json");
        const auto fromVocab = Tokenizer::fromVocabAndMerges(folder + "/vocab.json", folder + "/merges.txt",
                                                             folder + "/tokenizer_config.json");
        const auto vocabSize = int64_t(bpe.vocab.size());
        std::unordered_map<std::string, int64_t> idOf;
        for (std::size_t id = 0; id < bpe.vocab.size(); ++id) idOf[bpe.vocab[id]] = int64_t(id);

        std::size_t totalIds = 0, totalBytes = 0;
        for (const std::string& text : texts) {
            const std::vector<int64_t> ids = fromFolder->encode(text);
            QCOMPARE(fromJson->encode(text), ids);
            QCOMPARE(fromVocab->encode(text), ids);
            QCOMPARE(fromFolder->decode(ids), text);
            QCOMPARE(fromVocab->decode(ids), text);
            totalIds += ids.size();
            totalBytes += text.size();
            // BPE by rank reproduces the trainer's own segmentation of every word.
            std::vector<int64_t> ordinary;
            for (int64_t id : ids)
                if (id < vocabSize) ordinary.push_back(id);
            std::vector<int64_t> expected;
            for (const std::string& word : byteLevelWords(text))
                for (const std::string& token : segment(word, bpe)) expected.push_back(idOf.at(token));
            QCOMPARE(ordinary, expected);
        }
        QVERIFY2(totalIds * 2 < totalBytes, qPrintable(QStringLiteral("%1 ids for %2 bytes").arg(totalIds).arg(totalBytes)));
        // Text the trainer never saw still round-trips (byte fallback through the 256 byte tokens).
        const std::string unseen = "Ünïcödé ∑ ☃ 𝔘 \x01\x7f and ~ tildes ~~~";
        QCOMPARE(fromFolder->decode(fromFolder->encode(unseen)), unseen);
        QCOMPARE(fromVocab->encode(unseen), fromFolder->encode(unseen));
    }

    void addedTokensFollowTheVocabulary() {
        BpeTrainingOptions options;
        options.vocabSize = 350;
        const TrainedBpe bpe = trainByteLevelBpe(variedCorpus(), options);
        QCOMPARE(bpe.vocab.size(), std::size_t(350));
        QTemporaryDir dir;
        const std::string folder = dir.path().toStdString();
        writeQwenTokenizerFiles(folder, bpe);
        const char* const added[] = {
            "<|endoftext|>",  "<|im_start|>",   "<|im_end|>",     "<|object_ref_start|>", "<|object_ref_end|>",
            "<|box_start|>",  "<|box_end|>",    "<|quad_start|>", "<|quad_end|>",         "<|vision_start|>",
            "<|vision_end|>", "<|vision_pad|>", "<|image_pad|>",  "<|video_pad|>",        "<tool_call>",
            "</tool_call>",   "<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>",       "<|fim_pad|>",
            "<|repo_name|>",  "<|file_sep|>"};
        for (const auto& tokenizer :
             {Tokenizer::fromFolder(folder),
              Tokenizer::fromVocabAndMerges(folder + "/vocab.json", folder + "/merges.txt",
                                            folder + "/tokenizer_config.json")}) {
            QCOMPARE(tokenizer->vocabSize(), int64_t(350 + 22));
            for (int64_t i = 0; i < 22; ++i) {
                QCOMPARE(tokenizer->tokenToId(added[i]), std::optional<int64_t>(350 + i));
                QCOMPARE(tokenizer->encode(added[i]), std::vector<int64_t>{350 + i});
                QCOMPARE(tokenizer->isSpecial(350 + i), i < 14);
            }
            const std::vector<int64_t> chat = tokenizer->encode("<|im_start|>user\nHi<|im_end|>");
            QCOMPARE(chat.front(), int64_t(351));
            QCOMPARE(chat.back(), int64_t(352));
        }

        // tokenizer_config.json: added_tokens_decoder from 350 on, the Qwen2.5-VL settings.
        const QJsonObject config =
            QJsonDocument::fromJson(QByteArray::fromStdString(readFile(dir.filePath("tokenizer_config.json")))).object();
        const QJsonObject decoder = config["added_tokens_decoder"].toObject();
        QCOMPARE(decoder.size(), 22);
        for (int i = 0; i < 22; ++i) {
            const QJsonObject entry = decoder[QString::number(350 + i)].toObject();
            QCOMPARE(entry["content"].toString(), QString::fromUtf8(added[i]));
            QCOMPARE(entry["special"].toBool(), i < 14);
            QCOMPARE(entry["normalized"].toBool(), false);
        }
        QCOMPARE(config["eos_token"].toString(), QStringLiteral("<|im_end|>"));
        QCOMPARE(config["pad_token"].toString(), QStringLiteral("<|endoftext|>"));
        QCOMPARE(config["tokenizer_class"].toString(), QStringLiteral("Qwen2Tokenizer"));
        QVERIFY(config["chat_template"].toString().contains("<|vision_start|><|image_pad|><|vision_end|>"));
        QCOMPARE(config["additional_special_tokens"].toArray().size(), 13);

        // tokenizer.json: added tokens, merges as "left right" strings, vocabulary and fields in HF's order.
        const std::string json = readFile(dir.filePath("tokenizer.json"));
        const QJsonObject root = QJsonDocument::fromJson(QByteArray::fromStdString(json)).object();
        const QJsonArray addedTokens = root["added_tokens"].toArray();
        QCOMPARE(addedTokens.size(), 22);
        QCOMPARE(addedTokens[1].toObject()["id"].toInt(), 351);
        QCOMPARE(addedTokens[1].toObject()["content"].toString(), QStringLiteral("<|im_start|>"));
        const QJsonObject model = root["model"].toObject();
        QCOMPARE(model["type"].toString(), QStringLiteral("BPE"));
        QVERIFY(model["dropout"].isNull());
        QCOMPARE(model["merges"].toArray().size(), qsizetype(bpe.merges.size()));
        QCOMPARE(model["merges"].toArray()[0].toString().toStdString(), bpe.merges[0].first + " " + bpe.merges[0].second);
        QCOMPARE(model["vocab"].toObject().size(), 350);
        std::size_t previous = 0;
        for (const char* key : {"\"version\"", "\"truncation\"", "\"padding\"", "\"added_tokens\"", "\"normalizer\"",
                                "\"pre_tokenizer\"", "\"post_processor\"", "\"decoder\"", "\"model\"", "\"vocab\"",
                                "\"!\": 0,\n", "\"\\\"\": 1,\n", "\"merges\""}) {
            const std::size_t at = json.find(key);
            QVERIFY2(at != std::string::npos && at > previous, key);
            previous = at;
        }
        QVERIFY(json.back() == '}');  // no newline at the end, as `tokenizers` saves

        // vocab.json: one line in id order; merges.txt: the version line, then one merge per line.
        const std::string vocab = readFile(dir.filePath("vocab.json"));
        QCOMPARE(vocab.substr(0, 14), std::string("{\"!\":0,\"\\\"\":1,"));
        QVERIFY(vocab.find('\n') == std::string::npos);
        const std::string merges = readFile(dir.filePath("merges.txt"));
        QCOMPARE(merges.substr(0, 14), std::string("#version: 0.2\n"));
        QCOMPARE(std::size_t(std::count(merges.begin(), merges.end(), '\n')), bpe.merges.size() + 1);
        QCOMPARE(QDir(dir.path()).entryList(QDir::Files).size(), 4);  // no temporaries left behind
    }

    void rewritingReplacesTheFiles() {
        QTemporaryDir dir;
        const std::string folder = dir.path().toStdString();
        BpeTrainingOptions options;
        options.vocabSize = 260;
        writeQwenTokenizerFiles(folder, trainByteLevelBpe(variedCorpus(), options));
        options.vocabSize = 300;
        writeQwenTokenizerFiles(folder, trainByteLevelBpe(variedCorpus(), options));
        QCOMPARE(Tokenizer::fromFolder(folder)->vocabSize(), int64_t(300 + 22));
        QCOMPARE(QDir(dir.path()).entryList(QDir::Files).size(), 4);
    }

    void badInput() {
        BpeTrainingOptions options;
        options.vocabSize = 100;
        expectInvalid([&] { trainByteLevelBpe({"abc"}, options); }, "100");
        options.vocabSize = 300;
        expectInvalid([&] { trainByteLevelBpe({"fine", "bad \xff byte"}, options); }, "training text 1");
        expectInvalid([&] { byteLevelWords("\xc3"); }, "UTF-8");

        QTemporaryDir dir;
        const std::string missing = dir.filePath("no/such/folder").toStdString();
        const TrainedBpe bpe = trainByteLevelBpe({"abc abc"}, options);
        try {
            writeQwenTokenizerFiles(missing, bpe);
            QFAIL("no error for a missing folder");
        } catch (const Error& e) {
            QVERIFY2(std::string(e.what()).find(missing) != std::string::npos, e.what());
        }

        TrainedBpe broken = bpe;
        broken.merges.emplace_back("a", "zz");
        expectInvalid([&] { writeQwenTokenizerFiles(dir.path().toStdString(), broken); }, "'zz'");
        broken = bpe;
        broken.vocab.resize(200);
        expectInvalid([&] { writeQwenTokenizerFiles(dir.path().toStdString(), broken); }, "200 tokens");
        broken = bpe;
        broken.vocab.push_back(broken.vocab[3]);
        expectInvalid([&] { writeQwenTokenizerFiles(dir.path().toStdString(), broken); }, "repeats");
        QVERIFY(QDir(dir.path()).entryList(QDir::Files).isEmpty());  // nothing written on refusal
    }
};

QTEST_APPLESS_MAIN(TestBpeTraining)
#include "test_bpe_training.moc"
