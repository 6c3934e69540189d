// Value types that cross between the GUI thread and the model worker through queued signals.
#pragma once
#include <QImage>
#include <QMetaType>
#include <QString>
#include <QStringList>

#include <vector>

#include "headscope/analysis.h"
#include "headscope/head_control.h"
#include "headscope/session.h"

namespace headscope::gui {

struct ModelSummary {
    QString folder;
    QString name;
    QString family;      // "Qwen2.5-VL"
    QString modelType;   // config.json's model_type
    QString configHash;
    QString device;
    QString dtype;
    int layers = 0;
    int heads = 0;
    int kvHeads = 0;
    qint64 parameters = 0;
    qint64 bytes = 0;
    int unusedTensors = 0;
    QStringList nonFiniteTensors;  // weights holding NaN or infinity
    ModelConfig config;
    ImageProcessorConfig imageConfig;
    ClipProcessorConfig clipConfig;
};

struct RunRequest {
    quint64 id = 0;
    bool rescaled = false;  // false: the baseline run of a new input
    QImage image;           // null: text only
    QString prompt;
    GenerationOptions options;
    HeadControl control;
};

struct RunOutcome {
    quint64 id = 0;
    bool rescaled = false;
    AnalyzedGeneration analyzed;
    QStringList promptPieces;     // the prompt's tokens as text (image pads collapsed to one piece each)
    QStringList generatedPieces;  // one piece per generated id
    std::vector<KeySpan> spans;   // system, image, prompt
    int promptLength = 0;
    GridTHW grid;
    int mergeSize = 2;
};

// Attention rows of one sequence position of a finished run, [layers, heads, position + 1].
struct RowsOutcome {
    quint64 runId = 0;
    int position = 0;
    FloatArray rows;
};

struct ExplainOutcome {
    quint64 runId = 0;
    TokenExplanation explanation;
};

}  // namespace headscope::gui

Q_DECLARE_METATYPE(headscope::gui::ModelSummary)
Q_DECLARE_METATYPE(headscope::gui::RunRequest)
Q_DECLARE_METATYPE(headscope::gui::RunOutcome)
Q_DECLARE_METATYPE(headscope::gui::RowsOutcome)
Q_DECLARE_METATYPE(headscope::gui::ExplainOutcome)
Q_DECLARE_METATYPE(headscope::LoadOptions)
