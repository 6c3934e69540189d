// RescalePanel: defaults of the paper, keyboard and mouse edits reported through ruleChanged, setRule without
// signals, the depth-limit bounds, Apply and the selection summary.
#include <QCheckBox>
#include <QDoubleSpinBox>
#include <QLabel>
#include <QLocale>
#include <QPushButton>
#include <QSignalSpy>
#include <QSlider>
#include <QSpinBox>
#include <QStyle>
#include <QStyleOptionButton>
#include <QTest>

#include <cmath>

#include "rescale_panel.h"

using headscope::FacRule;
using headscope::widgets::RescalePanel;

namespace {

void compareRules(const FacRule& actual, const FacRule& expected) {
    QCOMPARE(actual.perceptionMaxLayer, expected.perceptionMaxLayer);
    QCOMPARE(actual.reasoningMinLayer, expected.reasoningMinLayer);
    QCOMPARE(actual.perceptionMinShare, expected.perceptionMinShare);
    QCOMPARE(actual.reasoningMaxShare, expected.reasoningMaxShare);
    QCOMPARE(actual.perceptionGain, expected.perceptionGain);
    QCOMPARE(actual.reasoningGain, expected.reasoningGain);
    QCOMPARE(actual.enhancePerception, expected.enhancePerception);
    QCOMPARE(actual.enhanceReasoning, expected.enhanceReasoning);
    QCOMPARE(actual.attenuateOthers, expected.attenuateOthers);
    QCOMPARE(actual.otherGain, expected.otherGain);
}

// The part of a check box that reacts to the mouse (a form row makes the box much wider than that).
QPoint clickPoint(QCheckBox* box) {
    QStyleOptionButton option;
    option.initFrom(box);
    option.text = box->text();
    return box->style()->subElementRect(QStyle::SE_CheckBoxClickRect, &option, box).center();
}

template <typename T>
T* control(RescalePanel& panel, const char* name) {
    T* found = panel.findChild<T*>(QString::fromLatin1(name));
    if (!found) qFatal("control %s not found", name);
    return found;
}

}  // namespace

class TestRescalePanel : public QObject {
    Q_OBJECT

private:
    static void showPanel(RescalePanel& panel) {
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        panel.activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(&panel));
    }

