// Tokenizer, streaming decoder and Qwen chat format: parity with transformers on the shared fixture,
// hand-checkable facts about the Qwen2 vocabulary, round trips, a hand-made tokenizer.json whose ids are
// worked out by hand, and malformed input.
#include "fixtures.h"
#include "headscope/error.h"
#include "headscope/tokenizer.h"

#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest/QtTest>

#include <thread>

using headscope::Tokenizer;

namespace {

const QString kFixture = QStringLiteral("qwen25vl-tiny");

std::string fixtureFile(const char* name) { return headscope::testing::fixtureDir(kFixture) + "/" + name; }

// Loading the 7 MB vocabulary takes a moment; the suite shares one instance of each form.
const Tokenizer& qwenFromTokenizerJson() {
    static const auto tokenizer = Tokenizer::fromTokenizerJson(fixtureFile("tokenizer.json"));
    return *tokenizer;
}

const Tokenizer& qwenFromVocabAndMerges() {
    static const auto tokenizer = Tokenizer::fromVocabAndMerges(
        fixtureFile("vocab.json"), fixtureFile("merges.txt"), fixtureFile("tokenizer_config.json"));
    return *tokenizer;
}

std::vector<std::string> tokenStrings(const Tokenizer& tokenizer, const std::vector<int64_t>& ids) {
    std::vector<std::string> tokens;
    for (int64_t id : ids) tokens.push_back(tokenizer.idToToken(id).value_or("<missing>"));
    return tokens;
}

bool isValidUtf8(const std::string& text) {
    const QByteArray bytes = QByteArray::fromStdString(text);
    return QString::fromUtf8(bytes).toUtf8() == bytes;
}

void writeFile(const QString& path, const std::string& contents) {
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    QCOMPARE(file.write(contents.data(), static_cast<qint64>(contents.size())),
             static_cast<qint64>(contents.size()));
}

template <typename Callable>
QString errorMessage(Callable&& callable) {
    try {
        callable();
    } catch (const headscope::Error& error) {
        return QString::fromUtf8(error.what());
    }
    return {};
}

// A complete tokenizer.json small enough to follow by hand. Byte-level alphabet: ' ' is written 'Ġ'.
// Merges by rank: 0 "a b" -> ab (string form), 1 ["ab","c"] -> abc (pair form), 2 "Ġ a" -> Ġa.
std::string tinyTokenizerJson(const std::string& preTokenizer = R"({"type": "ByteLevel",
        "add_prefix_space": false, "trim_offsets": true, "use_regex": true})") {
    return R"({
  "version": "1.0",
  "truncation": null,
  "padding": null,
  "added_tokens": [
    {"id": 7, "content": "<x>", "single_word": false, "lstrip": false, "rstrip": false,
     "normalized": false, "special": true},
    {"id": 8, "content": "<s>", "single_word": false, "lstrip": true, "rstrip": true,
     "normalized": false, "special": false},
    {"id": 9, "content": "cab", "single_word": true, "lstrip": false, "rstrip": false,
     "normalized": false, "special": false}
  ],
  "normalizer": null,
  "pre_tokenizer": )" +
           preTokenizer + R"(,
  "post_processor": null,
  "decoder": {"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true},
  "model": {
    "type": "BPE", "dropout": null, "unk_token": null, "continuing_subword_prefix": null,
    "end_of_word_suffix": null, "fuse_unk": false, "byte_fallback": false, "ignore_merges": false,
    "vocab": {"a": 0, "b": 1, "c": 2, "Ġ": 3, "ab": 4, "abc": 5, "Ġa": 6},
    "merges": ["a b", ["ab", "c"], "Ġ a"]
  }
})";
}

// An unclosed group; kept out of the test class because moc misreads it inside a raw string there.
constexpr const char* kUnbalancedSplitPattern =
    "{\"type\": \"Split\", \"pattern\": {\"Regex\": \"(a\"}, \"behavior\": \"Isolated\", \"invert\": false}";

std::string replaced(std::string text, const std::string& from, const std::string& to) {
    const std::size_t at = text.find(from);
    if (at != std::string::npos) text.replace(at, from.size(), to);
    return text;
}

}  // namespace

