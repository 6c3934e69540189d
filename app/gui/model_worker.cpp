#include "model_worker.h"

#include <algorithm>

#include "headscope/error.h"
#include "image_overlay_view.h"

namespace headscope::gui {

void registerWorkerTypes() {
    qRegisterMetaType<ModelSummary>();
    qRegisterMetaType<RunRequest>();
    qRegisterMetaType<RunOutcome>();
    qRegisterMetaType<RowsOutcome>();
    qRegisterMetaType<ExplainOutcome>();
    qRegisterMetaType<LoadOptions>();
}

ModelWorker::ModelWorker() = default;
ModelWorker::~ModelWorker() = default;

void ModelWorker::loadModel(const QString& folder, const LoadOptions& options) {
    try {
        auto session = Session::load(folder.toStdString(), options, [this](double fraction, const std::string& stage) {
            emit loadProgress(fraction, QString::fromStdString(stage));
        });
        // Only a complete load replaces the model in use: a broken folder leaves the previous one working.
        session_ = std::move(session);
        runs_.clear();
        const ModelInfo& info = session_->info();
        ModelSummary summary;
        summary.folder = QString::fromStdString(info.folder);
        summary.name = QString::fromStdString(info.name);
        summary.family = QString::fromUtf8(familyName(info.config.family));
        summary.modelType = QString::fromStdString(info.config.modelType);
        summary.configHash = QString::fromStdString(info.configHash);
        summary.device = QString::fromStdString(info.device);
        summary.dtype = QString::fromStdString(info.dtype);
        summary.layers = static_cast<int>(info.config.text.numLayers);
        summary.heads = static_cast<int>(info.config.text.numHeads);
        summary.kvHeads = static_cast<int>(info.config.text.numKeyValueHeads);
        summary.parameters = info.parameterCount;
        summary.bytes = info.parameterBytes;
        summary.unusedTensors = static_cast<int>(info.unusedTensors.size());
        for (const std::string& name : info.nonFiniteTensors) summary.nonFiniteTensors << QString::fromStdString(name);
        summary.config = info.config;
        summary.imageConfig = session_->imageProcessorConfig();
        summary.clipConfig = session_->clipProcessorConfig();
        emit modelLoaded(summary);
    } catch (const std::exception& e) {
        emit loadFailed(QString::fromStdString(userMessage(e)));
    }
}

QStringList ModelWorker::piecesOf(const std::vector<int64_t>& ids) const {
    // Streaming decode gives every character to the token that completes it, so no piece is half a
    // character.
    QStringList pieces;
    StreamingDecoder decoder(session_->tokenizer());
    for (int64_t id : ids)
        pieces << (session_->tokenizer().idToToken(id) ? QString::fromStdString(decoder.push(id)) : QString());
    if (!pieces.isEmpty()) pieces.last() += QString::fromStdString(decoder.flush());
    return pieces;
}

void ModelWorker::run(const RunRequest& request) {
    cancel_ = false;
    if (!session_) {
        emit runFailed(request.id, tr("No model is loaded."));
        return;
    }
    try {
        ChatPrompt prompt;
        prompt.userText = request.prompt.toStdString();
        PreparedInput input;
        if (request.image.isNull()) {
            input = session_->prepare(prompt, nullptr);
        } else {
            const RgbImage image = widgets::toRgbImage(request.image);
            input = session_->prepare(prompt, &image);
        }
        auto onToken = [&](int64_t, const std::string& piece) {
            emit tokenGenerated(request.id, QString::fromStdString(piece));
        };
        RunOutcome outcome;
        outcome.id = request.id;
        outcome.rescaled = request.rescaled;
        outcome.analyzed = generateAnalyzed(*session_, input, request.options, request.control, {}, onToken, &cancel_);
        outcome.spans = promptSpans(*session_, input);
        outcome.promptLength = static_cast<int>(input.inputIds.size());
        outcome.generatedPieces = piecesOf(outcome.analyzed.generation.ids);
        // Prompt tokens as text; the run of image pads shows as one "[image]" piece followed by empty ones.
        outcome.promptPieces = piecesOf(input.inputIds);
        const int64_t pad = session_->config().imageTokenId;
        for (size_t i = 0; i < input.inputIds.size(); ++i)
            if (input.inputIds[i] == pad)
                outcome.promptPieces[static_cast<int>(i)] = (i == 0 || input.inputIds[i - 1] != pad) ? tr("[image]") : QString();
        if (input.image) {
            outcome.grid = input.image->grid;
            outcome.mergeSize = static_cast<int>(input.image->mergeSize);
        }
        if (!request.rescaled) runs_.clear();
        if (request.rescaled && runs_.size() > 1) runs_.pop_back();  // keep the baseline and the latest rescaled run
        runs_.push_back({request.id, input, outcome.analyzed.generation.ids, request.control});
        emit runFinished(outcome);
    } catch (const std::exception& e) {
        emit runFailed(request.id, QString::fromStdString(userMessage(e)));
    }
}

const ModelWorker::LastRun* ModelWorker::findRun(quint64 runId) const {
    for (const LastRun& r : runs_)
        if (r.id == runId) return &r;
    return nullptr;
}

void ModelWorker::computeRows(quint64 runId, int position) {
    const LastRun* run = findRun(runId);
    if (!session_ || !run) return;  // a newer input replaced that run: nothing to show
    try {
        RowsOutcome outcome;
        outcome.runId = runId;
        outcome.position = position;
        outcome.rows = attentionRows(*session_, run->input, run->generated, position, run->control);
        emit rowsReady(outcome);
    } catch (const std::exception& e) {
        emit analysisFailed(QString::fromStdString(userMessage(e)));
    }
}

void ModelWorker::explain(quint64 runId, int index) {
    const LastRun* run = findRun(runId);
    if (!session_ || !run) return;
    try {
        ExplainOutcome outcome;
        outcome.runId = runId;
        outcome.explanation = explainToken(*session_, run->input, run->generated, index, std::nullopt, run->control);
        emit explainReady(outcome);
    } catch (const std::exception& e) {
        emit analysisFailed(QString::fromStdString(userMessage(e)));
    }
}

}  // namespace headscope::gui