private slots:
    void defaultsAreThePapers() {
        RescalePanel panel;
        compareRules(panel.rule(), FacRule{});
    }

    void everyControlHasItsName() {
        RescalePanel panel;
        for (const char* name : {"perceptionEnabled", "reasoningEnabled", "attenuateOthers"}) {
            QVERIFY2(control<QCheckBox>(panel, name), name);
        }
        for (const char* name : {"perceptionGain", "reasoningGain", "otherGain"}) {
            QVERIFY2(control<QSlider>(panel, name), name);
        }
        QVERIFY(control<QDoubleSpinBox>(panel, "perceptionThreshold"));
        QVERIFY(control<QDoubleSpinBox>(panel, "reasoningThreshold"));
        QVERIFY(control<QSpinBox>(panel, "perceptionMaxLayer"));
        QVERIFY(control<QSpinBox>(panel, "reasoningMinLayer"));
        QVERIFY(control<QLabel>(panel, "selectionSummary"));
        QVERIFY(control<QPushButton>(panel, "applyButton"));
        QVERIFY(!control<QSlider>(panel, "perceptionGain")->toolTip().isEmpty());
        QVERIFY(!control<QDoubleSpinBox>(panel, "reasoningThreshold")->toolTip().isEmpty());
    }

    void arrowKeysMoveTheGainInHundredths() {
        RescalePanel panel;
        showPanel(panel);
        QSignalSpy spy(&panel, &RescalePanel::ruleChanged);
        auto* slider = control<QSlider>(panel, "perceptionGain");
        slider->setFocus();
        QTRY_VERIFY(slider->hasFocus());
        for (int i = 0; i < 5; ++i) QTest::keyClick(slider, Qt::Key_Right);
        QCOMPARE(spy.count(), 5);
        QCOMPARE(panel.rule().perceptionGain, 1.21);
        QVERIFY(std::abs(panel.rule().perceptionGain - FacRule{}.perceptionGain - 0.05) < 1e-12);
        QCOMPARE(spy.last().at(0).value<FacRule>().perceptionGain, 1.21);
    }

    void typingAThresholdChangesTheRuleOnce() {
        RescalePanel panel;
        showPanel(panel);
        QSignalSpy spy(&panel, &RescalePanel::ruleChanged);
        auto* box = control<QDoubleSpinBox>(panel, "perceptionThreshold");
        box->setFocus();
        QTRY_VERIFY(box->hasFocus());
        QTest::keyClick(box, Qt::Key_A, Qt::ControlModifier);
        QTest::keyClicks(box, QLocale().toString(0.305, 'f', 3));
        QTest::keyClick(box, Qt::Key_Return);
        QCOMPARE(spy.count(), 1);
        QCOMPARE(panel.rule().perceptionMinShare, 0.305);
    }

    void clickingACheckboxTogglesIt() {
        RescalePanel panel;
        showPanel(panel);
        QSignalSpy spy(&panel, &RescalePanel::ruleChanged);
        auto* box = control<QCheckBox>(panel, "attenuateOthers");
        auto* gain = control<QSlider>(panel, "otherGain");
        QVERIFY(!gain->isEnabled());
        QTest::mouseClick(box, Qt::LeftButton, Qt::NoModifier, clickPoint(box));
        QCOMPARE(spy.count(), 1);
        QVERIFY(panel.rule().attenuateOthers);
        QVERIFY(gain->isEnabled());
        auto* perception = control<QCheckBox>(panel, "perceptionEnabled");
        QTest::mouseClick(perception, Qt::LeftButton, Qt::NoModifier, clickPoint(perception));
        QCOMPARE(spy.count(), 2);
        QVERIFY(!panel.rule().enhancePerception);
    }

    void setRuleRoundTripsSilently() {
        RescalePanel panel;
        QSignalSpy spy(&panel, &RescalePanel::ruleChanged);
        FacRule rule;
        rule.perceptionMaxLayer = 5;
        rule.reasoningMinLayer = 12;
        rule.perceptionMinShare = 0.315;
        rule.reasoningMaxShare = 0.002;
        rule.perceptionGain = 1.5;
        rule.reasoningGain = 2.75;
        rule.enhancePerception = false;
        rule.enhanceReasoning = true;
        rule.attenuateOthers = true;
        rule.otherGain = 0.6;
        panel.setRule(rule);
        compareRules(panel.rule(), rule);
        QCOMPARE(spy.count(), 0);
        QVERIFY(!control<QSlider>(panel, "perceptionGain")->isEnabled());
        QVERIFY(control<QSlider>(panel, "otherGain")->isEnabled());
    }

    void layerCountBoundsTheDepthLimits() {
        RescalePanel panel;
        QSignalSpy spy(&panel, &RescalePanel::ruleChanged);
        panel.setLayerCount(28);
        QCOMPARE(spy.count(), 0);
        auto* perception = control<QSpinBox>(panel, "perceptionMaxLayer");
        auto* reasoning = control<QSpinBox>(panel, "reasoningMinLayer");
        QCOMPARE(perception->minimum(), 0);
        QCOMPARE(perception->maximum(), 27);
        QCOMPARE(reasoning->maximum(), 27);
        panel.setLayerCount(4);  // l_perc = 7 no longer fits: clamped to 3 and reported once
        QCOMPARE(spy.count(), 1);
        QCOMPARE(panel.rule().perceptionMaxLayer, int64_t{3});
        QCOMPARE(panel.rule().reasoningMinLayer, int64_t{3});
    }

    void applyButtonRequestsApply() {
        RescalePanel panel;
        showPanel(panel);
        QSignalSpy spy(&panel, &RescalePanel::applyRequested);
        auto* apply = control<QPushButton>(panel, "applyButton");
        QTest::mouseClick(apply, Qt::LeftButton);
        QCOMPARE(spy.count(), 1);
        panel.setApplyEnabled(false);
        QTest::mouseClick(apply, Qt::LeftButton);
        QCOMPARE(spy.count(), 1);
    }

    void summaryShowsCountsAndPercentage() {
        RescalePanel panel;
        panel.setSelectionSummary(12, 36, 784);
        const QString text = control<QLabel>(panel, "selectionSummary")->text();
        QVERIFY2(text.contains(QStringLiteral("12 perception")), qPrintable(text));
        QVERIFY2(text.contains(QStringLiteral("36 reasoning")), qPrintable(text));
        QVERIFY2(text.contains(QLocale().toString(6.1, 'f', 1) + QLatin1Char('%')), qPrintable(text));
        QVERIFY2(text.contains(QStringLiteral("784")), qPrintable(text));
        QVERIFY2(!text.contains(QStringLiteral("18%")), qPrintable(text));
        panel.setSelectionSummary(100, 100, 784);  // 25.5%: beyond what the paper recommends
        QVERIFY(control<QLabel>(panel, "selectionSummary")->text().contains(QStringLiteral("18%")));
    }
};

QTEST_MAIN(TestRescalePanel)
#include "test_rescale_panel.moc"