class TestTokenizer : public QObject {
    Q_OBJECT

private:
    QTemporaryDir scratch_;

    std::unique_ptr<Tokenizer> loadTiny(const std::string& json, const QString& name = "tiny.json") {
        const QString path = scratch_.filePath(name);
        writeFile(path, json);
        return Tokenizer::fromTokenizerJson(path.toStdString());
    }

    void checkReferenceParity(const Tokenizer& tokenizer) {
        QFile file(QString::fromStdString(fixtureFile("reference.json")));
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QJsonObject reference = QJsonDocument::fromJson(file.readAll()).object();
        const std::string prompt = reference["prompt"].toString().toStdString();
        const std::string rendered = reference["rendered_text"].toString().toStdString();
        std::vector<int64_t> expectedIds;
        for (const QJsonValue& id : reference["input_ids"].toArray()) expectedIds.push_back(id.toInteger());

        const auto imagePad = tokenizer.tokenToId("<|image_pad|>");
        QVERIFY(imagePad.has_value());
        const auto imageTokenCount = std::count(expectedIds.begin(), expectedIds.end(), *imagePad);
        QVERIFY(imageTokenCount > 1);

        headscope::ChatPrompt chat;
        chat.userText = prompt;
        QCOMPARE(headscope::renderQwenChat(chat), rendered);
        QCOMPARE(headscope::encodeChatWithImage(tokenizer, chat, imageTokenCount), expectedIds);
    }

private slots:
    void initTestCase() { QVERIFY(scratch_.isValid()); }

    void matchesTransformersOnTheFixture() {
        HEADSCOPE_REQUIRE_FIXTURE("qwen25vl-tiny");
        checkReferenceParity(qwenFromTokenizerJson());
    }

    void vocabAndMergesFallbackMatchesTransformers() {
        HEADSCOPE_REQUIRE_FIXTURE("qwen25vl-tiny");
        checkReferenceParity(qwenFromVocabAndMerges());
    }

    void bothFileFormsGiveIdenticalIds() {
        HEADSCOPE_REQUIRE_FIXTURE("qwen25vl-tiny");
        const std::string text =
            "The quick brown fox's 12 jumps!\n\n  Indented\tline\r\nCafé 你好世界 🦩👩‍👩‍👧 "
            "<|im_end|> "
            "don't STOP'LL x<tool_call>y 3.14159 ---> ...";
        const auto ids = qwenFromTokenizerJson().encode(text);
        QCOMPARE(qwenFromVocabAndMerges().encode(text), ids);
        QCOMPARE(qwenFromVocabAndMerges().vocabSize(), qwenFromTokenizerJson().vocabSize());
    }

    void fromFolderFallsBackToVocabAndMerges() {
        HEADSCOPE_REQUIRE_FIXTURE("qwen25vl-tiny");
        QTemporaryDir folder;
        for (const char* name : {"vocab.json", "merges.txt", "tokenizer_config.json"})
            QVERIFY(QFile::copy(QString::fromStdString(fixtureFile(name)), folder.filePath(name)));
        const auto tokenizer = Tokenizer::fromFolder(folder.path().toStdString());
        checkReferenceParity(*tokenizer);
        const auto fromJson = Tokenizer::fromFolder(headscope::testing::fixtureDir(kFixture));
        QCOMPARE(fromJson->encode("fallback check"), tokenizer->encode("fallback check"));
    }

    void helloWorldIsTwoTokens() {
        HEADSCOPE_REQUIRE_FIXTURE("qwen25vl-tiny");
        const Tokenizer& tokenizer = qwenFromTokenizerJson();
        QCOMPARE(tokenStrings(tokenizer, tokenizer.encode("Hello world")),
                 (std::vector<std::string>{"Hello", "Ġworld"}));
        // Two spaces: the first stands alone (\s+(?!\S)), the second joins the word.
        QCOMPARE(tokenStrings(tokenizer, tokenizer.encode("Hello  world")),
                 (std::vector<std::string>{"Hello", "Ġ", "Ġworld"}));
    }

