// A run of tokens as text that wraps like prose: each token can be clicked, selected, and coloured by a
// value (attention or saliency over earlier tokens). Used for the prompt and the streamed chain of thought.
#pragma once
#include <QColor>
#include <QStringList>
#include <QTextCursor>
#include <QWidget>

#include <vector>

#include "color_maps.h"

class QTextBrowser;
class QTextCharFormat;
class QUrl;

namespace headscope::widgets {

class TokenView : public QWidget {
    Q_OBJECT

public:
    explicit TokenView(QWidget* parent = nullptr);

    void clear();
    void setTokens(const QStringList& pieces);  // also resets values, selection and the differing mark
    void appendToken(const QString& piece);  // streaming: cheap, keeps the view scrolled to the end
    // One value per token (NaN: no colour); colours come from `scale` over [lo, hi] of the finite values
    // (symmetric around 0 for Diverging). An empty vector removes the colouring.
    void setValues(const std::vector<float>& values, ColorScale scale);
    void setSelectedToken(int index);  // -1 clears
    // Tokens from `index` on are drawn as differing (e.g. after the first divergence of two runs).
    void setDifferingFrom(int index);

    int tokenCount() const;
    QString tokenText(int index) const;
    int selectedToken() const { return selected_; }
    QColor backgroundOf(int index) const;  // invalid QColor when uncoloured
    // Where token `index` is drawn, in this widget's coordinates (for clicks in tests).
    QRect tokenRect(int index) const;

signals:
    void tokenClicked(int index);

protected:
    void changeEvent(QEvent* event) override;

private:
    void render();
    void insertToken(QTextCursor& cursor, int index);  // at the end of the document
    void restyle(QTextCursor& cursor, int index);      // re-applies the format of one token in place
    void restyleAll();
    QTextCharFormat formatFor(int index) const;
    void onAnchorClicked(const QUrl& url);
    // Appends of one event-loop turn share one edit block, so the document is laid out once per turn
    // rather than once per token (a long paragraph would otherwise cost quadratic time).
    void openStreamingEdit();
    void closeStreamingEdit() const;

    QTextBrowser* browser_ = nullptr;
    QStringList pieces_;
    std::vector<int> starts_;  // document position of each token, plus the end of the last one
    std::vector<float> values_;
    std::vector<QColor> backgrounds_;
    int selected_ = -1;
    int differingFrom_ = -1;
    // Deferring layout is not visible state: any reader of positions closes the edit first.
    mutable QTextCursor streamCursor_;
    mutable bool streamEditOpen_ = false;
    bool followEnd_ = false;  // the view was at the bottom when the current burst of appends began
};

}  // namespace headscope::widgets
