// The Llama SentencePiece tokenizer and the LLaVA-1.5 chat format against the llava-tiny fixture, whose
// reference ids come from transformers' slow LlamaTokenizer (legacy=false) and LlavaProcessor.
#include "fixtures.h"
#include "headscope/error.h"
#include "headscope/tokenizer.h"

#include <QTemporaryDir>
#include <QtTest/QtTest>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <numeric>
#include <thread>

using namespace headscope;
using headscope::testing::fixtureDir;

namespace {

nlohmann::json readJson(const std::string& path) {
    std::ifstream in(path);
    return nlohmann::json::parse(in);
}

std::vector<int64_t> jsonIds(const nlohmann::json& value) { return value.get<std::vector<int64_t>>(); }

void writeFile(const QString& path, const QByteArray& contents) {
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    QCOMPARE(file.write(contents), contents.size());
}

bool isValidUtf8(const std::string& text) {
    return QString::fromUtf8(text.data(), static_cast<qsizetype>(text.size())).toUtf8().toStdString() == text;
}

// Runs `call` and checks that it throws E with `needle` (and `detail`, when given) in its message.
template <typename E, typename F>
void verifyThrowsNaming(F&& call, const std::string& needle, const std::string& detail = {}) {
    try {
        call();
        QFAIL("no exception thrown");
    } catch (const E& error) {
        QVERIFY2(std::string(error.what()).find(needle) != std::string::npos, error.what());
        QVERIFY2(std::string(error.what()).find(detail) != std::string::npos, error.what());
    }
}

std::vector<std::string> tokenTexts(const Tokenizer& tokenizer, const std::vector<int64_t>& ids) {
    std::vector<std::string> tokens;
    for (int64_t id : ids) tokens.push_back(tokenizer.idToToken(id).value_or("?"));
    return tokens;
}

// The protobuf wire format, enough to write a sentencepiece.ModelProto by hand.
std::string varint(uint64_t value) {
    std::string bytes;
    for (; value >= 0x80; value >>= 7) bytes += static_cast<char>((value & 0x7F) | 0x80);
    return bytes + static_cast<char>(value);
}

std::string varintField(int number, uint64_t value) { return varint(uint64_t(number) << 3) + varint(value); }

std::string messageField(int number, const std::string& payload) {
    return varint(uint64_t(number) << 3 | 2) + varint(payload.size()) + payload;
}

std::string floatField(int number, float value) {
    uint32_t bits = 0;
    std::memcpy(&bits, &value, sizeof bits);
    std::string bytes = varint(uint64_t(number) << 3 | 5);
    for (int shift = 0; shift < 32; shift += 8) bytes += static_cast<char>((bits >> shift) & 0xFF);
    return bytes;
}

enum PieceType { kNormal = 1, kUnknown = 2, kControl = 3, kByte = 6 };

std::string pieceField(const std::string& piece, float score, PieceType type) {
    return messageField(1, messageField(1, piece) + floatField(2, score) + varintField(3, type));
}

struct TinyModel {
    std::vector<std::pair<std::string, float>> pieces;  // after <unk>, <s>, </s> and the byte pieces
    bool byteFallback = true;
    int modelType = 2;  // BPE
    std::string precompiledCharsmap;
};

// ModelProto { pieces, trainer_spec { model_type, byte_fallback }, normalizer_spec { "identity", ... } } with
// the normalizer settings of LLaMA: dummy prefix on, extra whitespace kept, spaces escaped.
QByteArray serializeTinyModel(const TinyModel& model) {
    std::string proto = pieceField("<unk>", 0, kUnknown) + pieceField("<s>", 0, kControl) +
                        pieceField("</s>", 0, kControl);
    for (int byte = 0; model.byteFallback && byte < 256; ++byte)
        proto += pieceField(QString::asprintf("<0x%02X>", byte).toStdString(), 0, kByte);
    for (const auto& [piece, score] : model.pieces) proto += pieceField(piece, score, kNormal);
    proto += messageField(2, varintField(3, model.modelType) + varintField(35, model.byteFallback));
    proto += messageField(3, messageField(1, "identity") + messageField(2, model.precompiledCharsmap) +
                                 varintField(3, 1) + varintField(4, 0) + varintField(5, 1));
    return QByteArray(proto.data(), static_cast<qsizetype>(proto.size()));
}

// Pieces whose scores make the merge order differ from the left-to-right one: "bc" beats "ab", and "ab"
// and "ba" tie.
TinyModel tinyScoredModel() {
    TinyModel model;
    model.pieces = {{"\xE2\x96\x81", -1}, {"a", -2},   {"b", -3},    {"c", -4},  {"ab", -5},
                    {"bc", -0.5f},        {"\xE2\x96\x81" "a", -6}, {"abc", -7}, {"ba", -5}};
    return model;
}

}  // namespace