    void digitsAreSplitOnePerToken() {
        HEADSCOPE_REQUIRE_FIXTURE("qwen25vl-tiny");
        const Tokenizer& tokenizer = qwenFromTokenizerJson();
        QCOMPARE(tokenStrings(tokenizer, tokenizer.encode("2024")),
                 (std::vector<std::string>{"2", "0", "2", "4"}));
        QCOMPARE(tokenStrings(tokenizer, tokenizer.encode("x 42")),
                 (std::vector<std::string>{"x", "Ġ", "4", "2"}));
    }

    void blankLinesBecomeOneToken() {
        HEADSCOPE_REQUIRE_FIXTURE("qwen25vl-tiny");
        const Tokenizer& tokenizer = qwenFromTokenizerJson();
        // 'Ċ' is the byte-level form of '\n'; "\n\n" is a single piece (\s*[\r\n]+) and a single token.
        QCOMPARE(tokenStrings(tokenizer, tokenizer.encode("a\n\nb")),
                 (std::vector<std::string>{"a", "ĊĊ", "b"}));
        QCOMPARE(tokenizer.encode("\n\n").size(), std::size_t{1});
    }

    void addedTokensInTextMapToTheirIds() {
        HEADSCOPE_REQUIRE_FIXTURE("qwen25vl-tiny");
        const Tokenizer& tokenizer = qwenFromTokenizerJson();
        const auto imEnd = tokenizer.tokenToId("<|im_end|>");
        QVERIFY(imEnd.has_value());
        QVERIFY(tokenizer.isSpecial(*imEnd));
        const auto ids = tokenizer.encode("Done.<|im_end|>\nNext");
        QCOMPARE(std::count(ids.begin(), ids.end(), *imEnd), std::ptrdiff_t{1});
        QCOMPARE(tokenizer.decode(ids), std::string("Done.<|im_end|>\nNext"));
        QCOMPARE(tokenizer.decode(ids, true), std::string("Done.\nNext"));
        // "<tool_call>" is an added token that is not special: kept even when skipping special tokens.
        const auto toolCall = tokenizer.tokenToId("<tool_call>");
        QVERIFY(toolCall.has_value());
        QVERIFY(!tokenizer.isSpecial(*toolCall));
        QCOMPARE(tokenizer.decode({*toolCall, *imEnd}, true), std::string("<tool_call>"));
        QCOMPARE(tokenizer.idToToken(*imEnd), std::optional<std::string>("<|im_end|>"));
        QCOMPARE(tokenizer.vocabSize(), *tokenizer.tokenToId("<|file_sep|>") + 1);
    }

    void roundTrips_data() {
        QTest::addColumn<QByteArray>("text");
        QTest::newRow("empty") << QByteArray("");
        QTest::newRow("ascii") << QByteArray("The quick brown fox jumps over the lazy dog. It's 9:41 AM!");
        QTest::newRow("accented") << QByteArray("Café, naïve façade, Ærøskøbing, São Paulo, Łódź, Dvořák");
        QTest::newRow("cjk") << QByteArray("你好，世界！日本語のテキストです。한국어 문장.");
        QTest::newRow("emoji") << QByteArray("Flamingo 🦩, family 👩‍👩‍👧‍👦, flags 🇩🇪🇯🇵, heart ❤️, 👍🏽");
        QTest::newRow("whitespace") << QByteArray("line one\nline two\r\n\tindented\n\n\n  trailing  \t");
        QTest::newRow("mixed") << QByteArray("Hello мир مرحبا שלום नमस्ते 123 ½ ∑x² <b>tags</b> ~~~");
        QTest::newRow("added tokens") << QByteArray("<|im_start|>user\nhi<|im_end|>\n<|vision_start|>");
    }

    void roundTrips() {
        HEADSCOPE_REQUIRE_FIXTURE("qwen25vl-tiny");
        QFETCH(QByteArray, text);
        const Tokenizer& tokenizer = qwenFromTokenizerJson();
        const auto ids = tokenizer.encode(text.toStdString());
        QCOMPARE(ids.empty(), text.isEmpty());
        QCOMPARE(tokenizer.decode(ids), text.toStdString());
    }

