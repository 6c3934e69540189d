// CompareView: the divergence summary, the differing tokens, the log-probability plot and its PNG / SVG
// export.
#include <QFile>
#include <QImage>
#include <QTemporaryDir>
#include <QTest>
#include <QXmlStreamReader>

#include <qcustomplot.h>

#include "compare_view.h"
#include "token_view.h"

using headscope::widgets::CompareView;

namespace {

const QStringList kBaseline = {"The", " cat", " is", " black", "."};
const std::vector<float> kBaselineLogprobs = {-0.5f, -1.25f, -0.125f, -2.0f, -0.25f};
const QStringList kRescaled = {"The", " cat", " sits", " on", " a", " mat"};
const std::vector<float> kRescaledLogprobs = {-0.5f, -1.25f, -3.0f, -0.75f, -0.375f, -1.5f};

}  // namespace

class TestCompareView : public QObject {
    Q_OBJECT

private slots:
    void summaryNamesTheFirstDivergence() {
        CompareView view;
        view.setRuns(kBaseline, kBaselineLogprobs, kRescaled, kRescaledLogprobs, 2);
        const QString summary = view.summaryText();
        QVERIFY2(summary.contains(QStringLiteral("2")), qPrintable(summary));
        QVERIFY2(summary.contains(QStringLiteral("\" is\"")), qPrintable(summary));
        QVERIFY2(summary.contains(QStringLiteral("\" sits\"")), qPrintable(summary));
        QVERIFY2(summary.contains(QStringLiteral("divergence")), qPrintable(summary));
    }

    void summaryShowsTokensLiterally() {
        CompareView view;
        view.setRuns({"a", "<b>%1"}, {-1.0f, -1.0f}, {"a", "\n"}, {-1.0f, -2.0f}, 1);
        const QString summary = view.summaryText();
        QVERIFY2(summary.contains(QStringLiteral("\"<b>%1\"")), qPrintable(summary));
        QVERIFY2(summary.contains(QStringLiteral("\"\\n\"")), qPrintable(summary));
    }

    void identicalRunsSayIdentical() {
        CompareView view;
        view.setRuns(kBaseline, kBaselineLogprobs, kBaseline, kBaselineLogprobs, -1);
        QVERIFY2(view.summaryText().contains(QStringLiteral("identical")), qPrintable(view.summaryText()));
        QVERIFY(!view.summaryText().contains(QStringLiteral("divergence")));
    }

    void bothAnswersAreShown() {
        CompareView view;
        view.setRuns(kBaseline, kBaselineLogprobs, kRescaled, kRescaledLogprobs, 2);
        QCOMPARE(view.baselineView()->tokenCount(), kBaseline.size());
        QCOMPARE(view.rescaledView()->tokenCount(), kRescaled.size());
        QCOMPARE(view.rescaledView()->tokenText(2), QStringLiteral(" sits"));
    }

    void plotHoldsBothRunsLogprobs() {
        CompareView view;
        view.setRuns(kBaseline, kBaselineLogprobs, kRescaled, kRescaledLogprobs, 2);
        QCustomPlot* plot = view.logprobPlot();
        QCOMPARE(plot->graphCount(), 2);
        const std::vector<float>* expected[] = {&kBaselineLogprobs, &kRescaledLogprobs};
        for (int g = 0; g < 2; ++g) {
            const auto data = plot->graph(g)->data();
            QCOMPARE(data->size(), static_cast<int>(expected[g]->size()));
            for (int i = 0; i < data->size(); ++i) {
                QCOMPARE(data->at(i)->key, static_cast<double>(i));
                QCOMPARE(data->at(i)->value, static_cast<double>((*expected[g])[static_cast<size_t>(i)]));
            }
        }
        QCOMPARE(plot->graph(0)->name(), QStringLiteral("baseline"));
        QCOMPARE(plot->graph(1)->name(), QStringLiteral("rescaled"));
    }

    void divergenceLineSitsAtTheFirstDivergence() {
        CompareView view;
        view.setRuns(kBaseline, kBaselineLogprobs, kRescaled, kRescaledLogprobs, 2);
        QCustomPlot* plot = view.logprobPlot();
        QCOMPARE(plot->itemCount(), 1);
        auto* line = qobject_cast<QCPItemStraightLine*>(plot->item(0));
        QVERIFY(line);
        QVERIFY(line->visible());
        QCOMPARE(line->point1->coords().x(), 2.0);
        QCOMPARE(line->point2->coords().x(), 2.0);
        view.setRuns(kBaseline, kBaselineLogprobs, kBaseline, kBaselineLogprobs, -1);
        QVERIFY(!line->visible());
    }

    void clearEmptiesEverything() {
        CompareView view;
        view.setRuns(kBaseline, kBaselineLogprobs, kRescaled, kRescaledLogprobs, 2);
        view.clear();
        QVERIFY(view.summaryText().isEmpty());
        QCOMPARE(view.baselineView()->tokenCount(), 0);
        QCOMPARE(view.logprobPlot()->graph(0)->data()->size(), 0);
    }

    void savesAValidPng() {
        CompareView view;
        view.resize(800, 600);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        view.setRuns(kBaseline, kBaselineLogprobs, kRescaled, kRescaledLogprobs, 2);
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("logprobs.png"));
        QVERIFY(view.savePlotPng(path));
        QImage image(path);
        QVERIFY(!image.isNull());
        QCOMPARE(image.size(), view.logprobPlot()->size());
    }

    void savesAValidSvg() {
        CompareView view;
        view.setRuns(kBaseline, kBaselineLogprobs, kRescaled, kRescaledLogprobs, 2);
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("logprobs.svg"));
        QVERIFY(view.savePlotSvg(path));
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        QXmlStreamReader xml(&file);
        bool sawSvgRoot = false;
        while (!xml.atEnd()) {
            if (xml.readNext() == QXmlStreamReader::StartElement && !sawSvgRoot) {
                QCOMPARE(xml.name().toString(), QStringLiteral("svg"));
                sawSvgRoot = true;
            }
        }
        QVERIFY2(!xml.hasError(), qPrintable(xml.errorString()));
        QVERIFY(sawSvgRoot);
    }

    void refusesAnUnwritableSvgPath() {
        CompareView view;
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("could not open")));
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("QPainter::begin")));
        QVERIFY(!view.savePlotSvg(QStringLiteral("/nonexistent-folder/plot.svg")));
    }
};

QTEST_MAIN(TestCompareView)
#include "test_compare_view.moc"
