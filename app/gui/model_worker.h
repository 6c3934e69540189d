// The one object that owns the model. It lives on its own QThread: the GUI thread sends requests through
// queued calls and receives value-type results and streamed tokens through queued signals, so the window
// never waits on LibTorch. A new run cancels the one in progress (the newest request wins).
#pragma once
#include <QObject>

#include <atomic>
#include <memory>

#include "worker_types.h"

namespace headscope::gui {

class ModelWorker : public QObject {
    Q_OBJECT

public:
    ModelWorker();
    ~ModelWorker() override;

    // Thread-safe: ends the current load-free run after its current token.
    void cancelCurrent() { cancel_ = true; }

public slots:
    void loadModel(const QString& folder, const headscope::LoadOptions& options);
    void run(const headscope::gui::RunRequest& request);
    // Attention rows of `position` in run `runId` (the last run of that input).
    void computeRows(quint64 runId, int position);
    // Gate gradients and saliency for generated token `index` of run `runId`.
    void explain(quint64 runId, int index);

signals:
    void loadProgress(double fraction, const QString& stage);
    void modelLoaded(const headscope::gui::ModelSummary& summary);
    void loadFailed(const QString& message);
    void tokenGenerated(quint64 runId, const QString& piece);
    void runFinished(const headscope::gui::RunOutcome& outcome);
    void runFailed(quint64 runId, const QString& message);
    void rowsReady(const headscope::gui::RowsOutcome& outcome);
    void explainReady(const headscope::gui::ExplainOutcome& outcome);
    void analysisFailed(const QString& message);

private:
    struct LastRun {
        quint64 id = 0;
        PreparedInput input;
        std::vector<int64_t> generated;
        HeadControl control;
    };
    const LastRun* findRun(quint64 runId) const;
    QStringList piecesOf(const std::vector<int64_t>& ids) const;

    std::unique_ptr<Session> session_;
    std::atomic<bool> cancel_{false};
    std::vector<LastRun> runs_;  // the baseline and the latest rescaled run of the current input
};

// Registers the types above for queued connections; call once before connecting.
void registerWorkerTypes();

}  // namespace headscope::gui