    void decomposedInputComesBackComposed() {
        HEADSCOPE_REQUIRE_FIXTURE("qwen25vl-tiny");
        const Tokenizer& tokenizer = qwenFromTokenizerJson();
        const std::string decomposed = "Cafe\xCC\x81 Ame\xCC\x81lie";  // e + U+0301 COMBINING ACUTE ACCENT
        const std::string composed = "Caf\xC3\xA9 Am\xC3\xA9lie";      // U+00E9
        QCOMPARE(tokenizer.encode(decomposed), tokenizer.encode(composed));
        QCOMPARE(tokenizer.decode(tokenizer.encode(decomposed)), composed);
    }

    void invalidBytesDecodeToReplacementCharacters() {
        HEADSCOPE_REQUIRE_FIXTURE("qwen25vl-tiny");
        const Tokenizer& tokenizer = qwenFromTokenizerJson();
        // "é" is C3 A9; its lead byte alone has byte-level token 'Ã' and is an incomplete sequence.
        const auto leadByte = tokenizer.tokenToId("Ã");
        const auto letter = tokenizer.tokenToId("a");
        QVERIFY(leadByte && letter);
        const std::string replacement = "\xEF\xBF\xBD";  // U+FFFD
        QCOMPARE(tokenizer.decode({*leadByte, *letter}), replacement + "a");
        QCOMPARE(tokenizer.decode({*leadByte, *leadByte}), replacement + replacement);
    }

    void outOfRangeIdsAreErrors() {
        HEADSCOPE_REQUIRE_FIXTURE("qwen25vl-tiny");
        const Tokenizer& tokenizer = qwenFromTokenizerJson();
        const int64_t beyond = tokenizer.vocabSize();
        const QString message = errorMessage([&] { tokenizer.decode({1, beyond}); });
        QVERIFY2(message.contains(QString::number(beyond)), qPrintable(message));
        QVERIFY(!errorMessage([&] { tokenizer.decode({-1}); }).isEmpty());
        QVERIFY(!tokenizer.idToToken(beyond).has_value());
        QVERIFY(!tokenizer.isSpecial(beyond));
    }

    void invalidUtf8InputIsRejected() {
        HEADSCOPE_REQUIRE_FIXTURE("qwen25vl-tiny");
        QVERIFY_THROWS_EXCEPTION(headscope::InvalidInputError, qwenFromTokenizerJson().encode("ab\xFF"));
    }

    void streamingDecoderEmitsWholeCharacters() {
        HEADSCOPE_REQUIRE_FIXTURE("qwen25vl-tiny");
        const Tokenizer& tokenizer = qwenFromTokenizerJson();
        const std::string text =
            "Rare: 🦩𝔘𓀀 family 👩‍👩‍👧‍👦 flags 🇩🇪 中文字符 done<|im_end|>";
        const auto ids = tokenizer.encode(text);
        // The test only means something if some token carries part of a character.
        const bool someTokenSplitsACharacter = std::any_of(ids.begin(), ids.end(), [&](int64_t id) {
            return tokenizer.decode({id}).find("\xEF\xBF\xBD") != std::string::npos;
        });
        QVERIFY(someTokenSplitsACharacter);
        for (bool skipSpecial : {false, true}) {
            headscope::StreamingDecoder decoder(tokenizer, skipSpecial);
            std::string streamed;
            for (int64_t id : ids) {
                const std::string piece = decoder.push(id);
                QVERIFY2(isValidUtf8(piece), piece.c_str());
                QVERIFY(piece.find("\xEF\xBF\xBD") == std::string::npos);
                streamed += piece;
            }
            streamed += decoder.flush();
            QCOMPARE(streamed, tokenizer.decode(ids, skipSpecial));
        }
    }