class TestTokenizerLlava : public QObject {
    Q_OBJECT

    std::string dir_;
    std::unique_ptr<Tokenizer> tokenizer_;
    nlohmann::json reference_;
    QTemporaryDir scratch_;

    ChatPrompt referencePrompt() const {
        ChatPrompt prompt;
        prompt.userText = reference_.at("prompt").get<std::string>();
        return prompt;
    }

    std::vector<std::string> tokensOf(const std::vector<int64_t>& ids) const {
        std::vector<std::string> tokens;
        for (int64_t id : ids) tokens.push_back(tokenizer_->idToToken(id).value_or("?"));
        return tokens;
    }

    int64_t addedTokenId(const std::string& content) const {
        return readJson(dir_ + "/added_tokens.json").at(content).get<int64_t>();
    }

private slots:
    void init() {
        HEADSCOPE_REQUIRE_FIXTURE("llava-tiny");
        QVERIFY(scratch_.isValid());
        if (tokenizer_) return;
        dir_ = fixtureDir("llava-tiny");
        tokenizer_ = loadSentencePieceTokenizer(dir_ + "/tokenizer.model", dir_ + "/tokenizer_config.json");
        reference_ = readJson(dir_ + "/reference.json");
    }

    void rendersTheReferenceChat() {
        QCOMPARE(renderLlavaChat(referencePrompt()), reference_.at("rendered_text").get<std::string>());
    }

    void rendersSystemPromptAndTextOnlyTurns() {
        ChatPrompt prompt;
        prompt.userText = "Describe it.";
        prompt.systemPrompt = "Be brief.";
        QCOMPARE(renderLlavaChat(prompt), std::string("Be brief. USER: <image>\nDescribe it. ASSISTANT:"));
        prompt.systemPrompt.reset();
        prompt.withImage = false;
        QCOMPARE(renderLlavaChat(prompt), std::string("USER: Describe it. ASSISTANT:"));
    }

    void encodesTheReferenceIds() {
        const std::vector<int64_t> expected = jsonIds(reference_.at("input_ids"));
        const int64_t imageTokens = static_cast<int64_t>(reference_.at("image_token_positions").size());
        QCOMPARE(imageTokens, int64_t{36});
        QCOMPARE(encodeLlavaChatWithImage(*tokenizer_, referencePrompt(), imageTokens, 1), expected);
    }

    void matchesTheReadmeHandChecks() {
        using Tokens = std::vector<std::string>;
        QCOMPARE(tokensOf(tokenizer_->encode("USER:")), (Tokens{"\xE2\x96\x81US", "ER", ":"}));
        const std::string rendered = reference_.at("rendered_text").get<std::string>();
        const std::vector<int64_t> ids = tokenizer_->encode(rendered);
        const int64_t image = addedTokenId("<image>");
        const auto imageAt = std::find(ids.begin(), ids.end(), image);
        QVERIFY(imageAt != ids.begin() && imageAt + 2 < ids.end());
        QCOMPARE(*(imageAt - 1), int64_t{29871});
        QCOMPARE(tokenizer_->idToToken(29871), std::optional<std::string>("\xE2\x96\x81"));
        QCOMPARE(*(imageAt + 1), int64_t{13});
        QCOMPARE(*(imageAt + 2), int64_t{5618});
        QCOMPARE(tokensOf({13, 5618}), (Tokens{"<0x0A>", "What"}));
    }

    void addsOnlyTheStartOfTheTextDummyPrefix() {
        using Tokens = std::vector<std::string>;
        QCOMPARE(tokensOf(tokenizer_->encode("What")), (Tokens{"\xE2\x96\x81What"}));
        QCOMPARE(tokensOf(tokenizer_->encode("<image>What")), (Tokens{"\xE2\x96\x81", "<image>", "What"}));
        // A special token (bos/eos/unk/pad) at the very start takes no prefix in front of it.
        QCOMPARE(tokensOf(tokenizer_->encode("<s>What")), (Tokens{"<s>", "What"}));
        QVERIFY(tokenizer_->encode("").empty());
    }

