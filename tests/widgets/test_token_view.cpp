// TokenView: token text and count, clicks on tokens (including markup-like and newline tokens), value
// colours against the colour maps, selection, and cheap streaming appends.
#include <QElapsedTimer>
#include <QScrollBar>
#include <QSignalSpy>
#include <QTest>
#include <QTextBrowser>

#include <cmath>
#include <limits>

#include "color_maps.h"
#include "token_view.h"

using headscope::widgets::colorAt;
using headscope::widgets::ColorScale;
using headscope::widgets::TokenView;

class TestTokenView : public QObject {
    Q_OBJECT

private:
    static void showView(TokenView& view) {
        view.resize(480, 320);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
    }

    // Clicks the centre of token `index` on the browser's viewport and returns the indices reported.
    static QList<int> clickToken(TokenView& view, int index) {
        auto* browser = view.findChild<QTextBrowser*>();
        QSignalSpy spy(&view, &TokenView::tokenClicked);
        const QRect rect = view.tokenRect(index);
        const QPoint inViewport = browser->viewport()->mapFrom(&view, rect.center());
        QTest::mouseClick(browser->viewport(), Qt::LeftButton, Qt::NoModifier, inViewport);
        QList<int> clicked;
        for (const QList<QVariant>& args : spy) clicked.append(args.at(0).toInt());
        return clicked;
    }

private slots:
    void keepsTokenTextAndCount() {
        TokenView view;
        const QStringList pieces = {"The", " cat", " <b>&", "\n", " sat", "  "};
        view.setTokens(pieces);
        QCOMPARE(view.tokenCount(), pieces.size());
        for (int i = 0; i < pieces.size(); ++i) QCOMPARE(view.tokenText(i), pieces.at(i));
        QCOMPARE(view.tokenText(-1), QString());
        QCOMPARE(view.tokenText(static_cast<int>(pieces.size())), QString());
    }

    void showsMarkupLiterally() {
        TokenView view;
        view.setTokens({"a", " <b>&", " z"});
        const QString shown = view.findChild<QTextBrowser*>()->toPlainText();
        QVERIFY2(shown.contains(QStringLiteral("<b>&")), qPrintable(shown));
    }

    void clickingATokenReportsItsIndex_data() {
        QTest::addColumn<int>("index");
        QTest::newRow("first") << 0;
        QTest::newRow("middle") << 3;
        QTest::newRow("markup") << 2;
        QTest::newRow("newline") << 4;
        QTest::newRow("whitespace only") << 6;
        QTest::newRow("last") << 8;
    }

    void clickingATokenReportsItsIndex() {
        QFETCH(int, index);
        TokenView view;
        view.setTokens({"Is", " there", " <b>&", " a", "\n", "dog", " ", "?", " No"});
        showView(view);
        QVERIFY(!view.tokenRect(index).isEmpty());
        QCOMPARE(clickToken(view, index), QList<int>{index});
    }

    void viridisColoursMatchTheMapAtBothEndsAndMiddle() {
        TokenView view;
        view.setTokens({"a", "b", "c"});
        view.setValues({0.0f, 0.5f, 1.0f}, ColorScale::Viridis);
        QCOMPARE(view.backgroundOf(0), colorAt(ColorScale::Viridis, 0.0));
        QCOMPARE(view.backgroundOf(1), colorAt(ColorScale::Viridis, 0.5));
        QCOMPARE(view.backgroundOf(2), colorAt(ColorScale::Viridis, 1.0));
    }

    void valuesAreScaledToTheirRange() {
        TokenView view;
        view.setTokens({"a", "b", "c"});
        view.setValues({2.0f, 3.0f, 6.0f}, ColorScale::Magma);
        QCOMPARE(view.backgroundOf(0), colorAt(ColorScale::Magma, 0.0));
        QCOMPARE(view.backgroundOf(1), colorAt(ColorScale::Magma, 0.25));
        QCOMPARE(view.backgroundOf(2), colorAt(ColorScale::Magma, 1.0));
    }

    void nanLeavesATokenUncoloured() {
        TokenView view;
        view.setTokens({"a", "b", "c"});
        view.setValues({0.0f, std::numeric_limits<float>::quiet_NaN(), 1.0f}, ColorScale::Viridis);
        QVERIFY(view.backgroundOf(0).isValid());
        QVERIFY(!view.backgroundOf(1).isValid());
        QCOMPARE(view.backgroundOf(2), colorAt(ColorScale::Viridis, 1.0));
    }