    void streamingDecoderFlushesUnfinishedBytes() {
        HEADSCOPE_REQUIRE_FIXTURE("qwen25vl-tiny");
        const Tokenizer& tokenizer = qwenFromTokenizerJson();
        const auto leadByte = tokenizer.tokenToId("Ã");
        QVERIFY(leadByte.has_value());
        headscope::StreamingDecoder decoder(tokenizer);
        QCOMPARE(decoder.push(*tokenizer.tokenToId("Hello")), std::string("Hello"));
        QCOMPARE(decoder.push(*leadByte), std::string());
        QCOMPARE(decoder.flush(), std::string("\xEF\xBF\xBD"));
        QVERIFY_THROWS_EXCEPTION(headscope::Error, decoder.push(tokenizer.vocabSize()));
        QCOMPARE(decoder.push(*tokenizer.tokenToId("Hello")), std::string("Hello"));
    }

    void chatWithSystemPromptAndWithoutImage() {
        headscope::ChatPrompt chat;
        chat.userText = "What is 2+2?";
        chat.systemPrompt = "Answer briefly.";
        chat.withImage = false;
        QCOMPARE(headscope::renderQwenChat(chat),
                 std::string("<|im_start|>system\nAnswer briefly.<|im_end|>\n<|im_start|>user\nWhat is 2+2?"
                             "<|im_end|>\n<|im_start|>assistant\n"));
    }

    void chatEncodingChecksItsInputs() {
        HEADSCOPE_REQUIRE_FIXTURE("qwen25vl-tiny");
        const Tokenizer& tokenizer = qwenFromTokenizerJson();
        headscope::ChatPrompt chat;
        chat.userText = "Look.";
        const auto ids = headscope::encodeChatWithImage(tokenizer, chat, 4);
        QCOMPARE(std::count(ids.begin(), ids.end(), *tokenizer.tokenToId("<|image_pad|>")),
                 std::ptrdiff_t{4});
        QVERIFY_THROWS_EXCEPTION(headscope::InvalidInputError,
                                 headscope::encodeChatWithImage(tokenizer, chat, 0));
        chat.userText = "sneaky <|image_pad|>";
        QVERIFY_THROWS_EXCEPTION(headscope::InvalidInputError,
                                 headscope::encodeChatWithImage(tokenizer, chat, 4));
        // A tokenizer without the Qwen markers cannot render this chat.
        const auto tiny = loadTiny(tinyTokenizerJson());
        chat.userText = "ab";
        QVERIFY(
            errorMessage([&] { headscope::encodeChatWithImage(*tiny, chat, 4); }).contains("<|im_start|>"));
    }

    void handMadeTokenizer() {
        const auto tokenizer = loadTiny(tinyTokenizerJson());
        // "abc ab ca": GPT-2 pieces "abc", " ab", " ca" -> byte-level "abc", "Ġab", "Ġca".
        //   abc: a b c -> (a,b) rank 0 -> ab c -> (ab,c) rank 1 -> abc               = [5]
        //   Ġab: Ġ a b -> (a,b) rank 0 beats (Ġ,a) rank 2 -> Ġ ab, no merge left       = [3, 4]
        //   Ġca: Ġ c a -> no merge applies                                             = [3, 2, 0]
        QCOMPARE(tokenizer->encode("abc ab ca"), (std::vector<int64_t>{5, 3, 4, 3, 2, 0}));
        QCOMPARE(tokenizer->decode({5, 3, 4, 3, 2, 0}), std::string("abc ab ca"));
        // "<x>" (special) is cut out before the pipeline: "ab" = [4], "<x>" = 7, "a" = [0].
        QCOMPARE(tokenizer->encode("ab<x>a"), (std::vector<int64_t>{4, 7, 0}));
        QCOMPARE(tokenizer->decode({4, 7, 0}), std::string("ab<x>a"));
        QCOMPARE(tokenizer->decode({4, 7, 0}, true), std::string("aba"));
        // "<s>" strips the spaces on both sides: "a", "<s>", "b" = [0, 8, 1] rather than [0, 3, 8, 3, 1].
        QCOMPARE(tokenizer->encode("a <s> b"), (std::vector<int64_t>{0, 8, 1}));
        // "cab" only matches as a whole word: pieces "cab" = 9, " abcab" and " " go through BPE, "cab" = 9.
        //   Ġabcab: (a,b)@1 and (a,b)@4 rank 0 -> Ġ ab c ab; (ab,c) rank 1 -> Ġ abc ab    = [3, 5, 4]
        QCOMPARE(tokenizer->encode("cab abcab cab"), (std::vector<int64_t>{9, 3, 5, 4, 3, 9}));
        QCOMPARE(tokenizer->vocabSize(), int64_t{10});
        QVERIFY(tokenizer->isSpecial(7));
        QVERIFY(!tokenizer->isSpecial(8));
        QCOMPARE(tokenizer->idToToken(6), std::optional<std::string>("Ġa"));
    }