    void mapsAddedTokensInTextToTheirIds() {
        const std::vector<int64_t> ids = tokenizer_->encode("a<image>b<pad></s>");
        const std::vector<std::string> tokens = tokensOf(ids);
        QCOMPARE(std::count(ids.begin(), ids.end(), addedTokenId("<image>")), 1);
        QCOMPARE(std::count(ids.begin(), ids.end(), addedTokenId("<pad>")), 1);
        QCOMPARE(ids.back(), *tokenizer_->tokenToId("</s>"));
        QCOMPARE(tokens.front(), std::string("\xE2\x96\x81" "a"));
    }

    void roundTrips_data() {
        QTest::addColumn<QByteArray>("text");
        QTest::newRow("ascii") << QByteArray("The quick brown fox jumps over the lazy dog. It's 9:41 AM!");
        QTest::newRow("spaces around") << QByteArray("  two leading, two trailing  ");
        QTest::newRow("one leading space") << QByteArray(" hello");
        QTest::newRow("accents") << QByteArray("Café, naïve façade, Ærøskøbing, São Paulo, Łódź, Dvořák");
        QTest::newRow("cjk") << QByteArray("你好，世界！日本語のテキストです。한국어 문장.");
        QTest::newRow("emoji") << QByteArray("Flamingo 🦩, family 👩‍👩‍👧‍👦, flags 🇩🇪🇯🇵, 👍🏽");
        QTest::newRow("newlines") << QByteArray("line one\nline two\n\n\tindented\r\nend\n");
        QTest::newRow("added tokens") << QByteArray("look: <image>\nthen <pad> text");
    }

    void roundTrips() {
        QFETCH(QByteArray, text);
        const std::string original = text.toStdString();
        QCOMPARE(tokenizer_->decode(tokenizer_->encode(original)), original);
    }

    void decodesLikeTheReferenceGeneration() {
        for (const char* run : {"greedy", "gains"}) {
            const nlohmann::json& section = reference_.at(run);
            const std::string idsKey = std::string(run) == "greedy" ? "ids" : "greedy_ids";
            const std::string textKey = std::string(run) == "greedy" ? "text" : "greedy_text";
            const std::string expected = section.at(textKey).get<std::string>();
            QCOMPARE(tokenizer_->decode(jsonIds(section.at(idsKey)), true), expected);
        }
    }

    void skipsSpecialTokens() {
        const std::vector<int64_t> ids = jsonIds(reference_.at("input_ids"));
        const std::string rendered = reference_.at("rendered_text").get<std::string>();
        std::string withoutImage = rendered;
        withoutImage.erase(withoutImage.find("<image>"), std::string("<image>").size());
        QCOMPARE(tokenizer_->decode(ids, true), withoutImage);

        // LlamaTokenizer keeps the space of "▁US" after a leading <s>; each <image> is written out.
        const std::string full = tokenizer_->decode(ids, false);
        std::string images;
        for (int i = 0; i < 36; ++i) images += "<image>";
        QCOMPARE(full, "<s> USER: " + images + rendered.substr(rendered.find('\n')));
    }

    void answersVocabularyQuestions() {
        QCOMPARE(tokenizer_->vocabSize(), addedTokenId("<pad>") + 1);
        QCOMPARE(tokenizer_->tokenToId("<image>"), std::optional<int64_t>(addedTokenId("<image>")));
        QCOMPARE(tokenizer_->idToToken(addedTokenId("<pad>")), std::optional<std::string>("<pad>"));
        QCOMPARE(tokenizer_->tokenToId("<s>"), std::optional<int64_t>(1));
        QCOMPARE(tokenizer_->tokenToId("no such piece"), std::optional<int64_t>());
        QCOMPARE(tokenizer_->idToToken(tokenizer_->vocabSize()), std::optional<std::string>());
        QCOMPARE(tokenizer_->idToToken(-1), std::optional<std::string>());
        for (const char* special : {"<unk>", "<s>", "</s>", "<image>", "<pad>"})
            QVERIFY2(tokenizer_->isSpecial(*tokenizer_->tokenToId(special)), special);
        QVERIFY(!tokenizer_->isSpecial(29871));
        QVERIFY_THROWS_EXCEPTION(Error, tokenizer_->decode({tokenizer_->vocabSize()}));
    }

