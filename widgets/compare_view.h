// Baseline and rescaled answers side by side with the first divergence and the differing tokens marked,
// and a plot of both runs' per-token log-probabilities.
#pragma once
#include <QStringList>
#include <QWidget>

#include <vector>

class QCPItemStraightLine;
class QCustomPlot;
class QLabel;

namespace headscope::widgets {

class TokenView;

class CompareView : public QWidget {
    Q_OBJECT

public:
    explicit CompareView(QWidget* parent = nullptr);

    void clear();
    // firstDivergence: index of the first differing token, -1 when the runs are identical.
    void setRuns(const QStringList& baselinePieces, const std::vector<float>& baselineLogprobs,
                 const QStringList& rescaledPieces, const std::vector<float>& rescaledLogprobs,
                 int firstDivergence);

    TokenView* baselineView() const { return baseline_; }
    TokenView* rescaledView() const { return rescaled_; }
    QCustomPlot* logprobPlot() const { return plot_; }
    QString summaryText() const;

    bool savePlotPng(const QString& path);
    bool savePlotSvg(const QString& path);

protected:
    void changeEvent(QEvent* event) override;

private:
    void setUpPlot();
    void applyPlotPalette();  // the plot follows the widget palette (light or dark)
    void plotLogprobs(const std::vector<float>& baseline, const std::vector<float>& rescaled,
                      int firstDivergence);
    void selectInBoth(int index);  // a click on a token selects the same position in both answers
    QSize exportSize() const;

    TokenView* baseline_ = nullptr;
    TokenView* rescaled_ = nullptr;
    QCustomPlot* plot_ = nullptr;
    QLabel* summary_ = nullptr;
    QCPItemStraightLine* divergenceLine_ = nullptr;
};

}  // namespace headscope::widgets