    void emptyValuesRemoveTheColouring() {
        TokenView view;
        view.setTokens({"a", "b"});
        view.setValues({0.0f, 1.0f}, ColorScale::Viridis);
        view.setValues({}, ColorScale::Viridis);
        QVERIFY(!view.backgroundOf(0).isValid());
        QVERIFY(!view.backgroundOf(1).isValid());
    }

    void divergingIsSymmetricAroundZero() {
        TokenView view;
        view.setTokens({"a", "b", "c"});
        view.setValues({-2.0f, 0.0f, 1.0f}, ColorScale::Diverging);
        QCOMPARE(view.backgroundOf(0), colorAt(ColorScale::Diverging, 0.0));
        QCOMPARE(view.backgroundOf(1), colorAt(ColorScale::Diverging, 0.5));
        QCOMPARE(view.backgroundOf(2), colorAt(ColorScale::Diverging, 0.75));
    }

    void appendingManyTokensIsCheap() {
        TokenView view;
        showView(view);
        QElapsedTimer timer;
        timer.start();
        for (int i = 0; i < 2000; ++i) {
            view.appendToken(i % 50 == 49 ? QStringLiteral("\n") : QStringLiteral(" w%1").arg(i));
        }
        QCoreApplication::processEvents();
        const qint64 elapsed = timer.elapsed();
        qInfo("2000 appends took %lld ms", elapsed);
        QVERIFY2(elapsed < 3000, qPrintable(QString::number(elapsed)));
        QCOMPARE(view.tokenCount(), 2000);
        QCOMPARE(view.tokenText(1999), QStringLiteral("\n"));
        QCOMPARE(view.tokenText(1998), QStringLiteral(" w1998"));
        QScrollBar* bar = view.findChild<QTextBrowser*>()->verticalScrollBar();
        QVERIFY(bar->maximum() > 0);
        QCOMPARE(bar->value(), bar->maximum());  // streaming follows the end
    }

    void appendingKeepsAScrolledBackViewWhereItIs() {
        TokenView view;
        showView(view);
        for (int i = 0; i < 400; ++i) view.appendToken(QStringLiteral(" word%1").arg(i));
        QScrollBar* bar = view.findChild<QTextBrowser*>()->verticalScrollBar();
        bar->setValue(0);
        for (int i = 0; i < 50; ++i) view.appendToken(QStringLiteral(" more%1").arg(i));
        QCOMPARE(bar->value(), 0);
    }

    void appendedTokensAreClickable() {
        TokenView view;
        showView(view);
        view.appendToken("one");
        view.appendToken(" two");
        view.appendToken(" three");
        QCOMPARE(clickToken(view, 1), QList<int>{1});
    }

    void selectionIsKeptAndCleared() {
        TokenView view;
        view.setTokens({"a", "b", "c"});
        QCOMPARE(view.selectedToken(), -1);
        view.setSelectedToken(2);
        QCOMPARE(view.selectedToken(), 2);
        view.setSelectedToken(1);
        QCOMPARE(view.selectedToken(), 1);
        view.setSelectedToken(7);
        QCOMPARE(view.selectedToken(), -1);
        view.setSelectedToken(0);
        view.setSelectedToken(-1);
        QCOMPARE(view.selectedToken(), -1);
    }

    void selectionAndDifferenceKeepTokensClickable() {
        TokenView view;
        view.setTokens({"alpha", " beta", " gamma", " delta"});
        view.setDifferingFrom(2);
        view.setSelectedToken(3);
        showView(view);
        QCOMPARE(clickToken(view, 3), QList<int>{3});
        QCOMPARE(clickToken(view, 0), QList<int>{0});
        QCOMPARE(view.findChild<QTextBrowser*>()->toPlainText(), QStringLiteral("alpha beta gamma delta"));
    }

    void clearRemovesEverything() {
        TokenView view;
        view.setTokens({"a", "b"});
        view.setValues({0.0f, 1.0f}, ColorScale::Viridis);
        view.setSelectedToken(1);
        view.clear();
        QCOMPARE(view.tokenCount(), 0);
        QCOMPARE(view.selectedToken(), -1);
        QVERIFY(!view.backgroundOf(0).isValid());
        QVERIFY(view.tokenRect(0).isNull());
    }
};

QTEST_MAIN(TestTokenView)
#include "test_token_view.moc"