    // StreamingDecoder decodes the held-back ids on their own. SentencePiece decoding is not like that:
    // a lone "▁word" loses its space at the start of a text, and an unfinished character decodes to one
    // U+FFFD per byte (as in transformers), which the head/tail check cannot tell from finished text.
    void streamsAnEmojiSplitIntoBytesWhole() {
        const std::string emoji = "\xF0\x9F\xA6\xA9";  // U+1F9A9 flamingo
        const std::vector<int64_t> ids = tokenizer_->encode(emoji + "!");
        int bytePieces = 0;
        for (const std::string& token : tokensOf(ids)) bytePieces += token.rfind("<0x", 0) == 0;
        QCOMPARE(bytePieces, 4);

        StreamingDecoder stream(*tokenizer_);
        std::string streamed;
        int pushesWithEmoji = 0;
        for (int64_t id : ids) {
            const std::string piece = stream.push(id);
            QVERIFY(isValidUtf8(piece));
            pushesWithEmoji += piece.find(emoji) != std::string::npos;
            streamed += piece;
        }
        streamed += stream.flush();
        QCOMPARE(pushesWithEmoji, 1);
        QCOMPARE(streamed, emoji + "!");
    }

    void streamsWordsWithTheirSpaces() {
        const std::string text = "Hi there, world";
        StreamingDecoder stream(*tokenizer_);
        std::string streamed;
        for (int64_t id : tokenizer_->encode(text)) streamed += stream.push(id);
        streamed += stream.flush();
        QCOMPARE(streamed, text);
    }

    void encodesAndDecodesConcurrently() {
        const std::string text = reference_.at("rendered_text").get<std::string>() + " 日本語 🦩";
        const std::vector<int64_t> expected = tokenizer_->encode(text);
        std::vector<int> failures(4, 0);
        std::vector<std::thread> threads;
        for (std::size_t t = 0; t < failures.size(); ++t)
            threads.emplace_back([&, t] {
                for (int round = 0; round < 200; ++round) {
                    const std::vector<int64_t> ids = tokenizer_->encode(text);
                    failures[t] += ids != expected || tokenizer_->decode(ids) != text;
                }
            });
        for (std::thread& thread : threads) thread.join();
        QCOMPARE(std::accumulate(failures.begin(), failures.end(), 0), 0);
    }

    void refusesImageTokensInTheUserText() {
        ChatPrompt prompt = referencePrompt();
        prompt.userText += " <image>";
        QVERIFY_THROWS_EXCEPTION(InvalidInputError, encodeLlavaChatWithImage(*tokenizer_, prompt, 36, 1));
        prompt = referencePrompt();
        QVERIFY_THROWS_EXCEPTION(InvalidInputError, encodeLlavaChatWithImage(*tokenizer_, prompt, 0, 1));
        prompt.withImage = false;
        const std::vector<int64_t> textOnly = encodeLlavaChatWithImage(*tokenizer_, prompt, 36, 1);
        QCOMPARE(std::count(textOnly.begin(), textOnly.end(), addedTokenId("<image>")), 0);
        QCOMPARE(textOnly.front(), int64_t{1});
    }

    void reportsAMissingModelFile() {
        const std::string missing = scratch_.filePath("absent/tokenizer.model").toStdString();
        verifyThrowsNaming<FormatError>(
            [&] { loadSentencePieceTokenizer(missing, dir_ + "/tokenizer_config.json"); }, missing);
    }

    void reportsACorruptModelFile() {
        const QString path = scratch_.filePath("corrupt.model");
        QByteArray garbage;
        for (int i = 0; i < 4096; ++i) garbage.append(static_cast<char>((i * 7919 + 13) % 251));
        writeFile(path, garbage);
        verifyThrowsNaming<FormatError>(
            [&] { loadSentencePieceTokenizer(path.toStdString(), dir_ + "/tokenizer_config.json"); },
            path.toStdString());
    }

    void reportsATruncatedModelFile() {
        QFile fixture(QString::fromStdString(dir_ + "/tokenizer.model"));
        QVERIFY(fixture.open(QIODevice::ReadOnly));
        const QByteArray model = fixture.readAll();
        const QString path = scratch_.filePath("truncated.model");
        for (qsizetype size : {model.size() - 1, model.size() / 2, qsizetype{1}}) {
            writeFile(path, model.left(size));
            verifyThrowsNaming<FormatError>([&] { loadSentencePieceTokenizer(path.toStdString(), ""); },
                                            path.toStdString(), "past the end");
        }
    }

    void reportsAVarintRunningPastTheEnd() {
        const QString path = scratch_.filePath("varint.model");
        // A field key, then a length whose varint never ends; then a key that is cut off itself.
        for (const QByteArray& bytes : {QByteArray("\x0A\xFF\xFF", 3), QByteArray("\x80", 1)}) {
            writeFile(path, bytes);
            verifyThrowsNaming<FormatError>([&] { loadSentencePieceTokenizer(path.toStdString(), ""); },
                                            path.toStdString(), "varint runs past the end");
        }
        // An unknown varint field (number 6) whose value has an 11th byte.
        writeFile(path, QByteArray("\x30") + QByteArray(10, '\xFF') + QByteArray("\x01"));
        verifyThrowsNaming<FormatError>([&] { loadSentencePieceTokenizer(path.toStdString(), ""); },
                                        path.toStdString(), "longer than 10 bytes");
    }