    void handMadeTokenizerWithPrefixSpace() {
        const auto tokenizer = loadTiny(tinyTokenizerJson(R"({"type": "ByteLevel", "add_prefix_space": true,
            "trim_offsets": true, "use_regex": true})"));
        // " abc" -> Ġ a b c -> Ġ ab c -> Ġ abc = [3, 5]
        QCOMPARE(tokenizer->encode("abc"), (std::vector<int64_t>{3, 5}));
    }

    void handMadeTokenizerWithSplitSequence() {
        // Split on "c" (merged into the previous piece), then map bytes without another regex split.
        const auto tokenizer = loadTiny(tinyTokenizerJson(R"({"type": "Sequence", "pretokenizers": [
            {"type": "Split", "pattern": {"String": "c"}, "behavior": "MergedWithPrevious", "invert": false},
            {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": false, "use_regex": false}]})"));
        // "abcab" -> pieces "abc", "ab" = [5], [4]; "cc" -> "c", "c" = [2], [2]
        QCOMPARE(tokenizer->encode("abcab"), (std::vector<int64_t>{5, 4}));
        QCOMPARE(tokenizer->encode("cc"), (std::vector<int64_t>{2, 2}));
    }

    void missingFilesAreReported() {
        QTemporaryDir empty;
        const QString message = errorMessage([&] { Tokenizer::fromFolder(empty.path().toStdString()); });
        QVERIFY2(message.contains(empty.path()) && message.contains("tokenizer.json"), qPrintable(message));
        const QString missing = empty.filePath("nothing.json");
        QVERIFY(errorMessage([&] { Tokenizer::fromTokenizerJson(missing.toStdString()); }).contains(missing));
    }

    void malformedFilesAreFormatErrors_data() {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<QString>("expectedInMessage");
        const std::string valid = tinyTokenizerJson();
        QTest::newRow("not JSON") << QByteArray("{\"model\": [1, 2") << "not valid JSON";
        QTest::newRow("not an object") << QByteArray("[1, 2, 3]") << "top level";
        QTest::newRow("missing model")
            << QByteArray::fromStdString(replaced(valid, "\"model\"", "\"mode1\"")) << "model: missing";
        QTest::newRow("vocab not an object")
            << QByteArray::fromStdString(replaced(valid, R"("vocab": {)", R"("vocab": [1], "unused": {)"))
            << "model.vocab";
        QTest::newRow("unknown merge token")
            << QByteArray::fromStdString(replaced(valid, R"("Ġ a"])", R"("Ġ z"])")) << "model.merges[2]";
        QTest::newRow("merge pair of three")
            << QByteArray::fromStdString(replaced(valid, R"(["ab", "c"])", R"(["ab", "c", "a"])"))
            << "model.merges[1]";
        QTest::newRow("negative id") << QByteArray::fromStdString(
                                            replaced(valid, R"("abc": 5)", R"("abc": -5)"))
                                     << "model.vocab.abc";
        QTest::newRow("dropout") << QByteArray::fromStdString(
                                        replaced(valid, R"("dropout": null)", R"("dropout": 0.1)"))
                                 << "model.dropout";
        QTest::newRow("unsupported pre-tokenizer")
            << QByteArray::fromStdString(tinyTokenizerJson(R"({"type": "Whitespace"})"))
            << "pre_tokenizer.type";
        QTest::newRow("bad regex") << QByteArray::fromStdString(tinyTokenizerJson(kUnbalancedSplitPattern))
                                   << "pre_tokenizer.pattern.Regex";
        QTest::newRow("unsupported decoder")
            << QByteArray::fromStdString(replaced(valid, R"("decoder": {"type": "ByteLevel")",
                                                  R"("decoder": {"type": "WordPiece")"))
            << "decoder.type";
    }

    void malformedFilesAreFormatErrors() {
        QFETCH(QByteArray, json);
        QFETCH(QString, expectedInMessage);
        const QString path = scratch_.filePath("broken.json");
        writeFile(path, json.toStdString());
        QString message;
        try {
            Tokenizer::fromTokenizerJson(path.toStdString());
        } catch (const headscope::FormatError& error) {
            message = QString::fromUtf8(error.what());
        }
        QVERIFY2(message.contains(path), qPrintable(message));
        QVERIFY2(message.contains(expectedInMessage), qPrintable(message));
    }

    void malformedMergesTxtIsAFormatError() {
        const QString vocab = scratch_.filePath("vocab.json"), merges = scratch_.filePath("merges.txt");
        writeFile(vocab, R"({"a": 0, "b": 1, "ab": 2})");
        writeFile(merges, "#version: 0.2\na b\na c\n");
        QVERIFY_THROWS_EXCEPTION(headscope::FormatError,
                                 Tokenizer::fromVocabAndMerges(vocab.toStdString(), merges.toStdString()));
        writeFile(merges, "#version: 0.2\na b\n");
        QCOMPARE(Tokenizer::fromVocabAndMerges(vocab.toStdString(), merges.toStdString())->encode("aab"),
                 (std::vector<int64_t>{0, 2}));
    }

    void concurrentEncodingAgrees() {
        HEADSCOPE_REQUIRE_FIXTURE("qwen25vl-tiny");
        const Tokenizer& tokenizer = qwenFromVocabAndMerges();
        std::vector<std::string> texts;
        for (int i = 0; i < 4; ++i)
            texts.push_back("Thread " + std::to_string(i) + ": unusual words " + std::to_string(i * 7919) +
                            " zygomorphic quixotically 走马观花 " + std::string(i + 1, '!'));
        std::vector<std::vector<int64_t>> expected;
        for (const auto& text : texts) expected.push_back(tokenizer.encode(text));
        std::vector<std::vector<int64_t>> results(texts.size());
        {
            std::vector<std::thread> threads;
            for (std::size_t i = 0; i < texts.size(); ++i)
                threads.emplace_back([&, i] {
                    for (int repeat = 0; repeat < 50; ++repeat) results[i] = tokenizer.encode(texts[i]);
                });
            for (auto& thread : threads) thread.join();
        }
        QCOMPARE(results, expected);
    }

    void loadingAndEncodingAreFast() {
        HEADSCOPE_REQUIRE_FIXTURE("qwen25vl-tiny");
        QElapsedTimer timer;
        timer.start();
        const auto tokenizer = Tokenizer::fromTokenizerJson(fixtureFile("tokenizer.json"));
        const qint64 loadMs = timer.elapsed();

        std::string text;
        for (int i = 0; text.size() < 4096; ++i)
            text += "Paragraph " + std::to_string(i) +
                    ": the image shows a woman in uniform, ca. 1984 — "
                    "写真には制服姿の女性が写っている. Ärger über Öl? Ça va! 🙂\n";
        timer.restart();
        const auto ids = tokenizer->encode(text);
        const qint64 encodeUs = timer.nsecsElapsed() / 1000;
        qInfo("tokenizer.json load %lld ms; encode of %zu bytes (%zu tokens, cold cache) %lld us", loadMs,
              text.size(), ids.size(), encodeUs);
        // Generous bounds that only catch pathological slowness (debug builds, busy machines).
        QVERIFY2(loadMs < 10000, qPrintable(QString::number(loadMs)));
        QVERIFY2(encodeUs < 250000, qPrintable(QString::number(encodeUs)));
    }
};

QTEST_APPLESS_MAIN(TestTokenizer)
#include "test_tokenizer.moc"