    // Worked out by hand from the merge rule: highest score first, leftmost on ties ("▁": the dummy prefix).
    void encodesAHandMadeModelByScore() {
        using Tokens = std::vector<std::string>;
        const QString path = scratch_.filePath("scored.model");
        writeFile(path, serializeTinyModel(tinyScoredModel()));
        const auto tokenizer = loadSentencePieceTokenizer(path.toStdString(), "");
        // ▁ a b c: "bc" (-0.5) first, then "▁a" (-6); "abc" (-7) lost its "a" to "▁a" and "▁abc" is no piece.
        QCOMPARE(tokenTexts(*tokenizer, tokenizer->encode("abc")), (Tokens{"\xE2\x96\x81" "a", "bc"}));
        QCOMPARE(tokenizer->encode("abc"), (std::vector<int64_t>{265, 264}));
        // ▁ a b a: "ab" and "ba" tie at -5 and the left one wins; "▁a" (-6) lost its "a".
        QCOMPARE(tokenTexts(*tokenizer, tokenizer->encode("aba")), (Tokens{"\xE2\x96\x81", "ab", "a"}));
        // "z" and "é" are no pieces: their UTF-8 bytes become byte pieces.
        QCOMPARE(tokenTexts(*tokenizer, tokenizer->encode("abz")), (Tokens{"\xE2\x96\x81", "ab", "<0x7A>"}));
        QCOMPARE(tokenTexts(*tokenizer, tokenizer->encode("a\xC3\xA9")),
                 (Tokens{"\xE2\x96\x81" "a", "<0xC3>", "<0xA9>"}));
        // The space between words is a "▁" of its own here.
        QCOMPARE(tokenTexts(*tokenizer, tokenizer->encode("c a")),
                 (Tokens{"\xE2\x96\x81", "c", "\xE2\x96\x81" "a"}));
        for (const char* text : {"abc", "aba", "abz", "a\xC3\xA9", "c a", "bc  ab"})
            QCOMPARE(tokenizer->decode(tokenizer->encode(text)), std::string(text));
    }

    void encodesUnknownRunsAsOneUnkWithoutByteFallback() {
        using Tokens = std::vector<std::string>;
        TinyModel model = tinyScoredModel();
        model.byteFallback = false;
        const QString path = scratch_.filePath("no-bytes.model");
        writeFile(path, serializeTinyModel(model));
        const auto tokenizer = loadSentencePieceTokenizer(path.toStdString(), "");
        QCOMPARE(tokenTexts(*tokenizer, tokenizer->encode("zz\xC3\xA9" "bc")),
                 (Tokens{"\xE2\x96\x81", "<unk>", "bc"}));
    }

    void refusesModelsItCannotEncodeExactly() {
        const QString path = scratch_.filePath("unsupported.model");
        TinyModel unigram = tinyScoredModel();
        unigram.modelType = 1;
        writeFile(path, serializeTinyModel(unigram));
        verifyThrowsNaming<FormatError>([&] { loadSentencePieceTokenizer(path.toStdString(), ""); },
                                        path.toStdString(), "UNIGRAM");
        TinyModel nfkc = tinyScoredModel();
        nfkc.precompiledCharsmap = std::string("\x04\x00\x00\x00" "charsmap", 12);
        writeFile(path, serializeTinyModel(nfkc));
        verifyThrowsNaming<FormatError>([&] { loadSentencePieceTokenizer(path.toStdString(), ""); },
                                        path.toStdString(), "only the identity normaliser");
    }

    void reportsAMalformedConfig() {
        const QString path = scratch_.filePath("tokenizer_config.json");
        writeFile(path, QByteArray("{\"added_tokens_decoder\": {\"32000\": {\"content\": "));
        verifyThrowsNaming<FormatError>(
            [&] { loadSentencePieceTokenizer(dir_ + "/tokenizer.model", path.toStdString()); },
            path.toStdString());
        writeFile(path, QByteArray("{\"added_tokens_decoder\": {\"image\": {\"content\": \"<image>\"}}}"));
        verifyThrowsNaming<FormatError>(
            [&] { loadSentencePieceTokenizer(dir_ + "/tokenizer.model", path.toStdString()); },
            path.toStdString());
    }
};

QTEST_APPLESS_MAIN(TestTokenizerLlava)
#include "test_tokenizer_llava.moc"
